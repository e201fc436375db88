import EvidenceModel
import Foundation
import WireProtocol

/// A change with its record read (and checked) once: reading is the costly part of applying
/// a change to a replica or testing it against every watch, so it is done outside any write
/// transaction or lock, and only once.
public struct ReadChange: Sendable {
    public let header: ChangeHeader
    public let body: Data
    /// Nil when the JSON does not read as a record (the store validated it; it cannot be queried).
    public let record: EvidenceRecord?

    public init(_ change: FeedChange) {
        header = change.header
        body = change.body
        record = RecordIntake.evaluate(change.body).record
    }
}
