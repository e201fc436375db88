/// What an identity may do (docs/SECURITY.md). Roles are granted in the allow-list; the
/// public ones nest (`curator` ⊃ `submitter` ⊃ `reader`) and `admin` holds them all.
public enum Role: String, Sendable, CaseIterable, Comparable {
    /// query, search, summary, get, export.
    case reader
    /// A reader that may also submit records (and replace its own).
    case submitter
    /// A submitter that may also retract, and replace records others submitted.
    case curator
    /// Its own watches: add, list, remove, resume, replay, follow.
    case watcher
    /// Everything, every watch included, and the store's status.
    case admin
    /// A service identity: ingest, which writes to the store.
    case ingest
    /// A service identity: a query replica or the notifier, reading the store's feed, changes and snapshots.
    case follower

    /// The roles this one includes, itself among them.
    public var includes: Set<Role> {
        switch self {
        case .admin: Set(Role.allCases)
        case .curator: [.curator, .submitter, .reader]
        case .submitter: [.submitter, .reader]
        default: [self]
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Who sent a request, as the service authenticated it: the name and roles its CURVE key
/// has on the allow-list. Never taken from the request's own fields.
public struct Caller: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let roles: Set<Role>
    /// False on a plaintext service (`--insecure`, or the local set on loopback): nobody is
    /// authenticated, and everything is allowed, as before keys existed.
    public let isAuthenticated: Bool

    public init(name: String, roles: Set<Role>) {
        self.name = name
        self.roles = roles
        self.isAuthenticated = true
    }

    private init(unauthenticated name: String) {
        self.name = name
        self.roles = Set(Role.allCases)
        self.isAuthenticated = false
    }

    /// The caller on a service that runs without keys.
    public static let unauthenticated = Caller(unauthenticated: "anonymous")

    public func has(_ role: Role) -> Bool {
        roles.contains { $0.includes.contains(role) }
    }

    /// Whether the caller may act on something owned by `owner` (a watch): its owner, an
    /// admin, or anyone on a service without keys.
    public func owns(_ owner: String?) -> Bool {
        !isAuthenticated || has(.admin) || owner == name
    }

    /// Throws `forbidden` unless the caller holds `role`.
    public func require(_ role: Role, toDo action: String) throws(ErrorBody) {
        guard has(role) else {
            throw ErrorBody(code: .forbidden,
                            message: "\(name) may not \(action): that needs the \(role.rawValue) role, and \(name) has "
                                + (roles.isEmpty ? "none" : roles.sorted().map(\.rawValue).joined(separator: ", ")),
                            identity: name, role: role.rawValue)
        }
    }

    public var description: String { name }
}
