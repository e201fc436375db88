import EvidenceStorage
import Foundation
import CoreMetrics
import Logging
import ServiceKit
import ServiceLifecycle
import Synchronization
import WireProtocol

/// The single writer's queue (group commit). Requests wait here; the committer takes
/// everything that arrived while the previous transaction was being written, up to a
/// bound, commits it in one transaction (one fsync), answers each request, and then
/// publishes the changes. No timer: under load, batches grow by themselves; when idle, a
/// lone request commits at once.
final class GroupCommitter: Service, Sendable {
    typealias Answer = Result<Data, ErrorBody>

    private let database: EvidenceDatabase
    private let feed: FeedPublisher
    private let maxBatchRecords: Int
    private let logger: Logger
    private let stats: ServiceStats
    /// `ldn_store_commit_batch_records` and `ldn_store_head_seq`.
    private let batchRecords: Recorder
    private let headSeq: Gauge
    private let state = Mutex(State())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    private struct State {
        var queue: [PendingWrite] = []
        /// Everyone waiting for a request id's answer, and the digest of the request's content:
        /// a retry that arrives while the original is still queued waits for the same commit
        /// instead of writing twice; other content under the same id is refused at once.
        var waiters: [String: (digest: Data, continuations: [CheckedContinuation<Answer, Never>])] = [:]
        var batches = 0
        var records = 0
    }

    /// - Parameter head: the database's head at start.
    init(database: EvidenceDatabase, feed: FeedPublisher, maxBatchRecords: Int, head: Int64, runtime: ServiceRuntime) {
        self.database = database
        self.feed = feed
        self.maxBatchRecords = maxBatchRecords
        self.logger = runtime.logger
        self.stats = runtime.state.stats
        stats.declare(["records.committed"])
        batchRecords = runtime.metrics.histogram(MetricName.storeCommitBatchRecords)
        headSeq = runtime.metrics.gauge(MetricName.storeHeadSeq)
        headSeq.record(head)
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a request and returns its answer once committed.
    func submit(_ write: PendingWrite) async -> Answer {
        await withCheckedContinuation { continuation in
            enum Admission { case queued, waiting, refused }
            let admission = state.withLock { state -> Admission in
                if let waiting = state.waiters[write.requestID] {
                    guard waiting.digest == write.digest else { return .refused }
                    state.waiters[write.requestID]!.continuations.append(continuation)
                    return .waiting
                }
                state.waiters[write.requestID] = (write.digest, [continuation])
                state.queue.append(write)
                return .queued
            }
            switch admission {
            case .queued: wake.yield()
            case .waiting: break
            case .refused: continuation.resume(returning: .failure(.requestIDReused(write.requestID)))
            }
        }
    }

    /// Commit batches and mean records per batch since start, for `status`.
    var batchStatistics: (batches: Int, meanRecords: Double) {
        state.withLock { ($0.batches, $0.batches == 0 ? 0 : Double($0.records) / Double($0.batches)) }
    }

    func run() async throws {
        for await _ in wakeups.cancelOnGracefulShutdown() {
            await commitQueued()
        }
        await commitQueued()  // what the request server handed over while draining
    }

    private func commitQueued() async {
        while true {
            let batch = state.withLock { state -> [PendingWrite] in
                var taken = 0, records = 0
                while taken < state.queue.count, taken == 0 || records + state.queue[taken].recordCount <= maxBatchRecords {
                    records += state.queue[taken].recordCount
                    taken += 1
                }
                defer { state.queue.removeFirst(taken) }
                return Array(state.queue.prefix(taken))
            }
            guard !batch.isEmpty else { return }
            await commit(batch)
        }
    }

    private func commit(_ batch: [PendingWrite]) async {
        let started = ContinuousClock.now
        do {
            let outcomes = try await database.commit(batch)
            let records = outcomes.reduce(0) { $0 + $1.changes.count }
            state.withLock { state in
                state.batches += 1
                state.records += batch.reduce(0) { $0 + $1.recordCount }
            }
            // Counted before anyone is answered: a client that has its answer finds it in status and /metrics.
            stats.add("records.committed", records)
            batchRecords.record(batch.reduce(0) { $0 + $1.recordCount })
            let last = outcomes.last(where: { !$0.changes.isEmpty })?.changes.last
            if let last { headSeq.record(last.header.seq) }
            for outcome in outcomes { answer(outcome.requestID, with: outcome.reply) }
            feed.publish(outcomes.flatMap(\.changes))
            if let last {
                logger.debug("committed", metadata: ["requests": "\(batch.count)", "changes": "\(records)",
                                                     "seq": "\(last.header.seq)",
                                                     "ms": "\((ContinuousClock.now - started).milliseconds)"])
            }
            for outcome in outcomes {
                if outcome.replayed { logger.debug("request replayed", metadata: ["request.id": "\(outcome.requestID)"]) }
                if case .failure(let error) = outcome.reply, error.code == .internal {
                    logger.error("write request failed; nothing of it was stored",
                                 metadata: ["request.id": "\(outcome.requestID)", "error": "\(error.message)"])
                }
            }
        } catch {
            logger.error("commit failed", metadata: ["requests": "\(batch.count)", "error": "\(error)"])
            let failure = ErrorBody(code: .unavailable, message: "the store could not commit: \(error)", retryAfterMs: 1000)
            for write in batch { answer(write.requestID, with: .failure(failure)) }
        }
    }

    private func answer(_ requestID: String, with answer: Answer) {
        let waiters = state.withLock { $0.waiters.removeValue(forKey: requestID)?.continuations ?? [] }
        for waiter in waiters { waiter.resume(returning: answer) }
    }
}

extension PendingWrite {
    var recordCount: Int {
        switch operation {
        case .write(let records, _): max(records.count, 1)
        case .retract: 1
        }
    }
}
