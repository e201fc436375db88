import EvidenceModel
import Foundation
import Replication
import ServiceKit
import Synchronization
import WireProtocol

/// The most recent changes, as the follower hands them over, kept so that many watches can
/// read them without asking the store. The follower starts at the store's head: a watch
/// whose cursor is older than what the buffer holds reads the store's log instead.
/// Changes that cannot be applied are kept too: each watch passes over them (and counts).
final class ChangeBuffer: Sendable {
    private struct State {
        var changes: [ReadChange] = []
        /// Everything up to this sequence number has been received (or precedes the start).
        var position: Int64 = 0
    }

    private let state = Mutex(State())
    private let capacity: Int
    private let onChange: @Sendable () -> Void

    init(capacity: Int = 5000, onChange: @escaping @Sendable () -> Void) {
        self.capacity = capacity
        self.onChange = onChange
    }

    var position: Int64 { state.withLock { $0.position } }

    /// Changes after `cursor`, oldest first, at most `limit`; nil when the buffer no longer
    /// (or does not yet) hold the change right after `cursor`.
    func changes(after cursor: Int64, limit: Int) -> [ReadChange]? {
        state.withLock { state in
            guard cursor < state.position else { return [] }
            guard let first = state.changes.first, first.header.seq <= cursor + 1 else { return nil }
            let start = Int(cursor + 1 - first.header.seq)
            return Array(state.changes[start..<min(start + limit, state.changes.count)])
        }
    }

    // MARK: What the follower hands over (through `NotifierSink`)

    func apply(_ read: [ReadChange]) async throws {
        state.withLock { state in
            if let first = read.first, first.header.seq != state.position + 1 { state.changes.removeAll() }
            state.changes.append(contentsOf: read)
            if state.changes.count > capacity { state.changes.removeFirst(state.changes.count - capacity) }
            if let last = read.last { state.position = last.header.seq }
        }
        onChange()
    }

    func setPosition(_ seq: Int64) async throws {
        state.withLock { state in
            state.position = seq
            state.changes.removeAll()
        }
        onChange()
    }
}
