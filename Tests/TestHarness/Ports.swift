import Foundation
import Synchronization

/// Candidate ports: below Linux's ephemeral range (32768–60999), so that no outgoing
/// connection is handed a port between the moment we pick it and the moment a service
/// binds it. Each test process starts at its own offset.
private let nextPort = Atomic<Int>(Int(getpid() % 60) * 200)
private let portRange = 20_000..<32_000

/// A loopback TCP port nobody listens on right now.
public func freePort() throws -> Int { try freePortBlock(count: 1) }

public func freeEndpoint() throws -> String { "tcp://127.0.0.1:\(try freePort())" }

/// The first of `count` consecutive loopback ports nobody listens on right now. The block
/// is taken from the counter in one step, so no concurrent pick in this process can land
/// inside it.
public func freePortBlock(count: Int) throws -> Int {
    for _ in 0..<1000 {
        let first = portRange.lowerBound + (nextPort.add(count, ordering: .relaxed).newValue - count) % portRange.count
        guard first + count <= portRange.upperBound else { continue }
        if (first..<first + count).allSatisfy({ port in boundSocket(port).map { close($0) } != nil }) { return first }
    }
    throw TestFailure("no \(count) consecutive free loopback ports between \(portRange.lowerBound) and \(portRange.upperBound)")
}

/// A loopback port held bound but never listening: a connection to it is refused, and no
/// other test can take the port while this is alive.
public final class RefusingPort: Sendable {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        for _ in 0..<1000 {
            let port = try freePort()
            if let descriptor = boundSocket(port) {
                (self.port, self.descriptor) = (port, descriptor)
                return
            }
        }
        throw TestFailure("no loopback port could be held")
    }

    public var endpoint: String { "tcp://127.0.0.1:\(port)" }

    deinit { close(descriptor) }
}

/// A TCP socket bound to 127.0.0.1:`port` (not listening), or nil when the port is taken.
private func boundSocket(_ port: Int) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    let bound = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard bound else {
        close(fd)
        return nil
    }
    return fd
}
