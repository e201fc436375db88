import Foundation
import Logging
import ServiceKit
import WireProtocol

/// The harvester's message types: saving, listing, running, pausing, resuming and removing searches.
struct HarvesterRoutes {
    let store: HarvestStore
    let scheduler: HarvestScheduler
    let progress: ProgressBoard

    /// One day, when `harvest.add` gives no interval.
    static let defaultInterval = 86_400

    func add(to routes: inout Routes) {
        routes.on(MessageType.harvestAdd, requires: .curator, add)
        routes.on(MessageType.harvestList, requires: .reader, list)
        routes.on(MessageType.harvestRun, requires: .curator, run)
        routes.on(MessageType.harvestPause, requires: .curator, pause)
        routes.on(MessageType.harvestResume, requires: .curator, resume)
        routes.on(MessageType.harvestRemove, requires: .curator, remove)
    }

    @Sendable func add(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(HarvestAddRequest.self)
        let search = try Self.validated(body)
        guard try await store.add(search) else {
            throw ErrorBody(code: .invalidRequest, message: "a search named \"\(body.name)\" exists; remove it first or pick another name",
                            details: [ErrorDetail(field: "name", message: "is taken")])
        }
        scheduler.poke()
        logger.info("harvest search added", metadata: ["search": "\(body.name)", "source": "\(body.source.rawValue)"])
        return .ok(request, HarvestListReply(searches: [try await info(try await existing(body.name))]))
    }

    /// The search `body` asks for, or `invalid_request` naming the field out of bounds.
    static func validated(_ body: HarvestAddRequest, now: Date = Date()) throws(ErrorBody) -> HarvestStore.Search {
        guard HarvestLimits.isValidName(body.name) else {
            throw invalid("name", "a search name is 1–64 letters, digits, '.', '_' or '-'")
        }
        try checkText(body.query, field: "query")
        if let condition = body.condition {
            guard body.source == .ctgov else {
                throw invalid("condition", "condition is for ctgov searches; for pubmed put it in the query, e.g. "
                              + "\"(\(body.query)) AND fibromyalgia[tiab]\"")
            }
            try checkText(condition, field: "condition")
        }
        let interval = body.interval ?? defaultInterval
        guard (HarvestLimits.minimumInterval...HarvestLimits.maximumInterval).contains(interval) else {
            throw invalid("interval", "interval is \(interval) s; it must be between \(HarvestLimits.minimumInterval) s "
                          + "and \(HarvestLimits.maximumInterval) s (90 days)")
        }
        return HarvestStore.Search(name: body.name, query: SearchQuery(source: body.source, term: body.query, condition: body.condition),
                                   interval: interval, createdAt: now, cursor: nil, dataVersion: nil, nextRunAt: now,
                                   failuresInARow: 0, paused: nil, lastRun: nil)
    }

    /// A query or condition: not blank, bounded, one line of printable text.
    private static func checkText(_ text: String, field: String) throws(ErrorBody) {
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw invalid(field, "\(field) is empty") }
        guard text.utf8.count <= HarvestLimits.maxQueryBytes else {
            throw invalid(field, "\(field) is \(text.utf8.count) bytes long; at most \(HarvestLimits.maxQueryBytes) are allowed")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw invalid(field, "\(field) holds a control character (a line break, a tab, NUL…)")
        }
    }

    private static func invalid(_ field: String, _ message: String) -> ErrorBody {
        ErrorBody(code: .invalidRequest, message: message, details: [ErrorDetail(field: field, message: message)])
    }

    @Sendable func list(_ request: Request, logger: Logger) async throws -> Reply {
        _ = try request.decodeBody(EmptyBody.self)
        var infos: [HarvestSearchInfo] = []
        let seen = try await store.seenCounts()
        for search in try await store.all() { infos.append(info(search, seen: seen[search.name] ?? 0)) }
        return .ok(request, HarvestListReply(searches: infos))
    }

    @Sendable func run(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(HarvestNameRequest.self)
        let search = try await existing(body.name)
        if let reason = search.paused {
            throw ErrorBody(code: .invalidRequest, message: "the search \"\(body.name)\" is paused (\(reason)); "
                            + "resume it first (harvest.resume)")
        }
        let started = await scheduler.runNow(body.name)
        if started { logger.info("harvest run requested", metadata: ["search": "\(body.name)"]) }
        return .ok(request, HarvestRunReply(started: started, search: try await info(search)))
    }

    @Sendable func pause(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(HarvestPauseRequest.self)
        _ = try await existing(body.name)
        if let reason = body.reason {
            guard reason.utf8.count <= HarvestLimits.maxReasonBytes else {
                throw Self.invalid("reason", "reason is \(reason.utf8.count) bytes long; at most \(HarvestLimits.maxReasonBytes) are allowed")
            }
        }
        let reason = body.reason.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
            ?? "paused by \(request.caller.isAuthenticated ? request.caller.name : "a curator")"
        try await store.setPaused(body.name, reason: reason)
        await scheduler.stop(body.name)  // between batches: nothing it did is lost
        logger.info("harvest search paused", metadata: ["search": "\(body.name)", "reason": "\(reason)"])
        return .ok(request, HarvestListReply(searches: [try await info(try await existing(body.name))]))
    }

    @Sendable func resume(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(HarvestNameRequest.self)
        _ = try await existing(body.name)
        try await store.setPaused(body.name, reason: nil)
        scheduler.poke()
        logger.info("harvest search resumed", metadata: ["search": "\(body.name)"])
        return .ok(request, HarvestListReply(searches: [try await info(try await existing(body.name))]))
    }

    @Sendable func remove(_ request: Request, logger: Logger) async throws -> Reply {
        let body = try request.decodeBody(HarvestNameRequest.self)
        let search = try await existing(body.name)
        let last = try await info(search)
        // Paused first, so that the scheduler does not start it again while its run stops.
        try await store.setPaused(body.name, reason: "being removed")
        await scheduler.stop(body.name)
        _ = try await store.remove(body.name)
        logger.info("harvest search removed", metadata: ["search": "\(body.name)"])
        return .ok(request, HarvestListReply(searches: [last]))
    }

    private func existing(_ name: String) async throws -> HarvestStore.Search {
        guard let search = try await store.search(name) else {
            throw ErrorBody(code: .notFound, message: "no search named \"\(name)\"")
        }
        return search
    }

    private func info(_ search: HarvestStore.Search) async throws -> HarvestSearchInfo {
        info(search, seen: try await store.seenCounts()[search.name] ?? 0)
    }

    private func info(_ search: HarvestStore.Search, seen: Int) -> HarvestSearchInfo {
        HarvestSearchInfo(name: search.name, source: search.query.source, query: search.query.term, condition: search.query.condition,
                          interval: search.interval, cursor: search.cursor, seen: seen, lastRun: search.lastRun,
                          running: progress[search.name], nextRun: search.paused == nil ? search.nextRunAt : nil,
                          failuresInARow: search.failuresInARow, paused: search.paused)
    }
}
