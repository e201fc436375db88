import ArgumentParser
import ServiceKit

@main
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn-evidence-store",
        abstract: "The single writer: stores evidence records durably and publishes every change.",
        discussion: "Flags fall back to LDN_* environment variables, then to local defaults.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await ServiceRunner.run(service: "evidence-store", options: common) { runtime in
            try await makeStore(store, runtime)
        }
    }
}
