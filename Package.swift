// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "ldn-evidence-network",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ldn-ingest", targets: ["Ingest"]),
        .executable(name: "ldn-evidence-store", targets: ["EvidenceStore"]),
        .executable(name: "ldn-query", targets: ["Query"]),
        .executable(name: "ldn-notifier", targets: ["Notifier"]),
        .executable(name: "ldn-harvester", targets: ["Harvester"]),
        .executable(name: "ldn", targets: ["LDNCommand"]),
        .executable(name: "ldn-bench-intake", targets: ["IntakeBenchmark"]),
        .executable(name: "ldn-bench-query", targets: ["QueryBenchmark"]),
        .executable(name: "ldn-bench-notify", targets: ["NotifyBenchmark"]),
        .executable(name: "ldn-bench-import", targets: ["ImportBenchmark"]),
        .executable(name: "ldn-bench-scale", targets: ["ScaleBenchmark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // Webhooks: no redirects followed, and the connection goes to the address the policy checked.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.30.0"),
        // Metrics: the swift-metrics API, exposed in Prometheus's text format (docs/OPERATIONS.md, "Metrics").
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: Shared
        // libzmq from Debian's libzmq3-dev. Not through pkgConfig: libzmq's .pc file adds
        // krb5 include flags that SwiftPM warns about on every build; zmq.h is on the default path.
        .systemLibrary(name: "CZMQ", path: "Shared/CZMQ"),
        .target(name: "ZMQ", dependencies: ["CZMQ"], path: "Shared/ZMQ"),
        .target(name: "EvidenceModel", path: "Shared/EvidenceModel"),
        // Effect sizes, pooling models and the synthesis of records (docs/SYNTHESIS.md).
        .target(name: "MetaAnalysis", dependencies: ["EvidenceModel"], path: "Shared/MetaAnalysis"),
        .target(name: "WireProtocol", dependencies: ["EvidenceModel", "MetaAnalysis"], path: "Shared/WireProtocol"),
        // CURVE key files, the allow-list and the ZAP handler (docs/SECURITY.md).
        .target(name: "CurveAuth",
                dependencies: ["ZMQ", "WireProtocol", .product(name: "Logging", package: "swift-log")],
                path: "Shared/CurveAuth"),
        .target(
            name: "ServiceKit",
            dependencies: [
                "ZMQ", "EvidenceModel", "WireProtocol", "Client", "CurveAuth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // the /metrics endpoint: a few lines of HTTP/1.1, no web framework
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Shared/ServiceKit"),
        // The one request/retry engine and its two faces (blocking for ldn, async for services), and Backoff.
        .target(name: "Client",
                dependencies: ["ZMQ", "WireProtocol",
                               .product(name: "Logging", package: "swift-log"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                path: "Shared/Client"),
        .target(name: "EvidenceFormats", dependencies: ["EvidenceModel", "WireProtocol", "MetaAnalysis"], path: "Shared/EvidenceFormats"),
        // Following the store: snapshot, change feed, gap repair (the query replicas and the notifier).
        .target(name: "Replication",
                dependencies: ["ServiceKit", "Client", "ZMQ", "WireProtocol", "EvidenceModel",
                               .product(name: "Logging", package: "swift-log"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                               .product(name: "Metrics", package: "swift-metrics")],
                path: "Shared/Replication"),

        // A service's own SQLite file (the notifier's watches, the harvester's searches).
        .target(name: "ServiceDatabase", dependencies: ["WireProtocol", .product(name: "GRDB", package: "GRDB.swift")],
                path: "Shared/ServiceDatabase"),

        // MARK: Services
        .executableTarget(name: "Ingest", dependencies: ["ServiceKit", "Client"], path: "Services/ingest"),
        .target(
            name: "EvidenceStorage",
            dependencies: ["EvidenceModel", "WireProtocol", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Services/evidence-store/Storage"),
        .executableTarget(name: "EvidenceStore",
                          dependencies: ["ServiceKit", "EvidenceStorage", .product(name: "Crypto", package: "swift-crypto"),
                                         .product(name: "Metrics", package: "swift-metrics")],
                          path: "Services/evidence-store/Server"),
        .executableTarget(name: "Query", dependencies: ["ServiceKit", "Client", "Replication", .product(name: "GRDB", package: "GRDB.swift"),
                                                        // FTS5's C API, for the ranking function (FullTextRankFunction).
                                                        .product(name: "GRDBSQLite", package: "GRDB.swift"),
                                                        .product(name: "Crypto", package: "swift-crypto")],
                          path: "Services/query"),
        .executableTarget(
            name: "Notifier",
            dependencies: ["ServiceKit", "Client", "Replication", "CurveAuth", "ServiceDatabase", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl")],
            path: "Services/notifier"),
        .executableTarget(
            name: "Harvester",
            dependencies: ["ServiceKit", "Client", "EvidenceFormats", "ServiceDatabase", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio")],
            path: "Services/harvester"),
        .executableTarget(
            name: "LDNCommand",
            dependencies: [
                "Client", "EvidenceModel", "EvidenceFormats", "ServiceKit", "CurveAuth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/ldn"),

        // MARK: Benchmarks
        .target(name: "SyntheticData", dependencies: ["EvidenceModel"], path: "Benchmarks/SyntheticData"),
        .target(name: "BenchmarkSupport", dependencies: ["Client", "WireProtocol", "ZMQ", "SyntheticData", "TestHarness", "CurveAuth",
                                                 "EvidenceStorage", .product(name: "GRDB", package: "GRDB.swift"),
                                                 .product(name: "ArgumentParser", package: "swift-argument-parser")],
                path: "Benchmarks/BenchmarkSupport"),
        .executableTarget(
            name: "IntakeBenchmark",
            dependencies: ["EvidenceStorage", "SyntheticData", "TestHarness", "Client", "BenchmarkSupport",
                           .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/IntakeBenchmark"),
        .executableTarget(
            name: "QueryBenchmark",
            dependencies: ["SyntheticData", "TestHarness", "Client", "BenchmarkSupport", "EvidenceModel",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/QueryBenchmark"),
        .executableTarget(
            name: "NotifyBenchmark",
            dependencies: ["SyntheticData", "TestHarness", "Client", "BenchmarkSupport", "EvidenceModel",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/NotifyBenchmark"),
        .executableTarget(
            name: "ImportBenchmark",
            dependencies: ["SyntheticData", "TestHarness", "BenchmarkSupport", "EvidenceFormats", "EvidenceModel",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/ImportBenchmark"),
        .executableTarget(
            name: "ScaleBenchmark",
            dependencies: ["SyntheticData", "TestHarness", "Client", "BenchmarkSupport", "EvidenceModel",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/ScaleBenchmark"),

        // MARK: Tests
        /// Runs the real executables as child processes (end-to-end tests and benchmarks), or a
        /// service's builder inside the test process (its in-process tests).
        .target(name: "TestHarness", dependencies: ["Client", "WireProtocol", "EvidenceModel", "ZMQ", "ServiceKit", "CurveAuth"],
                path: "Tests/TestHarness"),
        .testTarget(name: "ZMQTests", dependencies: ["ZMQ", "TestHarness"], path: "Tests/ZMQTests"),
        .testTarget(name: "EvidenceModelTests", dependencies: ["EvidenceModel", "SyntheticData"], path: "Tests/EvidenceModelTests"),
        .testTarget(name: "CurveAuthTests", dependencies: ["CurveAuth", "TestHarness", .product(name: "Logging", package: "swift-log")],
                    path: "Tests/CurveAuthTests"),
        .testTarget(name: "WireProtocolTests", dependencies: ["WireProtocol"], path: "Tests/WireProtocolTests"),
        // Effect sizes and pooling against metafor's published examples and, live, against metafor itself.
        .testTarget(name: "MetaAnalysisTests", dependencies: ["MetaAnalysis", "EvidenceModel", "TestHarness"], path: "Tests/MetaAnalysisTests",
                    exclude: ["Reference"]),
        .testTarget(name: "ServiceKitTests", dependencies: ["ServiceKit", "Client", "TestHarness"], path: "Tests/ServiceKitTests"),
        .testTarget(name: "ReplicationTests", dependencies: ["Replication", "ServiceKit", "Client", "TestHarness"],
                    path: "Tests/ReplicationTests"),
        .testTarget(name: "ClientTests", dependencies: ["Client", "ZMQ", "WireProtocol", "TestHarness"], path: "Tests/ClientTests"),
        .testTarget(name: "EvidenceStorageTests", dependencies: ["EvidenceStorage", "TestHarness"],
                    path: "Tests/EvidenceStorageTests"),
        .testTarget(name: "EvidenceFormatsTests", dependencies: ["EvidenceFormats", "EvidenceModel", "WireProtocol", "MetaAnalysis", "TestHarness"],
                    path: "Tests/EvidenceFormatsTests",
                    exclude: ["Fixtures"]),
        // In-process tests of each service's builder (the store's, behind the others, too).
        .testTarget(name: "EvidenceStoreTests", dependencies: ["EvidenceStore", "TestHarness", "SyntheticData"],
                    path: "Tests/EvidenceStoreTests"),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "EvidenceStore", "TestHarness", "SyntheticData"],
                    path: "Tests/IngestTests"),
        .testTarget(name: "QueryTests",
                    dependencies: ["Query", "EvidenceStore", "TestHarness", "SyntheticData",
                                   .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")],
                    path: "Tests/QueryTests"),
        .testTarget(name: "NotifierTests", dependencies: ["Notifier", "EvidenceStore", "TestHarness", "SyntheticData", "CurveAuth",
                                                          .product(name: "GRDB", package: "GRDB.swift")],
                    path: "Tests/NotifierTests",
                    exclude: ["Fixtures"]),
        .testTarget(name: "HarvesterTests", dependencies: ["Harvester", "EvidenceStore", "Ingest", "TestHarness",
                                                           .product(name: "GRDB", package: "GRDB.swift")],
                    path: "Tests/HarvesterTests"),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Client", "WireProtocol", "ZMQ", "SyntheticData", "EvidenceModel", "TestHarness", "CurveAuth", "ServiceKit",
                           .product(name: "Logging", package: "swift-log"),
                           // to damage a stopped store's database as a disk would, and to lock a notifier's
                           .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/EndToEndTests"),
    ],
    swiftLanguageModes: [.v6]
)
