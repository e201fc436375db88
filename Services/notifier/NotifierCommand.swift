import ArgumentParser
import ServiceKit

@main
struct NotifierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn-notifier",
        abstract: "Keeps durable watches and tells subscribers and webhooks when matching evidence lands.",
        discussion: "Flags fall back to LDN_* environment variables, then to local defaults.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var notifier: NotifierOptions

    func run() async throws {
        try await ServiceRunner.run(service: "notifier", options: common) { runtime in
            try await makeNotifier(notifier, runtime)
        }
    }
}
