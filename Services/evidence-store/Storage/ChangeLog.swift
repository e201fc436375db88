import Foundation
import GRDB
import WireProtocol

/// A record's state at one change, with its JSON.
public typealias StoredChange = (header: ChangeHeader, body: Data)

/// The check every change's JSON passes when read: the hash it was committed with.
public enum ChangeIntegrity {
    /// The `damaged` reason in a header whose JSON fails the check.
    public static let hashMismatch = "the stored record JSON does not match the hash it was committed with"

    /// FNV-1a 64 of a change's JSON, as the store keeps it (`changes.body_hash`, `records.hash`).
    public static func hash(_ body: Data) -> Int64 { Int64(bitPattern: ContentHash.fnv1a64Value(body)) }
}

extension ErrorBody {
    /// `get` or `retract` of a record whose current JSON fails its hash: the store will not
    /// serve or build on bytes it cannot trust, and the operator has something to do.
    public static func damagedRecord(id: Int64, key: String, seq: Int64) -> ErrorBody {
        ErrorBody(code: .internal, message: "record \(id) (\(key)) is damaged: its stored JSON at seq \(seq) does not match "
                      + "the hash it was committed with; the operator should run `ldn-evidence-store verify` and restore "
                      + "the database from a backup")
    }
}

/// Reading changes from the log, each checked against its hash.
enum ChangeLog {
    /// Columns every read selects, in the order `change(_:)` reads them. The key is the one
    /// stored with the change: history is never rewritten by a later re-key.
    static let columns = """
        c.seq, c.kind, c.record_id, c.key, c.version, c.status, c.committed_at, c.request_id, c.reason, c.provenance,
        c.previous_key, c.body, c.body_hash
        """

    /// A change as stored. When its JSON fails the hash, the header says so (`damaged`) and
    /// the body is empty: followers skip it instead of applying what cannot be trusted.
    static func change(_ row: Row) throws -> StoredChange {
        let seq: Int64 = try row.decode(atIndex: 0)
        let kindText: String = try row.decode(atIndex: 1), statusText: String = try row.decode(atIndex: 5)
        guard let kind = ChangeKind(rawValue: kindText), let status = RecordStatus(rawValue: statusText) else {
            throw StorageError.unreadableChange(seq: seq, reason: "unknown kind \"\(kindText)\" or status \"\(statusText)\"")
        }
        let provenance: String? = try row.decode(atIndex: 9)
        let committedMillis: Int64 = try row.decode(atIndex: 6)
        var header = ChangeHeader(
            seq: seq, kind: kind, recordID: try row.decode(atIndex: 2), key: try row.decode(atIndex: 3),
            version: try row.decode(atIndex: 4), status: status,
            committedAt: date(millis: committedMillis),
            requestID: try row.decode(atIndex: 7), reason: try row.decode(atIndex: 8),
            provenance: provenance.flatMap { try? WireJSON.decode(Provenance.self, from: Data($0.utf8)) },
            previousKey: try row.decode(atIndex: 10))
        let body: Data = try row.decode(atIndex: 11), hash: Int64 = try row.decode(atIndex: 12)
        guard ChangeIntegrity.hash(body) == hash else {
            header.damaged = ChangeIntegrity.hashMismatch
            return (header, Data())
        }
        return (header, body)
    }

    static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    static func change(seq: Int64, in db: Database) throws -> StoredChange {
        guard let row = try Row.fetchOne(db, sql: "SELECT \(columns) FROM changes c WHERE c.seq = ?", arguments: [seq]) else {
            throw StorageError.unreadableChange(seq: seq, reason: "a record points at it, but it is not in the log")
        }
        return try change(row)
    }
}
