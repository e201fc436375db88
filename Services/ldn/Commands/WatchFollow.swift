import ArgumentParser
import EvidenceModel
import Foundation
import Client
import ServiceKit
import Synchronization
import WireProtocol
import ZMQ

/// Set by SIGINT or SIGTERM; the follow loop checks it between polls.
private let stopRequested = Atomic<Bool>(false)

struct WatchFollow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow", abstract: "Show each new match of a watch as one line, as it arrives. Ctrl-C stops.",
        discussion: """
            Repeats (the stream delivers at least once) are shown once: matches are numbered per watch. \
            A jump in the numbers means the stream dropped matches for a slow subscriber; \
            `ldn watch replay NAME --from SEQ` delivers them again.
            """)

    @Argument var name: String

    @Option(help: "The notifier's stream (env LDN_NOTIFIER_STREAM_ENDPOINT).")
    var stream = ServiceName.notifierStream.configuredEndpoint

    @Option(help: "Stop after this many matches.")
    var count: Int?

    @Flag(help: "Print one JSON object per match.")
    var json = false

    @OptionGroup var endpoint: NotifierEndpoint

    func run() throws {
        try checkWatch()
        Self.stopOnInterrupt()
        let context = try Context()
        let socket = try context.socket(.sub)
        defer { socket.close() }
        try socket.set([.linger(milliseconds: 0), .subscribe(WatchName.topic(name))]
                       + endpoint.connection.keys.socketOptions(for: .notifierStream))
        let monitor = try socket.monitor()
        defer { monitor.close() }
        try socket.connect(stream)
        try waitForStream(monitor)
        Output.error("following watch \"\(name)\" at \(stream); Ctrl-C stops")

        var poller = Poller()
        poller.add(socket)
        var lastDelivery = 0, shown = 0
        while !stopRequested.load(ordering: .relaxed), count.map({ shown < $0 }) ?? true {
            guard try poller.poll(timeoutMilliseconds: 200) > 0, let frames = try socket.receive(dontWait: true),
                  frames.count == 5, let match = try? WireJSON.decode(MatchHeader.self, from: frames[3]) else { continue }
            guard match.delivery > lastDelivery else { continue }  // a repeat
            if lastDelivery > 0 && match.delivery > lastDelivery + 1 {
                Output.error("note: \(match.delivery - lastDelivery - 1) match(es) were dropped by the stream; "
                             + "`ldn watch replay \(name) --from SEQ` delivers them again")
            }
            lastDelivery = match.delivery
            shown += 1
            let synthesis = frames[2] == Data(MessageType.synthesisMatch.utf8)
            if json {
                Output.line("{\"match\":\(String(decoding: frames[3], as: UTF8.self)),\"\(synthesis ? "synthesis" : "record")\":"
                            + "\(String(decoding: frames[4], as: UTF8.self))}")
            } else if synthesis {
                let move = try? WireJSON.decode(SynthesisMove.self, from: frames[4])
                Output.line(move.map { SynthesisText.line(match, $0) } ?? "seq \(match.change.seq) #\(match.delivery) \(match.change.key)")
            } else {
                Output.line(Self.line(match, record: RecordIntake.evaluate(frames[4]).record))
            }
        }
        Output.error("stopped following \"\(name)\" (\(shown) match\(shown == 1 ? "" : "es"))")
    }

    /// Fails fast on a watch that does not exist or has no stream; when the notifier does
    /// not answer, says so and follows anyway (its stream is there once it is).
    private func checkWatch() throws {
        let connection = Connection(context: try Context(), endpoint: endpoint.endpoint, timeout: .seconds(2), retries: 0,
                                    security: try endpoint.connection.keys.socketOptions(for: .notifier))
        let list: WatchListReply
        do {
            list = try connection.call(Request(type: MessageType.watchList, id: Output.requestID(), body: EmptyBody()),
                                       as: WatchListReply.self)
        } catch .unreachable {
            return Output.error("warning: the notifier at \(endpoint.endpoint) does not answer; following anyway")
        } catch {
            throw exitForFailure(error, service: .notifier, keys: endpoint.connection.keys)
        }
        guard let watch = list.watches.first(where: { $0.name == name }) else {
            Output.error("no watch named \"\(name)\"; `ldn watch list` shows them, `ldn watch add` adds one")
            throw ExitCode(1)
        }
        guard watch.stream else {
            Output.error("watch \"\(name)\" delivers by webhook only, not on the stream")
            throw ExitCode(1)
        }
    }

    /// Waits until the stream's connection is up, so that what is shown after "following"
    /// is not lost to a connection still being made; a refused connection ends the command.
    private func waitForStream(_ monitor: SocketMonitor) throws {
        let deadline = ContinuousClock.now + Connection.connectWait
        var poller = Poller()
        poller.add(monitor)
        while case let remaining = deadline - .now, remaining > .zero {
            guard try poller.poll(timeout: remaining) > 0, let event = try monitor.next() else { continue }
            switch event.kind {
            case .handshakeSucceeded: return
            case .handshakeFailedAuth, .handshakeFailedProtocol, .handshakeFailedNoDetail:
                throw exitForFailure(.handshakeRefused(event), service: .notifierStream, keys: endpoint.connection.keys)
            case .connectRetried:
                Output.error(ServiceName.notifierStream.downMessage(
                    at: [stream], because: ServiceName.refusalReason([stream])))
                throw ExitCode.unreachable
            default: continue
            }
        }
        Output.error("warning: no connection to the notifier's stream at \(stream) within "
                     + "\(Output.seconds(Connection.connectWait.seconds)); following anyway")
    }

    /// Ctrl-C or SIGTERM ends the loop cleanly. The signals are unblocked first: a parent
    /// (a test runner's thread, a supervisor) may have passed them on blocked.
    private static func stopOnInterrupt() {
        signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    /// `seq 42 #3 2024 rct n=99 [retracted] Title… (PMID 38258677)`, at most 80 columns.
    static func line(_ match: MatchHeader, record: EvidenceRecord?) -> String {
        guard let record else { return "seq \(match.change.seq) #\(match.delivery) \(match.change.key)" }
        let id = record.identifiers.pmid.map { " (PMID \($0))" } ?? record.identifiers.doi.map { " (doi:\($0))" } ?? ""
        var head = "seq \(match.change.seq) #\(match.delivery) \(record.year) \(record.design.rawValue)"
        if let n = record.participants { head += " n=\(n)" }
        if match.change.status == .retracted { head += " [retracted]" }
        let room = max(20, 80 - head.count - 1 - id.count)
        let title = record.title.count > room ? String(record.title.prefix(room - 1)) + "…" : record.title
        return "\(head) \(title)\(id)"
    }
}
