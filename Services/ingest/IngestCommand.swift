import ArgumentParser
import ServiceKit

@main
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn-ingest",
        abstract: "Validates and normalises submitted records and forwards them to the store (stateless; run any number).",
        discussion: "Flags fall back to LDN_* environment variables, then to local defaults.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var ingest: IngestOptions

    func run() async throws {
        try await ServiceRunner.run(service: "ingest", options: common) { runtime in
            try await makeIngest(ingest, runtime)
        }
    }
}
