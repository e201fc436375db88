import EvidenceFormats
import EvidenceModel
import Foundation
import WireProtocol

/// ClinicalTrials.gov through its API v2: `/studies` filtered on the last update post date,
/// paged with `pageToken`, each study mapped as `ldn submit --allow-partial` maps a registry
/// JSON file; `/version`'s data timestamp tells whether anything was refreshed.
struct ClinicalTrialsSource: HarvestSource {
    let http: SourceHTTP
    var pageSize = 100

    func dataVersion() async throws(HarvestError) -> String? {
        let answer = try await http.get("version", [])
        guard let document = try? JSONParser.parse(answer.body),
              let timestamp = document["dataTimestamp"]?.stringValue, !timestamp.isEmpty else {
            throw .malformed(request: answer.request, reason: "not a JSON object with a \"dataTimestamp\"")
        }
        return timestamp
    }

    func fetch(_ query: SearchQuery, window: HarvestWindow,
               page: @Sendable ([HarvestedItem], _ total: Int?) async throws -> Void) async throws {
        var base: [(name: String, value: String)] = [("format", "json"), ("query.term", query.term)]
        if let condition = query.condition, !condition.isEmpty { base.append(("query.cond", condition)) }
        base += [("filter.advanced", "AREA[LastUpdatePostDate]RANGE[\(window.from ?? "MIN"),\(window.through)]"),
                 ("pageSize", String(pageSize))]
        var token: String?
        var tokensSeen: Set<String> = []
        var total: Int?
        var number = 0
        repeat {
            let parameters = base + (token.map { [("pageToken", $0)] } ?? [("countTotal", "true")])
            let answer = try await http.get("studies", parameters)
            let read = try Self.page(answer, firstNumber: number + 1)
            if token == nil { total = read.total }
            // A next page token can lead to an empty page (a known quirk of the API): that is the end.
            guard !read.items.isEmpty else { return }
            number += read.items.count
            try await page(read.items, total)
            if let next = read.nextPageToken, !tokensSeen.insert(next).inserted {
                throw HarvestError.malformed(request: answer.request, reason: "the same nextPageToken came back twice")
            }
            token = read.nextPageToken
        } while token != nil
    }

    struct Page {
        var items: [HarvestedItem]
        var nextPageToken: String?
        var total: Int?
    }

    /// One `/studies` answer: its studies mapped, the next token, the total when counted.
    static func page(_ answer: SourceHTTP.Answer, firstNumber: Int) throws(HarvestError) -> Page {
        func malformed(_ reason: String) -> HarvestError { .malformed(request: answer.request, reason: reason) }
        guard let text = String(data: answer.body, encoding: .utf8) else { throw malformed("the answer is not UTF-8") }
        let document: JSONValue
        do {
            document = try JSONParser.parse(answer.body)
        } catch {
            throw malformed("invalid JSON: \(error)")
        }
        guard case .object = document, let studies = document["studies"]?.arrayValue else {
            throw malformed("not a JSON object with a \"studies\" array")
        }
        var nextPageToken: String?
        switch document["nextPageToken"] {
        case nil, .null?: break
        case .string(let next)?: nextPageToken = next.isEmpty ? nil : next
        default: throw malformed("\"nextPageToken\" is not a string")
        }
        let total = document["totalCount"]?.integerValue(Int.self)
        guard !studies.isEmpty else { return Page(items: [], nextPageToken: nextPageToken, total: total) }
        let citations: [Citation]
        do {
            citations = try ClinicalTrialsReader.read(text)
        } catch {
            throw malformed("\(error.line.map { "line \($0): " } ?? "")\(error.message)")
        }
        guard citations.count == studies.count else { throw malformed("\(studies.count) studies but \(citations.count) read") }
        var items: [HarvestedItem] = []
        for (index, (study, citation)) in zip(studies, citations).enumerated() {
            guard let nct = citation.nct else { throw malformed("study \(index + 1) has no nctId") }
            guard let updated = study["protocolSection"]?["statusModule"]?["lastUpdatePostDateStruct"]?["date"]?.stringValue,
                  !updated.isEmpty else {
                throw malformed("\(nct) has no protocolSection.statusModule.lastUpdatePostDateStruct.date")
            }
            var record = SourceFile.record(citation, number: firstNumber + index, file: "ClinicalTrials.gov \(nct)",
                                           format: .ctgov, allowPartial: true)
            record.provenance.line = nil
            items.append(HarvestedItem(key: "ctgov:\(nct)@\(updated)", sourceID: nct, record: record))
        }
        return Page(items: items, nextPageToken: nextPageToken, total: total)
    }
}
