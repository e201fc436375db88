import CZMQ

/// A failed libzmq call: the operation, `errno` and libzmq's own description of it.
public struct ZMQError: Error, Equatable, CustomStringConvertible {
    public let operation: String
    public let code: Int32
    public let message: String

    public init(_ operation: String, code: Int32 = zmq_errno()) {
        self.operation = operation
        self.code = code
        self.message = String(cString: zmq_strerror(code))
    }

    public var description: String { "\(operation): \(message) (errno \(code))" }

    /// The context was shut down: socket loops treat this as "stop", not as a failure.
    public var isContextTerminated: Bool { code == ETERM }
    /// Non-blocking call found nothing to do, or a send/receive timeout expired.
    public var isWouldBlock: Bool { code == EAGAIN }
}

/// Runs a libzmq call that returns -1 on failure, retrying when a signal interrupted it.
@discardableResult
func check(_ operation: @autoclosure () -> String, _ call: () -> Int32) throws -> Int32 {
    while true {
        let rc = call()
        if rc != -1 { return rc }
        let code = zmq_errno()
        if code == EINTR { continue }
        throw ZMQError(operation(), code: code)
    }
}
