import Foundation
import MetaAnalysis
import Synchronization

/// Syntheses already answered, as the JSON they were sent as, valid while the replica stays
/// at the position they were computed at: the first answer after a change computes afresh,
/// and applying a change empties the cache. Questions are the client's to choose, so the
/// cache is bounded in entries and in bytes; past either, the oldest entries go first.
final class SynthesisCache: Sendable {
    let maximumEntries: Int
    let maximumBytes: Int

    /// A replica position: after a restore of the store (`history` grows) the same `applied`
    /// names other data.
    private struct Position: Comparable {
        var history: Int
        var applied: Int64
        static func < (a: Position, b: Position) -> Bool { (a.history, a.applied) < (b.history, b.applied) }
    }

    private struct State {
        /// The replica position every entry was computed at.
        var position = Position(history: 0, applied: -1)
        var entries: [SynthesisQuestion: Data] = [:]
        /// Questions, oldest first.
        var order: [SynthesisQuestion] = []
        var bytes = 0
    }

    private let state = Mutex(State())

    init(maximumEntries: Int = 256, maximumBytes: Int = 64 << 20) {
        self.maximumEntries = maximumEntries
        self.maximumBytes = maximumBytes
    }

    /// The answer to `question` computed at `applied` (in the follower's `history`), if there is one.
    func answer(to question: SynthesisQuestion, at applied: Int64, history: Int = 0) -> Data? {
        state.withLock { $0.position == Position(history: history, applied: applied) ? $0.entries[question] : nil }
    }

    /// Keeps an answer computed at `applied`. An answer computed at an older position than
    /// the cache's (a slow computation finishing after a newer one) is not kept; one at a
    /// newer position replaces everything.
    func store(_ answer: Data, for question: SynthesisQuestion, at applied: Int64, history: Int = 0) {
        guard answer.count <= maximumBytes else { return }
        let position = Position(history: history, applied: applied)
        state.withLock { state in
            if position > state.position { state = State(position: position) }
            guard position == state.position, state.entries[question] == nil else { return }
            state.entries[question] = answer
            state.order.append(question)
            state.bytes += answer.count
            while state.order.count > maximumEntries || state.bytes > maximumBytes {
                let oldest = state.order.removeFirst()
                state.bytes -= state.entries.removeValue(forKey: oldest)?.count ?? 0
            }
        }
    }

    var count: Int { state.withLock { $0.entries.count } }
}
