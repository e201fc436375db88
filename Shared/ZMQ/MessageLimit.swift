/// A bound on how much of one incoming message is copied out of libzmq (see
/// `Socket.receive(dontWait:limit:)`). `ZMQ_MAXMSGSIZE` bounds single frames only;
/// this bounds the sum of a message's frames.
public struct MessageLimit: Sendable {
    /// The largest sum of counted frame sizes accepted.
    public var bytes: Int
    /// Leading frames not counted: a ROUTER's peer identity, which the peer did not send.
    public var uncountedFrames: Int
    /// Frames kept from an oversized message, so that it can be answered (its envelope,
    /// type and id).
    public var keptFrames: Int

    public init(bytes: Int, uncountedFrames: Int = 0, keptFrames: Int = 0) {
        self.bytes = bytes
        self.uncountedFrames = uncountedFrames
        self.keptFrames = keptFrames
    }
}

/// What `Socket.receive(dontWait:limit:)` took from the socket.
public enum Received: Sendable {
    case message(Multipart)
    /// Over the limit: the first `MessageLimit.keptFrames` frames, the counted size of the
    /// whole message and its number of frames. The other frames were released uncopied.
    case oversized(head: Multipart, countedBytes: Int, frames: Int)
}
