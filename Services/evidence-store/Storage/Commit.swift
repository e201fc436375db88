import Foundation
import GRDB
import WireProtocol

/// One request that changes the store, waiting to be committed.
public struct PendingWrite: Sendable {
    public enum Operation: Sendable {
        /// The records of a `write`, in order, each already checked (`PreparedRecord.check`):
        /// a rejected one is answered `rejected` and its neighbours are written.
        /// `replacesOthers`: false when only records its submitter submitted may be replaced.
        case write([Result<PreparedRecord, RecordRejection>], replacesOthers: Bool = true)
        case retract(id: Int64, reason: String)
    }

    public let requestID: String
    /// A digest of the request's content (type, body, attachments), kept with the reply: a
    /// repeat of the id with the same content is replayed, with other content refused.
    public let digest: Data
    public let operation: Operation

    public init(requestID: String, digest: Data, operation: Operation) {
        self.requestID = requestID
        self.digest = digest
        self.operation = operation
    }
}

/// The answer to one request, and the changes it made (to publish after the commit).
public struct WriteOutcome: Sendable {
    public let requestID: String
    /// The encoded reply body, byte for byte what was first sent for this request id;
    /// or the error to answer with (nothing of the request was written).
    public let reply: Result<Data, ErrorBody>
    public let changes: [StoredChange]
    /// True when the request id had been seen before and nothing was written.
    public let replayed: Bool
}

extension ErrorBody {
    /// A request id used again for a request with other content (Stripe's rule for
    /// idempotency keys): answering the first request's reply would silently drop the edits.
    public static func requestIDReused(_ id: String) -> ErrorBody {
        ErrorBody(code: .invalidRequest,
                  message: "request id \"\(id)\" was already used for a request with different content; "
                      + "a request id names one request: send new or edited records under a new id")
    }
}

extension EvidenceDatabase {
    /// Commits a group of write requests in one transaction (group commit): one fsync for
    /// all of them. Each request runs in a savepoint of its own, so a request that fails
    /// unexpectedly is rolled back and answered alone while the others commit. Returns after
    /// the commit, so every outcome is durable when returned. Throws only when the database
    /// itself fails (disk full, I/O error): then nothing of the group is committed.
    public func commit(_ writes: [PendingWrite]) async throws -> [WriteOutcome] {
        try await pool.write { db in
            var writer = try BatchWriter(db)
            return try writes.map { try writer.apply($0) }
        }
    }
}

/// Applies write requests inside one transaction.
struct BatchWriter {
    let db: Database
    /// The commit time as stored (whole milliseconds), and as a date made the way reads make
    /// it: the feed and the log then carry the same `committed_at`, to the byte.
    let nowMillis: Int64
    let now: Date
    var head: Int64

    init(_ db: Database) throws {
        self.db = db
        nowMillis = Int64(Date().timeIntervalSince1970 * 1000)
        now = ChangeRow.date(millis: nowMillis)
        head = try EvidenceDatabase.head(db)
    }

    mutating func apply(_ write: PendingWrite) throws -> WriteOutcome {
        if let answered = try RequestRow.fetchOne(db.cachedStatement(sql: "SELECT * FROM requests WHERE id = ?"),
                                                  arguments: [write.requestID]) {
            // Requests answered before digests were kept (v2) have none: they replay by id alone.
            guard answered.digest == nil || answered.digest == write.digest else {
                return WriteOutcome(requestID: write.requestID, reply: .failure(.requestIDReused(write.requestID)),
                                    changes: [], replayed: false)
            }
            return WriteOutcome(requestID: write.requestID, reply: .success(answered.reply), changes: [], replayed: true)
        }
        let headBefore = head
        var outcome: WriteOutcome?
        do {
            try db.inSavepoint {
                outcome = try perform(write)
                return .commit
            }
        } catch where Self.concernsThisRequestOnly(error) {
            head = headBefore
            let failure = ErrorBody(code: .internal, message: "the store could not write this request (\(error)); "
                                        + "nothing of it was stored, and other requests were not affected")
            return WriteOutcome(requestID: write.requestID, reply: .failure(failure), changes: [], replayed: false)
        }
        return outcome!
    }

    private mutating func perform(_ write: PendingWrite) throws -> WriteOutcome {
        let (result, changes): (Result<Data, ErrorBody>, [StoredChange])
        switch write.operation {
        case let .write(records, replacesOthers):
            (result, changes) = try store(records, requestID: write.requestID, replacesOthers: replacesOthers)
        case let .retract(id, reason):
            (result, changes) = try retract(id, reason: reason, requestID: write.requestID)
        }
        if case .success(let reply) = result {
            try RequestRow(id: write.requestID, reply: reply, createdAt: nowMillis, digest: write.digest).insert(db)
        }
        return WriteOutcome(requestID: write.requestID, reply: result, changes: changes, replayed: false)
    }

    /// Whether a failure is this request's own (a constraint, a bug in handling its data),
    /// so that rolling back its savepoint isolates it. A failing database (disk full, I/O
    /// error, corruption) fails the whole group instead: retrying later is the answer there.
    static func concernsThisRequestOnly(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return true }
        switch error.resultCode {
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_NOMEM, .SQLITE_READONLY, .SQLITE_CORRUPT,
             .SQLITE_NOTADB, .SQLITE_CANTOPEN, .SQLITE_INTERRUPT, .SQLITE_PROTOCOL, .SQLITE_ABORT:
            return false
        default:
            return true
        }
    }

    /// Appends a change to the log with its key and the hash of its JSON, which every read
    /// checks (a published change never changes; if its bytes do, that is damage).
    func appendChange(_ change: ChangeHeader, body: Data, hash: Int64, provenanceJSON provenance: String?) throws {
        try ChangeRow(change, body: body, hash: hash, provenanceJSON: provenance, committedAt: nowMillis).append(to: db)
    }
}
