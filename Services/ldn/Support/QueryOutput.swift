import EvidenceModel
import Foundation
import WireProtocol

/// How query answers are shown.
enum QueryOutput {
    /// A note on standard error when the replica's answer may be behind the store.
    static func noteStaleness(_ replica: ReplicaState) {
        if replica.catchingUp || replica.lag > 0 {
            Output.error("note: this replica is \(replica.lag) change\(replica.lag == 1 ? "" : "s") behind the store"
                         + (replica.catchingUp ? " (catching up)" : "") + "; answers may miss the newest evidence")
        }
    }

    /// ID, year, design, participants, certainty and title, fitted to 80 columns.
    static func table(_ hits: [Hit]) -> String {
        var table = Table("ID", "YEAR", "DESIGN", "N", "CERTAINTY", "TITLE")
        for hit in hits {
            guard let record = hit.record else { continue }
            table.add(String(hit.id), String(record.year), record.design.rawValue,
                      record.participants.map(String.init) ?? "-",
                      record.certainty.rawValue + (hit.status == .active ? "" : " (\(hit.status.rawValue))"), record.title)
        }
        return table.render()
    }

    static func designName(_ design: StudyDesign) -> String { design.displayName }
}
