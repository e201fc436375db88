import EvidenceModel
import Foundation
import GRDB
import WireProtocol

extension ReplicaDatabase {
    /// The evidence for one condition (active records only, each study once): counts by design and by
    /// certainty, outcome directions per measure, the dose range, the strongest studies and
    /// the latest addition. Counted from the per-condition index tables, in one read
    /// transaction; only the few studies listed are read from `records`.
    func summary(condition code: String, replica: ReplicaState) async throws -> SummaryReply {
        try await pool.read { db in
            var byDesign: [StudyDesign: (studies: Int, participants: Int)] = [:]
            var byCertainty: [Certainty: Int] = [:]
            // Rows are read from cursors, by name: no copy of each row, and a name found by a
            // dictionary lookup (copied rows search their columns one by one).
            try Row.fetchCursor(db, sql: """
                SELECT design, certainty, COUNT(*) AS studies, TOTAL(participants) AS participants FROM record_conditions
                WHERE code = ? AND status = 'active' GROUP BY design, certainty
                """, arguments: [code]).forEach { row in
                let design = StudyDesign(rawValue: row["design"]) ?? .other, certainty = Self.certainty(row["certainty"])
                let studies: Int = row["studies"], participants = Self.participantTotal(row["participants"])
                byDesign[design, default: (0, 0)].studies += studies
                byDesign[design, default: (0, 0)].participants += participants
                byCertainty[certainty, default: 0] += studies
            }
            // Each study once: take out the reports that do not stand for their study.
            let extraReports = try Self.extraReports(condition: code, in: db)
            for report in extraReports {
                byDesign[report.design]?.studies -= 1
                byDesign[report.design]?.participants -= report.participants ?? 0
                byCertainty[report.certainty]? -= 1
            }
            byDesign = byDesign.filter { $0.value.studies > 0 }
            byCertainty = byCertainty.filter { $0.value > 0 }
            let doses = try Row.fetchOne(db, sql: """
                SELECT MIN(dose_mg) AS dose_min, MAX(dose_mg) AS dose_max, MAX(record_id) AS latest FROM record_conditions
                WHERE code = ? AND status = 'active'
                """, arguments: [code])
            let skipped = Set(extraReports.map(\.recordID))
            let strongest = try Int64.fetchAll(db, sql: """
                SELECT record_id FROM record_conditions WHERE code = ? AND status = 'active'
                ORDER BY certainty DESC, participants IS NULL, participants DESC, year DESC, record_id DESC LIMIT ?
                """, arguments: [code, 5 + skipped.count]).filter { !skipped.contains($0) }.prefix(5)
            var outcomes: [String: SummaryReply.OutcomeCount] = [:]
            try Row.fetchCursor(db, sql: """
                SELECT measure, direction, COUNT(*) AS reports FROM outcome_index
                WHERE code = ? AND status = 'active' GROUP BY measure, direction
                """, arguments: [code]).forEach { row in
                let measure: String = row["measure"], count: Int = row["reports"]
                var tally = outcomes[measure]
                    ?? SummaryReply.OutcomeCount(measure: measure, improved: 0, noDifference: 0, worsened: 0, mixed: 0)
                switch Direction(rawValue: row["direction"]) {
                case .improved: tally.improved += count
                case .noDifference: tally.noDifference += count
                case .worsened: tally.worsened += count
                case .mixed, nil: tally.mixed += count
                }
                outcomes[measure] = tally
            }
            let latestID: Int64? = doses?["latest"]
            let listed = try Self.studies(Array(strongest) + (latestID.map { [$0] } ?? []), in: db)
            return SummaryReply(
                condition: code, name: ConditionVocabulary.displayName(code: code),
                studies: byDesign.values.reduce(0) { $0 + $1.studies },
                participants: byDesign.values.reduce(0) { $0 + $1.participants },
                byDesign: byDesign.map { .init(design: $0.key, studies: $0.value.studies, participants: $0.value.participants) }
                    .sorted { ($0.studies, $1.design) > ($1.studies, $0.design) },
                byCertainty: Certainty.allCases.reversed().compactMap { certainty in
                    byCertainty[certainty].map { .init(certainty: certainty, studies: $0) }
                },
                outcomes: outcomes.values.sorted { ($0.total, $1.measure) > ($1.total, $0.measure) },
                doseMinMg: doses?["dose_min"], doseMaxMg: doses?["dose_max"],
                strongest: strongest.compactMap { listed[$0] }, latest: latestID.flatMap { listed[$0] },
                replica: replica)
        }
    }

    /// A condition's reports beyond the first of each study: records that share an NCT id
    /// with one that stands for the study (highest certainty, then most participants, then
    /// latest). Read through the small partial index of records that carry an NCT id.
    static func extraReports(condition code: String, in db: Database)
        throws -> [(recordID: Int64, design: StudyDesign, certainty: Certainty, participants: Int?)] {
        var previousStudy: String?
        var extra: [(recordID: Int64, design: StudyDesign, certainty: Certainty, participants: Int?)] = []
        try Row.fetchCursor(db, sql: """
            SELECT study, record_id, design, certainty, participants FROM record_conditions
            WHERE code = ? AND status = 'active' AND study IS NOT NULL
            ORDER BY study, certainty DESC, participants IS NULL, participants DESC, record_id DESC
            """, arguments: [code]).forEach { row in
            let study: String = row["study"]
            defer { previousStudy = study }
            guard study == previousStudy else { return }  // the first of its study stands for it
            extra.append((row["record_id"], StudyDesign(rawValue: row["design"]) ?? .other, certainty(row["certainty"]),
                          row["participants"]))
        }
        return extra
    }

    /// A group's participant total (SQLite's TOTAL, a double) as an Int, clamped: no stored
    /// record, however hostile, can make the conversion trap or the sums of groups overflow.
    static func participantTotal(_ total: Double) -> Int {
        guard total.isFinite, total > 0 else { return 0 }
        return Int(min(total, 1e15))
    }

    static func certainty(_ rank: Int) -> Certainty { Certainty.allCases[min(max(rank, 0), Certainty.allCases.count - 1)] }

    /// The studies with these ids, as a summary lists them.
    static func studies(_ ids: [Int64], in db: Database) throws -> [Int64: SummaryStudy] {
        guard !ids.isEmpty else { return [:] }
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, title, year, design, certainty, participants, doi, pmid FROM records
            WHERE id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", ")))
            """, arguments: StatementArguments(ids))
        return Dictionary(rows.map { row in
            (row["id"], SummaryStudy(id: row["id"], title: row["title"], year: row["year"],
                                     design: StudyDesign(rawValue: row["design"]) ?? .other, certainty: certainty(row["certainty"]),
                                     participants: row["participants"], doi: row["doi"], pmid: row["pmid"]))
        }, uniquingKeysWith: { first, _ in first })
    }
}
