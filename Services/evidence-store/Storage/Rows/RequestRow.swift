import Foundation
import GRDB

/// One row of `requests`: the reply given to a request id, replayed when the id comes again.
/// Read and written once per request, not per record, so Codable's cost does not show.
struct RequestRow: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "requests"

    var id: String
    /// The encoded reply, byte for byte what was sent.
    var reply: Data
    /// Whole milliseconds since 1970; replies are pruned by age.
    var createdAt: Int64
    /// A digest of the request's content; nil for requests answered before v2 kept digests.
    var digest: Data?

    enum CodingKeys: String, CodingKey {
        case id, reply, digest
        case createdAt = "created_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let reply = Column(CodingKeys.reply)
        static let createdAt = Column(CodingKeys.createdAt)
        static let digest = Column(CodingKeys.digest)
    }
}
