import Foundation

/// Reads typed values out of parsed JSON, recording every problem with its field path
/// instead of stopping at the first. Paths are built only for a problem (`@autoclosure`):
/// a valid record, the common case, formats none.
struct FieldReader {
    private(set) var errors: [Problem] = []
    private(set) var warnings: [Problem] = []

    /// At most this many errors (and warnings) are kept: a hostile record with 100 000 bad
    /// members gets a bounded answer, not a list as large as itself.
    static let maximumProblems = 100

    mutating func error(_ path: String, _ message: String) {
        Self.add(Problem(field: path, message: message), to: &errors)
    }

    mutating func warning(_ path: String, _ message: String) {
        Self.add(Problem(field: path, message: message), to: &warnings)
    }

    private static func add(_ problem: Problem, to problems: inout [Problem]) {
        if problems.count < maximumProblems {
            problems.append(problem)
        } else if problems.count == maximumProblems {
            problems.append(Problem(field: "", message: "more problems; only the first \(maximumProblems) are listed"))
        }
    }

    /// The members of an object, or nil (and an error) when `value` is not one.
    /// Members not in `known` are errors, with the nearest known name suggested.
    mutating func object(_ value: JSONValue, at path: @autoclosure () -> String, known: [String]) -> Members? {
        guard case .object(let members) = value else {
            error(path(), "expected an object, found \(value.typeName)")
            return nil
        }
        for member in members where !known.contains(member.key) {
            // Suggestions cost an edit distance per known name: only for names of sensible length.
            let hint = member.key.utf8.count > 64 ? "" :
                suggestions(for: member.key, among: known, limit: 1).first.map { " (did you mean \"\($0)\"?)" } ?? ""
            error(child(path(), member.key), "unknown field\(hint)")
            if errors.count > Self.maximumProblems { break }
        }
        return Members(members: members)
    }

    /// An object's members by name. A record has a couple of dozen at most, so a linear
    /// search beats building a dictionary.
    struct Members {
        let members: [(key: String, value: JSONValue)]

        subscript(key: String) -> JSONValue? {
            for member in members where member.key == key { return member.value }
            return nil
        }
    }

    /// A string with whitespace tidied; nil when absent, null or blank.
    mutating func string(_ value: JSONValue?, at path: @autoclosure () -> String, maxLength: Int = 2000) -> String? {
        guard let value, value != .null else { return nil }
        guard case .string(let text) = value else {
            error(path(), "expected a string, found \(value.typeName)")
            return nil
        }
        let tidy = text.trimmingWhitespace()
        guard tidy.utf8.count <= maxLength || tidy.count <= maxLength else {
            error(path(), "is \(tidy.count) characters long; at most \(maxLength) are allowed")
            return nil
        }
        return tidy.isEmpty ? nil : tidy
    }

    /// Like `string`, but keeps paragraphs: only leading and trailing whitespace is removed.
    mutating func text(_ value: JSONValue?, at path: @autoclosure () -> String, maxLength: Int) -> String? {
        guard let value, value != .null else { return nil }
        guard case .string(let text) = value else {
            error(path(), "expected a string, found \(value.typeName)")
            return nil
        }
        let trimmed = text.trimmingEnds()
        guard trimmed.utf8.count <= maxLength || trimmed.count <= maxLength else {
            error(path(), "is \(trimmed.count) characters long; at most \(maxLength) are allowed")
            return nil
        }
        return trimmed.isEmpty ? nil : trimmed
    }

    mutating func number(_ value: JSONValue?, at path: @autoclosure () -> String) -> Double? {
        jsonNumber(value, at: path())?.double
    }

    private mutating func jsonNumber(_ value: JSONValue?, at path: @autoclosure () -> String) -> JSONNumber? {
        guard let value, value != .null else { return nil }
        guard case .number(let number) = value else {
            error(path(), "expected a number, found \(value.typeName)")
            return nil
        }
        return number
    }

    /// A whole number within ±10^12: no count, year or line number is larger, and a bound
    /// this far from Int's keeps every later sum clear of overflow.
    mutating func integer(_ value: JSONValue?, at path: @autoclosure () -> String) -> Int? {
        guard let number = jsonNumber(value, at: path()) else { return nil }
        guard let integer = number.exactly(Int.self), (-1_000_000_000_000...1_000_000_000_000).contains(integer) else {
            error(path(), "expected a whole number, found \(number)")
            return nil
        }
        return integer
    }

    /// A whole number that may not be negative.
    mutating func count(_ value: JSONValue?, at path: @autoclosure () -> String) -> Int? {
        guard let count = integer(value, at: path()) else { return nil }
        guard count >= 0 else {
            error(path(), "must not be negative, found \(count)")
            return nil
        }
        return count
    }

    /// true or false; nil when absent or null.
    mutating func boolean(_ value: JSONValue?, at path: @autoclosure () -> String) -> Bool? {
        guard let value, value != .null else { return nil }
        guard case .bool(let flag) = value else {
            error(path(), "expected true or false, found \(value.typeName)")
            return nil
        }
        return flag
    }

    mutating func array(_ value: JSONValue?, at path: @autoclosure () -> String) -> [JSONValue] {
        guard let value, value != .null else { return [] }
        guard case .array(let elements) = value else {
            error(path(), "expected an array, found \(value.typeName)")
            return []
        }
        return elements
    }

    /// An array of strings. A lone string is an error, not a list of one: `"authors": "A, B"`
    /// would otherwise be stored as one author.
    mutating func strings(_ value: JSONValue?, at path: @autoclosure () -> String, maxCount: Int = 200, maxLength: Int = 2000) -> [String] {
        if let value, case .string = value {
            error(path(), "expected an array of strings, found a string")
            return []
        }
        let elements = array(value, at: path())
        guard elements.count <= maxCount else {
            error(path(), "has \(elements.count) entries; at most \(maxCount) are allowed")
            return []
        }
        return elements.enumerated().compactMap { index, element in string(element, at: "\(path())[\(index)]", maxLength: maxLength) }
    }

    /// One of an enumeration's values, matched ignoring case, spaces and hyphens.
    mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ value: JSONValue?, at path: @autoclosure () -> String, _: Choice.Type
    ) -> Choice? where Choice.RawValue == String {
        guard let text = string(value, at: path()) else { return nil }
        if let exact = Choice.allCases.first(where: { $0.rawValue == text }) { return exact }
        let key = text.folded
        if let match = Choice.allCases.first(where: { $0.rawValue.folded == key }) { return match }
        let allowed = Choice.allCases.map(\.rawValue)
        error(path(), "\"\(text)\" is not one of: \(allowed.joined(separator: ", "))")
        return nil
    }

    mutating func require<Value>(_ value: Value?, present: JSONValue?, at path: @autoclosure () -> String) -> Value? {
        guard value == nil else { return value }
        switch present {
        case nil, .null?: error(path(), "is required")
        case .string(let text)? where text.trimmingWhitespace().isEmpty: error(path(), "is required and must not be blank")
        default: break  // a value of the wrong type or outside the allowed ones, already reported
        }
        return nil
    }

    /// A member's path. A hostile key is cut short, so that errors stay small.
    func child(_ path: String, _ key: String) -> String {
        let name = key.utf8.count > 100 ? String(key.prefix(100)) + "…" : key
        return path.isEmpty ? name : "\(path).\(name)"
    }

}
