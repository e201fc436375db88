import EvidenceFormats
import Foundation
import WireProtocol

/// PubMed through NCBI's E-utilities: esearch on the entry date (EDAT) with the history
/// server, then efetch of PubMed XML in batches, each mapped as `ldn submit --allow-partial`
/// maps a PubMed XML file. Every request carries `tool`, `email` and, when set, `api_key`.
struct PubMedSource: HarvestSource {
    let http: SourceHTTP
    let configuration: SourceConfiguration
    /// Records per efetch.
    var batchSize = 200
    /// The most records one esearch result set can hand out: E-utilities stop at 10 000
    /// (retstart + retmax). A window that finds more is split in two by date, again and again.
    var maximumPerSearch = 9_999
    /// The earliest entry date asked on a first run: NCBI needs both ends of a date range.
    static let earliest = "1800-01-01"

    func dataVersion() async throws(HarvestError) -> String? { nil }

    func fetch(_ query: SearchQuery, window: HarvestWindow,
               page: @Sendable ([HarvestedItem], _ total: Int?) async throws -> Void) async throws {
        let search = try await esearch(query.term, window: window)
        guard search.count > 0 else { return }
        if search.count > maximumPerSearch {
            guard let (earlier, later) = UTCDay.halves(from: window.from ?? Self.earliest, through: window.through) else {
                throw HarvestError.refused(request: "esearch \(window.through)", status: 200, reason:
                    "\(search.count) articles were entered on \(window.through) alone, more than the \(maximumPerSearch) "
                    + "E-utilities hand out for one search: narrow the query")
            }
            try await fetch(query, window: earlier, page: page)
            try await fetch(query, window: later, page: page)
            return
        }
        var start = 0
        while start < search.count {
            let items = try await efetch(search, start: start)
            try await page(items, search.count)
            // NCBI may hand back fewer than asked (a book chapter is skipped, not mapped): the
            // next batch still starts where this one was asked to end.
            start += batchSize
        }
    }

    private struct Search {
        let count: Int
        let queryKey: String
        let webEnv: String
    }

    private var identification: [(name: String, value: String)] {
        [("tool", configuration.ncbiTool), ("email", configuration.ncbiEmail)]
            + (configuration.ncbiAPIKey.map { [("api_key", $0)] } ?? [])
    }

    private func esearch(_ term: String, window: HarvestWindow) async throws(HarvestError) -> Search {
        let answer = try await http.get("esearch.fcgi", [
            ("db", "pubmed"), ("term", term), ("usehistory", "y"), ("datetype", "edat"),
            ("mindate", Self.ncbiDate(window.from ?? Self.earliest)), ("maxdate", Self.ncbiDate(window.through)),
            ("retmax", "0"),
        ] + identification)
        let result: ESearchResult
        do {
            result = try ESearchResult.parse(answer.body)
        } catch {
            switch error {
            case .unreadable(let reason): throw .malformed(request: answer.request, reason: "esearch: \(reason)")
            case .ncbi(let text): throw .refused(request: answer.request, status: 200, reason: "NCBI: \(http.redact(SourceHTTP.printable(text)))")
            }
        }
        guard result.count > 0 else { return Search(count: 0, queryKey: "", webEnv: "") }
        guard let queryKey = result.queryKey, !queryKey.isEmpty, let webEnv = result.webEnv, !webEnv.isEmpty else {
            throw .malformed(request: answer.request, reason: "esearch found \(result.count) but gave no QueryKey and WebEnv")
        }
        return Search(count: result.count, queryKey: queryKey, webEnv: webEnv)
    }

    private func efetch(_ search: Search, start: Int) async throws(HarvestError) -> [HarvestedItem] {
        let answer = try await http.get("efetch.fcgi", [
            ("db", "pubmed"), ("query_key", search.queryKey), ("WebEnv", search.webEnv),
            ("retstart", String(start)), ("retmax", String(batchSize)), ("retmode", "xml"),
        ] + identification)
        let citations: [Citation]
        do {
            citations = try PubMedXMLReader.read(answer.body)
        } catch {
            throw .malformed(request: answer.request, reason: "efetch: \(error.line.map { "line \($0): " } ?? "")\(error.message)")
        }
        var items: [HarvestedItem] = []
        for (index, citation) in citations.enumerated() {
            guard let pmid = citation.pmid?.trimmingCharacters(in: .whitespaces), !pmid.isEmpty else {
                throw .malformed(request: answer.request, reason: "efetch: article \(index + 1) has no PMID")
            }
            var record = SourceFile.record(citation, number: start + index + 1, file: "PubMed \(pmid)",
                                           format: .pubmedXML, allowPartial: true)
            // The line within one efetch answer tells a reader nothing.
            record.provenance.line = nil
            items.append(HarvestedItem(key: "pubmed:\(pmid)", sourceID: pmid, record: record))
        }
        return items
    }

    /// "2026-11-20" as NCBI writes dates: "2026/11/20".
    static func ncbiDate(_ day: String) -> String {
        day.replacingOccurrences(of: "-", with: "/")
    }
}
