import EvidenceModel
import Foundation

/// Decodes `Decodable` types from an already parsed `JSONValue`, strictly:
/// - every member of every object must be one the type asks for (a misspelt filter field
///   is an error naming its path, never silently ignored);
/// - integers must be whole and fit their type exactly (1e19 is an error, never a trap);
/// - dates are ISO 8601 UTC strings, as `Timestamp` writes them;
/// - members are named in snake_case from the properties, as `WireJSON` writes them (`WireKey`).
///
/// Message bodies are parsed once, by `JSONParser`, and decoded from the tree: no second
/// parse by Foundation. A type with a hand-written form (`JSONConvertible`) reads itself
/// from its subtree, with its own strictness. With `strict` off (replies, which a newer service may extend),
/// unknown members are ignored.
public enum JSONValueDecoder {
    public static func decode<Value: Decodable>(_ type: Value.Type, from json: JSONValue, strict: Bool = true) throws -> Value {
        if let value = try handWritten(type, from: json, at: { "" }) { return value }
        let usage = KeyUsage()
        let value = try TreeDecoder(json: json, codingPath: [], usage: usage).decode(type)
        if strict, let unknown = usage.firstUnknownMember() {
            throw DecodingError.dataCorrupted(.init(codingPath: unknown.path, debugDescription: unknown.message))
        }
        return value
    }
}

/// A value with a hand-written form reads itself, with its own strictness; an error in it
/// names its whole path. Nil for any other type. `path` is made only for an error, not for
/// each of a page's thousand change headers.
private func handWritten<Value>(_ type: Value.Type, from json: JSONValue, at path: () -> String) throws -> Value? {
    guard let convertible = type as? any JSONConvertible.Type else { return nil }
    do {
        return try convertible.init(json: json) as? Value
    } catch {
        let prefix = path()
        throw JSONShapeError(path: error.path.isEmpty ? prefix : prefix.isEmpty ? error.path : "\(prefix).\(error.path)",
                             message: error.message)
    }
}

/// Which members of which objects the decoded types asked for.
private final class KeyUsage {
    struct Object {
        let path: [any CodingKey]
        let keys: [String]
        var asked: Set<String> = []
        var tookAll = false
    }

    /// By coding path: a type that looks at one object through two containers asks for the union.
    private var objects: [String: Object] = [:]
    private var order: [String] = []

    func register(path: [any CodingKey], keys: [String]) -> String {
        let id = path.map(\.stringValue).joined(separator: "\u{1F}")
        if objects[id] == nil {
            objects[id] = Object(path: path, keys: keys)
            order.append(id)
        }
        return id
    }

    func ask(_ key: String, in id: String) { objects[id]?.asked.insert(key) }
    func askAll(in id: String) { objects[id]?.tookAll = true }

    /// The first member nobody asked for, in document order, with the nearest known name
    /// suggested. (Only the first: a hostile body may have a million unknown members.)
    func firstUnknownMember() -> (path: [any CodingKey], message: String)? {
        for id in order {
            guard let object = objects[id], !object.tookAll,
                  let key = object.keys.first(where: { !object.asked.contains($0) }) else { continue }
            let hint = key.utf8.count > 64 ? nil : suggestions(for: key, among: object.asked.sorted(), limit: 1).first
            let name = key.utf8.count > 100 ? String(key.prefix(100)) + "…" : key
            return (object.path + [MemberKey(name)], "unknown field" + (hint.map { " (did you mean \"\($0)\"?)" } ?? ""))
        }
        return nil
    }
}

struct MemberKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    init(_ string: String) { stringValue = string; intValue = nil }
    init(index: Int) { stringValue = "[\(index)]"; intValue = index }
    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { self.init(index: intValue) }
}

private struct TreeDecoder: Decoder {
    let json: JSONValue
    let codingPath: [any CodingKey]
    let usage: KeyUsage
    /// The object's keys are data (a `[String: …]` dictionary's), not field names.
    var verbatimKeys = false
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = json else { throw mismatch("an object") }
        let id = usage.register(path: codingPath, keys: members.map(\.key))
        return KeyedDecodingContainer(KeyedContainer<Key>(members: members, codingPath: codingPath, usage: usage, id: id,
                                                          verbatimKeys: verbatimKeys))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = json else { throw mismatch("an array") }
        return UnkeyedContainer(elements: elements, codingPath: codingPath, usage: usage)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func child(_ json: JSONValue, _ key: any CodingKey) -> TreeDecoder {
        TreeDecoder(json: json, codingPath: codingPath + [key], usage: usage)
    }

    func mismatch(_ expected: String) -> DecodingError {
        .typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(json.typeName)"))
    }

    func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        if type == Date.self {
            let text = try decode(String.self)
            guard let date = Timestamp.date(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "\"\(text)\" is not an ISO 8601 UTC time"))
            }
            return date as! Value
        }
        if type == JSONValue.self { return json as! Value }
        if let value = try handWritten(type, from: json, at: { pathText }) { return value }
        if type is any StringKeyedDictionary.Type {
            return try Value(from: TreeDecoder(json: json, codingPath: codingPath, usage: usage, verbatimKeys: true))
        }
        return try Value(from: self)
    }

    /// The coding path as an error names it: `hits[2].record`.
    var pathText: String { Self.text(codingPath) }

    static func text(_ path: [any CodingKey]) -> String {
        path.reduce(into: "") { text, key in
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
    }

    func integer<Value: FixedWidthInteger>(_: Value.Type) throws -> Value {
        guard case .number(let number) = json else { throw mismatch("a whole number") }
        guard let value = number.exactly(Value.self) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath, debugDescription: "expected a whole number between \(Value.min) and \(Value.max), found \(number)"))
        }
        return value
    }
}

extension TreeDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { json == .null }

    func decode(_: Bool.Type) throws -> Bool {
        guard case .bool(let flag) = json else { throw mismatch("true or false") }
        return flag
    }

    func decode(_: String.Type) throws -> String {
        guard case .string(let text) = json else { throw mismatch("a string") }
        return text
    }

    func decode(_: Double.Type) throws -> Double {
        guard case .number(let number) = json else { throw mismatch("a number") }
        return number.double
    }

    func decode(_: Float.Type) throws -> Float {
        let value = Float(try decode(Double.self))
        guard value.isFinite else { throw mismatch("a number within Float's range") }
        return value
    }

    func decode(_: Int.Type) throws -> Int { try integer(Int.self) }
    func decode(_: Int8.Type) throws -> Int8 { try integer(Int8.self) }
    func decode(_: Int16.Type) throws -> Int16 { try integer(Int16.self) }
    func decode(_: Int32.Type) throws -> Int32 { try integer(Int32.self) }
    func decode(_: Int64.Type) throws -> Int64 { try integer(Int64.self) }
    func decode(_: UInt.Type) throws -> UInt { try integer(UInt.self) }
    func decode(_: UInt8.Type) throws -> UInt8 { try integer(UInt8.self) }
    func decode(_: UInt16.Type) throws -> UInt16 { try integer(UInt16.self) }
    func decode(_: UInt32.Type) throws -> UInt32 { try integer(UInt32.self) }
    func decode(_: UInt64.Type) throws -> UInt64 { try integer(UInt64.self) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [(key: String, value: JSONValue)]
    let codingPath: [any CodingKey]
    let usage: KeyUsage
    let id: String
    let verbatimKeys: Bool

    /// The member's name in the JSON.
    private func name(_ key: Key) -> String { verbatimKeys ? key.stringValue : WireKey.name(key.stringValue) }

    /// Taking every key (a dictionary) accepts every member.
    var allKeys: [Key] {
        usage.askAll(in: id)
        return members.compactMap { Key(stringValue: $0.key) }
    }

    func contains(_ key: Key) -> Bool {
        let name = name(key)
        usage.ask(name, in: id)
        return members.contains { $0.key == name }
    }

    private func member(_ key: Key) throws -> TreeDecoder {
        let name = name(key)
        usage.ask(name, in: id)
        guard let value = members.first(where: { $0.key == name })?.value else {
            throw DecodingError.keyNotFound(MemberKey(name), .init(codingPath: codingPath, debugDescription: "missing"))
        }
        return TreeDecoder(json: value, codingPath: codingPath + [MemberKey(name)], usage: usage)
    }

    func decodeNil(forKey key: Key) throws -> Bool { try member(key).decodeNil() }

    func decode<Value: Decodable>(_ type: Value.Type, forKey key: Key) throws -> Value {
        let decoder = try member(key)
        if decoder.json == .null {
            throw DecodingError.valueNotFound(type, .init(codingPath: decoder.codingPath, debugDescription: "found null"))
        }
        return try decoder.decode(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey> { try member(key).container(keyedBy: type) }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer { try member(key).unkeyedContainer() }

    func superDecoder() throws -> any Decoder { try member(Key(stringValue: "super")!) }

    func superDecoder(forKey key: Key) throws -> any Decoder { try member(key) }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let elements: [JSONValue]
    let codingPath: [any CodingKey]
    let usage: KeyUsage
    private(set) var currentIndex = 0

    init(elements: [JSONValue], codingPath: [any CodingKey], usage: KeyUsage) {
        self.elements = elements
        self.codingPath = codingPath
        self.usage = usage
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private mutating func next() throws -> TreeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "array ended early"))
        }
        defer { currentIndex += 1 }
        return TreeDecoder(json: elements[currentIndex], codingPath: codingPath + [MemberKey(index: currentIndex)], usage: usage)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<Value: Decodable>(_ type: Value.Type) throws -> Value {
        if !isAtEnd, elements[currentIndex] != .null,
           let value = try handWritten(type, from: elements[currentIndex], at: { [codingPath, currentIndex] in
               TreeDecoder.text(codingPath + [MemberKey(index: currentIndex)])
           }) {
            currentIndex += 1
            return value
        }
        let decoder = try next()
        if decoder.json == .null {
            throw DecodingError.valueNotFound(type, .init(codingPath: decoder.codingPath, debugDescription: "found null"))
        }
        return try decoder.decode(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }

    mutating func superDecoder() throws -> any Decoder { try next() }
}
