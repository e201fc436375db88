import EvidenceModel
import Foundation
import Logging
import MetaAnalysis
import ServiceKit
import WireProtocol

/// The notifier's message types: adding, listing, removing, resuming and replaying watches.
struct NotifierRoutes {
    let context: DeliveryContext
    let policy: TargetPolicy

    func add(to routes: inout Routes) {
        routes.on(MessageType.watchAdd, requires: .watcher, add)
        routes.on(MessageType.watchList, requires: .watcher, list)
        routes.on(MessageType.watchRemove, requires: .watcher, remove)
        routes.on(MessageType.watchResume, requires: .watcher, resume)
        routes.on(MessageType.watchReplay, requires: .watcher, replay)
    }

    @Sendable func add(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(WatchAddRequest.self)
        guard WatchName.isValid(body.name) else {
            throw ErrorBody(code: .invalidRequest, message: "a watch name is 1–64 letters, digits, '.', '_' or '-'")
        }
        let (filter, synthesis) = try Self.subject(body)
        if let webhook = body.webhook, webhook.utf8.count > 2048 {
            throw ErrorBody(code: .invalidRequest, message: "webhook is \(webhook.utf8.count) bytes long; at most 2048 are allowed",
                            details: [ErrorDetail(field: "webhook", message: "too long")])
        }
        var webhook: URL?
        if let text = body.webhook { webhook = try await policy.check(text) }  // a lookup, off the cooperative pool
        let stream = body.stream ?? true
        guard stream || webhook != nil else {
            throw ErrorBody(code: .invalidRequest, message: "a watch needs a delivery: the stream, a webhook, or both")
        }
        let secret = webhook == nil ? nil : Self.newSecret()
        // A watch is about new evidence: it starts at the store's current head. A synthesis
        // watch first reads the log up to there, to start from the synthesis as it stands;
        // its head is the store's own, not the feed's view of it, which may lag behind a
        // change the caller has just seen committed.
        let head = synthesis == nil ? try await currentHead() : try await storeHead()
        let watch = WatchStore.Watch(name: body.name, filter: filter, stream: stream, webhook: webhook, secret: secret,
                                     cursor: synthesis == nil ? head : 0, delivered: 0, failures: 0, deadInARow: 0, paused: nil,
                                     rewinds: 0, owner: request.caller.isAuthenticated ? request.caller.name : nil,
                                     synthesis: synthesis, synthesisBaseline: synthesis == nil ? 0 : head)
        guard try await context.watches.add(watch) else {
            throw ErrorBody(code: .invalidRequest, message: "a watch named \"\(body.name)\" exists; remove it first or pick another name")
        }
        context.registry.requestWorker(for: body.name)
        logger.info("watch added", metadata: ["watch": "\(body.name)", "seq": "\(head)"])
        return .ok(request, WatchAddReply(watch: try await info(watch), secret: secret))
    }

    /// What a watch follows: a filter (resolved as `query` resolves it), or a synthesis
    /// question (resolved as `synthesize` resolves it); exactly one.
    static func subject(_ body: WatchAddRequest) throws(ErrorBody) -> (EvidenceFilter, SynthesisQuestion?) {
        switch (body.filter, body.synthesis) {
        case (let filter?, nil):
            return (try filter.resolved(), nil)
        case (nil, let synthesis?):
            return (EvidenceFilter(), try synthesis.resolved(field: "synthesis."))
        case (nil, nil):
            throw ErrorBody(code: .invalidRequest, message: "a watch needs a filter (new evidence matching it) or a synthesis "
                            + "(a pooled result to follow)", details: [ErrorDetail(field: "filter", message: "is required")])
        case (_?, _?):
            throw ErrorBody(code: .invalidRequest, message: "a watch has a filter or a synthesis, not both",
                            details: [ErrorDetail(field: "synthesis", message: "not with filter")])
        }
    }

    @Sendable func list(_ request: Request, logger: Logger) async throws -> Reply {
        _ = try request.decodeBody(EmptyBody.self)
        // Each identity sees its own watches (an admin, every one).
        let watches = try await context.watches.all().filter { request.caller.owns($0.owner) }
        let names = Set(watches.map(\.name))
        var infos: [WatchInfo] = []
        for watch in watches { infos.append(try await info(watch)) }
        let letters = try await context.watches.deadLetters().filter { names.contains($0.watch) }
        return .ok(request, WatchListReply(watches: infos, deadLetters: letters, storeHead: context.head))
    }

    @Sendable func remove(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(WatchNameRequest.self)
        let watch = try await existing(body.name, for: request.caller)
        context.registry.stop(body.name)
        _ = try await context.watches.remove(body.name)
        logger.info("watch removed", metadata: ["watch": "\(body.name)"])
        return .ok(request, WatchListReply(watches: [try await info(watch)], deadLetters: [], storeHead: context.head))
    }

    @Sendable func resume(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(WatchNameRequest.self)
        _ = try await existing(body.name, for: request.caller)
        try await context.watches.setPaused(body.name, reason: nil)
        context.registry.reload(body.name)
        logger.info("watch resumed", metadata: ["watch": "\(body.name)"])
        return .ok(request, WatchListReply(watches: [try await info(try await existing(body.name))], deadLetters: [],
                                           storeHead: context.head))
    }

    /// Moves the watch's cursor back, so matches from `from` on are delivered again (with the
    /// same idempotency keys as the first time).
    @Sendable func replay(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(WatchReplayRequest.self)
        _ = try await existing(body.name, for: request.caller)
        guard body.from >= 1 else { throw ErrorBody(code: .invalidRequest, message: "replay starts at sequence number 1 or later") }
        try await context.watches.rewind(body.name, to: body.from)
        try await context.watches.setPaused(body.name, reason: nil)
        context.registry.reload(body.name)
        logger.info("watch replay", metadata: ["watch": "\(body.name)", "from": "\(body.from)"])
        return .ok(request, WatchListReply(watches: [try await info(try await existing(body.name))], deadLetters: [],
                                           storeHead: context.head))
    }

    private func existing(_ name: String, for caller: Caller? = nil) async throws -> WatchStore.Watch {
        guard let watch = try await context.watches.watch(name) else {
            throw ErrorBody(code: .notFound, message: "no watch named \"\(name)\"")
        }
        if let caller, !caller.owns(watch.owner) {
            throw ErrorBody(code: .forbidden, message: "the watch \"\(name)\" belongs to another identity; \(caller.name) may manage only its own",
                            identity: caller.name, role: Role.admin.rawValue)
        }
        return watch
    }

    private func info(_ watch: WatchStore.Watch) async throws -> WatchInfo {
        let dead = try await context.watches.deadLetterCounts()[watch.name] ?? 0
        return WatchInfo(name: watch.name, filter: watch.synthesis == nil ? watch.filter : nil, synthesis: watch.synthesis,
                         headline: watch.synthesisHeadline, stream: watch.stream, webhook: watch.webhook?.absoluteString,
                         cursor: watch.cursor, lag: max(context.head - watch.cursor, 0), delivered: watch.delivered,
                         failures: watch.failures, deadLetters: dead, dropped: context.stream.droppedByWatch[watch.name] ?? 0,
                         paused: watch.paused)
    }

    /// The store's head: the follower's view once it has one, else asked of the store.
    private func currentHead() async throws -> Int64 {
        if !context.follower.state.catchingUp { return context.head }
        return try await storeHead()
    }

    /// The store's head, asked of the store.
    private func storeHead() async throws -> Int64 {
        let reply = try await context.store.send(Request(type: MessageType.changes, id: "notifier-head-\(UUID().uuidString)",
                                                         body: ChangesRequest(after: Int64.max - 1, limit: 1)))
        return try reply.decode(ChangesReply.self).head
    }

    static func newSecret() -> String {
        (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }
}
