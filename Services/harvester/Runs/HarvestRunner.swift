import EvidenceFormats
import Foundation
import Logging
import ServiceKit
import WireProtocol

/// Runs one search once (docs/HARVEST.md, "Crash safety"):
/// 1. a run covers the days from the search's cursor (the last complete run's last day,
///    read again: what it already submitted is skipped as seen) through today, UTC; the
///    window is saved before anything is fetched, and a run found under way (a crash, a
///    failure, a pause) goes on with its saved window;
/// 2. batches saved and not answered are submitted again first, with their request ids;
/// 3. each page from the source: what is seen or waiting in a batch is dropped, the rest is
///    saved as a numbered batch, then submitted with an id made of the search, the window
///    and the number; ingest's answer is recorded (keys seen, batch done) in one transaction;
/// 4. once the fetch ends, the cursor moves to the window's last day.
/// A cancelled run (shutdown, pause, removal) stops between batches and loses nothing.
struct HarvestRunner: Sendable {
    typealias Submit = @Sendable (Request) async throws -> Reply

    let store: HarvestStore
    let source: @Sendable (HarvestSourceKind) -> any HarvestSource
    let submit: Submit
    let progress: ProgressBoard
    let stats: ServiceStats
    let logger: Logger
    /// Failed runs in a row that pause a search.
    let pauseAfter: Int
    /// Records per `submit` request.
    var batchSize = 100
    var now: @Sendable () -> Date = { Date() }

    enum Outcome: Sendable, Equatable {
        case complete(HarvestRunSummary)
        case skipped(HarvestRunSummary)
        case failed(HarvestRunSummary, paused: Bool)
        /// Stopped between batches; the run goes on next time.
        case cancelled
    }

    /// Why a run failed: the source's error, or ingest's.
    private struct RunFailure: Error {
        var reason: String
        /// Whether another run may succeed without anyone changing anything.
        var transient: Bool
    }

    func run(_ search: HarvestStore.Search) async throws -> Outcome {
        let started = now()
        let clock = ContinuousClock.now
        let source = source(search.query.source)
        var dataVersion: String?
        let found = SharedCount()
        var window: HarvestWindow?
        do {
            dataVersion = try await source.dataVersion()
            var run = try await store.run(search.name)
            if run == nil, let dataVersion, dataVersion == search.dataVersion {
                return try await skip(search, started: started, version: dataVersion)
            }
            if run == nil {
                run = try await store.startRun(search.name, window: HarvestWindow(from: search.cursor, through: UTCDay.text(started)),
                                               at: started)
            }
            guard let run else { return .cancelled }
            window = run.window
            progress.start(search.name, HarvestProgress(from: run.window.from, through: run.window.through, startedAt: started,
                                                        found: 0, total: nil, submitted: 0))
            defer { progress.end(search.name) }
            for batch in try await store.pendingBatches(search.name) {
                try Task.checkCancellation()
                try await send(batch, of: search)
            }
            try await source.fetch(search.query, window: run.window) { items, total in
                try Task.checkCancellation()
                let sofar = found.add(items.count)
                progress.update(search.name) { $0.found = sofar; $0.total = total }
                try await take(items, of: search, run: run)
            }
            let saved = try await store.run(search.name) ?? run
            let summary = Self.summary("complete", window: run.window, started: started, finished: now(), found: found.current,
                                       counts: saved.counts, seconds: clock.duration(to: .now))
            try await store.completeRun(search.name, summary: summary, dataVersion: dataVersion,
                                        nextRunAt: started.addingTimeInterval(TimeInterval(search.interval)))
            count(summary)
            logger.info("harvest run complete", metadata: Self.metadata(search.name, summary))
            return .complete(summary)
        } catch is CancellationError {
            return .cancelled
        } catch let error as HarvestError {
            // A source stopped by the cancellation (shutdown, pause, removal) says "cancelled":
            // not a failure of the search.
            if Task.isCancelled { return .cancelled }
            return try await fail(search, because: RunFailure(reason: error.description, transient: error.isTransient), window: window,
                                  started: started, found: found.current, seconds: clock.duration(to: .now))
        } catch let error as RunFailure {
            return try await fail(search, because: error, window: window, started: started, found: found.current,
                                  seconds: clock.duration(to: .now))
        }
    }

    /// One page: the records not seen yet saved in batches, each submitted once saved.
    private func take(_ items: [HarvestedItem], of search: HarvestStore.Search, run: HarvestStore.Run) async throws {
        var unique: [String: HarvestedItem] = [:]
        var order: [String] = []
        for item in items where unique[item.key] == nil {
            unique[item.key] = item
            order.append(item.key)
        }
        let fresh = try await store.unseen(search.name, among: order)
        let new = order.filter(fresh.contains).compactMap { unique[$0] }
        let unsendable = new.filter { !$0.record.problems.isEmpty }
        if !unsendable.isEmpty {
            try await store.recordUnsendable(search.name, keys: unsendable.map(\.key))
            stats.add("harvest.rejected", unsendable.count)
            logger.warning("records the source's mapping could not complete were not sent",
                           metadata: ["search": "\(search.name)", "ids": "\(unsendable.map(\.sourceID).joined(separator: ","))"])
        }
        let sendable = new.filter { $0.record.problems.isEmpty }
        for start in stride(from: 0, to: sendable.count, by: batchSize) {
            try Task.checkCancellation()
            let items = sendable[start..<min(start + batchSize, sendable.count)].map { item in
                HarvestStore.BatchItem(key: item.key, record: item.record.json, provenance: provenance(item, of: search))
            }
            let batch = try await store.saveBatch(search.name, items: items) {
                Self.requestID(search.name, run.window, startedAt: run.startedAt, batch: $0)
            }
            try await send(batch, of: search)
        }
    }

    /// The provenance a harvested record is submitted with.
    private func provenance(_ item: HarvestedItem, of search: HarvestStore.Search) -> Provenance {
        var provenance = item.record.provenance
        provenance.submittedBy = "harvester:\(search.name)"
        provenance.harvest = HarvestProvenance(search: search.name, source: search.query.source, id: item.sourceID)
        return provenance
    }

    /// Submits a saved batch and records ingest's answer. Not cancelled half-way: a shutdown
    /// waits for the answer, so that a batch ingest took is recorded as done.
    private func send(_ batch: HarvestStore.Batch, of search: HarvestStore.Search) async throws {
        let request = Request(type: MessageType.submit, id: batch.requestID,
                              body: SubmitRequest(submitter: "harvester:\(search.name)", provenance: batch.items.map(\.provenance)),
                              attachments: batch.items.map(\.record))
        let (store, submit, stats, progress) = (store, submit, stats, progress)
        try await Task {
            let reply: Reply
            do {
                reply = try await submit(request)
            } catch let error as ErrorBody {
                throw RunFailure(reason: "ingest: \(error.message)", transient: true)
            }
            guard reply.isOK else {
                let error = (try? WireJSON.decode(ErrorBody.self, from: reply.body))
                    ?? ErrorBody(code: .internal, message: String(decoding: reply.body.prefix(200), as: UTF8.self))
                throw RunFailure(reason: "ingest refused batch \(batch.requestID): \(error.message)",
                                 transient: error.code == .unavailable || error.code == .internal)
            }
            guard let answer = try? WireJSON.decode(SubmitReply.self, from: reply.body) else {
                throw RunFailure(reason: "ingest's answer to \(batch.requestID) could not be read", transient: true)
            }
            var counts = HarvestStore.RunCounts()
            var outcomes: [(key: String, outcome: String)] = []
            for result in answer.results where batch.items.indices.contains(result.index) {
                let item = batch.items[result.index]
                let outcome: String
                switch result.outcome {
                case .accepted, .updated:
                    let review = item.provenance.initialStatus == .needsReview
                    outcome = review ? "needs-review" : result.outcome.rawValue
                    counts.new += 1
                    if review { counts.needsReview += 1 }
                case .duplicate:
                    outcome = "duplicate"
                    counts.duplicates += 1
                case .rejected, .conflict:
                    outcome = result.outcome.rawValue
                    counts.rejected += 1
                }
                outcomes.append((item.key, outcome))
            }
            try await store.recordBatch(search.name, number: batch.number, outcomes: outcomes, counts: counts)
            stats.add("harvest.submitted", counts.new)
            stats.add("harvest.duplicates", counts.duplicates)
            stats.add("harvest.needs_review", counts.needsReview)
            stats.add("harvest.rejected", counts.rejected)
            progress.update(search.name) { $0.submitted += batch.items.count }
        }.value
    }

    private func skip(_ search: HarvestStore.Search, started: Date, version: String) async throws -> Outcome {
        let summary = Self.summary("skipped", window: nil, started: started, finished: now(), found: 0, counts: .init(), seconds: .zero)
        try await store.skipRun(search.name, summary: summary, nextRunAt: started.addingTimeInterval(TimeInterval(search.interval)))
        stats.add("harvest.runs_skipped")
        logger.info("harvest run skipped: the source's data is unchanged since the last run",
                    metadata: ["search": "\(search.name)", "data_version": "\(version)"])
        return .skipped(summary)
    }

    /// A failed run keeps its window and batches. One that retrying will not help (malformed,
    /// refused) pauses the search at once; a transient one after `pauseAfter` in a row.
    private func fail(_ search: HarvestStore.Search, because failure: RunFailure, window: HarvestWindow?, started: Date,
                      found: Int, seconds: Duration) async throws -> Outcome {
        let counts = try await store.run(search.name)?.counts ?? .init()
        var summary = Self.summary("failed", window: window, started: started, finished: now(), found: found, counts: counts,
                                   seconds: seconds)
        summary.errors += 1
        summary.error = failure.reason
        let failures = search.failuresInARow + 1
        let pause: String? = if !failure.transient {
            failure.reason
        } else if failures >= pauseAfter {
            "\(failures) failed runs in a row; the last: \(failure.reason)"
        } else {
            nil
        }
        // A transient failure is tried again sooner than the next interval: 5 min, doubling.
        let retry = min(TimeInterval(search.interval), 300 * pow(2, Double(min(failures - 1, 10))))
        try await store.failRun(search.name, summary: summary, pause: pause, nextRunAt: now().addingTimeInterval(retry))
        stats.add("harvest.runs_failed")
        stats.add("harvest.errors")
        var metadata = Self.metadata(search.name, summary)
        metadata["error"] = "\(failure.reason)"
        if let pause {
            metadata["paused"] = "\(pause)"
            logger.error("harvest run failed; the search is paused", metadata: metadata)
        } else {
            logger.warning("harvest run failed; it will be tried again", metadata: metadata)
        }
        return .failed(summary, paused: pause != nil)
    }

    private func count(_ summary: HarvestRunSummary) {
        stats.add("harvest.runs")
        stats.add("harvest.found", summary.found)
    }

    /// "harvest-NAME-2026-11-01..2026-11-30-r1764540000123-3": the search, the window, the
    /// run's saved start (ms) and the batch number. The same for the same batch of the same
    /// run, whenever it is sent, so that a batch sent again is recognised; different for
    /// another run of the same window (two runs on one day) or a search removed and added
    /// again under its name, so that new content never comes under an id already used.
    static func requestID(_ name: String, _ window: HarvestWindow, startedAt: Date, batch: Int) -> String {
        "harvest-\(name)-\(window.from ?? "start")..\(window.through)-r\(Int64((startedAt.timeIntervalSince1970 * 1000).rounded()))-\(batch)"
    }

    static func summary(_ outcome: String, window: HarvestWindow?, started: Date, finished: Date, found: Int,
                        counts: HarvestStore.RunCounts, seconds: Duration) -> HarvestRunSummary {
        HarvestRunSummary(outcome: outcome, from: window?.from, through: window?.through, startedAt: started, finishedAt: finished,
                          found: found, new: counts.new, duplicates: counts.duplicates, needsReview: counts.needsReview,
                          rejected: counts.rejected, errors: counts.errors,
                          seconds: ((Double(seconds.components.seconds) + Double(seconds.components.attoseconds) / 1e18) * 1000).rounded() / 1000)
    }

    /// The run's log line: found, new, duplicates, for review, errors, time taken.
    static func metadata(_ name: String, _ summary: HarvestRunSummary) -> Logger.Metadata {
        ["search": "\(name)", "window": "\(summary.from ?? "start")..\(summary.through ?? "")", "found": "\(summary.found)",
         "new": "\(summary.new)", "duplicates": "\(summary.duplicates)", "for_review": "\(summary.needsReview)",
         "rejected": "\(summary.rejected)", "errors": "\(summary.errors)", "seconds": "\(summary.seconds)"]
    }
}
