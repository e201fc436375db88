import Foundation
import WireProtocol

/// What a match carries after its header: the record as of the change (a plain watch), or
/// the synthesis before and after the change (a synthesis watch).
enum MatchPayload {
    case record(Data)
    case synthesis(SynthesisMove)

    /// The stream message's type (frame 2).
    var messageType: String {
        switch self {
        case .record: MessageType.match
        case .synthesis: MessageType.synthesisMatch
        }
    }

    /// The webhook body's member that holds `json`.
    var webhookMember: String {
        switch self {
        case .record: "record"
        case .synthesis: "synthesis"
        }
    }

    /// The stream message's last frame, and the webhook body's last member.
    var json: Data {
        switch self {
        case .record(let record): record
        case .synthesis(let move): WireJSON.encode(move)
        }
    }
}
