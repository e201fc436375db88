import EvidenceModel
import WireProtocol

/// A service's error answer as sentences for a person: what went wrong and what to do,
/// never the protocol's codes.
enum ServiceErrorText {
    /// `condition` is the condition the request named, if any: then "not found" is about it.
    static func lines(for error: ErrorBody, service: ServiceName, condition: String? = nil) -> [String] {
        let message = error.message
        switch error.code {
        case .notFound:
            if let condition { return unknownCondition(condition, error) }
            return [message]
        case .invalidRequest where error.details.contains { $0.field == "outcome" } && message.hasPrefix("unknown outcome"):
            return [message]  // it names the nearest outcomes, or all of them
        case .invalidRequest, .invalidRecord:
            return ["\(service.rawValue) refused the request: \(message)"]
                + error.details.map { "  \($0.field.map { "\($0): " } ?? "")\($0.message)" }
        case .tooLarge:
            return ["\(service.rawValue) refused the request as too large: \(message). Send less at once (ldn submit --batch-size)."]
        case .unavailable:
            return ["\(service.rawValue) is up but cannot do this now: \(message)"]
        case .forbidden:
            let hint = error.role.map { "ask the operator for the \($0) role (ldn keys add NAME --role \($0)), or use a key that has it" }
                ?? "use a key that is on the allow-list"
            return ["\(service.rawValue) refused: \(message).", hint.prefix(1).uppercased() + hint.dropFirst() + "."]
        case .badFrame, .badJSON, .unsupportedVersion, .unknownType:
            return ["\(service.rawValue) did not understand the request (\(message)); are ldn and the service the same version?"]
        case .internal:
            return ["\(service.rawValue) failed on this request: \(message). Its log says more; try again, or report it."]
        }
    }

    /// "no condition is known as "cancer"", then the suggestions, or every known condition.
    static func unknownCondition(_ name: String, _ error: ErrorBody) -> [String] {
        let suggestions = error.details.filter { $0.field == "condition" }.map(\.message)
        if !suggestions.isEmpty {
            return ["no condition is known as \"\(name)\"; did you mean \(suggestions.joined(separator: " or "))?"]
        }
        let width = ConditionVocabulary.concepts.map(\.code.count).max() ?? 0
        return ["no condition is known as \"\(name)\". The conditions are (a code, or any name for one):"]
            + ConditionVocabulary.concepts.map { "  " + $0.code.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.name }
    }
}
