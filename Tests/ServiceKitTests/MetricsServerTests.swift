import ArgumentParser
import Foundation
import Logging
import TestHarness
import Testing
@testable import ServiceKit

/// `--metrics-bind`, and the HTTP endpoint it opens, under what a hostile or clumsy client sends.
@Suite("Metrics: the --metrics-bind option and the /metrics endpoint", .timeLimit(.minutes(1)))
struct MetricsServerTests {
    static let logger = Logger(label: "test.metrics") { _ in SwiftLogNoOpLogHandler() }

    @Test("HOST:PORT with an IP address is accepted; anything else is refused", arguments: [
        ("127.0.0.1:9100", "127.0.0.1", 9100, true), ("0.0.0.0:0", "0.0.0.0", 0, false), ("[::1]:9100", "::1", 9100, true),
        ("10.1.2.3:65535", "10.1.2.3", 65535, false),
    ])
    func validBinds(text: String, host: String, port: Int, loopback: Bool) throws {
        let bind = try #require(MetricsBind(argument: text))
        #expect(bind.host == host && bind.port == port && bind.isLoopback == loopback)
        #expect(bind.description == text)
        #expect(try CommonOptions.parse(["--metrics-bind", text]).metricsAddress == bind)
    }

    @Test("Malformed addresses stop the service before it starts", arguments: [
        "9100", "localhost:9100", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:9x",
        "1.2.3:80", "256.0.0.1:80", "[::1]9100", "[::1]:", "::1:9100", " ", "http://127.0.0.1:9100",
    ])
    func invalidBinds(text: String) {
        #expect(MetricsBind(argument: text) == nil)
        #expect(throws: (any Error).self) { try CommonOptions.parse(["--metrics-bind", text]) }
    }

    @Test("Off unless asked for: no option, no metrics server")
    func offByDefault() async throws {
        let runtime = try ServiceRuntime(service: "test", options: try CommonOptions.parse([]), logger: Self.logger)
        defer { runtime.context.shutdown() }
        #expect(try CommonOptions.parse([]).metricsAddress == nil || ProcessInfo.processInfo.environment["LDN_METRICS_BIND"] != nil)
        if ProcessInfo.processInfo.environment["LDN_METRICS_BIND"] == nil {
            #expect(try await runtime.makeMetricsServer() == nil)
        }
    }

    @Test("A port in use is a start-up error that names the option")
    func portInUse() async throws {
        let metrics = ServiceMetrics()
        let first = try await MetricsServer(bind: MetricsBind(argument: "127.0.0.1:0")!, metrics: metrics, logger: Self.logger)
        let taken = try #require(MetricsBind(argument: "127.0.0.1:\(first.port)"))
        let error = await #expect(throws: MetricsServerError.self) {
            _ = try await MetricsServer(bind: taken, metrics: metrics, logger: Self.logger)
        }
        #expect(error?.description.contains("cannot serve metrics on 127.0.0.1:\(first.port) (--metrics-bind / LDN_METRICS_BIND)") == true)
        try await Self.stop(first)
    }

    @Test("GET /metrics answers the text format; other paths 404, other methods 405, a body over 4 KiB 413")
    func answers() async throws {
        let metrics = ServiceMetrics()
        metrics.counter("ldn_test_total", [("kind", "a")]).increment(by: 3)
        let server = try await MetricsServer(bind: MetricsBind(argument: "127.0.0.1:0")!, metrics: metrics, logger: Self.logger)
        let page = try await RawHTTP.get(port: server.port)
        #expect(page.status == 200)
        #expect(page.headers.lowercased().contains("content-type: text/plain; version=0.0.4"))
        #expect(MetricsPage(page.body).value("ldn_test_total", ["kind": "a"]) == 3)
        #expect(page.body.contains("# TYPE ldn_test_total counter"))
        #expect(try await RawHTTP.get(port: server.port, path: "/metrics?x=1").status == 200)
        #expect(try await RawHTTP.get(port: server.port, path: "/").status == 404)
        #expect(try await RawHTTP.get(port: server.port, path: "/metrics/../secret").status == 404)
        let post = try await RawHTTP.get(port: server.port, method: "POST")
        #expect(post.status == 405 && post.headers.contains("Allow: GET, HEAD"))
        let head = try await RawHTTP.get(port: server.port, method: "HEAD")
        #expect(head.status == 200 && head.body.isEmpty)

        let body = [UInt8](repeating: 65, count: 100_000)
        let big = try await RawHTTP.exchange(port: server.port, send: Array("GET /metrics HTTP/1.1\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        #expect(String(decoding: big.response, as: UTF8.self).hasPrefix("HTTP/1.1 413"))
        #expect(big.closed)
        try await Self.stop(server)
        #expect(throws: RawHTTP.Failure.self) { try RawHTTP.connect(port: server.port) }  // closed with the service
    }

    @Test("Garbage, a header without end, and silent connections neither crash nor stall it")
    func hostileInput() async throws {
        let metrics = ServiceMetrics()
        metrics.counter("ldn_test_total").increment()
        let server = try await MetricsServer(bind: MetricsBind(argument: "127.0.0.1:0")!, metrics: metrics, logger: Self.logger)
        // Connections that send nothing: they must not keep others from being answered.
        let silent = try (0..<20).map { _ in try RawHTTP.connect(port: server.port) }
        defer { for socket in silent { close(socket) } }

        var garbage = [UInt8](repeating: 0, count: 4096)
        for index in garbage.indices { garbage[index] = UInt8(truncatingIfNeeded: index &* 7919 &+ 13) }
        let inputs: [[UInt8]] = [
            garbage,
            Array("\r\n\r\n\r\n".utf8),
            Array("GET /metrics HTTP/9.9\r\n\r\n".utf8),
            Array("GET /metrics HTTP/1.1\r\nContent-Length: -5\r\n\r\n".utf8),
            Array("GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8),
            Array("GET /metrics HTTP/1.1\r\nX: ".utf8) + [UInt8](repeating: 120, count: 2 << 20),  // a 2 MiB header
            Array("GET /\u{0}\u{1}metrics HTTP/1.1\r\n\r\n".utf8),
        ]
        for input in inputs {
            // Each is answered with an error and closed, or just closed: never left hanging.
            let (response, closed) = try await RawHTTP.exchange(port: server.port, send: input, halfClose: true)
            let text = String(decoding: response.prefix(12), as: UTF8.self)
            #expect(closed, "left open after \(input.prefix(40))")
            #expect(response.isEmpty || text.hasPrefix("HTTP/1.1 4"), "answered \(text)")
        }
        // Still serving, promptly, with the silent connections still open.
        let started = ContinuousClock.now
        let page = try await RawHTTP.scrape(port: server.port)
        #expect(page.value("ldn_test_total") == 1)
        // Typically milliseconds; the bound leaves room for the suite's loaded first minute.
        #expect(ContinuousClock.now - started < .seconds(8))
        try await Self.stop(server)
    }

    @Test("Connections over the limit are closed at once; closing some lets scrapes in again")
    func connectionLimit() async throws {
        let metrics = ServiceMetrics()
        metrics.counter("ldn_test_total").increment()
        let server = try await MetricsServer(bind: MetricsBind(argument: "127.0.0.1:0")!, metrics: metrics, logger: Self.logger)
        var held = try (0..<MetricsServer.maxConnections).map { _ in try RawHTTP.connect(port: server.port) }
        defer { for socket in held { close(socket) } }
        // The server counts a connection once it has accepted it: one more request finds it full.
        try await eventually("a connection over the limit is closed unanswered") {
            let exchange = try? await RawHTTP.exchange(port: server.port, send: Array("GET /metrics HTTP/1.1\r\n\r\n".utf8))
            return exchange.map { $0.closed && $0.response.isEmpty } ?? false
        }
        for socket in held.prefix(4) { close(socket) }
        held.removeFirst(4)
        try await eventually("a scrape is answered again") { (try? await RawHTTP.scrape(port: server.port))?.value("ldn_test_total") == 1 }
        try await Self.stop(server)
    }

    /// Runs the server's `run` and cancels it at once (what a `ServiceGroup` does at the end):
    /// it closes its socket and its thread, and returns.
    static func stop(_ server: MetricsServer) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            group.cancelAll()
            try await group.waitForAll()
        }
    }
}
