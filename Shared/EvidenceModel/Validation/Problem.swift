/// One thing wrong with (or worth a look in) a record: which field, and what, in words.
public struct Problem: Sendable, Hashable, JSONConvertible, CustomStringConvertible {
    /// Path to the field, e.g. `outcomes[1].effect.ci_low`; empty for the record as a whole.
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { field.isEmpty ? message : "\(field): \(message)" }

    public func write(to output: inout JSONOutput) {
        output.object { $0.field("field", field); $0.field("message", message) }
    }

    public init(json: JSONValue) throws(JSONShapeError) {
        let fields = try JSONFields(json)
        self.init(field: try fields.string("field"), message: try fields.string("message"))
    }
}

/// The verdict on one submitted record.
public struct Evaluation: Sendable {
    /// The validated, normalised record; nil when there are errors.
    public var record: EvidenceRecord?
    public var errors: [Problem]
    /// Accepted, but worth a reviewer's look (a dose above the low-dose range, say).
    public var warnings: [Problem]

    public var isValid: Bool { record != nil }
}
