import Foundation

/// `Tests/python/harvest_fixture.py` as a child process: a loopback stand-in for NCBI
/// E-utilities and the ClinicalTrials.gov API v2 serving synthetic records, with control
/// calls to add records, queue faults and read the log of the requests it saw.
/// Stopped by `stop()`, or when it goes.
public final class HarvestFixture: Sendable {
    public let port: Int
    private let process: ServiceProcess

    /// The bases to configure the harvester with.
    public var pubmedBase: String { "http://127.0.0.1:\(port)/entrez/eutils" }
    public var ctgovBase: String { "http://127.0.0.1:\(port)/api/v2" }

    /// The API paths, as the request log names them.
    public enum Path {
        public static let esearch = "/entrez/eutils/esearch.fcgi"
        public static let efetch = "/entrez/eutils/efetch.fcgi"
        public static let version = "/api/v2/version"
        public static let studies = "/api/v2/studies"
    }

    /// Starts the server on a free port, serving the articles and studies of `seed` (a file
    /// as `harvest_fixture.py --seed` reads it) if given, and waits until it answers.
    public init(seed: URL? = nil) async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/harvest_fixture.py").path
        process = try ServiceProcess("/usr/bin/env", ["python3", script] + (seed.map { ["--seed", $0.path] } ?? []), captureOutput: true)
        let started = ContinuousClock.now + .seconds(15)
        while process.output.isEmpty, !process.hasExited, ContinuousClock.now < started { try await Task.sleep(for: .milliseconds(20)) }
        guard let text = process.output.first?.split(separator: " ").last, let port = Int(text) else {
            process.signal(SIGKILL)
            throw TestFailure("the harvest fixture did not start: \(process.log)")
        }
        self.port = port
        let deadline = ContinuousClock.now + .seconds(10)
        while (try? await requests()) == nil {
            guard ContinuousClock.now < deadline else { throw TestFailure("the harvest fixture does not answer: \(process.log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    deinit { process.signal(SIGKILL) }

    public func stop() async throws {
        _ = try await process.stop()
    }

    // MARK: Records

    /// A PubMed article; a title without the synthetic label gets it.
    public struct Article: Sendable {
        public var pmid: String?
        /// EDAT, "YYYY-MM-DD".
        public var entryDate: String
        public var title: String
        public var mesh: [String] = []
        public var keywords: [String] = []
        public var publicationTypes: [String] = []

        public init(pmid: String? = nil, entryDate: String, title: String, mesh: [String] = [], keywords: [String] = [],
                    publicationTypes: [String] = []) {
            self.pmid = pmid
            self.entryDate = entryDate
            self.title = title
            self.mesh = mesh
            self.keywords = keywords
            self.publicationTypes = publicationTypes
        }

        /// One the mapping completes: a randomized controlled trial of LDN in fibromyalgia.
        public static func complete(entryDate: String, title: String = "low dose naltrexone in fibromyalgia, a randomized trial") -> Article {
            Article(entryDate: entryDate, title: title, mesh: ["Fibromyalgia", "Naltrexone"], keywords: ["low dose naltrexone"],
                    publicationTypes: ["Randomized Controlled Trial"])
        }

        /// One the mapping cannot complete (no design, no condition it knows): needs review.
        public static func incomplete(entryDate: String, title: String = "naltrexone, a note") -> Article {
            Article(entryDate: entryDate, title: title, publicationTypes: ["Journal Article"])
        }
    }

    /// Adds articles (or replaces those with the same PMID); returns their PMIDs.
    @discardableResult
    public func addArticles(_ articles: [Article]) async throws -> [String] {
        let list: [[String: any Sendable]] = articles.map { a in
            var object: [String: any Sendable] = ["entry_date": a.entryDate, "title": a.title, "mesh": a.mesh,
                                                  "keywords": a.keywords, "publication_types": a.publicationTypes]
            if let pmid = a.pmid { object["pmid"] = pmid }
            return object
        }
        let answer = try await control("/_fixture/pubmed/articles", ["articles": list])
        return answer["pmids"] as? [String] ?? []
    }

    /// A ClinicalTrials.gov study; a title without the synthetic label gets it.
    public struct Study: Sendable {
        public var nctID: String?
        public var title: String
        /// The last update post date, "YYYY-MM-DD".
        public var lastUpdate: String
        public var conditions: [String] = []
        public var studyType = "INTERVENTIONAL"
        /// "RANDOMIZED", "NON_RANDOMIZED", or nil (no design info).
        public var allocation: String?
        public var interventions: [String] = []

        public init(nctID: String? = nil, title: String, lastUpdate: String, conditions: [String] = [],
                    studyType: String = "INTERVENTIONAL", allocation: String? = nil, interventions: [String] = []) {
            self.nctID = nctID
            self.title = title
            self.lastUpdate = lastUpdate
            self.conditions = conditions
            self.studyType = studyType
            self.allocation = allocation
            self.interventions = interventions
        }

        /// A randomized, placebo-controlled trial of LDN in fibromyalgia.
        public static func complete(nctID: String? = nil, lastUpdate: String,
                                    title: String = "low dose naltrexone versus placebo in fibromyalgia") -> Study {
            Study(nctID: nctID, title: title, lastUpdate: lastUpdate, conditions: ["Fibromyalgia"], allocation: "RANDOMIZED",
                  interventions: ["Low dose naltrexone", "Placebo"])
        }

        /// A registration whose design and condition the mapping cannot tell: needs review.
        public static func incomplete(nctID: String? = nil, lastUpdate: String, title: String = "naltrexone registry") -> Study {
            Study(nctID: nctID, title: title, lastUpdate: lastUpdate, conditions: ["Healthy"], studyType: "EXPANDED_ACCESS")
        }
    }

    /// Adds studies; a study given with an NCT id already there replaces it (an update). Returns their ids.
    @discardableResult
    public func addStudies(_ studies: [Study]) async throws -> [String] {
        let list: [[String: any Sendable]] = studies.map { s in
            var object: [String: any Sendable] = ["title": s.title, "last_update": s.lastUpdate, "conditions": s.conditions,
                                                  "study_type": s.studyType, "interventions": s.interventions]
            if let nct = s.nctID { object["nct_id"] = nct }
            if let allocation = s.allocation { object["allocation"] = allocation }
            return object
        }
        let answer = try await control("/_fixture/ctgov/studies", ["studies": list])
        return answer["nct_ids"] as? [String] ?? []
    }

    /// What `/api/v2/version` answers as `dataTimestamp`.
    public func setDataTimestamp(_ timestamp: String) async throws {
        _ = try await control("/_fixture/ctgov/version", ["data_timestamp": timestamp])
    }

    /// Whether the last page of studies carries a token leading to an empty page (that carries another).
    public func setTrailingEmptyPage(_ on: Bool) async throws {
        _ = try await control("/_fixture/ctgov/options", ["trailing_empty_page": on])
    }

    // MARK: Faults

    /// What one request to a path gets instead of its answer: first `delay` seconds of
    /// silence, then `status` (with `Retry-After` / `Location` when given), a malformed
    /// body, or else the normal answer.
    public struct Fault: Sendable {
        public var status: Int?
        public var retryAfter: String?
        public var location: String?
        public var delay: Double?
        public var malformed = false

        public init(status: Int? = nil, retryAfter: String? = nil, location: String? = nil, delay: Double? = nil,
                    malformed: Bool = false) {
            self.status = status
            self.retryAfter = retryAfter
            self.location = location
            self.delay = delay
            self.malformed = malformed
        }
    }

    /// Queues faults for the next requests to `path` (one fault per request, in order).
    public func queueFaults(_ faults: [Fault], on path: String) async throws {
        let list: [[String: any Sendable]] = faults.map { f in
            var object: [String: any Sendable] = ["malformed": f.malformed]
            if let status = f.status { object["status"] = status }
            if let retryAfter = f.retryAfter { object["retry_after"] = retryAfter }
            if let location = f.location { object["location"] = location }
            if let delay = f.delay { object["delay"] = delay }
            return object
        }
        _ = try await control("/_fixture/faults", ["path": path, "faults": list])
    }

    // MARK: The request log

    public struct LoggedRequest: Sendable {
        public let method: String
        public let path: String
        public let query: [String: [String]]
        /// When it arrived, in Unix seconds.
        public let time: Double
        public let host: String
        public let status: Int

        /// The parameter's first value.
        public func parameter(_ name: String) -> String? { query[name]?.first }
    }

    /// Every API request so far (not the control calls), in arrival order.
    public func requests() async throws -> [LoggedRequest] {
        let (status, body) = try await exchange("GET", "/_fixture/requests", Data())
        guard status == 200, let object = try JSONSerialization.jsonObject(with: body) as? [String: Any],
              let list = object["requests"] as? [[String: Any]] else {
            throw TestFailure("the harvest fixture's request log: HTTP \(status)")
        }
        return list.map { entry in
            LoggedRequest(method: entry["method"] as? String ?? "", path: entry["path"] as? String ?? "",
                          query: entry["query"] as? [String: [String]] ?? [:], time: entry["time"] as? Double ?? 0,
                          host: entry["host"] as? String ?? "", status: entry["status"] as? Int ?? 0)
        }
    }

    public func clearRequests() async throws {
        _ = try await control("/_fixture/requests/clear", [:])
    }

    /// The most requests (to `path`, or to any) that arrived within any `window` seconds.
    /// Whether the requests arrived no faster than `perSecond` over the whole log: at most
    /// `perSecond` in the first second, and `perSecond` more for each second after. Robust to
    /// a loaded machine, where the fixture (one Python process) timestamps some requests late
    /// and so bunches them; `busiestWindow` is not.
    public static func keptRate(_ requests: [LoggedRequest], perSecond: Double) -> Bool {
        let times = requests.map(\.time).sorted()
        guard let first = times.first, let last = times.last else { return true }
        return Double(times.count) <= perSecond * (1 + last - first)
    }

    public static func busiestWindow(_ requests: [LoggedRequest], path: String? = nil, window: Double = 1) -> Int {
        let times = requests.filter { path == nil || $0.path == path }.map(\.time).sorted()
        var most = 0
        var first = 0
        for last in times.indices {
            while times[last] - times[first] >= window { first += 1 }
            most = max(most, last - first + 1)
        }
        return most
    }

    // MARK: Control calls

    private func control(_ path: String, _ body: [String: any Sendable]) async throws -> [String: Any] {
        let data = try JSONSerialization.data(withJSONObject: body)
        let (status, answer) = try await exchange("POST", path, data)
        guard status == 200 else {
            throw TestFailure("the harvest fixture refused \(path): HTTP \(status) \(String(decoding: answer, as: UTF8.self))")
        }
        return try JSONSerialization.jsonObject(with: answer) as? [String: Any] ?? [:]
    }

    /// One HTTP/1.1 exchange on a connection of its own, on a thread of its own (`offPool`).
    private func exchange(_ method: String, _ path: String, _ body: Data) async throws -> (Int, Data) {
        let port = port
        return try await offPool { try LoopbackHTTP.exchange(port: port, method: method, path: path, body: body) }
    }
}

/// Just enough HTTP/1.1 to talk to a test server on 127.0.0.1: one request per connection,
/// `Connection: close`, the answer read to the end (at most 64 MiB, 10 s per read).
enum LoopbackHTTP {
    static func exchange(port: Int, method: String, path: String, body: Data) throws -> (Int, Data) {
        #if os(Linux)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect to 127.0.0.1:\(port): errno \(errno)") }
        let head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let request = Data(head.utf8) + body
        var sent = 0
        while sent < request.count {
            let n = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, request.count - sent, 0) }
            guard n > 0 else { throw TestFailure("send to 127.0.0.1:\(port): errno \(errno)") }
            sent += n
        }
        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while answer.count < 64 << 20 {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n >= 0 else { throw TestFailure("receive from 127.0.0.1:\(port): errno \(errno)") }
            if n == 0 { break }
            answer.append(contentsOf: buffer[0..<n])
        }
        guard let split = answer.range(of: Data("\r\n\r\n".utf8)),
              let statusLine = String(data: answer[..<split.lowerBound], encoding: .utf8)?.split(separator: "\r\n").first,
              let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else {
            throw TestFailure("not an HTTP answer from 127.0.0.1:\(port)")
        }
        return (status, Data(answer[split.upperBound...]))
    }
}
