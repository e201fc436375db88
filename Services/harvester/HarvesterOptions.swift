import ArgumentParser
import Foundation
import ServiceKit

struct HarvesterOptions: ParsableArguments {
    @Option(help: "Where to answer `ldn harvest` requests (env LDN_HARVESTER_BIND).")
    var bind = Setting.string("LDN_HARVESTER_BIND", default: DefaultEndpoint.harvester)

    @Option(help: "Ingest endpoint(s), comma-separated: where harvested records are submitted (env LDN_INGEST_ENDPOINT).")
    var ingest = Setting.string("LDN_INGEST_ENDPOINT", default: DefaultEndpoint.ingest)

    @Option(help: "Folder for the saved searches and their cursors (env LDN_DATA_DIR).")
    var dataDir = Setting.string("LDN_DATA_DIR", default: DefaultEndpoint.dataDirectory)

    @Option(help: "NCBI E-utilities base URL; requests go only there (env LDN_PUBMED_BASE).")
    var pubmedBase = Setting.string("LDN_PUBMED_BASE", default: "https://eutils.ncbi.nlm.nih.gov/entrez/eutils")

    @Option(help: "ClinicalTrials.gov API v2 base URL; requests go only there (env LDN_CTGOV_BASE).")
    var ctgovBase = Setting.string("LDN_CTGOV_BASE", default: "https://clinicaltrials.gov/api/v2")

    @Option(help: "The `tool` parameter NCBI asks every E-utilities request to carry (env LDN_NCBI_TOOL).")
    var ncbiTool = Setting.string("LDN_NCBI_TOOL", default: "ldn-evidence-network")

    @Option(help: "A contact e-mail for NCBI, sent as the `email` parameter as its usage policy asks (env LDN_NCBI_EMAIL).")
    var ncbiEmail = Setting.string("LDN_NCBI_EMAIL", default: "")

    @Option(help: "File holding an NCBI API key on one line: 10 requests/s instead of 3 (env LDN_NCBI_API_KEY_FILE; or the key itself in LDN_NCBI_API_KEY).")
    var ncbiAPIKeyFile = Setting.string("LDN_NCBI_API_KEY_FILE", default: "")

    @Option(help: "Requests per second to ClinicalTrials.gov (env LDN_CTGOV_RATE).")
    var ctgovRate = Setting.double("LDN_CTGOV_RATE", default: 1)

    @Option(help: "Seconds to wait for one HTTP response before it counts as a timeout (env LDN_HARVEST_HTTP_TIMEOUT).")
    var httpTimeout = Setting.double("LDN_HARVEST_HTTP_TIMEOUT", default: 30)

    @Option(help: "Attempts per HTTP request on 429, 5xx and timeouts, with exponential backoff and jitter (env LDN_HARVEST_ATTEMPTS).")
    var httpAttempts = Setting.int("LDN_HARVEST_ATTEMPTS", default: 5)

    @Option(help: "Milliseconds before the first HTTP retry; doubled each time, with jitter (env LDN_HARVEST_BACKOFF_MS).")
    var httpBackoffMs = Setting.int("LDN_HARVEST_BACKOFF_MS", default: 1000)

    @Option(help: "Failed runs in a row that pause a search, with the reason shown in `ldn harvest list` (env LDN_HARVEST_PAUSE_AFTER).")
    var pauseAfter = Setting.int("LDN_HARVEST_PAUSE_AFTER", default: 3)

    func validate() throws {
        for (flag, text) in [("--pubmed-base", pubmedBase), ("--ctgov-base", ctgovBase)] {
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ValidationError("\(flag) must be an http(s) URL with a host, e.g. https://eutils.ncbi.nlm.nih.gov/entrez/eutils; got \(text)")
            }
        }
        guard ctgovRate > 0 else { throw ValidationError("--ctgov-rate must be above 0") }
        guard httpTimeout > 0 else { throw ValidationError("--http-timeout must be above 0") }
        guard httpAttempts >= 1 else { throw ValidationError("--http-attempts must be at least 1") }
        guard httpBackoffMs >= 0 else { throw ValidationError("--http-backoff-ms must be 0 or more") }
        guard pauseAfter >= 1 else { throw ValidationError("--pause-after must be at least 1") }
    }
}
