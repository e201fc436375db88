import EvidenceModel
import Foundation
@testable import EvidenceStorage
import WireProtocol

/// SYNTHETIC records for storage tests: valid, canonical, with DOIs under the 10.5555 test
/// prefix or no identifier at all (keyed by title); never a real study's PMID or NCT id.
/// Where a test needs a PMID, it takes a real record from the bundled dataset.
enum TestRecords {
    /// A real record of the bundled dataset (data/ldn-evidence.jsonl), by its PMID; without
    /// its DOI when `withoutDOI`, as an earlier report of the study that had only the PMID.
    static func bundled(pmid: String, withoutDOI: Bool = false) throws -> EvidenceRecord {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("data/ldn-evidence.jsonl")
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            guard var record = RecordIntake.evaluate(Data(line.utf8)).record, record.identifiers.pmid == pmid else { continue }
            if withoutDOI { record.identifiers.doi = nil }
            return record
        }
        throw CocoaError(.fileReadCorruptFile)
    }

    static func record(_ n: Int, doi: Bool = true, variant: Int = 0) -> EvidenceRecord {
        EvidenceRecord(title: "SYNTHETIC storage test record \(n): low-dose naltrexone, variant \(variant)", year: 2020,
                       conditions: ["fibromyalgia"], design: .rct, authors: ["Synthetic A"],
                       identifiers: Identifiers(doi: doi ? "10.5555/storage.\(n)" : nil), participants: 20 + variant,
                       doseMg: 4.5, summary: "SYNTHETIC: generated for the store's tests; not a real study.")
    }

    /// The write item ingest would send for a record.
    static func item(_ record: EvidenceRecord) -> WriteItem {
        WriteItem(record, canonical: record.jsonData, provenance: Provenance(submittedBy: "test", sourceFile: "synthetic.jsonl"))
    }

    /// A checked write request, as the store's request handler makes it.
    static func write(_ id: String, _ records: [EvidenceRecord]) -> PendingWrite {
        let bodies = records.map(\.jsonData)
        return PendingWrite(requestID: id, digest: Data(ContentHash.fnv1a64(Data(bodies.joined())).utf8),
                            operation: .write(zip(records, bodies).map { PreparedRecord.check(item($0), body: $1) }))
    }
}
