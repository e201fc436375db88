import EvidenceModel
import Foundation
import Client
import Logging
import Replication
import ServiceKit
import WireProtocol

/// Delivers one watch's matches, in sequence order, from its cursor on. One worker per
/// watch, so that a slow or failing webhook delays only its own watch. A plain watch's
/// matches are the changes its filter lets through; a synthesis watch's are the changes
/// that move its pooled result (`SynthesisTracker`), whose set is saved with the cursor.
///
/// The cursor moves past a change once the change is dealt with: not matching, published,
/// POSTed, given up on (a dead letter), or unappliable (damaged, not a valid record:
/// skipped and counted). It is saved after every webhook delivery and after every batch,
/// so a crash repeats at most what was in flight (at-least-once). A stream-only watch's save
/// runs behind its deliveries (`DeferredProgress`); the others wait for theirs.
/// The worker keeps its watch in memory and reads it again only when told to (resume,
/// replay) or when a save finds it changed. Failures (the store or the watch database
/// unreachable) are logged and counted, and the worker tries again after a growing pause:
/// it ends only when its watch is removed or the notifier stops.
struct WatchWorker {
    let name: String
    let context: DeliveryContext

    func run(wakeups: AsyncStream<Void>) async {
        let deferred = DeferredProgress(writer: context.progress)
        await deliverUntilStopped(wakeups: wakeups, deferred: deferred)
        await deferred.settle()
    }

    private func deliverUntilStopped(wakeups: AsyncStream<Void>, deferred: DeferredProgress) async {
        var wakeup = wakeups.makeAsyncIterator()
        var current: WatchStore.Watch?
        var synthesis: SynthesisTracker?
        var backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(8))
        while !Task.isCancelled {
            switch deferred.takeProblem() {
            case .stale?: current = nil
            case .failed?:
                current = nil
                await backoff.wait()
            case .saved?, nil: break
            }
            if current == nil || context.registry.takeReload(name) {
                // The database's cursor must be the latest before it is read back.
                await deferred.settle()
                do {
                    guard let (watch, saved) = try await context.watches.watchWithSynthesis(name) else { return }  // removed
                    current = watch
                    synthesis = tracker(watch, saved)
                } catch {
                    context.stats.add("watch_store.errors")
                    context.logger.error("cannot read a watch; retrying", metadata: ["watch": "\(name)", "error": "\(error)"])
                    await backoff.wait()
                    continue
                }
            }
            guard let watch = current else { continue }
            if watch.paused != nil {
                guard await wakeup.next() != nil else { return }
                continue
            }
            guard let batch = await context.changes(after: watch.cursor, for: name) else {
                await backoff.wait()  // the store could not be reached: ask again, later
                continue
            }
            // A synthesis watch whose figures were just set (its set was built) saves them at
            // once, so that `watch.list` shows them before the next change.
            if batch.isEmpty && synthesis?.progress.isEmpty ?? true {
                guard await wakeup.next() != nil else { return }
                continue
            }
            switch await deliver(batch, for: watch, synthesis: &synthesis, deferred: deferred) {
            case .saved(let watch):
                current = watch
                backoff.succeeded()
            case .reread:
                current = nil
            case .failed:
                current = nil
                await backoff.wait()
            }
        }
    }

    private enum Delivered {
        /// Progress saved; the watch as it now stands.
        case saved(WatchStore.Watch)
        /// The watch changed meanwhile (rewound, removed): read it again.
        case reread
        /// Saving failed: read the watch again after a pause (what was delivered since the last save repeats).
        case failed
    }

    /// A synthesis watch's tracker, as saved with the watch; nil for a plain watch.
    private func tracker(_ watch: WatchStore.Watch, _ saved: SavedSynthesis?) -> SynthesisTracker? {
        guard let question = watch.synthesis else { return nil }
        let tracker = SynthesisTracker(question: question, baseline: watch.synthesisBaseline,
                                       saved: saved ?? SavedSynthesis(candidates: [], headline: nil), cursor: watch.cursor)
        if !tracker.dropped.isEmpty {
            context.logger.warning("stored records of a synthesis watch no longer read as records; left out of its set",
                                   metadata: ["watch": "\(name)", "record.keys": "\(tracker.dropped.joined(separator: ","))"])
        }
        return tracker
    }

    /// Delivers what in `batch` matches (or, for a synthesis watch, moves its synthesis).
    private func deliver(_ batch: [ReadChange], for start: WatchStore.Watch, synthesis: inout SynthesisTracker?,
                         deferred: DeferredProgress) async -> Delivered {
        var watch = start
        var delivered = 0, failures = 0
        // The filter's tests, once per batch: every change of the batch is tried against them.
        let predicates = start.filter.predicates
        let wasBuilt = synthesis?.headline != nil
        /// Saves the progress since the last save.
        func save() async -> Delivered {
            let changed = synthesis.flatMap { $0.progress.isEmpty ? nil : $0.progress }
            let progress = ProgressWriter.Progress(watch: name, rewinds: watch.rewinds, cursor: watch.cursor, delivered: delivered,
                                                   failures: failures, deadInARow: watch.deadInARow, synthesis: changed)
            if watch.webhook == nil && synthesis == nil {
                deferred.post(progress)  // its outcome is taken up before the next batch
            } else {
                let outcome = await context.progress.save(progress)
                guard case .saved = outcome else { return outcome == .stale ? .reread : .failed }
            }
            synthesis?.saved()
            if !wasBuilt, let built = synthesis, let figures = built.headline {
                context.logger.info("synthesis watch ready", metadata: [
                    "watch": "\(name)", "seq": "\(watch.cursor)", "k": "\(figures.k)", "candidates": "\(built.count)",
                    "estimate": "\(figures.estimate.map { "\($0)" } ?? "-")"])
            }
            context.stats.add("deliveries", delivered)
            context.stats.add("webhook.failures", failures)
            watch.delivered += delivered
            watch.failures += failures
            (delivered, failures) = (0, 0)
            return .saved(watch)
        }
        for change in batch {
            guard !Task.isCancelled else { break }
            guard let record = change.record else {
                context.stats.add("deliveries.skipped")  // unappliable: reported where it was read
                _ = synthesis?.apply(change)  // leaves the set as it was, but may end its build
                watch.cursor = change.header.seq
                continue
            }
            // The set as it was before this change: what is saved with a cursor that stops short of it.
            let beforeChange = synthesis
            let payload: MatchPayload
            if synthesis != nil {
                guard let move = synthesis!.apply(change) else {
                    watch.cursor = change.header.seq
                    continue
                }
                payload = .synthesis(move)
            } else {
                guard predicates.allSatisfy({ $0.matches(record, status: change.header.status) }) else {
                    watch.cursor = change.header.seq
                    continue
                }
                payload = .record(change.body)
            }
            // Matches are numbered per watch: a repeat after a crash gets the number it had.
            let match = MatchHeader(watch: name, delivery: watch.delivered + delivered + 1, change: change.header)
            if watch.stream { context.stream.publish(match, payload) }
            if let url = watch.webhook, let secret = watch.secret {
                switch await context.sender.deliver(match, body: WebhookSender.body(match, payload), to: url,
                                                    secret: secret, logger: context.logger) {
                case .delivered(_, let attempt):
                    failures += attempt - 1
                    watch.deadInARow = 0
                case .interrupted:
                    synthesis = beforeChange
                    return await save()
                case .failed(let status, let error, let attempts):
                    failures += attempts
                    // Not past this change until its dead letter is on disk.
                    guard await deadLetter(change, attempts: attempts, status: status, error: error) else {
                        synthesis = beforeChange
                        return await save()
                    }
                    watch.deadInARow += 1
                }
            }
            delivered += 1
            watch.cursor = change.header.seq
            if watch.webhook != nil {
                let outcome = await save()
                guard case .saved(let saved) = outcome else { return outcome }
                watch = saved
                if watch.deadInARow >= context.pauseAfter {
                    await pause(&watch)
                    return .saved(watch)
                }
            }
        }
        return await save()
    }

    /// Records a dead letter; false when the notifier stopped before it could be written.
    private func deadLetter(_ change: ReadChange, attempts: Int, status: Int?, error: String) async -> Bool {
        let letter = DeadLetter(watch: name, seq: change.header.seq, key: change.header.key, attempts: attempts,
                                lastStatus: status, lastError: error, at: Date())
        guard await context.persist("dead letter", watch: name, { try await context.watches.addDeadLetter(letter) }) else {
            return false
        }
        context.stats.add("dead_letters")
        context.logger.warning("webhook gave up; dead letter", metadata: [
            "watch": "\(name)", "seq": "\(change.header.seq)", "record.key": "\(change.header.key)",
            "attempts": "\(attempts)", "error": "\(error)"])
        return true
    }

    private func pause(_ watch: inout WatchStore.Watch) async {
        let reason = "\(watch.deadInARow) deliveries in a row failed; `ldn watch resume \(name)` restarts from seq \(watch.cursor + 1)"
        guard await context.persist("pause", watch: name, { try await context.watches.setPaused(name, reason: reason) }) else {
            return
        }
        watch.paused = reason
        context.logger.warning("watch paused", metadata: ["watch": "\(name)", "reason": "\(reason)"])
    }
}
