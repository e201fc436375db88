import EvidenceModel
import BenchmarkSupport
import Foundation
import WireProtocol

/// Cost of each step a record goes through on the intake path, per record, in this process.
/// Explains the end-to-end figure: what ingest and the store spend their CPU on.
enum Stages {
    static func measure(_ bodies: [Data]) {
        let sample = Array(bodies.prefix(20_000))
        func time(_ label: String, _ work: () -> Int) {
            let started = ContinuousClock.now
            let checksum = work()
            let micros = (ContinuousClock.now - started).seconds * 1e6 / Double(sample.count)
            print("  " + label.padding(toLength: 46, withPad: " ", startingAt: 0) + String(format: "%6.2f µs/record", micros)
                  + (checksum == 0 ? " (!)" : ""))
        }
        let records = sample.map { RecordIntake.evaluate($0).record! }
        let canonical = records.map(\.jsonData)
        print("stages (per record, one core):")
        time("parse JSON (JSONParser)") { sample.reduce(0) { total, data in total + ((try? JSONParser.parse(data)) != nil ? 1 : 0) } }
        time("validate + normalise (RecordIntake.evaluate)") { sample.reduce(0) { $0 + (RecordIntake.evaluate($1).isValid ? 1 : 0) } }
        time("canonical JSON (jsonData)") { records.reduce(0) { $0 + $1.jsonData.count } }
        time("dedup key") { records.reduce(0) { $0 + $1.dedupKey.utf8.count } }
        time("content hash (FNV-1a 64)") { canonical.reduce(0) { $0 + ContentHash.fnv1a64($1).utf8.count } }
        time("condition topics (scan)") { canonical.reduce(0) { $0 + EvidenceRecord.conditionCodes(inCanonical: $1).count } }
        let items = zip(records, canonical).map { WriteItem($0, canonical: $1, provenance: Provenance(sourceFile: "s.jsonl", line: 1)) }
        time("encode write item (WireJSON)") { items.reduce(0) { $0 + WireJSON.encode($1).count } }
        let encodedItems = items.map { WireJSON.encode($0) }
        time("decode write item (WireJSON)") { encodedItems.reduce(0) { $0 + ((try? WireJSON.decode(WriteItem.self, from: $1)) != nil ? 1 : 0) } }
        let result = RecordResult(index: 1, outcome: .accepted, id: 42, key: "doi:10.5555/x", version: 1, seq: 42)
        time("encode record result (WireJSON)") { sample.reduce(0) { total, _ in total + WireJSON.encode(result).count } }
    }
}
