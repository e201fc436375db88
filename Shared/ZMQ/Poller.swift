import CZMQ

public struct PollEvents: OptionSet, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
    public static let error = PollEvents(rawValue: Int16(ZMQ_POLLERR))
}

/// Waits on several sockets and plain file descriptors at once (`zmq_poll`).
/// The sockets must outlive the poller and belong to the polling thread.
public struct Poller {
    private var items: [zmq_pollitem_t] = []

    public init() {}

    /// Adds a socket; returns its index for `events(at:)`.
    @discardableResult
    public mutating func add(_ socket: Socket, events: PollEvents = .readable) -> Int {
        items.append(zmq_pollitem_t(socket: socket.handle, fd: -1, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Adds a file descriptor (for example an eventfd used to wake the loop).
    @discardableResult
    public mutating func add(fileDescriptor: Int32, events: PollEvents = .readable) -> Int {
        items.append(zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    public mutating func setEvents(_ events: PollEvents, at index: Int) {
        items[index].events = events.rawValue
    }

    /// Blocks until an item is ready or `timeoutMilliseconds` passes (-1 waits for ever).
    /// Returns the number of ready items.
    @discardableResult
    public mutating func poll(timeoutMilliseconds: Int = -1) throws -> Int {
        let count = items.count
        return Int(try items.withUnsafeMutableBufferPointer { buffer in
            try check("zmq_poll") { zmq_poll(buffer.baseAddress, Int32(count), timeoutMilliseconds) }
        })
    }

    /// Blocks until an item is ready or `timeout` passes (rounded up to whole milliseconds).
    @discardableResult
    public mutating func poll(timeout: Duration) throws -> Int {
        let (seconds, attoseconds) = timeout.components
        let milliseconds = max(0, Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
        return try poll(timeoutMilliseconds: milliseconds)
    }

    public func events(at index: Int) -> PollEvents {
        PollEvents(rawValue: items[index].revents)
    }
}
