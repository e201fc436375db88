import EvidenceModel
import CurveAuth
import Foundation
import GRDB
import Testing
import WireProtocol
@testable import Notifier

/// A sealer with a fresh key, written to and read from a key file as the notifier does.
func testSealer() throws -> SecretSealer {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-key-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent(SecretSealer.fileName)
    try SecretSealer.generate(to: file)
    return try SecretSealer(keyFile: file)
}

/// Every byte of a database: its file and its write-ahead log.
func databaseBytes(_ directory: URL) throws -> Data {
    let path = directory.appendingPathComponent(WatchStore.fileName).path
    return try [path, path + "-wal"].filter { FileManager.default.fileExists(atPath: $0) }
        .reduce(into: Data()) { $0 += try Data(contentsOf: URL(fileURLWithPath: $1)) }
}

/// A watch's `secret` column as stored, read from the file directly.
func storedSecret(_ path: String, watch: String) throws -> String? {
    try DatabaseQueue(path: path).read { db in
        try String.fetchOne(db, sql: "SELECT secret FROM watches WHERE name = ?", arguments: [watch])
    }
}

@Suite("Webhook secrets at rest: sealed in the watch database with a key from a file")
struct SecretSealerTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-secrets-\(UUID().uuidString)")

    @Test("A generated key file is one line of base64 (32 bytes), readable by its owner only, and never overwritten")
    func keyFile() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent(SecretSealer.fileName)
        try SecretSealer.generate(to: file)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.hasSuffix("\n") && text.split(separator: "\n").count == 1)
        #expect(Data(base64Encoded: text.trimmingCharacters(in: .newlines))?.count == 32)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(throws: SecretKeyFile.Failure.self) { try SecretSealer.generate(to: file) }
        #expect(try String(contentsOf: file, encoding: .utf8) == text, "the key in place is kept")

        let sealer = try SecretSealer(keyFile: file)
        let sealed = try sealer.seal("synthetic-secret", watch: "w")
        #expect(try SecretSealer(keyFile: file).unseal(sealed, watch: "w") == "synthetic-secret", "the file gives the same key")
    }

    @Test("A file that holds no key is refused, saying what a key file holds")
    func badKeyFile() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for content in ["", "not base64!", Data(count: 16).base64EncodedString()] {
            let file = directory.appendingPathComponent("bad.key")
            try Data(content.utf8).write(to: file)
            #expect(performing: { try SecretSealer(keyFile: file) }, throws: { error in
                "\(error)".contains("32 bytes in base64 on one line")
            })
        }
        #expect(performing: { try SecretSealer(keyFile: directory.appendingPathComponent("absent.key")) }, throws: { error in
            "\(error)".contains("cannot read the key file")
        })
    }

    @Test("A sealed secret opens only with its key, and only for its own watch")
    func sealing() throws {
        let sealer = try testSealer()
        let sealed = try sealer.seal("synthetic-secret", watch: "ms-trials")
        #expect(sealed.hasPrefix(SecretSealer.sealedPrefix) && !sealed.contains("synthetic-secret"))
        #expect(try sealer.seal("synthetic-secret", watch: "ms-trials") != sealed, "a fresh nonce each time")
        #expect(try sealer.unseal(sealed, watch: "ms-trials") == "synthetic-secret")
        #expect(throws: (any Error).self) { try sealer.unseal(sealed, watch: "another-watch") }
        #expect(throws: (any Error).self) { try testSealer().unseal(sealed, watch: "ms-trials") }
    }

    @Test("The watch database never holds a webhook secret in clear: not in its column, not anywhere in its files")
    func notInClear() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try WatchStore(directory: directory, sealer: try testSealer())
        let secret = NotifierRoutes.newSecret()
        let watch = WatchStore.Watch(name: "synthetic-hook", filter: EvidenceFilter(condition: "crohns"), stream: false,
                                     webhook: URL(string: "https://example.org/hook"), secret: secret, cursor: 0, delivered: 0,
                                     failures: 0, deadInARow: 0, paused: nil, rewinds: 0)
        #expect(try await store.add(watch))
        #expect(try await store.watch("synthetic-hook")?.secret == secret, "it reads back in clear")

        let column = try storedSecret(store.path, watch: "synthetic-hook")
        #expect(column?.hasPrefix(SecretSealer.sealedPrefix) == true && column?.contains(secret) == false, "\(column ?? "")")
        #expect(try databaseBytes(directory).range(of: Data(secret.utf8)) == nil)
    }

    @Test("A database from a release that kept secrets in clear: they are sealed at open, and read back as they were")
    func earlierReleaseSealed() async throws {
        let directory = try WatchStoreTests.earlierReleaseDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try databaseBytes(directory).range(of: Data("synthetic-secret".utf8)) != nil, "in clear before")
        let sealer = try testSealer()
        let store = try WatchStore(directory: directory, sealer: sealer)
        #expect(try await store.watch("synthetic-crohns")?.secret == "synthetic-secret")

        let column = try storedSecret(store.path, watch: "synthetic-crohns")
        #expect(column?.hasPrefix(SecretSealer.sealedPrefix) == true, "\(column ?? "")")
        #expect(try databaseBytes(directory).range(of: Data("synthetic-secret".utf8)) == nil, "no copy left in the files")
        _ = try WatchStore(directory: directory, sealer: sealer)
        #expect(try storedSecret(store.path, watch: "synthetic-crohns") == column, "sealed once, not again at the next start")
    }

    @Test("A watch whose secret was sealed with another key reads back paused, saying why; the others are untouched")
    func anotherKey() async throws {
        let directory = try WatchStoreTests.earlierReleaseDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try WatchStore(directory: directory, sealer: try testSealer())  // sealed with a key then lost

        let store = try WatchStore(directory: directory, sealer: try testSealer())
        let watch = try #require(try await store.watch("synthetic-crohns"))
        #expect(watch.secret == nil)
        #expect(watch.paused?.contains("webhook secret does not open with the key") == true, "\(watch.paused ?? "")")
        #expect(try await store.secretsThatDoNotOpen() == ["synthetic-crohns"])
        #expect(try await store.watch("synthetic-broken")?.paused?.hasPrefix("its stored filter") == true)
    }
}
