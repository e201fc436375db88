import ArgumentParser
import ServiceKit

@main
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn-evidence-store",
        abstract: "The single writer: stores evidence records durably and publishes every change.",
        discussion: "Without a subcommand, runs the store (serve). Flags fall back to LDN_* environment variables, then to local defaults.",
        subcommands: [ServeCommand.self, VerifyCommand.self, BackupCommand.self, RestoreCommand.self],
        defaultSubcommand: ServeCommand.self)
}

/// Runs the store: the default subcommand, so `ldn-evidence-store --bind …` runs it too.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the store (the default).",
        discussion: "Flags fall back to LDN_* environment variables, then to local defaults.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var store: StoreOptions

    func run() async throws {
        try await ServiceRunner.run(service: "evidence-store", options: common) { runtime in
            try await makeStore(store, runtime)
        }
    }
}
