import EvidenceModel
import Foundation
import WireProtocol

/// A record the store will commit: checked, with everything the store indexes derived from
/// the record itself, so that the single writer does nothing but write. The only way to make
/// one outside this module is `check(_:body:)`: the store never trusts its writer.
public struct PreparedRecord: Sendable {
    let identity: RecordIdentity
    /// The canonical record JSON, exactly as stored.
    let body: Data
    /// FNV-1a 64 of `body`, as stored in SQLite (equal hashes mean a duplicate).
    let hash: Int64
    let provenance: Provenance?
    let provenanceJSON: String?

    init(identity: RecordIdentity, body: Data, hash: Int64? = nil, provenance: Provenance?) {
        self.identity = identity
        self.body = body
        self.hash = hash ?? ChangeIntegrity.hash(body)
        self.provenance = provenance
        self.provenanceJSON = provenance.map { String(decoding: $0.jsonData, as: UTF8.self) }
    }
}

/// Why the store refused one record of a `write`: each problem names a field, of the record
/// (`year`, `identifiers.pmid`…) or of its write item (`key`, `hash`…).
public struct RecordRejection: Error, Sendable {
    public let problems: [Problem]
}

extension PreparedRecord {
    /// Checks one record of a `write`: its JSON must be a valid record (the rules ingest applies),
    /// already in canonical form (what ingest sends, and what followers read without parsing
    /// twice), and the write item's key, identifiers and hash must be the record's own.
    /// Costs a parse and a validation per record; run it in the request handler, off the writer.
    public static func check(_ item: WriteItem, body: Data) -> Result<PreparedRecord, RecordRejection> {
        let evaluation = RecordIntake.evaluate(body)
        guard let record = evaluation.record else { return .failure(RecordRejection(problems: evaluation.errors)) }
        // Written into a buffer of the body's size and compared in place: no copy into a `Data`.
        var output = JSONOutput(capacity: body.count)
        record.write(to: &output)
        let canonical = output.bytes
        guard Self.equal(canonical, body) else {
            let offset = zip(canonical, body).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(canonical.count, body.count)
            return .failure(RecordRejection(problems: [Problem(
                field: "", message: "the record is valid but not in canonical form (it first differs at byte \(offset)); "
                    + "the store commits records exactly as ingest writes them")]))
        }
        let derived = RecordIdentity(key: record.dedupKey, doi: record.identifiers.doi, pmid: record.identifiers.pmid,
                                     nct: record.identifiers.nct)
        var problems: [Problem] = []
        func agree(_ field: String, _ claimed: String?, _ actual: String?) {
            guard claimed != actual else { return }
            problems.append(Problem(field: field, message: "the write item says \(quoted(claimed)) but the record's is \(quoted(actual))"))
        }
        agree("key", item.key, derived.key)
        agree("doi", item.doi, derived.doi)
        agree("pmid", item.pmid, derived.pmid)
        agree("nct", item.nct, derived.nct)
        let hash = ContentHash.fnv1a64Value(body)
        agree("hash", item.hash, ContentHash.hex(hash))
        guard problems.isEmpty else { return .failure(RecordRejection(problems: problems)) }
        return .success(PreparedRecord(identity: derived, body: body, hash: Int64(bitPattern: hash), provenance: item.provenance))
    }

    private static func equal(_ bytes: [UInt8], _ data: Data) -> Bool {
        guard bytes.count == data.count else { return false }
        guard !bytes.isEmpty else { return true }
        return bytes.withUnsafeBytes { a in data.withUnsafeBytes { b in memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0 } }
    }

    private static func quoted(_ text: String?) -> String { text.map { "\"\($0)\"" } ?? "none" }
}
