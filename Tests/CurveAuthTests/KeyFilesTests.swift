import CurveAuth
import Foundation
import TestHarness
import Testing
import WireProtocol
import ZMQ

@Suite("Key files and the key folder")
struct KeyFilesTests {
    func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("ldn-keytest-\(UUID().uuidString)")
    }

    @Test("ldn's certificate files are pyzmq's: each reads what the other writes")
    func pyzmqReadsAndWrites() async throws {
        let directory = folder()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ours = try CurveCertificate.generate(name: "ours")
        try ours.write(to: directory)
        let script = """
            import sys, zmq.auth
            public, secret = zmq.auth.load_certificate(sys.argv[1] + "/ours.key_secret")
            print(public.decode(), secret.decode())
            zmq.auth.create_certificates(sys.argv[1], "theirs")
            """
        let python = try await run("/usr/bin/env", ["python3", "-c", script, directory.path])
        #expect(python.status == 0, "\(python.stderr)")
        let printed = python.stdout
        #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == "\(ours.publicKey) \(ours.secretKey!)")

        let theirs = try CurveCertificate.read(from: directory.appendingPathComponent("theirs.key_secret"))
        #expect(try Curve.publicKey(forSecret: theirs.secretKey!) == theirs.publicKey)
        #expect(try CurveCertificate.read(from: directory.appendingPathComponent("theirs.key")).secretKey == nil)
        let mode = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("ours.key_secret").path)[.posixPermissions]
        #expect(mode as? Int == 0o600)
    }

    @Test("A secret file whose keys do not belong together is refused")
    func mismatchedPair() throws {
        let directory = folder()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let one = try Curve.keyPair(), other = try Curve.keyPair()
        try CurveCertificate(name: "odd", publicKey: one.publicKey, secretKey: other.secretKey).write(to: directory)
        #expect {
            _ = try CurveCertificate.read(from: directory.appendingPathComponent("odd.key_secret"))
        } throws: { "\($0)".contains("its secret key does not belong to its public key") }
    }

    @Test("init makes a key per service and an admin; add, rotate and revoke keep the allow-list readable")
    func lifecycle() throws {
        let url = folder()
        defer { try? FileManager.default.removeItem(at: url) }
        let keys = try KeyDirectory.create(at: url)
        let list = try AllowList.read(from: keys.allowListURL)
        #expect(list.names == ["admin", "harvester", "ingest", "notifier", "query"])
        #expect(list.entries(named: "harvester").first?.roles == [.submitter])
        #expect(list.entries(named: "query").first?.roles == [.follower])
        #expect(throws: KeyDirectory.Failure.self) { _ = try KeyDirectory.create(at: url) }

        let alice = try keys.add(name: "alice", roles: [.reader])
        #expect(throws: KeyDirectory.Failure.self) { _ = try keys.add(name: "alice", roles: [.reader]) }
        let (rotated, old) = try keys.rotate(name: "alice")
        #expect(old == [alice.publicKey])
        let twoKeys = try AllowList.read(from: keys.allowListURL).entries(named: "alice")
        #expect(twoKeys.map(\.publicKey) == [alice.publicKey, rotated.publicKey])
        #expect(try keys.keyPair(of: "alice").publicKey == rotated.publicKey)
        #expect(FileManager.default.fileExists(atPath: url.appendingPathComponent("alice.key_secret.old").path))

        #expect(try keys.revoke(name: "alice", key: alice.publicKey) == [alice.publicKey])
        #expect(try AllowList.read(from: keys.allowListURL).entries(named: "alice").map(\.publicKey) == [rotated.publicKey])
        #expect(try keys.revoke(name: "alice") == [rotated.publicKey])
        #expect(throws: KeyDirectory.Failure.self) { _ = try keys.revoke(name: "alice") }
    }

    @Test("A reload that fails keeps the list in force")
    func failedReload() throws {
        let url = folder()
        defer { try? FileManager.default.removeItem(at: url) }
        let keys = try KeyDirectory.create(at: url)
        let file = try AllowListFile(url: keys.allowListURL)
        let before = file.list
        try "garbage line\n".write(to: keys.allowListURL, atomically: true, encoding: .utf8)
        #expect(throws: AllowList.Failure.self) { try file.reload() }
        #expect(file.list == before)
    }
}
