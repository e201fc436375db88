import ZMQ

/// How the sockets that reach a service are set up: the clients' DEALERs and the
/// followers' feed SUB.
public enum LinkSettings {
    /// Paranoid Pirate's heartbeats (zguide), done by libzmq (ZMTP 3.1 PING/PONG) on the
    /// long-lived links between services: ingest → store, followers → store requests, and the
    /// followers' feed. A PING after 1 s of quiet; no traffic for 3 s (liveness 3) closes the
    /// connection, which the monitor reports as lost, and libzmq reconnects. Without them a
    /// store that is frozen (SIGSTOP, a hung VM) or gone without a word (a host that
    /// vanished, a cable pulled) keeps its TCP connections open to the kernel's eyes: the feed
    /// then stays silent for ever, and requests only time out one by one. The TTL asks the
    /// store to drop our side the same way when we are the one frozen, so it holds no queue
    /// for us. The store's libzmq answers PINGs on its own I/O thread, so a store busy
    /// committing is not mistaken for a dead one. Not on `ldn`'s short-lived links: its
    /// request timeouts bound every wait already.
    public static let heartbeats: [SocketOption] = [
        .heartbeatInterval(milliseconds: 1000), .heartbeatTimeout(milliseconds: 3000), .heartbeatTTL(milliseconds: 3000),
    ]

    /// libzmq's own reconnects on a service link: 100 ms after a loss, doubling to 2 s while
    /// the peer stays away, so that a restarted store is found within 2 s.
    public static let reconnect = Backoff(initial: .milliseconds(100), maximum: .seconds(2), jitter: 1...1)

    /// A client's DEALER: unsent messages dropped on close, messages queued only on
    /// connections that are up (`ZMQ_IMMEDIATE`: a request goes to an instance that is up,
    /// never into the queue of one that is down, and none waits in a dead connection's queue).
    public static func dealer(heartbeats useHeartbeats: Bool) -> [SocketOption] {
        [.linger(milliseconds: 0), .immediate(true)] + reconnect.reconnectOptions + (useHeartbeats ? heartbeats : [])
    }
}

extension Backoff {
    /// This policy as libzmq's reconnect interval and its maximum (libzmq doubles it, without jitter).
    public var reconnectOptions: [SocketOption] {
        [.reconnectInterval(milliseconds: initial.wholeMilliseconds), .reconnectIntervalMax(milliseconds: maximum.wholeMilliseconds)]
    }
}

extension Duration {
    /// Whole milliseconds, rounded down, as libzmq's options take them.
    fileprivate var wholeMilliseconds: Int32 {
        Int32(clamping: components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
