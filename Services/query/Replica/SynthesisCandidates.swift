import EvidenceModel
import Foundation
import GRDB
import MetaAnalysis

extension ReplicaDatabase {
    /// The records a synthesis of `outcome` in `condition` considers (`EvidenceSynthesis.isCandidate`):
    /// active records of the condition with an outcome on that measure, by record id, read in
    /// one transaction. They are found in the per-condition outcome index (one range of
    /// `outcome_index_summary`); only their bodies are read and decoded.
    func synthesisCandidates(condition: String, outcome: String) async throws -> [EvidenceSynthesis.Candidate] {
        try await pool.read { db in
            var candidates: [EvidenceSynthesis.Candidate] = []
            try Row.fetchCursor(db, sql: """
                SELECT r.key, b.body FROM records r JOIN record_bodies b ON b.id = r.id
                WHERE r.id IN (SELECT record_id FROM outcome_index WHERE code = ? AND status = 'active' AND measure = ?)
                ORDER BY r.id
                """, arguments: [condition, outcome]).forEach { row in
                // Bodies were checked when applied (a change that fails goes to the quarantine), so
                // none fails here; one that did would be left out rather than fail the answer.
                guard let record = RecordIntake.evaluate(row["body"] as Data).record else { return }
                candidates.append(EvidenceSynthesis.Candidate(key: row["key"], record: record))
            }
            return candidates
        }
    }
}
