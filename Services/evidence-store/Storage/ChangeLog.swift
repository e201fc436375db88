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
extension ChangeRow {
    /// The change as served. When its JSON fails the hash, the header says so (`damaged`) and
    /// the body is empty: followers skip it instead of applying what cannot be trusted.
    func stored() throws -> StoredChange {
        guard let knownKind = ChangeKind(rawValue: kind), let knownStatus = RecordStatus(rawValue: status) else {
            throw StorageError.unreadableChange(seq: seq, reason: "unknown kind \"\(kind)\" or status \"\(status)\"")
        }
        var header = ChangeHeader(
            seq: seq, kind: knownKind, recordID: recordID, key: key, version: version, status: knownStatus,
            committedAt: Self.date(millis: committedAt), requestID: requestID, reason: reason,
            provenance: provenance.flatMap { try? WireJSON.decode(Provenance.self, from: Data($0.utf8)) },
            previousKey: previousKey)
        guard ChangeIntegrity.hash(body) == bodyHash else {
            header.damaged = ChangeIntegrity.hashMismatch
            return (header, Data())
        }
        return (header, body)
    }

    static func date(millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}
