import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import WireProtocol

/// Both sources, sharing one HTTP client whose lifetime this service owns: it shuts the
/// client down on graceful shutdown (or when `shutdown()` is called, as tests do).
final class HarvestSources: Service, Sendable {
    let configuration: SourceConfiguration
    let pubmed: PubMedSource
    let clinicalTrials: ClinicalTrialsSource
    private let client: HTTPClient

    init(_ configuration: SourceConfiguration, logger: Logger) {
        self.configuration = configuration
        // Redirects are answers (`SourceHTTP`); the per-request deadline and read timeout both
        // use the configured timeout, and the whole exchange is bounded by it too.
        let seconds = configuration.timeout.components
        let wait = TimeAmount.nanoseconds(seconds.seconds * 1_000_000_000 + seconds.attoseconds / 1_000_000_000)
        var http = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: wait, read: wait))
        // A refused connection fails the attempt at once; `SourceHTTP` retries it with its own
        // backoff, and says so in the log, instead of the pool retrying silently until the timeout.
        http.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
        self.client = client
        pubmed = PubMedSource(http: SourceHTTP(name: "PubMed", base: configuration.pubmedBase, rate: configuration.pubmedRate,
                                               client: client, configuration: configuration, logger: logger),
                              configuration: configuration)
        clinicalTrials = ClinicalTrialsSource(http: SourceHTTP(name: "ClinicalTrials.gov", base: configuration.ctgovBase,
                                                               rate: configuration.ctgovRate, client: client,
                                                               configuration: configuration, logger: logger))
    }

    /// From the command line; throws a clear error when the API key file is missing or empty.
    convenience init(_ options: HarvesterOptions, logger: Logger) throws(SourceConfiguration.Invalid) {
        self.init(try SourceConfiguration(options), logger: logger)
    }

    func source(_ kind: HarvestSourceKind) -> any HarvestSource {
        switch kind {
        case .pubmed: pubmed
        case .ctgov: clinicalTrials
        }
    }

    func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Ends the client: requests under way fail. Safe to call more than once.
    func shutdown() async {
        try? await client.shutdown()
    }
}
