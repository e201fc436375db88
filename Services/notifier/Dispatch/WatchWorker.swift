import EvidenceModel
import Foundation
import Logging
import ServiceKit
import WireProtocol

/// Delivers one watch's matches, in sequence order, from its cursor on. One worker per
/// watch, so that a slow or failing webhook delays only its own watch.
///
/// The cursor moves past a change once the change is dealt with: not matching, published,
/// POSTed, or given up on (a dead letter). It is saved after every webhook delivery and
/// after every batch, so a crash repeats at most what was in flight (at-least-once).
/// The worker keeps its watch in memory and reads it again only when told to (resume,
/// replay) or when a save finds it changed.
struct WatchWorker {
    let name: String
    let context: DeliveryContext

    func run(wakeups: AsyncStream<Void>) async {
        var wakeup = wakeups.makeAsyncIterator()
        var current: WatchStore.Watch?
        while !Task.isCancelled {
            if current == nil || context.registry.takeReload(name) {
                do {
                    guard let watch = try await context.watches.watch(name) else { return }  // removed
                    current = watch
                } catch {
                    context.logger.error("cannot read a watch; retrying", metadata: ["watch": "\(name)", "error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                    continue
                }
            }
            guard let watch = current else { continue }
            let batch = watch.paused == nil ? await context.changes(after: watch.cursor) : []
            if batch.isEmpty {
                guard await wakeup.next() != nil else { return }
                continue
            }
            current = await deliver(batch, for: watch)
        }
    }

    /// Delivers what in `batch` matches; returns the watch as it now stands, or nil when it
    /// must be read again (changed meanwhile, or a save failed).
    private func deliver(_ batch: [ReadChange], for start: WatchStore.Watch) async -> WatchStore.Watch? {
        var watch = start
        var delivered = 0, failures = 0
        /// Saves the progress since the last save; false when the watch changed meanwhile.
        func save() async -> Bool {
            let saved = await context.progress.save(.init(watch: name, rewinds: watch.rewinds, cursor: watch.cursor,
                                                          delivered: delivered, failures: failures, deadInARow: watch.deadInARow))
            context.stats.add("deliveries", delivered)
            context.stats.add("webhook.failures", failures)
            watch.delivered += delivered
            watch.failures += failures
            (delivered, failures) = (0, 0)
            return saved
        }
        for change in batch {
            guard !Task.isCancelled else { break }
            guard let record = change.record, watch.filter.matches(record, status: change.header.status) else {
                watch.cursor = change.header.seq
                continue
            }
            // Matches are numbered per watch: a repeat after a crash gets the number it had.
            let match = MatchHeader(watch: name, delivery: watch.delivered + delivered + 1, change: change.header)
            if watch.stream { context.stream.publish(match, record: change.body) }
            if let url = watch.webhook, let secret = watch.secret {
                switch await context.sender.deliver(match, body: WebhookSender.body(match, record: change.body), to: url,
                                                    secret: secret, logger: context.logger) {
                case .delivered(_, let attempt):
                    failures += attempt - 1
                    watch.deadInARow = 0
                case .interrupted:
                    return await save() ? watch : nil
                case .failed(let status, let error, let attempts):
                    failures += attempts
                    watch.deadInARow += 1
                    await deadLetter(change, attempts: attempts, status: status, error: error)
                }
            }
            delivered += 1
            watch.cursor = change.header.seq
            if watch.webhook != nil {
                guard await save() else { return nil }
                if watch.deadInARow >= context.pauseAfter {
                    await pause(&watch)
                    return watch
                }
            }
        }
        return await save() ? watch : nil
    }

    private func deadLetter(_ change: ReadChange, attempts: Int, status: Int?, error: String) async {
        context.stats.add("dead_letters")
        try? await context.watches.addDeadLetter(DeadLetter(watch: name, seq: change.header.seq, key: change.header.key,
                                                            attempts: attempts, lastStatus: status, lastError: error, at: Date()))
        context.logger.warning("webhook gave up; dead letter", metadata: [
            "watch": "\(name)", "seq": "\(change.header.seq)", "record.key": "\(change.header.key)",
            "attempts": "\(attempts)", "error": "\(error)"])
    }

    private func pause(_ watch: inout WatchStore.Watch) async {
        let reason = "\(watch.deadInARow) deliveries in a row failed; `ldn watch resume \(name)` restarts from seq \(watch.cursor + 1)"
        try? await context.watches.setPaused(name, reason: reason)
        watch.paused = reason
        context.logger.warning("watch paused", metadata: ["watch": "\(name)", "reason": "\(reason)"])
    }
}
