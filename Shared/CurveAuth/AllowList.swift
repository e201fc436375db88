import Foundation
import Synchronization
import WireProtocol
import ZMQ

/// Who may connect, and with what roles: one text file of `public-key name roles…` lines,
/// like SSH's `authorized_keys`. Blank lines and lines starting with `#` are comments (`#` is a
/// Z85 character, but never the first of a 32-byte key: the first of each five stands for at
/// most 2³²/85⁴, which is 82, and `#` is 84).
///
///     # public key (Z85, 40 characters)      name    roles
///     rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7 alice   submitter watcher
///
/// A name may appear on two lines with two keys (a key being rotated); both carry the same roles.
public struct AllowList: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var publicKey: String
        public var name: String
        public var roles: Set<Role>

        public init(publicKey: String, name: String, roles: Set<Role>) {
            self.publicKey = publicKey
            self.name = name
            self.roles = roles
        }

        public var line: String { "\(publicKey) \(name) \(roles.sorted().map(\.rawValue).joined(separator: " "))" }
        public var caller: Caller { Caller(name: name, roles: roles) }
    }

    public private(set) var entries: [Entry]
    private var byKey: [String: Entry]

    public init(entries: [Entry] = []) {
        self.entries = entries
        byKey = Dictionary(entries.map { ($0.publicKey, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func entry(forKey publicKey: String) -> Entry? { byKey[publicKey] }
    public func entries(named name: String) -> [Entry] { entries.filter { $0.name == name } }
    public var names: [String] { Array(Set(entries.map(\.name))).sorted() }

    public struct Failure: Error, CustomStringConvertible {
        public let source: String
        public let line: Int
        public let problem: String
        public var description: String { "\(source) line \(line): \(problem)" }
    }

    /// Names are what logs, provenance and errors show: short, and safe in a log line.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "@") }
    }

    /// Reads the file's text; any line it cannot read is an error naming the line, never skipped.
    public static func parse(_ text: String, source: String) throws(Failure) -> AllowList {
        var entries: [Entry] = []
        var seen: [String: Int] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let first = words.first, !first.hasPrefix("#") else { continue }
            guard Curve.isKey(first) else {
                throw Failure(source: source, line: number, problem: "\"\(first.prefix(40))\" is not a CURVE public key (40 characters of Z85)")
            }
            guard words.count >= 3 else {
                throw Failure(source: source, line: number, problem: "expected: public-key name role…; got \(words.count) word\(words.count == 1 ? "" : "s")")
            }
            let name = words[1]
            guard isValidName(name) else {
                throw Failure(source: source, line: number, problem: "\"\(name)\" is not a name: 1–64 letters, digits, '-', '_', '.', '@'")
            }
            var roles: Set<Role> = []
            for word in words.dropFirst(2) {
                guard let role = Role(rawValue: word) else {
                    throw Failure(source: source, line: number, problem: "unknown role \"\(word)\"; the roles are \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                roles.insert(role)
            }
            if let earlier = seen[first] {
                throw Failure(source: source, line: number, problem: "this key is already on line \(earlier)")
            }
            if let other = entries.first(where: { $0.name == name }), other.roles != roles {
                throw Failure(source: source, line: number, problem: "\(name)'s keys must carry the same roles on every line")
            }
            seen[first] = number
            entries.append(Entry(publicKey: first, name: name, roles: roles))
        }
        return AllowList(entries: entries)
    }

    public static func read(from url: URL) throws -> AllowList {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw Failure(source: url.path, line: 0, problem: "cannot read it: \(error.localizedDescription)")
        }
        return try parse(text, source: url.path)
    }
}

extension UInt8 {
    fileprivate var isASCIIAlphanumeric: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
    }
}

/// The allow-list a service runs with: read at start (a bad file stops the start), read
/// again on SIGHUP. A reload that fails keeps the list in force and says why; connections
/// stay up either way, and the next request is judged by the list in force then.
public final class AllowListFile: Sendable {
    public let url: URL
    private let current: Mutex<AllowList>

    public init(url: URL) throws {
        self.url = url
        current = Mutex(try AllowList.read(from: url))
    }

    public var list: AllowList { current.withLock { $0 } }

    public func entry(forKey publicKey: String) -> AllowList.Entry? {
        current.withLock { $0.entry(forKey: publicKey) }
    }

    /// Reads the file again; returns the new list, or throws and keeps the old one.
    @discardableResult
    public func reload() throws -> AllowList {
        let list = try AllowList.read(from: url)
        current.withLock { $0 = list }
        return list
    }
}
