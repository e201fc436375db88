import CZMQ
#if canImport(Glibc)
import Glibc
#endif

/// An eventfd in a socket loop's poll set: other threads signal it to wake the loop
/// when they queue outgoing messages or ask it to stop.
struct Wakeup: Sendable {
    let fileDescriptor: Int32

    init() throws {
        let fd = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard fd >= 0 else { throw ZMQError("eventfd", code: errno) }
        fileDescriptor = fd
    }

    func signal() {
        var one: UInt64 = 1
        _ = write(fileDescriptor, &one, MemoryLayout<UInt64>.size)
    }

    /// Clears the signal; several signals since the last drain read as one.
    func drain() {
        var count: UInt64 = 0
        _ = read(fileDescriptor, &count, MemoryLayout<UInt64>.size)
    }

    func close() {
        _ = Glibc.close(fileDescriptor)
    }
}
