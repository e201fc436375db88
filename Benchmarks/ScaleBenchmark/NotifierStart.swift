import BenchmarkSupport
import EvidenceModel
import Foundation
import SyntheticData
import TestHarness
import WireProtocol

/// A notifier started on a full store: a plain watch per condition, and a synthesis watch on
/// the trials' question, which reads the store's log up to where it was added. Returns the
/// seconds until that watch has its starting figures; the notifier is left running, for its
/// peak memory.
struct NotifierStart {
    let set: LocalSet

    func measure() async throws -> Double {
        try await set.start("notifier")
        for condition in SyntheticRecords.conditions {
            try await add(WatchAddRequest(name: "scale-\(condition)", filter: EvidenceFilter(condition: condition)))
        }
        let added = ContinuousClock.now
        try await add(WatchAddRequest(name: "scale-synthesis", synthesis: ScaleRun.question))
        let deadline = added + .seconds(3600)
        while ContinuousClock.now < deadline {
            let list = try await request(set.notifier, Request(type: MessageType.watchList, id: "scale-\(UUID().uuidString)"))
                .decode(WatchListReply.self)
            if list.watches.first(where: { $0.name == "scale-synthesis" })?.headline != nil {
                return (ContinuousClock.now - added).seconds
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchmarkFailure("the synthesis watch did not read the store's log within an hour")
    }

    private func add(_ body: WatchAddRequest) async throws {
        let reply = try await request(set.notifier, Request(type: MessageType.watchAdd, id: "scale-add-\(body.name)", body: body))
        guard reply.isOK else { throw reply.errorBody }
    }
}
