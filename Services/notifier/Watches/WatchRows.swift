import EvidenceModel
import Foundation
import GRDB
import MetaAnalysis
import WireProtocol

extension WatchStore.Watch: FetchableRecord, TableRecord {
    static let databaseTableName = "watches"

    enum Columns {
        static let name = Column("name")
        static let filter = Column("filter")
        static let stream = Column("stream")
        static let webhook = Column("webhook")
        static let secret = Column("secret")
        static let cursor = Column("cursor")
        static let delivered = Column("delivered")
        static let failures = Column("failures")
        static let deadInARow = Column("dead_in_a_row")
        static let paused = Column("paused")
        static let rewinds = Column("rewinds")
        static let createdAt = Column("created_at")
        static let owner = Column("owner")
        static let synthesis = Column("synthesis")
        static let synthesisBaseline = Column("synthesis_baseline")
        static let synthesisHeadline = Column("synthesis_headline")
    }

    /// A watch as stored. One whose filter or question no longer reads is kept paused, saying
    /// why: an empty filter in its place would announce every change.
    init(row: Row) throws {
        var paused: String? = try row.decode(forColumn: Columns.paused)
        let filter: EvidenceFilter
        do {
            filter = try WireJSON.decode(EvidenceFilter.self, from: Data(try row.decode(String.self, forColumn: Columns.filter).utf8))
        } catch {
            filter = EvidenceFilter()
            paused = "its stored filter cannot be read (\(error)); remove the watch and add it again"
        }
        var synthesis: SynthesisQuestion?
        if let stored = try row.decode(String?.self, forColumn: Columns.synthesis) {
            do {
                synthesis = try WireJSON.decode(SynthesisQuestion.self, from: Data(stored.utf8))
            } catch {
                // Still a synthesis watch (never a plain one matching everything), and paused.
                synthesis = SynthesisQuestion(condition: "", outcome: "")
                paused = "its stored synthesis question cannot be read (\(error)); remove the watch and add it again"
            }
        }
        self.init(name: try row.decode(forColumn: Columns.name), filter: filter, stream: try row.decode(forColumn: Columns.stream),
                  webhook: try row.decode(String?.self, forColumn: Columns.webhook).flatMap(URL.init(string:)),
                  secret: try row.decode(forColumn: Columns.secret), cursor: try row.decode(forColumn: Columns.cursor),
                  delivered: try row.decode(forColumn: Columns.delivered), failures: try row.decode(forColumn: Columns.failures),
                  deadInARow: try row.decode(forColumn: Columns.deadInARow), paused: paused,
                  rewinds: try row.decode(forColumn: Columns.rewinds), owner: try row.decode(forColumn: Columns.owner),
                  synthesis: synthesis, synthesisBaseline: try row.decode(forColumn: Columns.synthesisBaseline),
                  synthesisHeadline: try row.decode(String?.self, forColumn: Columns.synthesisHeadline)
                    .flatMap { try? WireJSON.decode(SynthesisHeadline.self, from: Data($0.utf8)) })
    }
}

/// One row of `dead_letters`: a match given up on, as stored. Few and small, so Codable
/// maps it; `at` is whole seconds since 1970.
struct DeadLetterRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "dead_letters"

    var id: Int64?
    var watch: String
    var seq: Int64
    var key: String?
    var attempts: Int
    var lastStatus: Int?
    var lastError: String
    var at: Int64

    enum CodingKeys: String, CodingKey {
        case id, watch, seq, key, attempts, at
        case lastStatus = "last_status"
        case lastError = "last_error"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let watch = Column(CodingKeys.watch)
    }

}

extension DeadLetterRow {
    init(_ letter: DeadLetter) {
        self.init(id: nil, watch: letter.watch, seq: letter.seq, key: letter.key, attempts: letter.attempts,
                  lastStatus: letter.lastStatus, lastError: letter.lastError, at: Int64(letter.at.timeIntervalSince1970))
    }

    var letter: DeadLetter {
        DeadLetter(watch: watch, seq: seq, key: key, attempts: attempts, lastStatus: lastStatus, lastError: lastError,
                   at: Date(timeIntervalSince1970: Double(at)))
    }
}
