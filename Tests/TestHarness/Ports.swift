import Foundation
import Synchronization

/// Candidate ports: below Linux's ephemeral range (32768–60999), so that no outgoing
/// connection is handed a port between the moment we pick it and the moment a service
/// binds it. Each test process starts at its own offset.
private let nextPort = Atomic<Int>(20_000 + Int(getpid() % 60) * 200)

/// A loopback TCP port nobody listens on right now.
public func freePort() throws -> Int {
    for _ in 0..<1000 {
        let candidate = 20_000 + (nextPort.add(1, ordering: .relaxed).newValue - 20_000) % 12_000
        if canBind(candidate) { return candidate }
    }
    throw TestFailure("no free loopback port between 20000 and 32000")
}

public func freeEndpoint() throws -> String { "tcp://127.0.0.1:\(try freePort())" }

private func canBind(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// The first of `count` consecutive loopback ports nobody listens on right now.
public func freePortBlock(count: Int) throws -> Int {
    for _ in 0..<200 {
        let first = try freePort()
        guard first + count < 32_000 else { continue }
        if (first..<first + count).allSatisfy(canBind) {
            // Keep later single picks out of the block.
            _ = nextPort.add(count, ordering: .relaxed)
            return first
        }
    }
    throw TestFailure("no \(count) consecutive free loopback ports between 20000 and 32000")
}
