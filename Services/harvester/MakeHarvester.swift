import Client
import Foundation
import ServiceKit
import ServiceLifecycle
import WireProtocol

/// Builds the harvester from its options; the command and the tests both call it. `sources`
/// gives the source for each kind: by default the real PubMed and ClinicalTrials.gov clients
/// at the configured bases (tests of the engine alone pass their own).
func makeHarvester(_ options: HarvesterOptions, _ runtime: ServiceRuntime,
                   sources: (@Sendable (HarvestSourceKind) -> any HarvestSource)? = nil) async throws -> [any Service] {
    let store = try HarvestStore(directory: URL(fileURLWithPath: options.dataDir))
    let clients: HarvestSources?
    let source: @Sendable (HarvestSourceKind) -> any HarvestSource
    if let sources {
        (clients, source) = (nil, sources)
    } else {
        let made = try HarvestSources(options, logger: runtime.logger)
        (clients, source) = (made, { made.source($0) })
    }
    let ingest = try await ServiceClient(endpoint: options.ingest, name: "harvester-ingest", attemptTimeout: .seconds(10),
                                         context: runtime.context, logger: runtime.logger,
                                         security: try runtime.security.clientOptions(to: "ingest"))
    let progress = ProgressBoard()
    let runner = HarvestRunner(store: store, source: source, submit: { try await ingest.send($0) },
                               progress: progress, stats: runtime.state.stats, logger: runtime.logger, pauseAfter: options.pauseAfter)
    let scheduler = HarvestScheduler(store: store, runner: runner, logger: runtime.logger)

    // On /metrics from the start (at 0), so that alerts on them have a series to watch.
    runtime.state.stats.declare(["harvest.runs", "harvest.runs_failed", "harvest.runs_skipped", "harvest.found", "harvest.submitted",
                                 "harvest.duplicates", "harvest.needs_review", "harvest.rejected", "harvest.errors"])

    let (searches, paused) = (runtime.metrics.gauge(MetricName.harvestSearches), runtime.metrics.gauge(MetricName.harvestSearchesPaused))
    runtime.metrics.beforeScrape {  // one read of the database for both
        let counts = (try? store.counts()) ?? (searches: 0, paused: 0)
        searches.record(counts.searches)
        paused.record(counts.paused)
    }

    var routes = Routes()
    HarvesterRoutes(store: store, scheduler: scheduler, progress: progress).add(to: &routes)
    routes.addStatus(runtime.state) { status in
        let all = try await store.all()
        status.counters["searches"] = all.count
        status.counters["searches.paused"] = all.count { $0.paused != nil }
        for counter in ["harvest.runs", "harvest.runs_failed", "harvest.errors"] {
            status.counters[counter] = status.counters[counter] ?? 0  // shown even while none
        }
    }
    let server = try await RequestServer(endpoint: options.bind, runtime: runtime, routes: routes)
    // Shut down in reverse: stop answering, stop the runs (between batches), then the link
    // to ingest, then the HTTP client.
    return (clients.map { [$0] } ?? []) + [ingest, scheduler, server]
}

