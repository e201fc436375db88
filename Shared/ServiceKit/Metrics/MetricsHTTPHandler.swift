import NIOCore
import NIOHTTP1

/// Answers one HTTP/1.1 connection: `GET /metrics` (and `HEAD`) with the exposition, 404 for
/// other paths, 405 for other methods, 413 for a request with a body over 4 KiB (then closes).
/// Malformed HTTP is answered 400 and closed by NIO's `HTTPServerProtocolErrorHandler`
/// ahead of this handler; a connection silent for `MetricsServer.idleTimeout` is closed.
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let maxBodyBytes = 4096
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let metrics: ServiceMetrics
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var refused = false

    init(metrics: ServiceMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyBytes = 0
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if bodyBytes > Self.maxBodyBytes {
                refused = true
                respond(context, .payloadTooLarge, text: "a request to this endpoint has no body\n", keepAlive: false)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            answer(head, context: context)
        }
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path == "/metrics" else {
            respond(context, .notFound, text: "only /metrics is served here\n", keepAlive: head.isKeepAlive)
            return
        }
        guard head.method == .GET || head.method == .HEAD else {
            respond(context, .methodNotAllowed, text: "only GET and HEAD are allowed\n", keepAlive: head.isKeepAlive,
                    extraHeaders: [("Allow", "GET, HEAD")])
            return
        }
        respond(context, .ok, body: metrics.exposition(), contentType: Self.contentType, keepAlive: head.isKeepAlive,
                headOnly: head.method == .HEAD)
    }

    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, text: String, keepAlive: Bool,
                         extraHeaders: [(String, String)] = []) {
        respond(context, status, body: Array(text.utf8), contentType: "text/plain; charset=utf-8", keepAlive: keepAlive,
                extraHeaders: extraHeaders)
    }

    private func respond(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, body: [UInt8], contentType: String,
                         keepAlive: Bool, headOnly: Bool = false, extraHeaders: [(String, String)] = []) {
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", "\(body.count)")] + extraHeaders)
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if !headOnly {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)  // a silent client does not hold a connection for ever
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
