import EvidenceModel
import Foundation

/// Writes `Encodable` message bodies straight into JSON bytes: the writer that goes with
/// `JSONValueDecoder`, so that a body's fields are named once, by its properties.
/// - members are the properties' names in snake_case (`WireKey`), in declaration order;
///   absent optionals are left out;
/// - a value with a hand-written form (`JSONConvertible`: a record, a change header, a hit)
///   writes itself, and a `JSONValue` is written as it is;
/// - a `[String: …]` dictionary's keys are data: written as they are, sorted;
/// - dates are ISO 8601 in UTC, to the second; a number that is not finite is an error.
enum BodyEncoder {
    static func encode(_ value: some Encodable) throws -> Data {
        if let convertible = value as? any JSONConvertible { return convertible.jsonData }
        let writer = BodyWriter()
        try writer.write(value) { [] }
        return Data(writer.output.bytes)
    }
}

/// The bytes written so far and the containers still open. Values are written in order,
/// as Codable conformances write them; a container is closed when its owner writes its
/// next member, or when the value that opened it is done.
final class BodyWriter {
    var output = JSONOutput()
    /// The closing bracket of each open container, innermost last.
    private var closers: [UInt8] = []

    var depth: Int { closers.count }

    /// Property names already turned into member names (`WireKey`): a body repeats a few
    /// names many times (a page of hits, the studies of a synthesis).
    private var names: [String: String] = [:]

    func wireName(_ property: String) -> String {
        if let known = names[property] { return known }
        let name = WireKey.name(property)
        names[property] = name
        return name
    }

    /// `codingPath` is made only when needed (a nested Codable value, an error), not for
    /// each element of a page of change headers.
    func write<Value: Encodable>(_ value: Value, at codingPath: () -> [any CodingKey]) throws {
        switch value {
        case let convertible as any JSONConvertible: output.value(convertible)
        case let text as String: output.value(text)
        case let number as Int: output.value(number)
        case let number as Int64: output.value(number)
        case let flag as Bool: output.value(flag)
        case let number as Double: try write(number, at: codingPath)
        case let tree as JSONValue: output.value(tree)
        case let date as Date: output.value(Timestamp.string(date, fraction: false))
        case let dictionary as any EncodableStringKeyedDictionary: try dictionary.writeMembers(to: self, at: codingPath())
        default:
            let (outer, start) = (depth, output.bytes.count)
            try value.encode(to: BodyValueEncoder(writer: self, codingPath: codingPath(), depth: outer))
            close(downTo: outer)
            if output.bytes.count == start { output.open(UInt8(ascii: "{")); output.close(UInt8(ascii: "}")) }
        }
    }

    /// The path is made only for the error: a body of figures writes many doubles.
    func write(_ number: Double, at codingPath: () -> [any CodingKey]) throws {
        guard number.isFinite else {
            throw EncodingError.invalidValue(number, .init(codingPath: codingPath(), debugDescription: "JSON has no \(number)"))
        }
        output.value(number)
    }

    /// Opens an object or an array; returns the depth of the new container.
    func open(_ bracket: UInt8, closer: UInt8) -> Int {
        output.open(bracket)
        closers.append(closer)
        return depth
    }

    /// Closes the containers opened below `depth` (a finished member's).
    func close(downTo depth: Int) {
        while closers.count > depth { output.close(closers.removeLast()) }
    }

    func isObject(at depth: Int) -> Bool { closers.count >= depth && depth > 0 && closers[depth - 1] == UInt8(ascii: "}") }
}

/// `[String: …]`, whose keys are data (see `WireKey`).
protocol EncodableStringKeyedDictionary {
    func writeMembers(to writer: BodyWriter, at codingPath: [any CodingKey]) throws
}

extension Dictionary: EncodableStringKeyedDictionary where Key == String, Value: Encodable {
    func writeMembers(to writer: BodyWriter, at codingPath: [any CodingKey]) throws {
        writer.output.open(UInt8(ascii: "{"))
        for key in keys.sorted() {
            writer.output.key(key)
            try writer.write(self[key]!) { codingPath + [MemberKey(key)] }
        }
        writer.output.close(UInt8(ascii: "}"))
    }
}

private struct BodyValueEncoder: Encoder {
    let writer: BodyWriter
    let codingPath: [any CodingKey]
    /// The writer's depth before this value: its container, once open, is the next one.
    let depth: Int
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy _: Key.Type) -> KeyedEncodingContainer<Key> {
        // Asked again (a subclass and its superclass), the same object.
        let own = writer.isObject(at: depth + 1) ? depth + 1 : writer.open(UInt8(ascii: "{"), closer: UInt8(ascii: "}"))
        return KeyedEncodingContainer(KeyedBodyContainer<Key>(writer: writer, codingPath: codingPath, depth: own))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedBodyContainer(writer: writer, codingPath: codingPath, depth: writer.open(UInt8(ascii: "["), closer: UInt8(ascii: "]")))
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleBodyContainer(writer: writer, codingPath: codingPath) }
}

private struct KeyedBodyContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let writer: BodyWriter
    let codingPath: [any CodingKey]
    let depth: Int
    /// Data keys, written as they are (asked once per object, not per member).
    private let verbatim = Key.self is any VerbatimCodingKey.Type

    /// Starts a member: closes the previous member's containers, writes the name.
    private func member(_ key: Key) -> String {
        writer.close(downTo: depth)
        let name = verbatim ? key.stringValue : writer.wireName(key.stringValue)
        writer.output.key(name)
        return name
    }

    mutating func encodeNil(forKey key: Key) throws {
        _ = member(key)
        writer.output.null()
    }

    mutating func encode<Value: Encodable>(_ value: Value, forKey key: Key) throws {
        let name = member(key)
        try writer.write(value) { codingPath + [MemberKey(name)] }
    }

    // The common scalars written directly: the generic path finds their type by dynamic
    // casts, which dominate encoding a body of figures (a synthesis).
    mutating func encode(_ value: Double, forKey key: Key) throws {
        let name = member(key)
        try writer.write(value) { codingPath + [MemberKey(name)] }
    }

    mutating func encode(_ value: String, forKey key: Key) throws {
        _ = member(key)
        writer.output.value(value)
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        _ = member(key)
        writer.output.value(value)
    }

    mutating func encode(_ value: Int64, forKey key: Key) throws {
        _ = member(key)
        writer.output.value(value)
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        _ = member(key)
        writer.output.value(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let path = codingPath + [MemberKey(member(key))]
        return KeyedEncodingContainer(KeyedBodyContainer<NestedKey>(
            writer: writer, codingPath: path, depth: writer.open(UInt8(ascii: "{"), closer: UInt8(ascii: "}"))))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let path = codingPath + [MemberKey(member(key))]
        return UnkeyedBodyContainer(writer: writer, codingPath: path, depth: writer.open(UInt8(ascii: "["), closer: UInt8(ascii: "]")))
    }

    mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        BodyValueEncoder(writer: writer, codingPath: codingPath + [MemberKey(member(key))], depth: depth)
    }
}

private struct UnkeyedBodyContainer: UnkeyedEncodingContainer {
    let writer: BodyWriter
    let codingPath: [any CodingKey]
    let depth: Int
    private(set) var count = 0

    init(writer: BodyWriter, codingPath: [any CodingKey], depth: Int) {
        self.writer = writer
        self.codingPath = codingPath
        self.depth = depth
    }

    /// Starts an element: closes the previous element's containers; returns its index.
    private mutating func element() -> Int {
        writer.close(downTo: depth)
        writer.output.element()
        count += 1
        return count - 1
    }

    private func path(_ index: Int) -> [any CodingKey] { codingPath + [MemberKey(index: index)] }

    mutating func encodeNil() throws {
        _ = element()
        writer.output.null()
    }

    mutating func encode<Value: Encodable>(_ value: Value) throws {
        let index = element()
        try writer.write(value) { path(index) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = path(element())
        return KeyedEncodingContainer(KeyedBodyContainer<NestedKey>(
            writer: writer, codingPath: path, depth: writer.open(UInt8(ascii: "{"), closer: UInt8(ascii: "}"))))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = path(element())
        return UnkeyedBodyContainer(writer: writer, codingPath: path, depth: writer.open(UInt8(ascii: "["), closer: UInt8(ascii: "]")))
    }

    mutating func superEncoder() -> any Encoder {
        let path = path(element())
        return BodyValueEncoder(writer: writer, codingPath: path, depth: depth)
    }
}

private struct SingleBodyContainer: SingleValueEncodingContainer {
    let writer: BodyWriter
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { writer.output.null() }
    mutating func encode(_ value: Bool) throws { writer.output.value(value) }
    mutating func encode(_ value: String) throws { writer.output.value(value) }
    mutating func encode(_ value: Double) throws { try writer.write(value) { codingPath } }
    mutating func encode(_ value: Float) throws { try writer.write(Double(value)) { codingPath } }
    mutating func encode(_ value: Int) throws { writer.output.value(value) }
    mutating func encode(_ value: Int8) throws { writer.output.value(value) }
    mutating func encode(_ value: Int16) throws { writer.output.value(value) }
    mutating func encode(_ value: Int32) throws { writer.output.value(value) }
    mutating func encode(_ value: Int64) throws { writer.output.value(value) }
    mutating func encode(_ value: UInt) throws { writer.output.value(value) }
    mutating func encode(_ value: UInt8) throws { writer.output.value(value) }
    mutating func encode(_ value: UInt16) throws { writer.output.value(value) }
    mutating func encode(_ value: UInt32) throws { writer.output.value(value) }
    mutating func encode(_ value: UInt64) throws { writer.output.value(value) }
    mutating func encode<Value: Encodable>(_ value: Value) throws { try writer.write(value) { codingPath } }
}
