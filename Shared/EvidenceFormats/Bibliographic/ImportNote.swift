/// One line of an import's account of a record, as `ldn submit --dry-run` prints it.
public struct ImportNote: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Carried over as the source gave it.
        case mapped
        /// Worked out from something else the source gave (a design from a publication type).
        case inferred
        /// Seen in the source and not used, with the reason.
        case dropped
        /// Could not be determined: filled in for review (`--allow-partial`) or the record is rejected.
        case unresolved
    }

    public var kind: Kind
    public var text: String

    public init(_ kind: Kind, _ text: String) {
        self.kind = kind
        self.text = text
    }

    public var description: String { "\(kind.rawValue): \(text)" }
}
