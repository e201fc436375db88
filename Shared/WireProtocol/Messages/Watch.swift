import EvidenceModel
import Foundation
import MetaAnalysis

/// A watch as the notifier reports it.
public struct WatchInfo: Codable, Sendable, Hashable {
    public var name: String
    /// What a plain watch matches; absent on a synthesis watch.
    public var filter: EvidenceFilter?
    /// What a synthesis watch follows, resolved (codes, and the method in effect); absent on a plain watch.
    public var synthesis: SynthesisQuestion?
    /// A synthesis watch's figures as of its cursor (the last ones delivered, or its starting
    /// point); absent while it is still reading the store's log up to where it was added.
    public var headline: SynthesisHeadline?
    /// Matches go out on the notifier's stream (topic: the name, then a NUL byte).
    public var stream: Bool
    /// Matches are POSTed here.
    public var webhook: String?
    /// The last change sequence number this watch has dealt with (delivered, or found not matching).
    public var cursor: Int64
    /// How many changes the store has that this watch has not dealt with yet.
    public var lag: Int64
    /// Matches delivered (each one is numbered: the stream's `delivery` field).
    public var delivered: Int
    /// Webhook attempts that failed.
    public var failures: Int
    /// Matches given up on after every attempt failed.
    public var deadLetters: Int
    /// Stream messages dropped because subscribers were too slow (see PROTOCOL.md).
    public var dropped: Int
    /// Why delivery is paused, when it is.
    public var paused: String?

    public init(name: String, filter: EvidenceFilter?, synthesis: SynthesisQuestion? = nil, headline: SynthesisHeadline? = nil,
                stream: Bool, webhook: String?, cursor: Int64, lag: Int64,
                delivered: Int, failures: Int, deadLetters: Int, dropped: Int, paused: String?) {
        self.name = name
        self.filter = filter
        self.synthesis = synthesis
        self.headline = headline
        self.stream = stream
        self.webhook = webhook
        self.cursor = cursor
        self.lag = lag
        self.delivered = delivered
        self.failures = failures
        self.deadLetters = deadLetters
        self.dropped = dropped
        self.paused = paused
    }
}

/// `watch.add` (to the notifier): a durable watch on new changes matching `filter`, or on
/// the pooled result of `synthesis` (one of the two).
public struct WatchAddRequest: Codable, Sendable {
    /// 1–64 characters: letters, digits, `.`, `_`, `-`.
    public var name: String
    public var filter: EvidenceFilter?
    /// The question of `synthesize`: deliver when a change moves its pooled estimate, CI, k or I².
    public var synthesis: SynthesizeRequest?
    /// Deliver on the stream (default true).
    public var stream: Bool?
    /// Also POST each match here (http or https).
    public var webhook: String?

    public init(name: String, filter: EvidenceFilter? = nil, synthesis: SynthesizeRequest? = nil, stream: Bool? = nil,
                webhook: String? = nil) {
        self.name = name
        self.filter = filter
        self.synthesis = synthesis
        self.stream = stream
        self.webhook = webhook
    }
}

public struct WatchAddReply: Codable, Sendable {
    public var watch: WatchInfo
    /// The key webhook bodies are signed with; given once, here.
    public var secret: String?

    public init(watch: WatchInfo, secret: String?) {
        self.watch = watch
        self.secret = secret
    }
}

/// `watch.remove`, `watch.resume` (to the notifier).
public struct WatchNameRequest: Codable, Sendable {
    public var name: String

    public init(name: String) { self.name = name }
}

/// `watch.replay` (to the notifier): deliver again every match from sequence number `from` on.
public struct WatchReplayRequest: Codable, Sendable {
    public var name: String
    public var from: Int64

    public init(name: String, from: Int64) {
        self.name = name
        self.from = from
    }
}

/// A dead letter: a match given up on.
public struct DeadLetter: Codable, Sendable, Hashable {
    public var watch: String
    public var seq: Int64
    public var key: String?
    public var attempts: Int
    public var lastStatus: Int?
    public var lastError: String
    public var at: Date

    public init(watch: String, seq: Int64, key: String?, attempts: Int, lastStatus: Int?, lastError: String, at: Date) {
        self.watch = watch
        self.seq = seq
        self.key = key
        self.attempts = attempts
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.at = at
    }
}

/// `watch.list` reply (also the reply of `watch.resume`, `watch.replay`, `watch.remove` for one watch).
public struct WatchListReply: Codable, Sendable {
    public var watches: [WatchInfo]
    /// The most recent dead letters (at most 20 per watch).
    public var deadLetters: [DeadLetter]
    /// The store's head as the notifier last heard.
    public var storeHead: Int64

    public init(watches: [WatchInfo], deadLetters: [DeadLetter], storeHead: Int64) {
        self.watches = watches
        self.deadLetters = deadLetters
        self.storeHead = storeHead
    }
}

/// What a stream message and a webhook body say about one match.
public struct MatchHeader: Codable, Sendable, Hashable {
    public var watch: String
    /// 1, 2, 3… for each match delivered on this watch: a jump means messages were lost.
    public var delivery: Int
    public var change: ChangeHeader

    public init(watch: String, delivery: Int, change: ChangeHeader) {
        self.watch = watch
        self.delivery = delivery
        self.change = change
    }
}

/// What a synthesis watch delivers for a change that moved its synthesis: the stream
/// message's last frame, and the webhook body's `synthesis` member.
public struct SynthesisMove: Codable, Sendable, Hashable {
    public var question: SynthesisQuestion
    /// The figures before the change (as last delivered, or as they stood when the watch was added)…
    public var before: SynthesisHeadline
    /// …and with it.
    public var after: SynthesisHeadline

    public init(question: SynthesisQuestion, before: SynthesisHeadline, after: SynthesisHeadline) {
        self.question = question
        self.before = before
        self.after = after
    }
}

extension MessageType {
    public static let watchAdd = "watch.add"
    public static let watchList = "watch.list"
    public static let watchRemove = "watch.remove"
    public static let watchResume = "watch.resume"
    public static let watchReplay = "watch.replay"
    /// notifier stream (PUB): one match.
    public static let match = "match"
    /// notifier stream (PUB): a change that moved a synthesis watch's pooled result.
    public static let synthesisMatch = "synthesis.match"
}

public enum WatchName {
    /// 1–64 characters: letters, digits, `.`, `_`, `-`.
    public static func isValid(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 46 || $0 == 95 || $0 == 45
        }
    }

    /// The stream topic of a watch: its name and a NUL byte, so that `ms` does not also
    /// match `ms-rct` (SUB matches prefixes).
    public static func topic(_ name: String) -> Data { Data(name.utf8) + Data([0]) }
}
