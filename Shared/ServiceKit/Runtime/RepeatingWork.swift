import Logging
import ServiceLifecycle

/// A background loop that only graceful shutdown ends: `work` runs now and then every
/// `interval`. A round that throws is logged as a warning with its error and counted
/// (`<name>.failures` in `status`), and the loop goes on — one failed prune or flush must
/// neither stop the service (a service that returns early ends the whole process with
/// `serviceFinishedUnexpectedly`, hiding why) nor be swallowed by a `try?`.
public struct RepeatingWork: Service {
    let name: String
    let interval: Duration
    let stats: ServiceStats
    let logger: Logger
    let work: @Sendable () async throws -> Void

    public init(_ name: String, every interval: Duration, stats: ServiceStats, logger: Logger,
                work: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.stats = stats
        self.logger = logger
        self.work = work
    }

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    do {
                        try await work()
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        stats.add("\(name).failures")
                        logger.warning("\(name) failed; trying again in \(interval)", metadata: ["error": "\(error)"])
                    }
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {
            // Graceful shutdown: the one way this loop ends.
        }
    }
}
