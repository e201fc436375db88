import Foundation
import Client
import WireProtocol
import ZMQ

/// Helpers the benchmark executables share.
public enum Measure {
    /// Latencies in milliseconds, sorted, with percentiles.
    public struct Latencies: Sendable {
        public let sorted: [Double]

        public init(_ values: [Double]) { sorted = values.sorted() }

        public func percentile(_ fraction: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
        }

        public var p50: Double { percentile(0.50) }
        public var p99: Double { percentile(0.99) }

        public var line: String { line(counting: "requests") }

        public func line(counting unit: String) -> String {
            String(format: "p50 %.3f ms, p99 %.3f ms (%d %@)", p50, p99, sorted.count, unit)
        }
    }

    /// Blocking work on a thread of its own, off the cooperative pool.
    public static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    /// VmHWM: the most resident memory a process has used, in MB.
    public static func peakMemoryMB(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Double(line.split(separator: " ")[1]) else { return 0 }
        return kilobytes / 1024
    }

    /// CPU time (user + system, every thread: libzmq's I/O threads, where CURVE encrypts and
    /// decrypts, included) a process has used so far, in seconds.
    public static func cpuSeconds(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = text.lastIndex(of: ")") else { return 0 }
        // After "pid (name)": state is field 3, utime and stime fields 14 and 15.
        let fields = text[text.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU time this process has used so far, in seconds.
    public static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Sends `request` `count` times, one at a time, and times each round trip from the moment
    /// the request is sent (the connection, and with CURVE its handshake, made before the first
    /// is not counted). Also returns the largest reply body seen.
    /// `security`: the CURVE client options for `endpoint`, or none.
    public static func latencies(_ endpoint: String, _ request: @escaping @Sendable (Int) -> Request,
                                 count: Int, security: [SocketOption] = []) async throws -> (Latencies, Int) {
        try await onThread {
            let connection = Connection(context: try Context(), endpoint: endpoint, timeout: .seconds(10), retries: 0,
                                        security: security)
            var samples: [Double] = []
            var bytes = 0
            for index in 0..<count {
                var answer: (reply: Reply, elapsed: Duration)?
                try connection.send([request(index)], window: 1) { _, reply, elapsed in answer = (reply, elapsed) }
                guard let (reply, elapsed) = answer else { throw ClientError.badReply("no reply") }
                guard reply.isOK else { throw reply.errorBody }
                samples.append(elapsed.milliseconds)
                bytes = max(bytes, reply.body.count)
            }
            return (Latencies(samples), bytes)
        }
    }
}

extension Duration {
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    public var milliseconds: Double { seconds * 1000 }
}

extension Measure {
    /// The 1, 5 and 15 minute load averages, as `uptime` prints them: how busy the machine was.
    public static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: ", ") ?? "unknown"
    }

    /// Bytes of the regular files under `path`, at any depth: a database with its WAL and side files.
    public static func diskBytes(_ path: String) -> Int64 {
        guard let files = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: Int64 = 0
        while let name = files.nextObject() as? String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + name)
            if attributes?[.type] as? FileAttributeType == .typeRegular { total += (attributes?[.size] as? Int64) ?? 0 }
        }
        return total
    }
}

/// A benchmark that cannot go on: what went wrong, printed as the run's error.
public struct BenchmarkFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
