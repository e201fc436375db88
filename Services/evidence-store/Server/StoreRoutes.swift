import EvidenceStorage
import Foundation
import Logging
import ServiceKit
import WireProtocol

/// The store's message types. Writes are checked here, concurrently, then go through the
/// group committer; reads go straight to the database's readers (WAL: they never wait for
/// the writer), and every change they serve has had its JSON checked against its hash.
struct StoreRoutes {
    let database: EvidenceDatabase
    let committer: GroupCommitter
    let damage: DamageReporter
    static let defaultPage = 1000
    static let maximumPage = 5000

    func add(to routes: inout Routes) {
        // Only ingest writes: it validates, and records who submitted. Followers read.
        routes.on(MessageType.write, requires: .ingest, write)
        routes.on(MessageType.retract, requires: .ingest, retract)
        routes.on(MessageType.get, requires: .follower, get)
        routes.on(MessageType.changes, requires: .follower, changes)
        routes.on(MessageType.snapshot, requires: .follower, snapshot)
    }

    @Sendable func write(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(WriteRequest.self)
        guard body.records.count == request.attachments.count else {
            throw ErrorBody(code: .invalidRequest,
                            message: "write lists \(body.records.count) records but carries \(request.attachments.count) attachments")
        }
        // Every record is parsed and validated again: the store never trusts its writer, and a
        // bad record is answered `rejected` alone. Done here, off the single writer.
        let records = zip(body.records, request.attachments).map { PreparedRecord.check($0, body: $1) }
        return try await commit(request, .write(records, replacesOthers: body.replaceOthers ?? true))
    }

    @Sendable func retract(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(RetractRequest.self)
        guard !body.reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ErrorBody(code: .invalidRequest, message: "a retraction needs a reason")
        }
        return try await commit(request, .retract(id: body.id, reason: body.reason))
    }

    private func commit(_ request: Request, _ operation: PendingWrite.Operation) async throws -> Reply {
        let answer = await committer.submit(PendingWrite(requestID: request.id, digest: RequestDigest.of(request),
                                                         operation: operation))
        return Reply(type: request.type, requestID: request.id, body: try answer.get())
    }

    @Sendable func get(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(GetRequest.self)
        let references: [RecordReference] = [body.id.map(RecordReference.id), body.doi.map(RecordReference.doi),
                                             body.pmid.map(RecordReference.pmid), body.nct.map(RecordReference.nct),
                                             body.key.map(RecordReference.key)].compactMap { $0 }
        guard references.count == 1 else {
            throw ErrorBody(code: .invalidRequest, message: "get takes exactly one of id, doi, pmid, nct, key")
        }
        guard let found = try await database.record(references[0], history: body.history ?? false) else {
            throw ErrorBody(code: .notFound, message: "no record with \(describe(body))")
        }
        let reports = try await database.otherReports(of: found.current.header.recordID)
        damage.note([found.current] + found.history + reports, logger: logger)
        let current = found.current.header
        if current.damaged != nil { throw ErrorBody.damagedRecord(id: current.recordID, key: current.key, seq: current.seq) }
        return .ok(request, GetReply(current: found.current.header, history: body.history == true ? found.history.map(\.header) : nil,
                                     reports: reports.isEmpty ? nil : reports.map(\.header)),
                   attachments: [found.current.body] + found.history.map(\.body) + reports.map(\.body))
    }

    @Sendable func changes(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(ChangesRequest.self)
        let page = try await database.changes(after: body.after, limit: try Self.pageSize(body.limit))
        damage.note(page.changes, logger: logger)
        return .ok(request, ChangesReply(changes: page.changes.map(\.header), head: page.head, storeID: database.storeID),
                   attachments: page.changes.map(\.body))
    }

    @Sendable func snapshot(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(SnapshotRequest.self)
        let limit = try Self.pageSize(body.limit)
        let page = try await database.snapshot(afterID: body.afterID, limit: limit)
        damage.note(page.records, logger: logger)
        let next = page.records.count == limit ? page.records.last?.header.recordID : nil
        return .ok(request, SnapshotReply(records: page.records.map(\.header), seq: page.head, nextAfterID: next,
                                                         storeID: database.storeID),
                   attachments: page.records.map(\.body))
    }

    static func pageSize(_ limit: Int?) throws(ErrorBody) -> Int {
        let size = limit ?? defaultPage
        guard (1...maximumPage).contains(size) else {
            throw ErrorBody(code: .invalidRequest, message: "limit must be between 1 and \(maximumPage)")
        }
        return size
    }

    private func describe(_ body: GetRequest) -> String {
        if let id = body.id { return "id \(id)" }
        if let doi = body.doi { return "DOI \(doi)" }
        if let pmid = body.pmid { return "PMID \(pmid)" }
        if let nct = body.nct { return "NCT id \(nct)" }
        return "key \(body.key ?? "")"
    }
}
