import ArgumentParser
import CurveAuth
import Foundation
import TestHarness
import WireProtocol
import ZMQ

/// `--security`: which passes a benchmark runs. `both` runs the same settings twice in one
/// run, without and then with CURVE on every socket, and compares the two (issue 14);
/// `curve-first` does the same in the other order, to tell an order effect from CURVE's.
public enum SecurityChoice: String, CaseIterable, ExpressibleByArgument, Sendable {
    case both, plain, curve
    case curveFirst = "curve-first"

    public var passes: [SecurityPass] {
        switch self {
        case .both: [.plain, .curve]
        case .plain: [.plain]
        case .curve: [.curve]
        case .curveFirst: [.curve, .plain]
        }
    }
}

/// One pass of a benchmark: the services and the benchmark's own sockets all plaintext, or
/// all CURVE with the keys a deployment gets from `ldn keys init`.
public enum SecurityPass: String, Sendable, Hashable {
    case plain, curve

    /// The client identity the benchmark submits, queries and follows watches as, on the
    /// allow-list of the keyed pass with the roles a user doing that holds. The store's
    /// status and feed are admin's (the store admits only services and admin).
    public static let client = "bench"

    public var title: String { self == .plain ? "without CURVE (plaintext)" : "with CURVE on every socket" }

    /// Starts `services` for this pass. With CURVE: a fresh key folder, every service given
    /// it, the client identity added to its allow-list, and each service's log checked for
    /// its "CURVE keys in use" line (without: for "no keys").
    public func start(_ services: [String], environment: [String: String]) async throws -> LocalSet {
        var keys: TestKeys?
        if self == .curve {
            let folder = try TestKeys()
            _ = try folder.directory.add(name: Self.client, roles: [.submitter, .watcher])
            keys = folder
        }
        let set = try await LocalSet.start(services, environment: environment, keys: keys)
        try check(Array(set.processes.values))
        return set
    }

    /// Throws unless each process logged that it runs as this pass says.
    public func check(_ processes: [ServiceProcess]) throws {
        let expected = self == .curve ? "CURVE keys in use" : "no keys: plaintext"
        for process in processes where !process.log.contains(where: { $0.contains(expected) }) {
            throw TestFailure("\(process.name) did not log \"\(expected)\"; its log:\n" + process.log.joined(separator: "\n"))
        }
    }

    /// What `check` found, for the printed report.
    public func keysLine(_ set: LocalSet) -> String {
        let names = set.processes.keys.sorted().joined(separator: ", ")
        return self == .curve
            ? "keys: \(names) each logged \"CURVE keys in use\"; the benchmark's sockets are CURVE clients "
                + "(\(Self.client): submitter watcher; admin for the store's status and feed)"
            : "keys: none (\(names) each logged \"no keys: plaintext\")"
    }

    /// The options the benchmark's client identity connects to `service` with (none without keys).
    public func client(_ set: LocalSet, to service: String) throws -> [SocketOption] {
        try set.security(Self.client, to: service)
    }

    /// admin's options for `service`: the store's status and feed.
    public func admin(_ set: LocalSet, to service: String) throws -> [SocketOption] {
        try set.security("admin", to: service)
    }
}

/// One line comparing a figure of the plaintext pass with the same figure of the CURVE pass.
public enum Compare {
    public static func line(_ label: String, plain: Double, curve: Double, unit: String, decimals: Int = 2,
                            verdict: String = "") -> String {
        let number = "%.\(decimals)f"
        return "  " + label.padding(toLength: 42, withPad: " ", startingAt: 0)
            + String(format: "\(number) → \(number) \(unit): ×%.3f, %+\(decimals == 0 ? ".0" : ".\(decimals)")f \(unit)",
                     plain, curve, curve / max(plain, 1e-9), curve - plain)
            + (verdict.isEmpty ? "" : " " + verdict)
    }

    public static let header = "without CURVE → with CURVE (same settings, same run; ratio CURVE/plain, difference):"
}
