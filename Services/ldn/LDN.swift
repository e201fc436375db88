import ArgumentParser

@main
struct LDN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ldn",
        abstract: "The LDN Evidence Network client: load, query and follow evidence on low-dose naltrexone.",
        discussion: """
            Endpoints come from flags, then LDN_*_ENDPOINT environment variables, then the local defaults.
            Exit codes: 0 success; 1 something was refused (records rejected, an unknown condition or record, an invalid request) \
            or a service is unhealthy; 2 a service could not be reached or a file could not be read; \
            64 the command line is wrong (an unknown option, a missing argument, a value that is not allowed).
            """,
        subcommands: [Status.self, Submit.self, Get.self, Retract.self, Query.self, Search.self, Summary.self, Synthesize.self, Export.self, Watch.self, Harvest.self,
                      Keys.self])
}
