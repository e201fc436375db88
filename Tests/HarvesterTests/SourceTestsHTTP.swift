import Foundation
import TestHarness
import Testing
import WireProtocol
@testable import Harvester

@Suite("Harvester sources: HTTP retries, timeouts and refusals", .timeLimit(.minutes(1)))
struct SourceTestsHTTP {
    @Test("429 with Retry-After: 1 is waited out (the gap is in the fixture's log), then the answer is used")
    func retryAfter() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.setDataTimestamp("2026-11-30T09:00:05")
        try await fixture.queueFaults([.init(status: 429, retryAfter: "1")], on: HarvestFixture.Path.version)
        let version = try await withSources(fixture) { try await $0.clinicalTrials.dataVersion() }
        #expect(version == "2026-11-30T09:00:05")
        let log = try await fixture.requests()
        #expect(log.map(\.status) == [429, 200])
        #expect(log[1].time - log[0].time >= 0.95)
    }

    @Test("A Retry-After longer than the configured maximum is waited only that maximum")
    func retryAfterCapped() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.queueFaults([.init(status: 503, retryAfter: "3600")], on: HarvestFixture.Path.version)
        let version = try await withSources(fixture, configure: { $0.maximumRetryAfter = .milliseconds(200) }) {
            try await $0.clinicalTrials.dataVersion()
        }
        #expect(version != nil)
        let log = try await fixture.requests()
        #expect(log.map(\.status) == [503, 200])
        #expect(log[1].time - log[0].time < 5)
    }

    @Test("An answer larger than the body cap is an error at once, never read whole")
    func bodyCap() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.addStudies((1...3).map { _ in .complete(lastUpdate: "2026-11-20") })
        let error = try await withSources(fixture, configure: { $0.maximumBodyBytes = 1024 }) { sources in
            await harvestError {
                _ = try await fetchAll(sources.clinicalTrials, SearchQuery(source: .ctgov, term: "naltrexone", condition: nil),
                                       HarvestWindow(from: nil, through: "2026-11-30"))
            }
        }
        guard case .malformed(_, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("1024"))
        #expect(try await fixture.requests().count == 1)
    }

    @Test("A burst of 5xx, then success: retried with backoff until it answers")
    func serverErrors() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.queueFaults([.init(status: 503), .init(status: 500), .init(status: 502)], on: HarvestFixture.Path.version)
        let version = try await withSources(fixture, attempts: 4) { try await $0.clinicalTrials.dataVersion() }
        #expect(version != nil)
        #expect(try await fixture.requests().map(\.status) == [503, 500, 502, 200])
    }

    @Test("A response slower than the timeout is abandoned and retried; when every attempt is slow, .unavailable")
    func timeouts() async throws {
        let fixture = try await HarvestFixture()
        // The slow answer would take 30 s: far longer than a loaded machine can delay a retry,
        // so a second attempt within 15 s can only come from the 0.5 s timeout.
        try await fixture.queueFaults([.init(delay: 30)], on: HarvestFixture.Path.version)
        let version = try await withSources(fixture, timeout: .milliseconds(500)) { try await $0.clinicalTrials.dataVersion() }
        #expect(version != nil)
        let attempts = try await fixture.requests()
        #expect(attempts.count == 2)
        if attempts.count == 2 { #expect(attempts[1].time - attempts[0].time < 15, "the second attempt waited for the first") }

        try await fixture.clearRequests()
        try await fixture.queueFaults([.init(delay: 2), .init(delay: 2)], on: HarvestFixture.Path.version)
        let error = try await withSources(fixture, timeout: .milliseconds(300), attempts: 2) { sources in
            await harvestError { _ = try await sources.clinicalTrials.dataVersion() }
        }
        guard case .unavailable(let request, _, let attempts)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(attempts == 2)
        #expect(request.hasPrefix("GET http://127.0.0.1:\(fixture.port)/api/v2/version"))
        #expect(error?.isTransient == true)
    }

    @Test("A 4xx other than 429 is refused at once, with its status")
    func refused() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.queueFaults([.init(status: 404)], on: HarvestFixture.Path.version)
        let error = try await withSources(fixture) { sources in await harvestError { _ = try await sources.clinicalTrials.dataVersion() } }
        guard case .refused(_, 404, _)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(try await fixture.requests().count == 1)
    }

    @Test("A redirect is not followed, even to the fixture itself: refused, naming the Location")
    func redirect() async throws {
        let fixture = try await HarvestFixture()
        try await fixture.queueFaults([.init(status: 301, location: "\(fixture.ctgovBase)/version?moved=1")], on: HarvestFixture.Path.version)
        let error = try await withSources(fixture) { sources in await harvestError { _ = try await sources.clinicalTrials.dataVersion() } }
        guard case .refused(_, 301, let reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(reason.contains("moved=1"))
        #expect(try await fixture.requests().count == 1)
    }

    @Test("Retry-After as delta-seconds or an HTTP-date; anything else is no hint")
    func retryAfterForms() {
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        #expect(RetryAfter.wait("7", now: now) == .seconds(7))
        let date = DateFormatter()
        date.locale = Locale(identifier: "en_US_POSIX")
        date.timeZone = TimeZone(identifier: "GMT")
        date.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(RetryAfter.wait(date.string(from: now.addingTimeInterval(30)), now: now) == .seconds(30))
        #expect(RetryAfter.wait(date.string(from: now.addingTimeInterval(-30)), now: now) == .zero)
        #expect(RetryAfter.wait("soon", now: now) == nil)
        #expect(RetryAfter.wait("-3", now: now) == nil)
        #expect(RetryAfter.wait(nil, now: now) == nil)
    }

    @Test("The API key: from a file, or LDN_NCBI_API_KEY; a missing or empty key file stops the start")
    func apiKeyConfiguration() throws {
        let directory = try temporaryDirectory()
        let keyFile = directory.appendingPathComponent("ncbi-key")
        try Data("abc123\n".utf8).write(to: keyFile)
        #expect(try SourceConfiguration.apiKey(file: keyFile.path, environment: ["LDN_NCBI_API_KEY": "other"]) == "abc123")
        #expect(try SourceConfiguration.apiKey(file: "", environment: ["LDN_NCBI_API_KEY": "fromenv"]) == "fromenv")
        #expect(try SourceConfiguration.apiKey(file: "", environment: [:]) == nil)
        let missing = directory.appendingPathComponent("absent").path
        #expect(throws: SourceConfiguration.Invalid.self) { try SourceConfiguration.apiKey(file: missing, environment: [:]) }
        let empty = directory.appendingPathComponent("empty")
        try Data("\n".utf8).write(to: empty)
        #expect(throws: SourceConfiguration.Invalid.self) { try SourceConfiguration.apiKey(file: empty.path, environment: [:]) }

        let options = try HarvesterOptions.parse(["--ncbi-api-key-file", keyFile.path, "--ctgov-rate", "2"])
        let configuration = try SourceConfiguration(options, environment: [:])
        #expect(configuration.ncbiAPIKey == "abc123" && configuration.pubmedRate == 10 && configuration.ctgovRate == 2)
    }

    @Test("A port where nothing listens fails each attempt at once, not after the timeout; .unavailable after all attempts")
    func refusedConnection() async throws {
        let fixture = try await HarvestFixture()
        let refusing = try RefusingPort()
        let started = ContinuousClock.now
        let error = await harvestError {
            try await withSources(fixture, timeout: .seconds(20), attempts: 3, configure: {
                $0.pubmedBase = URL(string: "http://127.0.0.1:\(refusing.port)/entrez/eutils")!
            }) { sources in
                _ = try await fetchAll(sources.pubmed, SearchQuery(source: .pubmed, term: "naltrexone", condition: nil),
                                       HarvestWindow(from: nil, through: "2026-11-30"))
            }
        }
        let elapsed = ContinuousClock.now - started
        guard case .unavailable(_, _, let attempts)? = error else {
            Issue.record("expected .unavailable, got \(String(describing: error))")
            return
        }
        #expect(attempts == 3)
        #expect(elapsed < .seconds(10), "took \(elapsed): waited for the 20 s timeout")
        withExtendedLifetime(refusing) {}
    }
}
