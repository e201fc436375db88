import EvidenceModel
import Foundation
import Client
import Logging
import ServiceKit
import WireProtocol

/// Ingest's message types. `submit` judges each attached record on its own, forwards the
/// valid ones to the store under the client's request id (so a client's retry, through
/// this or another ingest, is recognised by the store), and answers per record.
struct IngestRoutes {
    let store: ServiceClient
    let maxBatchRecords: Int
    /// The largest message this ingest takes, and (by default) the largest the store takes:
    /// a `write` above it would be dropped by the store's libzmq with the whole connection.
    let maxMessageBytes: Int
    let stats: ServiceStats

    func add(to routes: inout Routes) {
        routes.on(MessageType.submit, requires: .submitter, submit)
        routes.on(MessageType.retract, requires: .curator, retract)
    }

    @Sendable func submit(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(SubmitRequest.self)
        guard !request.attachments.isEmpty else {
            throw ErrorBody(code: .invalidRequest, message: "submit carries no records: attach one JSON record per frame")
        }
        guard request.attachments.count <= maxBatchRecords else {
            throw ErrorBody(code: .tooLarge, message: "\(request.attachments.count) records in one submit; at most \(maxBatchRecords) are accepted, send smaller batches")
        }
        if let provenance = body.provenance, provenance.count > request.attachments.count {
            throw ErrorBody(code: .invalidRequest,
                            message: "provenance lists \(provenance.count) records but the submit carries \(request.attachments.count)",
                            details: [ErrorDetail(field: "provenance", message: "longer than the records")])
        }

        var results = [RecordResult?](repeating: nil, count: request.attachments.count)
        var items: [WriteItem] = [], bodies: [Data] = [], sources: [(index: Int, warnings: [Problem])] = []
        for (index, data) in request.attachments.enumerated() {
            let evaluation = RecordIntake.evaluate(data)
            guard let record = evaluation.record else {
                results[index] = RecordResult(index: index, outcome: .rejected, errors: evaluation.errors,
                                              warnings: evaluation.warnings.nilIfEmpty)
                continue
            }
            let canonical = record.jsonData
            var provenance = body.provenance.flatMap { index < $0.count ? $0[index] : nil } ?? Provenance()
            // With keys, the submitter is the key's identity, whatever the request claims.
            provenance.submittedBy = request.caller.isAuthenticated ? request.caller.name
                                                                    : provenance.submittedBy ?? body.submitter
            items.append(WriteItem(record, canonical: canonical, provenance: provenance))
            bodies.append(canonical)
            sources.append((index, evaluation.warnings))
        }

        // The store refuses a request id reused for other content (it keeps a digest of each
        // request), so the reply's results are always this submission's.
        if !items.isEmpty {
            // Only a curator replaces what others submitted (and anyone, without keys).
            let replaceOthers: Bool? = request.caller.has(.curator) ? nil : false
            let write = Request(type: MessageType.write, id: request.id, body: WriteRequest(records: items, replaceOthers: replaceOthers),
                                attachments: bodies)
            let size = write.frames.reduce(0) { $0 + $1.count }
            guard size <= maxMessageBytes else {
                throw ErrorBody(code: .tooLarge, message: "these records come to \(size) bytes for the store, above its limit of \(maxMessageBytes); send smaller batches")
            }
            let written = try await store.call(write, as: WriteReply.self)
            guard written.results.count == items.count else {  // never index past what the store sent
                throw ErrorBody(code: .internal, message: "the store answered \(written.results.count) results for \(items.count) records")
            }
            for (result, source) in zip(written.results, sources) {
                var result = result
                result.index = source.index
                result.warnings = (source.warnings + (result.warnings ?? [])).nilIfEmpty
                results[source.index] = result
            }
        }
        let reply = SubmitReply(results: results.map { $0! })
        for outcome in RecordOutcome.allCases {
            let count = reply.results.count { $0.outcome == outcome }
            if count > 0 { stats.add("records.\(outcome.rawValue)", count) }
        }
        logger.debug("submitted", metadata: ["records": "\(reply.results.count)",
                                             "accepted": "\(reply.accepted)", "duplicate": "\(reply.duplicate)",
                                             "updated": "\(reply.updated)", "rejected": "\(reply.rejected)"])
        for result in reply.results {
            logger.trace("record", metadata: ["record.key": "\(result.key ?? "-")",
                                              "outcome": "\(result.outcome.rawValue)", "seq": "\(result.seq.map(String.init) ?? "-")"])
        }
        return .ok(request, reply)
    }

    /// Retractions are writes, so they enter through ingest like submissions.
    @Sendable func retract(_ request: Request, logger: Logger) async throws -> Reply {
        _ = try request.decodeBody(RetractRequest.self)
        let reply = try await store.send(request)
        logger.debug("retract forwarded", metadata: ["ok": "\(reply.isOK)"])
        return reply
    }
}

extension Array {
    var nilIfEmpty: Self? { isEmpty ? nil : self }
}
