import ArgumentParser
import ServiceKit

@main
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn-query",
        abstract: "A read replica: follows the store and answers filters, full-text search, summaries and syntheses (run any number).",
        discussion: "Flags fall back to LDN_* environment variables, then to local defaults.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var query: QueryOptions

    func run() async throws {
        try await ServiceRunner.run(service: "query", options: common) { runtime in
            try await makeQuery(query, runtime)
        }
    }
}
