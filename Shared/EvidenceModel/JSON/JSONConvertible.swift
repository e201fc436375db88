import Foundation

/// A value with a hand-written JSON form: what travels once per record on the intake path
/// (records, `submit` and `write` bodies, results, provenance, the change header the store
/// writes for each commit) and a query hit, which copies a stored record's bytes. Written
/// straight to bytes and read from `JSONParser`'s tree (about a microsecond each); every
/// other body is plain Codable. The wire's Codable writer and reader use this form wherever
/// such a value stands, inside any body. Types read from clients end their `init(json:)`
/// with `JSONFields.rejectUnknown()`.
public protocol JSONConvertible: Codable {
    /// Writes the value's JSON.
    func write(to output: inout JSONOutput)
    init(json: JSONValue) throws(JSONShapeError)
}

extension JSONConvertible {
    /// The JSON as compact UTF-8 bytes.
    public var jsonData: Data {
        var output = JSONOutput()
        write(to: &output)
        return Data(output.bytes)
    }

    /// The JSON as a tree (for code that inspects or combines it).
    public var json: JSONValue {
        do { return try JSONParser.parse(jsonData) } catch { preconditionFailure("JSONOutput wrote invalid JSON: \(error)") }
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }

    public init(from decoder: any Decoder) throws {
        try self.init(json: try JSONValue(from: decoder))
    }
}

/// Writes compact JSON straight into bytes, members in the order written, absent optionals
/// left out. Used by `write(to:)` implementations:
///
///     output.object { $0.field("seq", seq); $0.field("key", key) }
public struct JSONOutput {
    public private(set) var bytes: [UInt8] = []
    /// Whether the next member or element is the first of its object or array (no comma).
    private var first = true

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    public mutating func object(_ body: (inout JSONOutput) -> Void) {
        open(UInt8(ascii: "{"))
        body(&self)
        close(UInt8(ascii: "}"))
    }

    public mutating func array<Element>(_ elements: some Sequence<Element>, _ body: (inout JSONOutput, Element) -> Void) {
        open(UInt8(ascii: "["))
        for element in elements {
            self.element()
            body(&self, element)
        }
        close(UInt8(ascii: "]"))
    }

    /// Opens an object (`{`) or an array (`[`); what follows is its first member or element.
    /// `object` and `array` are the scoped forms; these are for writers that cannot nest
    /// closures (an `Encoder`).
    public mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        first = true
    }

    /// Closes what `open` opened (`}` or `]`).
    public mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        first = false
    }

    /// Starts an array element: the caller then writes exactly one value.
    public mutating func element() {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
    }

    /// Starts a member: its key, then the caller writes exactly one value.
    public mutating func key(_ key: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        JSONWriter.writeString(key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func value(_ text: String) { JSONWriter.writeString(text, into: &bytes) }
    public mutating func value(_ number: Double) { JSONWriter.writeNumber(number, into: &bytes) }
    public mutating func value(_ number: Int) { bytes.append(contentsOf: String(number).utf8) }
    public mutating func value(_ number: some BinaryInteger) { bytes.append(contentsOf: String(number).utf8) }
    public mutating func null() { bytes.append(contentsOf: "null".utf8) }
    public mutating func value(_ flag: Bool) { bytes.append(contentsOf: (flag ? "true" : "false").utf8) }
    public mutating func value(_ tree: JSONValue) { JSONWriter.write(tree, into: &bytes) }
    public mutating func value(_ convertible: some JSONConvertible) { convertible.write(to: &self) }
    /// JSON that is already encoded (a stored record), copied as it is.
    public mutating func value(raw json: Data) { bytes.append(contentsOf: json) }

    public mutating func field(_ key: String, _ value: String?) {
        guard let value else { return }
        self.key(key)
        self.value(value)
    }

    public mutating func field(_ key: String, _ value: Int?) {
        guard let value else { return }
        self.key(key)
        self.value(value)
    }

    public mutating func field(_ key: String, _ value: Int64?) { field(key, value.map { Int($0) }) }

    public mutating func field(_ key: String, _ value: Double?) {
        guard let value else { return }
        self.key(key)
        self.value(value)
    }

    public mutating func field(_ key: String, _ value: Bool?) {
        guard let value else { return }
        self.key(key)
        self.value(value)
    }

    public mutating func field(_ key: String, _ value: (some JSONConvertible)?) {
        guard let value else { return }
        self.key(key)
        value.write(to: &self)
    }

    /// An array member; left out when nil (not when empty).
    public mutating func field<Element: JSONConvertible>(_ key: String, _ values: [Element]?) {
        guard let values else { return }
        self.key(key)
        array(values) { output, element in element.write(to: &output) }
    }

    /// A list of strings; left out when empty.
    public mutating func field(_ key: String, strings: [String]) {
        guard !strings.isEmpty else { return }
        self.key(key)
        array(strings) { output, text in output.value(text) }
    }
}

/// JSON that parsed but does not have the expected shape.
public struct JSONShapeError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "field \"\(path)\": \(message)" }
}

/// Typed access to an object's members, for `JSONConvertible` initialisers. It notes which
/// members were asked for, so that `rejectUnknown()` can refuse the others.
public struct JSONFields {
    private let members: [(key: String, value: JSONValue)]
    private let path: String
    private let asked = AskedKeys()

    /// The names asked for, in order, repeats included: an initialiser asks for a handful, so
    /// a list costs less than hashing each into a set (this runs for every record on intake).
    private final class AskedKeys {
        var keys: [String] = []
    }

    public init(_ value: JSONValue, path: String = "") throws(JSONShapeError) {
        guard case .object(let members) = value else {
            throw JSONShapeError(path: path, message: "expected an object, found \(value.typeName)")
        }
        self.members = members
        self.path = path
    }

    public subscript(key: String) -> JSONValue? {
        asked.keys.append(key)
        for member in members where member.key == key { return member.value == .null ? nil : member.value }
        return nil
    }

    /// Throws for the first member no accessor asked for (a misspelt field is an error, not
    /// ignored), suggesting the nearest known name.
    public func rejectUnknown() throws(JSONShapeError) {
        guard let unknown = members.first(where: { !asked.keys.contains($0.key) })?.key else { return }
        let hint = unknown.utf8.count > 64 ? nil : suggestions(for: unknown, among: Set(asked.keys).sorted(), limit: 1).first
        throw JSONShapeError(path: path(String(unknown.prefix(100))),
                             message: "unknown field" + (hint.map { " (did you mean \"\($0)\"?)" } ?? ""))
    }

    private func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func fail(_ key: String, _ expected: String, _ value: JSONValue?) -> JSONShapeError {
        JSONShapeError(path: path(key),
                       message: value.map { "expected \(expected), found \($0.typeName)" } ?? "missing \(expected)")
    }

    public func string(_ key: String) throws(JSONShapeError) -> String {
        guard let value = self[key], case .string(let text) = value else { throw fail(key, "a string", self[key]) }
        return text
    }

    public func optionalString(_ key: String) throws(JSONShapeError) -> String? {
        guard let value = self[key] else { return nil }
        guard case .string(let text) = value else { throw fail(key, "a string", value) }
        return text
    }

    public func int(_ key: String) throws(JSONShapeError) -> Int { try integer(key) }

    public func optionalInt(_ key: String) throws(JSONShapeError) -> Int? {
        guard self[key] != nil else { return nil }
        return try int(key)
    }

    public func int64(_ key: String) throws(JSONShapeError) -> Int64 { try integer(key) }

    public func optionalInt64(_ key: String) throws(JSONShapeError) -> Int64? {
        guard self[key] != nil else { return nil }
        return try int64(key)
    }

    /// A whole number that fits `T` exactly: 1e19 or 2.5 are errors, never a trap or a rounding.
    private func integer<T: FixedWidthInteger>(_ key: String) throws(JSONShapeError) -> T {
        let value = self[key]
        guard let value, case .number(let number) = value else { throw fail(key, "a whole number", value) }
        guard let integer = number.exactly(T.self) else {
            throw JSONShapeError(path: path(key), message: "expected a whole number between \(T.min) and \(T.max), found \(number)")
        }
        return integer
    }

    public func optionalBool(_ key: String) throws(JSONShapeError) -> Bool? {
        guard let value = self[key] else { return nil }
        guard case .bool(let flag) = value else { throw fail(key, "true or false", value) }
        return flag
    }

    public func choice<Choice: RawRepresentable>(_ key: String, _: Choice.Type) throws(JSONShapeError) -> Choice
    where Choice.RawValue == String {
        let text = try string(key)
        guard let choice = Choice(rawValue: text) else {
            throw JSONShapeError(path: path.isEmpty ? key : "\(path).\(key)", message: "unknown value \"\(text)\"")
        }
        return choice
    }

    public func array(_ key: String) throws(JSONShapeError) -> [JSONValue] {
        guard let value = self[key], case .array(let elements) = value else { throw fail(key, "an array", self[key]) }
        return elements
    }

    public func optionalArray(_ key: String) throws(JSONShapeError) -> [JSONValue]? {
        guard self[key] != nil else { return nil }
        return try array(key)
    }

    /// Each element of an array member, converted.
    public func list<Element: JSONConvertible>(_ key: String, of _: Element.Type) throws(JSONShapeError) -> [Element] {
        var result: [Element] = []
        for element in try array(key) { result.append(try Element(json: element)) }
        return result
    }

    public func optionalList<Element: JSONConvertible>(_ key: String, of type: Element.Type) throws(JSONShapeError) -> [Element]? {
        guard self[key] != nil else { return nil }
        return try list(key, of: type)
    }

    /// An array of strings; nil when the member is absent.
    public func optionalStrings(_ key: String) throws(JSONShapeError) -> [String]? {
        guard let elements = try optionalArray(key) else { return nil }
        var strings: [String] = []
        for element in elements {
            guard case .string(let text) = element else { throw fail(key, "an array of strings", element) }
            strings.append(text)
        }
        return strings
    }

    public func optional<Value: JSONConvertible>(_ key: String, _: Value.Type) throws(JSONShapeError) -> Value? {
        guard let value = self[key] else { return nil }
        return try Value(json: value)
    }
}
