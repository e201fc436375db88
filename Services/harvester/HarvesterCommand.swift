import ArgumentParser
import ServiceKit

@main
struct HarvesterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn-harvester",
        abstract: "Runs saved searches against PubMed and ClinicalTrials.gov on a schedule and submits what is new through ingest.",
        discussion: "Flags fall back to LDN_* environment variables, then to local defaults. See docs/HARVEST.md.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var harvester: HarvesterOptions

    func run() async throws {
        try await ServiceRunner.run(service: "harvester", options: common) { runtime in
            try await makeHarvester(harvester, runtime)
        }
    }
}
