import EvidenceModel
import Foundation
import Logging
import WireProtocol

/// Delivers one watch's matches, in sequence order, from its cursor on. One worker per
/// watch, so that a slow or failing webhook delays only its own watch.
///
/// The cursor moves past a change once the change is dealt with: not matching, published,
/// POSTed, or given up on (a dead letter). It is saved after every webhook delivery and
/// after every batch, so a crash repeats at most what was in flight (at-least-once).
struct WatchWorker {
    let name: String
    let context: DeliveryContext

    func run(wakeups: AsyncStream<Void>) async {
        var wakeup = wakeups.makeAsyncIterator()
        while !Task.isCancelled {
            guard let watch = try? await context.watches.watch(name) else { return }  // removed
            if watch.paused != nil {
                guard await wakeup.next() != nil else { return }
                continue
            }
            let batch = await context.changes(after: watch.cursor)
            if batch.isEmpty {
                guard await wakeup.next() != nil else { return }
                continue
            }
            await deliver(batch, for: watch)
        }
    }

    private func deliver(_ batch: [Change], for watch: WatchStore.Watch) async {
        var cursor = watch.cursor, delivered = 0, failures = 0, deadInARow = watch.deadInARow
        var number = watch.delivered  // matches are numbered per watch, across saves
        /// False when the watch was rewound or removed meanwhile: the batch is stale.
        func save() async -> Bool {
            let saved = (try? await context.watches.advance(watch, cursor: cursor, delivered: delivered, failures: failures,
                                                            deadInARow: deadInARow)) ?? false
            context.stats.add("deliveries", delivered)
            context.stats.add("webhook.failures", failures)
            (delivered, failures) = (0, 0)
            return saved
        }
        for change in batch {
            guard !Task.isCancelled else { break }
            guard let record = change.record, watch.filter.matches(record, status: change.header.status) else {
                cursor = change.header.seq
                continue
            }
            number += 1
            let match = MatchHeader(watch: name, delivery: number, change: change.header)
            if watch.stream { context.stream.publish(match, record: change.body) }
            if let url = watch.webhook, let secret = watch.secret {
                switch await context.sender.deliver(match, body: WebhookSender.body(match, record: change.body), to: url,
                                                    secret: secret, logger: context.logger) {
                case .delivered(_, let attempt):
                    failures += attempt - 1
                    deadInARow = 0
                case .interrupted:
                    _ = await save()
                    return
                case .failed(let status, let error, let attempts):
                    failures += attempts
                    deadInARow += 1
                    context.stats.add("dead_letters")
                    try? await context.watches.addDeadLetter(DeadLetter(watch: name, seq: change.header.seq, key: change.header.key,
                                                                        attempts: attempts, lastStatus: status, lastError: error, at: Date()))
                    context.logger.warning("webhook gave up; dead letter", metadata: [
                        "watch": "\(name)", "seq": "\(change.header.seq)", "record.key": "\(change.header.key)",
                        "attempts": "\(attempts)", "error": "\(error)"])
                }
            }
            delivered += 1
            cursor = change.header.seq
            if watch.webhook != nil {
                guard await save() else { return }
                if deadInARow >= context.pauseAfter {
                    let reason = "\(deadInARow) deliveries in a row failed; `ldn watch resume \(name)` restarts from seq \(cursor + 1)"
                    try? await context.watches.setPaused(name, reason: reason)
                    context.logger.warning("watch paused", metadata: ["watch": "\(name)", "reason": "\(reason)"])
                    return
                }
            }
        }
        _ = await save()
    }
}
