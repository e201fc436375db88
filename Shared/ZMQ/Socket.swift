import CZMQ
import Foundation

/// A multipart message: one `Data` per frame, in order.
public typealias Multipart = [Data]

/// A ZeroMQ socket. Not thread-safe: create, use and close it on one thread
/// (a socket loop's own thread, or a command-line tool's main thread).
public final class Socket {
    let handle: UnsafeMutableRawPointer
    public let type: SocketType
    /// Kept alive while the socket is: terminating a context waits for its sockets to close.
    let context: Context
    /// Reused for every received frame, so receiving allocates only the frame's `Data`.
    private let frame = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
    private var isClosed = false
    /// When set, every message received starts with one more frame: the sender's ZAP user id
    /// (the `User-Id` property libzmq attaches after a CURVE handshake, read from the first of
    /// the message's two first frames that has it), empty when it has none.
    /// Read from the connection, never from the peer's frames, so it cannot be forged.
    public var prefixesUserID = false

    init(handle: UnsafeMutableRawPointer, type: SocketType, context: Context) {
        self.handle = handle
        self.type = type
        self.context = context
    }

    deinit { close() }

    public func bind(_ endpoint: String) throws {
        try check("bind \(endpoint)") { zmq_bind(handle, endpoint) }
    }

    public func unbind(_ endpoint: String) throws {
        try check("unbind \(endpoint)") { zmq_unbind(handle, endpoint) }
    }

    public func connect(_ endpoint: String) throws {
        try check("connect \(endpoint)") { zmq_connect(handle, endpoint) }
    }

    public func disconnect(_ endpoint: String) throws {
        try check("disconnect \(endpoint)") { zmq_disconnect(handle, endpoint) }
    }

    /// The endpoint actually bound, e.g. `tcp://127.0.0.1:40123` after binding `tcp://127.0.0.1:*`.
    public var lastEndpoint: String {
        get throws { try string(ZMQ_LAST_ENDPOINT, "ZMQ_LAST_ENDPOINT") }
    }

    /// Sends all frames as one message. Returns `false` when `dontWait` is set and the
    /// message cannot be queued now (high-water mark, or no peer yet).
    @discardableResult
    public func send(_ frames: Multipart, dontWait: Bool = false) throws -> Bool {
        precondition(!frames.isEmpty, "a ZeroMQ message has at least one frame")
        for (index, frame) in frames.enumerated() {
            var flags: Int32 = index < frames.count - 1 ? ZMQ_SNDMORE : 0
            // Later frames of a message are accepted once the first is: only the first may wait.
            if dontWait && index == 0 { flags |= ZMQ_DONTWAIT }
            do {
                try check("send") {
                    frame.withUnsafeBytes { zmq_send(handle, $0.baseAddress, $0.count, flags) }
                }
            } catch let error as ZMQError where error.isWouldBlock && index == 0 {
                return false
            }
        }
        return true
    }

    /// Receives one whole message. Returns `nil` when `dontWait` is set and none is
    /// waiting, or when the receive timeout expires.
    public func receive(dontWait: Bool = false) throws -> Multipart? {
        var frames: Multipart = []
        var sender: Data?
        repeat {
            let flags: Int32 = dontWait && frames.isEmpty ? ZMQ_DONTWAIT : 0
            zmq_msg_init(frame)
            defer { zmq_msg_close(frame) }
            do {
                try check("receive") { zmq_msg_recv(frame, handle, flags) }
            } catch let error as ZMQError where error.isWouldBlock && frames.isEmpty {
                return nil
            }
            if prefixesUserID && frames.count < 2 { sender = sender ?? userID(of: frame) }
            frames.append(Data(bytes: zmq_msg_data(frame), count: zmq_msg_size(frame)))
        } while zmq_msg_more(frame) != 0
        if prefixesUserID { frames.insert(sender ?? Data(), at: 0) }
        return frames
    }

    /// The frame's `User-Id` property, if it has one. A ROUTER's routing frame is made by
    /// the socket and has none: the property is on the frames that came over the connection.
    private func userID(of frame: UnsafeMutablePointer<zmq_msg_t>) -> Data? {
        guard let value = zmq_msg_gets(frame, "User-Id") else { return nil }
        return Data(bytes: value, count: strlen(value))
    }

    /// Receives one whole message, copying its frames into Swift only while the frames
    /// counted by `limit` stay within `limit.bytes`. Past that, the frames already copied
    /// (beyond the first `limit.keptFrames`) are let go, and the rest are taken from libzmq
    /// and released without being copied: the result is `.oversized`, with the kept frames
    /// and the message's full size. Returns `nil` as `receive(dontWait:)` does.
    ///
    /// libzmq hands over a multipart message only once its last frame has arrived, so the
    /// whole message is in libzmq's memory by now; this bounds what is copied on top of it.
    public func receive(dontWait: Bool = false, limit: MessageLimit) throws -> Received? {
        var frames: Multipart = []
        var index = 0, counted = 0
        var sender: Data?
        repeat {
            let flags: Int32 = dontWait && index == 0 ? ZMQ_DONTWAIT : 0
            zmq_msg_init(frame)
            defer { zmq_msg_close(frame) }
            do {
                try check("receive") { zmq_msg_recv(frame, handle, flags) }
            } catch let error as ZMQError where error.isWouldBlock && index == 0 {
                return nil
            }
            let size = zmq_msg_size(frame)
            if prefixesUserID && index < 2 { sender = sender ?? userID(of: frame) }
            if index >= limit.uncountedFrames { counted += size }
            if counted > limit.bytes {
                if frames.count > limit.keptFrames { frames.removeSubrange(limit.keptFrames...) }
                if index < limit.keptFrames { frames.append(Data(bytes: zmq_msg_data(frame), count: size)) }
            } else {
                frames.append(Data(bytes: zmq_msg_data(frame), count: size))
            }
            index += 1
        } while zmq_msg_more(frame) != 0
        if prefixesUserID { frames.insert(sender ?? Data(), at: 0) }
        return counted > limit.bytes ? .oversized(head: frames, countedBytes: counted, frames: index)
                                     : .message(frames)
    }

    /// Closes the socket; pending outgoing messages are kept for at most the linger period.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        zmq_close(handle)
        frame.deallocate()
    }

    func string(_ option: Int32, _ name: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        var size = buffer.count
        try check("getsockopt \(name)") { zmq_getsockopt(handle, option, &buffer, &size) }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Sockets belong to one thread; the compiler keeps them there.
@available(*, unavailable)
extension Socket: Sendable {}
