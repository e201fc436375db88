import CZMQ
import Foundation
import Synchronization

/// Runs one socket on its own thread and bridges it to async code (zguide: one socket per thread).
///
/// A blocking `zmq_poll` must never run on Swift's cooperative pool: on two cores it starves
/// every task. The pump's thread owns the socket. Received messages wait in an inbox, taken
/// one by one through `incoming` or in batches with `nextBatch(max:)`; `send(_:)` queues
/// messages from any task and wakes the thread through an eventfd. At most `incomingLimit`
/// received messages wait; beyond that the thread stops reading, so libzmq's high-water
/// marks push back on the peers instead of memory growing.
///
/// Given an `Oversize`, messages over its limit are never delivered: they are released
/// frame by frame without being copied, and its `answer` may reply at once.
public final class SocketPump: Sendable {
    public let name: String
    private let incomingLimit: Int
    private let drainTimeout: Duration
    private let wakeup: Wakeup
    private let state = Mutex(State())
    private let onError: @Sendable (ZMQError) -> Void
    /// When set, a message the socket cannot take now is dropped (and handed here) instead
    /// of waiting: a publisher must never stall on its slowest subscriber.
    private let onDrop: (@Sendable (Multipart) -> Void)?
    private let oversize: Oversize?
    /// Sees each received message on the socket's thread before it is delivered, with the
    /// socket, and says whether to deliver it: an XPUB in manual mode subscribes the sender
    /// there, or refuses to (and the refused subscription goes no further).
    private let inspect: (@Sendable (Socket, Multipart) -> Bool)?
    private let chore: Chore?

    /// Work on the socket's thread, with the socket; returns when it is next due (nil: never).
    public typealias Chore = @Sendable (Socket) -> ContinuousClock.Instant?

    /// How a pump treats messages larger than `limit`: `answer` gets the frames kept of
    /// each and its counted size, and returns the reply to send, if any. It runs on the
    /// socket's thread, so it must be quick.
    public struct Oversize: Sendable {
        public var limit: MessageLimit
        public var answer: @Sendable (_ head: Multipart, _ countedBytes: Int) -> Multipart?

        public init(limit: MessageLimit, answer: @escaping @Sendable (_ head: Multipart, _ countedBytes: Int) -> Multipart?) {
            self.limit = limit
            self.answer = answer
        }
    }

    private struct State {
        var outbox: [Multipart] = []
        var inbox: [Multipart] = []
        /// The consumer waiting in `nextBatch`, and how many messages it takes.
        var receiver: (continuation: CheckedContinuation<[Multipart]?, Never>, max: Int)?
        /// A cancellation that arrived while no consumer was waiting.
        var cancelPending = false
        var readPaused = false
        var stopping = false
        var finished = false
        var finishWaiters: [CheckedContinuation<Void, Never>] = []
        var lastEndpoint = ""
        /// Why the thread ended on its own, when it did (not asked to by `stop()`).
        var failure: ZMQError?
    }

    private init(name: String, incomingLimit: Int, drainTimeout: Duration, onError: @escaping @Sendable (ZMQError) -> Void,
                 onDrop: (@Sendable (Multipart) -> Void)?, oversize: Oversize?,
                 inspect: (@Sendable (Socket, Multipart) -> Bool)? = nil, chore: Chore? = nil) throws {
        self.name = name
        self.chore = chore
        self.inspect = inspect
        self.oversize = oversize
        self.incomingLimit = incomingLimit
        self.drainTimeout = drainTimeout
        self.onError = onError
        self.onDrop = onDrop
        self.wakeup = try Wakeup()
    }

    deinit { wakeup.close() }

    /// Starts the thread, which calls `open` to create, configure and bind or connect its socket.
    /// Throws what `open` throws (a port in use, say), after the thread has ended.
    ///
    /// - Parameters:
    ///   - drainTimeout: how long `stop()` keeps trying to send queued messages.
    ///   - onError: failures the thread cannot hand to a caller, such as an unroutable reply.
    ///   - onDrop: given, messages that cannot be sent at once are dropped and handed to it.
    ///   - oversize: given, messages over its limit are answered by it instead of delivered.
    ///   - inspect: given, sees each received message with the socket, on the socket's thread,
    ///     and returns whether to deliver it.
    public static func start(
        name: String,
        context: Context,
        incomingLimit: Int = 1024,
        drainTimeout: Duration = .seconds(1),
        onError: @escaping @Sendable (ZMQError) -> Void = { _ in },
        onDrop: (@Sendable (Multipart) -> Void)? = nil,
        oversize: Oversize? = nil,
        inspect: (@Sendable (Socket, Multipart) -> Bool)? = nil,
        open: @escaping @Sendable (Context) throws -> Socket
    ) async throws -> SocketPump {
        let pump = try SocketPump(name: name, incomingLimit: incomingLimit, drainTimeout: drainTimeout,
                                  onError: onError, onDrop: onDrop, oversize: oversize, inspect: inspect)
        try await pump.launch(context: context, onEvent: nil) { context in (try open(context), nil) }
        return pump
    }

    /// As `start(name:context:…open:)`, for a client socket whose connections the owner
    /// follows: `open` makes the socket's monitor (`socket.monitor()`) before it connects, so
    /// that no event is missed, and the thread hands each event to `onEvent` as it reads it.
    /// `onEvent` runs on the socket's thread: it must be quick.
    ///
    /// `chore`, given, runs on the socket's thread with the socket when it is due (first
    /// right after `open`, then when it last said, never again once it says nil), for work
    /// that must touch the socket or may block, such as resolving names again and connecting
    /// to what they became.
    public static func start(name: String, context: Context, incomingLimit: Int = 1024,
                             onEvent: @escaping @Sendable (SocketEvent) -> Void,
                             chore: Chore? = nil,
                             open: @escaping @Sendable (Context) throws -> (Socket, SocketMonitor)) async throws -> SocketPump {
        let pump = try SocketPump(name: name, incomingLimit: incomingLimit, drainTimeout: .seconds(1),
                                  onError: { _ in }, onDrop: nil, oversize: nil, chore: chore)
        try await pump.launch(context: context, onEvent: onEvent) { context in
            let (socket, monitor) = try open(context)
            return (socket, monitor)
        }
        return pump
    }

    private func launch(context: Context, onEvent: (@Sendable (SocketEvent) -> Void)?,
                        open: @escaping @Sendable (Context) throws -> (Socket, SocketMonitor?)) async throws {
        try await withCheckedThrowingContinuation { (ready: CheckedContinuation<Void, Error>) in
            let thread = Thread {
                let socket: Socket, monitor: SocketMonitor?
                do {
                    (socket, monitor) = try open(context)
                } catch {
                    self.finish()
                    ready.resume(throwing: error)
                    return
                }
                let endpoint = (try? socket.lastEndpoint) ?? ""
                self.state.withLock { $0.lastEndpoint = endpoint }
                ready.resume()
                self.run(socket, monitor: monitor.map { ($0, onEvent ?? { _ in }) })
                monitor?.close()
                socket.close()
                self.finish()
            }
            thread.name = name
            thread.start()
        }
    }

    /// The endpoint the socket last bound or connected, with the real port when `:*` was asked for.
    public var lastEndpoint: String { state.withLock { $0.lastEndpoint } }

    /// The newest received message not yet taken, if any (it stays in the inbox): lets a
    /// consumer that is behind see how far the stream has gone, e.g. a follower's lag.
    public var newestWaiting: Multipart? { state.withLock { $0.inbox.last } }

    /// Set when the socket's thread ended without being asked to: the context was shut
    /// down under it, or polling failed. Its owner should stop with this error rather
    /// than carry on deaf (or return as if nothing happened).
    public var failure: SocketPumpFailure? {
        state.withLock { state in state.failure.map { SocketPumpFailure(pump: name, error: $0) } }
    }

    /// Messages received, one at a time, in order. Iterate from one task only.
    public var incoming: Incoming { Incoming(pump: self) }

    /// Waits for at least one received message and returns up to `max` of those waiting,
    /// in order. Returns nil once the pump has stopped and every message has been taken,
    /// and an empty batch when the waiting task is cancelled (use that for timeouts).
    public func nextBatch(max: Int) async -> [Multipart]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[Multipart]?, Never>) in
                let ready = state.withLock { state -> [Multipart]?? in
                    if !state.inbox.isEmpty { return .some(take(max, from: &state)) }
                    if state.finished { return .some(nil) }
                    if state.cancelPending {
                        state.cancelPending = false
                        return .some([])
                    }
                    state.receiver = (continuation, max)
                    return .none
                }
                if case .some(let batch) = ready { continuation.resume(returning: batch) }
            }
        } onCancel: {
            let waiting = state.withLock { state -> CheckedContinuation<[Multipart]?, Never>? in
                guard let receiver = state.receiver else {
                    state.cancelPending = true
                    return nil
                }
                state.receiver = nil
                return receiver.continuation
            }
            waiting?.resume(returning: [])
        }
    }

    /// Takes up to `max` from the inbox; asks the thread to read again if it had paused.
    private func take(_ max: Int, from state: inout State) -> [Multipart] {
        let count = min(max, state.inbox.count)
        let batch = Array(state.inbox.prefix(count))
        state.inbox.removeFirst(count)
        if state.readPaused && state.inbox.count < incomingLimit {
            state.readPaused = false
            wakeup.signal()
        }
        return batch
    }

    /// Queues a message; the socket thread sends it. Ignored once stopping.
    public func send(_ message: Multipart) {
        send(contentsOf: CollectionOfOne(message))
    }

    /// Queues several messages at once (one lock, at most one wake-up), in order.
    public func send(contentsOf messages: some Collection<Multipart>) {
        let mustWake = state.withLock { state -> Bool in
            guard !state.stopping, !messages.isEmpty else { return false }
            let wasEmpty = state.outbox.isEmpty
            state.outbox.append(contentsOf: messages)
            return wasEmpty
        }
        if mustWake { wakeup.signal() }
    }

    /// Stops reading, sends what is queued (for at most `drainTimeout`), closes the socket
    /// and returns once the thread has ended. Messages already received can still be taken.
    public func stop() async {
        let finished = state.withLock { state -> Bool in
            state.stopping = true
            return state.finished
        }
        if finished { return }
        wakeup.signal()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let alreadyDone = state.withLock { state -> Bool in
                if state.finished { return true }
                state.finishWaiters.append(done)
                return false
            }
            if alreadyDone { done.resume() }
        }
    }

    // MARK: - The socket thread

    private func run(_ socket: Socket, monitor: (SocketMonitor, @Sendable (SocketEvent) -> Void)?) {
        var poller = Poller()
        let socketItem = poller.add(socket, events: [])
        let wakeupItem = poller.add(fileDescriptor: wakeup.fileDescriptor)
        let monitorItem = monitor.map { poller.add($0.0) }
        var unsent: [Multipart] = []
        var stopDeadline: ContinuousClock.Instant?
        var choreDue: ContinuousClock.Instant? = chore == nil ? nil : .now

        while true {
            let (fresh, stopping, mayRead) = state.withLock { state in
                let fresh = state.outbox
                state.outbox.removeAll(keepingCapacity: true)
                let mayRead = !state.stopping && state.inbox.count < incomingLimit
                state.readPaused = !mayRead
                return (fresh, state.stopping, mayRead)
            }
            unsent.append(contentsOf: fresh)
            guard sendQueued(&unsent, on: socket) else { return ended(by: ZMQError("send", code: ETERM)) }

            if stopping {
                let deadline = stopDeadline ?? ContinuousClock.now + drainTimeout
                stopDeadline = deadline
                if unsent.isEmpty || ContinuousClock.now >= deadline { return }
            }

            var events: PollEvents = []
            if mayRead { events.insert(.readable) }
            if !unsent.isEmpty { events.insert(.writable) }
            poller.setEvents(events, at: socketItem)
            if let due = choreDue, due <= .now, let chore { choreDue = chore(socket) }
            do {
                try poller.poll(timeoutMilliseconds: stopping ? 10 : choreDue.map(Self.milliseconds(until:)) ?? -1)
            } catch let error as ZMQError {
                report(error)
                return ended(by: error)
            } catch {
                return ended(by: ZMQError("zmq_poll", code: EINVAL))
            }
            if poller.events(at: wakeupItem).contains(.readable) { wakeup.drain() }
            if let (monitor, onEvent) = monitor, let monitorItem, poller.events(at: monitorItem).contains(.readable) {
                while let event = try? monitor.next() { onEvent(event) }
            }
            if poller.events(at: socketItem).contains(.readable) {
                guard receiveAvailable(from: socket) else { return ended(by: ZMQError("receive", code: ETERM)) }
            }
        }
    }

    /// A poll timeout that wakes at `instant` (rounded up, so the wait never ends early).
    private static func milliseconds(until instant: ContinuousClock.Instant) -> Int {
        let wait = max(instant - .now, .zero)
        return Int(wait.components.seconds) * 1000 + Int((wait.components.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    /// Records why the thread ends, unless `stop()` asked it to.
    private func ended(by error: ZMQError) {
        state.withLock { state in
            if !state.stopping { state.failure = error }
        }
    }

    /// Sends queued messages until the socket would block. Returns false when the context ended.
    private func sendQueued(_ unsent: inout [Multipart], on socket: Socket) -> Bool {
        var sent = 0
        defer { unsent.removeFirst(sent) }
        while sent < unsent.count {
            do {
                guard try socket.send(unsent[sent], dontWait: true) else {
                    guard let onDrop else { return true }
                    onDrop(unsent[sent])
                    sent += 1
                    continue
                }
            } catch let error as ZMQError where error.isContextTerminated {
                return false
            } catch {
                report(error)  // e.g. a reply to a peer that has gone: dropped, and said so
            }
            sent += 1
        }
        return true
    }

    /// Receives what is waiting (up to the room left in the inbox) and hands it over in one
    /// lock; answers oversized messages. Returns false when the context ended.
    private func receiveAvailable(from socket: Socket) -> Bool {
        let room = state.withLock { incomingLimit - $0.inbox.count }
        var received: [Multipart] = []
        var answers: [Multipart] = []
        var contextEnded = false
        // Oversized messages count too, so a flood of them cannot keep the thread from sending.
        for _ in 0..<max(0, min(room, 256)) {
            do {
                if let oversize {
                    guard let next = try socket.receive(dontWait: true, limit: oversize.limit) else { break }
                    switch next {
                    case .message(let message):
                        received.append(message)
                    case .oversized(let head, let countedBytes, _):
                        if let answer = oversize.answer(head, countedBytes) { answers.append(answer) }
                    }
                } else {
                    guard let message = try socket.receive(dontWait: true) else { break }
                    if inspect?(socket, message) ?? true { received.append(message) }
                }
            } catch {
                report(error)
                contextEnded = (error as? ZMQError)?.isContextTerminated ?? false
                break
            }
        }
        deliver(received)
        send(contentsOf: answers)
        return !contextEnded
    }

    private func deliver(_ messages: [Multipart]) {
        guard !messages.isEmpty else { return }
        let handOver = state.withLock { state -> (CheckedContinuation<[Multipart]?, Never>, [Multipart])? in
            state.inbox.append(contentsOf: messages)
            guard let receiver = state.receiver else { return nil }
            state.receiver = nil
            return (receiver.continuation, take(receiver.max, from: &state))
        }
        if let (continuation, batch) = handOver { continuation.resume(returning: batch) }
    }

    private func report(_ error: any Error) {
        guard let error = error as? ZMQError, !error.isContextTerminated else { return }
        onError(error)
    }

    private func finish() {
        let (waiters, receiver) = state.withLock { state in
            state.finished = true
            state.stopping = true
            let receiver = state.inbox.isEmpty ? state.receiver?.continuation : nil
            if receiver != nil { state.receiver = nil }
            return (state.finishWaiters, receiver)
        }
        receiver?.resume(returning: nil)
        for waiter in waiters { waiter.resume() }
    }

    /// The received messages of a pump, one at a time.
    public struct Incoming: AsyncSequence, Sendable {
        public typealias Element = Multipart
        let pump: SocketPump

        public func makeAsyncIterator() -> Iterator { Iterator(pump: pump) }

        public struct Iterator: AsyncIteratorProtocol {
            let pump: SocketPump

            /// One message at a time, so that none is held here when iteration stops.
            public mutating func next() async -> Multipart? {
                while true {
                    guard let batch = await pump.nextBatch(max: 1) else { return nil }
                    if let message = batch.first { return message }
                    if Task.isCancelled { return nil }
                }
            }
        }
    }
}

/// A pump's socket thread ended on its own: which pump, and the libzmq error that ended it.
public struct SocketPumpFailure: Error, CustomStringConvertible {
    public let pump: String
    public let error: ZMQError

    public var description: String {
        error.isContextTerminated ? "socket thread \(pump) ended: the ZeroMQ context was shut down while it ran"
                                  : "socket thread \(pump) ended: \(error)"
    }
}
