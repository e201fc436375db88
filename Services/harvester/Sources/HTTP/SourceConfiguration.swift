import Foundation

/// Where the sources send their requests and how politely: the bases, NCBI's identification,
/// the rates, and the timeout and retries of each request.
struct SourceConfiguration: Sendable {
    /// NCBI E-utilities, e.g. https://eutils.ncbi.nlm.nih.gov/entrez/eutils
    var pubmedBase: URL
    /// ClinicalTrials.gov API v2, e.g. https://clinicaltrials.gov/api/v2
    var ctgovBase: URL
    /// NCBI's `tool` and `email` parameters, sent with every E-utilities request.
    var ncbiTool: String
    var ncbiEmail: String
    /// Allows 10 E-utilities requests per second instead of 3. Never logged or shown.
    var ncbiAPIKey: String?
    /// Requests per second to ClinicalTrials.gov.
    var ctgovRate: Double = 1
    /// For one request, from sending it to the last byte of its answer.
    var timeout: Duration = .seconds(30)
    /// Tries per request on 429, 5xx, timeouts and transport errors.
    var attempts: Int = 5
    /// The wait before the first retry, doubled each time (with jitter).
    var firstBackoff: Duration = .seconds(1)
    /// The longest `Retry-After` honoured; a longer one is waited this long.
    var maximumRetryAfter: Duration = .seconds(300)
    /// An answer larger than this is an error: no answer is held in memory unbounded.
    var maximumBodyBytes: Int = 64 << 20

    /// NCBI's policy: at most 3 requests a second, or 10 with an API key.
    var pubmedRate: Double { ncbiAPIKey == nil ? 3 : 10 }
}

extension SourceConfiguration {
    /// Why the configuration cannot be built; the harvester does not start.
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// From the command line. The API key comes from `--ncbi-api-key-file` (a file holding it
    /// on one line) or else from `LDN_NCBI_API_KEY`; a key file that is missing, unreadable or
    /// empty is an error rather than a silent drop to 3 requests a second.
    init(_ options: HarvesterOptions, environment: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) {
        guard let pubmed = URL(string: options.pubmedBase), let ctgov = URL(string: options.ctgovBase) else {
            throw Invalid(description: "--pubmed-base and --ctgov-base must be http(s) URLs")
        }
        self.init(pubmedBase: pubmed, ctgovBase: ctgov, ncbiTool: options.ncbiTool, ncbiEmail: options.ncbiEmail,
                  ncbiAPIKey: try Self.apiKey(file: options.ncbiAPIKeyFile, environment: environment),
                  ctgovRate: options.ctgovRate, timeout: .seconds(options.httpTimeout), attempts: options.httpAttempts,
                  firstBackoff: .milliseconds(options.httpBackoffMs))
    }

    static func apiKey(file: String, environment: [String: String]) throws(Invalid) -> String? {
        if !file.isEmpty {
            guard let data = FileManager.default.contents(atPath: file) else {
                let reason = FileManager.default.fileExists(atPath: file) ? "cannot be read (permissions?)" : "does not exist"
                throw Invalid(description: "--ncbi-api-key-file \(file) \(reason)")
            }
            let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !key.isEmpty else { throw Invalid(description: "--ncbi-api-key-file \(file) is empty") }
            guard !key.contains(where: { $0.isWhitespace }) else {
                throw Invalid(description: "--ncbi-api-key-file \(file) must hold the key alone, on one line")
            }
            return key
        }
        let key = environment["LDN_NCBI_API_KEY"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return key.isEmpty ? nil : key
    }
}
