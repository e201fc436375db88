import GRDB
import WireProtocol

/// One row of `records`: a study's identifiers, its status and its current change. Decoded
/// from named columns, like `ChangeRow`: the writer reads one for every update.
struct RecordRow: FetchableRecord, TableRecord, Sendable {
    static let databaseTableName = "records"

    enum Columns {
        static let id = Column("id")
        static let key = Column("key")
        static let doi = Column("doi")
        static let pmid = Column("pmid")
        static let nct = Column("nct")
        static let version = Column("version")
        static let status = Column("status")
        static let hash = Column("hash")
        static let headSeq = Column("head_seq")
    }

    let id: Int64
    let identity: RecordIdentity
    let version: Int
    let status: RecordStatus
    /// `ChangeIntegrity.hash` of the current change's JSON (equal hashes mean a duplicate).
    let hash: Int64
    /// The record's current change.
    let headSeq: Int64

    init(row: Row) throws {
        id = try row.decode(forColumn: Columns.id)
        identity = RecordIdentity(key: try row.decode(forColumn: Columns.key), doi: try row.decode(forColumn: Columns.doi),
                                  pmid: try row.decode(forColumn: Columns.pmid), nct: try row.decode(forColumn: Columns.nct))
        version = try row.decode(forColumn: Columns.version)
        // A status this release does not know counts as active, as it always has here;
        // the scrub reports it from the change log.
        status = RecordStatus(rawValue: try row.decode(forColumn: Columns.status)) ?? .active
        hash = try row.decode(forColumn: Columns.hash)
        headSeq = try row.decode(forColumn: Columns.headSeq)
    }
}
