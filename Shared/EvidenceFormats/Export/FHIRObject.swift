import EvidenceModel

/// Builds one FHIR JSON object, members in the order added (so output is deterministic).
/// FHIR forbids null, empty strings, empty arrays and empty objects, so absent and empty
/// values are left out here once instead of being checked at every call.
struct FHIRObject {
    private var members: [(key: String, value: JSONValue)] = []

    static func build(_ body: (inout FHIRObject) -> Void) -> JSONValue {
        var object = FHIRObject()
        body(&object)
        return .object(object.members)
    }

    mutating func add(_ key: String, _ value: JSONValue?) {
        guard let value, !value.isEmptyInFHIR else { return }
        members.append((key: key, value: value))
    }

    mutating func add(_ key: String, _ text: String?) {
        add(key, text.map(JSONValue.string))
    }

    mutating func add(_ key: String, _ number: Double?) {
        add(key, number.map { JSONValue.number(.double($0)) })
    }

    mutating func add(_ key: String, _ count: Int?) {
        add(key, count.map { JSONValue.number(.integer(Int64($0))) })
    }

    mutating func add(_ key: String, _ elements: [JSONValue]) {
        add(key, JSONValue.array(elements.filter { !$0.isEmptyInFHIR }))
    }
}

extension JSONValue {
    /// A value FHIR does not allow to appear: it must be left out instead.
    fileprivate var isEmptyInFHIR: Bool {
        switch self {
        case .null: true
        case .string(let text): text.trimmingEnds().isEmpty
        case .array(let elements): elements.isEmpty
        case .object(let members): members.isEmpty
        case .bool, .number: false
        }
    }
}
