import ArgumentParser
import EvidenceModel
import Foundation
import Client
import ServiceKit
import WireProtocol

struct Get: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one stored record, by record id, DOI, PMID or NCT id.",
        discussion: """
            REFERENCE is a record id (42), a DOI (10.1007/s10620-011-1653-7 or doi:…), a PMID (pmid:17222320; \
            a bare number that is no record id is tried as a PMID) or an NCT id (NCT00568555).
            """)

    @Argument(help: "Record id, DOI, PMID or NCT id.")
    var reference: String

    @Flag(help: "Also list every earlier version and change.")
    var history = false

    @Option(help: "Query endpoint (env LDN_QUERY_ENDPOINT); the query service asks the store.")
    var query = ServiceName.query.configuredEndpoint

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Also print the record's text as it was in the imported file (RIS, MEDLINE, PubMed XML, registry JSON).")
    var original = false

    @Flag(help: "Print JSON: the change header and the record.")
    var json = false

    func run() throws {
        let client = try connection.connect(query, service: .query)
        var found: Reply?
        for body in Self.lookups(for: reference, history: history) {
            let reply: Reply
            do {
                reply = try client.send(Request(type: MessageType.get, id: Output.requestID(), body: body))
            } catch {
                throw exitForFailure(error, service: .query, keys: connection.keys)
            }
            if reply.isOK { found = reply; break }
            if reply.errorBody.code != .notFound { throw exitForFailure(.service(reply.errorBody), service: .query) }
        }
        guard let found, let answer = try? WireJSON.decode(GetReply.self, from: found.body), let body = found.attachments.first else {
            Output.error("no record matches \(reference)")
            throw ExitCode(1)
        }
        if json {
            Output.json(Document(current: answer.current, record: try? JSONParser.parse(body), history: answer.history,
                                 reports: answer.reports))
            return
        }
        guard let record = RecordIntake.evaluate(body).record else {
            print(String(decoding: body, as: UTF8.self))
            return
        }
        print(RecordView(header: answer.current, record: record).render())
        if let reports = answer.reports {
            // Their JSON follows the current record's and the history's.
            let bodies = found.attachments.suffix(reports.count)
            print("\nother reports of this study")
            for (header, body) in zip(reports, bodies) {
                let title = RecordIntake.evaluate(body).record.map { "\($0.year) \($0.design.rawValue) \($0.title)" } ?? ""
                print("  record \(header.recordID) · \(header.status.rawValue) · \(title)")
            }
        }
        if original {
            if let text = answer.current.provenance?.original {
                print("\noriginal (\(answer.current.provenance?.format ?? "import"))\n" + text)
            } else {
                print("\noriginal: none; this version was submitted as a record, not imported from a bibliographic file")
            }
        }
        if let history = answer.history {
            print("\nhistory")
            var table = Table("SEQ", "CHANGE", "VERSION", "STATUS", "COMMITTED", "REQUEST")
            for change in history {
                table.add(String(change.seq), change.kind.rawValue, String(change.version), change.status.rawValue,
                          change.committedAt.formatted(Date.ISO8601FormatStyle()), change.requestID ?? "-")
            }
            print(table.render())
        }
    }

    /// The `get` bodies to try, in order, for what the user typed.
    static func lookups(for reference: String, history: Bool) -> [GetRequest] {
        let text = reference.trimmingCharacters(in: .whitespaces)
        let lower = text.lowercased()
        if lower.hasPrefix("pmid:") { return [GetRequest(pmid: String(text.dropFirst(5)), history: history)] }
        if lower.hasPrefix("doi:") || lower.hasPrefix("10.") || lower.contains("doi.org/") {
            return [GetRequest(doi: Identifiers.normalizeDOI(text), history: history)]
        }
        if lower.hasPrefix("nct") { return [GetRequest(nct: text.uppercased(), history: history)] }
        if let id = Int64(text) { return [GetRequest(id: id, history: history), GetRequest(pmid: text, history: history)] }
        return [GetRequest(key: text, history: history)]
    }

    struct Document: Encodable {
        var current: ChangeHeader
        var record: JSONValue?
        var history: [ChangeHeader]?
        var reports: [ChangeHeader]?
    }
}
