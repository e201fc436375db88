import Foundation
import ServiceKit
import TestHarness
import Testing
import WireProtocol
@testable import Harvester

@Suite("Harvester: starting")
struct HarvesterStartTests {
    @Test("A harvester with no searches starts and answers status")
    func answersStatus() async throws {
        let endpoint = try freeEndpoint()
        let options = try HarvesterOptions.parse(["--bind", endpoint, "--data-dir", try temporaryDirectory().path])
        try await withService("harvester", build: { try await makeHarvester(options, $0) }) { _ in
            let reply = try await status(endpoint)
            #expect(reply.service == "harvester")
        }
    }
}
