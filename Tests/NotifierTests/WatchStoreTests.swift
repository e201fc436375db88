import EvidenceModel
import Foundation
import GRDB
import MetaAnalysis
import Testing
import WireProtocol
@testable import Notifier

@Suite("The notifier's database: named migrations, and databases written by earlier releases")
struct WatchStoreTests {
    /// A notifier database as releases before `WatchMigrations` wrote it (the schema was
    /// created inline in `WatchStore`): its tables, GRDB's record of the applied "v1", a
    /// watch, a watch whose stored filter no longer reads, and a dead letter. SYNTHETIC data.
    static func earlierReleaseDatabase() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-notifier-v1-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: directory.appendingPathComponent(WatchStore.fileName).path)
        let filter = String(decoding: WireJSON.encode(EvidenceFilter(condition: "crohns", design: [.rct])), as: UTF8.self)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations (identifier) VALUES ('v1');
                CREATE TABLE watches (
                    name TEXT PRIMARY KEY,
                    filter TEXT NOT NULL,
                    stream INTEGER NOT NULL,
                    webhook TEXT,
                    secret TEXT,
                    cursor INTEGER NOT NULL,
                    delivered INTEGER NOT NULL DEFAULT 0,
                    failures INTEGER NOT NULL DEFAULT 0,
                    dead_in_a_row INTEGER NOT NULL DEFAULT 0,
                    paused TEXT,
                    rewinds INTEGER NOT NULL DEFAULT 0,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE dead_letters (
                    id INTEGER PRIMARY KEY,
                    watch TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    key TEXT,
                    attempts INTEGER NOT NULL,
                    last_status INTEGER,
                    last_error TEXT NOT NULL,
                    at INTEGER NOT NULL
                );
                CREATE INDEX dead_letters_watch ON dead_letters(watch, id);
                INSERT INTO watches (name, filter, stream, webhook, secret, cursor, delivered, failures, dead_in_a_row, paused,
                                     rewinds, created_at)
                VALUES ('synthetic-crohns', ?, 0, 'http://127.0.0.1:9/hook', 'synthetic-secret', 42, 7, 2, 1, NULL, 3, 1700000000),
                       ('synthetic-broken', '{"condition": ', 1, NULL, NULL, 5, 0, 0, 0, NULL, 0, 1700000000);
                INSERT INTO dead_letters (watch, seq, key, attempts, last_status, last_error, at)
                VALUES ('synthetic-crohns', 40, 'doi:10.5555/synthetic.40', 5, 500, 'SYNTHETIC: the receiver failed', 1700000100);
                """, arguments: [filter])
        }
        return directory
    }

    @Test("The migrations keep the identifiers databases on disk already record")
    func migrationNames() {
        #expect(WatchMigrations.migrator.migrations == ["v1", "watch-owner", "synthesis-watches", "followed-store"])
    }

    @Test("A database written before the migrations had their own file opens, with its watches and dead letters as stored")
    func earlierReleaseOpens() async throws {
        let directory = try Self.earlierReleaseDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try WatchStore(directory: directory, sealer: try testSealer())

        let watches = try await store.all()
        #expect(watches.map(\.name) == ["synthetic-broken", "synthetic-crohns"])
        let watch = try #require(try await store.watch("synthetic-crohns"))
        #expect(watch.filter == EvidenceFilter(condition: "crohns", design: [.rct]))
        #expect(!watch.stream && watch.webhook?.absoluteString == "http://127.0.0.1:9/hook" && watch.secret == "synthetic-secret")
        #expect(watch.cursor == 42 && watch.delivered == 7 && watch.failures == 2 && watch.deadInARow == 1 && watch.rewinds == 3)
        #expect(watch.paused == nil)

        let broken = try #require(watches.first)
        #expect(broken.stream && broken.webhook == nil && broken.filter == EvidenceFilter())
        #expect(broken.paused?.hasPrefix("its stored filter cannot be read") == true, "kept paused, not matching everything")

        #expect(try await store.deadLetters() == [DeadLetter(
            watch: "synthetic-crohns", seq: 40, key: "doi:10.5555/synthetic.40", attempts: 5, lastStatus: 500,
            lastError: "SYNTHETIC: the receiver failed", at: Date(timeIntervalSince1970: 1_700_000_100))])
        #expect(try await store.deadLetterCounts() == ["synthetic-crohns": 1])
    }

    @Test("Watches and dead letters written now read back as written")
    func roundTrip() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-notifier-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try WatchStore(directory: directory, sealer: try testSealer())
        let watch = WatchStore.Watch(name: "synthetic-ms", filter: EvidenceFilter(condition: "ms"), stream: true, webhook: nil,
                                     secret: nil, cursor: 9, delivered: 0, failures: 0, deadInARow: 0, paused: nil, rewinds: 0)
        #expect(try await store.add(watch))
        #expect(try await store.add(watch) == false, "the name is taken")
        let letter = DeadLetter(watch: "synthetic-ms", seq: 10, key: nil, attempts: 1, lastStatus: nil,
                                lastError: "SYNTHETIC: refused", at: Date(timeIntervalSince1970: 1_700_000_200))
        try await store.addDeadLetter(letter)
        let read = try #require(try await store.watch("synthetic-ms"))
        #expect(read.name == watch.name && read.filter == watch.filter && read.stream && read.cursor == 9)
        #expect(try await store.deadLetters() == [letter])
        #expect(try await store.remove("synthetic-ms"))
        #expect(try await store.all().isEmpty)
        #expect(try await store.deadLetters().isEmpty, "its dead letters go with it")
    }

    @Test("A synthesis watch reads back with its question and starting point; its set and figures are saved with its cursor, or not at all when it was rewound meanwhile")
    func synthesisRoundTrip() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-notifier-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try WatchStore(directory: directory, sealer: try testSealer())
        let question = SynthesisQuestion(condition: "fibromyalgia", outcome: "pain", measure: .md, method: .derSimonianLaird)
        let watch = WatchStore.Watch(name: "synthetic-pain", filter: EvidenceFilter(), stream: true, webhook: nil, secret: nil,
                                     cursor: 0, delivered: 0, failures: 0, deadInARow: 0, paused: nil, rewinds: 0,
                                     synthesis: question, synthesisBaseline: 40)
        #expect(try await store.add(watch))
        let (read, saved) = try #require(try await store.watchWithSynthesis("synthetic-pain"))
        #expect(read.synthesis == question && read.synthesisBaseline == 40 && read.cursor == 0)
        #expect(saved?.candidates.isEmpty == true && saved?.headline == nil)

        let candidate = StoredCandidate(recordID: 7, key: "doi:10.5555/synthetic.7", seq: 12, body: Data(#"{"title":"SYNTHETIC"}"#.utf8))
        let figures = SynthesisHeadline(k: 1, measure: .md, estimate: nil, ciLow: nil, ciHigh: nil, i2: nil)
        var progress = SynthesisProgress()
        progress.changed[7] = candidate
        progress.changed[8] = .some(nil)
        progress.headline = figures
        progress.headlineChanged = true
        func save(rewinds: Int) async throws -> Bool {
            try await store.advance([.init(watch: "synthetic-pain", rewinds: rewinds, cursor: 40, delivered: 0, failures: 0, deadInARow: 0,
                                           synthesis: progress)]).first == true
        }
        #expect(try await save(rewinds: 0))
        let (after, state) = try #require(try await store.watchWithSynthesis("synthetic-pain"))
        #expect(after.cursor == 40 && state?.candidates == [candidate] && state?.headline == figures)

        try await store.rewind("synthetic-pain", to: 20)
        let (rewound, emptied) = try #require(try await store.watchWithSynthesis("synthetic-pain"))
        #expect(rewound.cursor == 0 && rewound.synthesisBaseline == 19, "rebuilt from the start up to the replay's start")
        #expect(emptied?.candidates.isEmpty == true && emptied?.headline == nil)
        #expect(try await save(rewinds: 0) == false, "a save from before the rewind is stale")
        #expect(try await store.watchWithSynthesis("synthetic-pain")?.1?.candidates.isEmpty == true, "and changes nothing")

        #expect(try await store.remove("synthetic-pain"))
        let left = try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM synthesis_candidates") }
        #expect(left == 0, "its set goes with it")
    }

    @Test("After a restore of the store: plain watches go on from min(cursor, head), synthesis watches rebuild without delivering, the store id is kept, old saves are stale")
    func followRestoredStore() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-notifier-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try WatchStore(directory: directory, sealer: try testSealer())
        func watch(_ name: String, cursor: Int64, synthesis: SynthesisQuestion? = nil) -> WatchStore.Watch {
            WatchStore.Watch(name: name, filter: EvidenceFilter(), stream: true, webhook: nil, secret: nil, cursor: cursor, delivered: 0,
                             failures: 0, deadInARow: 0, paused: nil, rewinds: 0, synthesis: synthesis, synthesisBaseline: synthesis == nil ? 0 : cursor)
        }
        #expect(try await store.add(watch("synthetic-ahead", cursor: 900)))
        #expect(try await store.add(watch("synthetic-behind", cursor: 300)))
        #expect(try await store.add(watch("synthetic-pain", cursor: 900, synthesis: SynthesisQuestion(condition: "fibromyalgia", outcome: "pain"))))
        var progress = SynthesisProgress()
        progress.changed[7] = StoredCandidate(recordID: 7, key: "doi:10.5555/synthetic.7", seq: 850, body: Data(#"{"title":"SYNTHETIC"}"#.utf8))
        #expect(try await store.advance([.init(watch: "synthetic-pain", rewinds: 0, cursor: 900, delivered: 0, failures: 0, deadInARow: 0,
                                               synthesis: progress)]).first == true)
        try await store.setFollowedStoreID("aaaa")
        #expect(try await store.followedStoreID() == "aaaa")

        try await store.followRestoredStore(storeID: "bbbb", head: 500)
        #expect(try await store.followedStoreID() == "bbbb")
        #expect(try await store.watch("synthetic-ahead")?.cursor == 500, "past the restored head: back to it")
        #expect(try await store.watch("synthetic-behind")?.cursor == 300, "behind it: the same changes are still to come")
        let (pain, saved) = try #require(try await store.watchWithSynthesis("synthetic-pain"))
        #expect(pain.cursor == 0 && pain.synthesisBaseline == 500 && saved?.candidates.isEmpty == true && saved?.headline == nil,
                "rebuilt from the restored log up to its head, delivering only after it")
        #expect(try await store.advance([.init(watch: "synthetic-ahead", rewinds: 0, cursor: 950, delivered: 1, failures: 0,
                                               deadInARow: 0, synthesis: nil)]).first == false, "progress made in the old history is stale")
    }

    @Test("A synthesis watch whose stored question no longer reads stays a synthesis watch, paused, saying why")
    func unreadableQuestion() async throws {
        let directory = try Self.earlierReleaseDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sealer = try testSealer()
        _ = try WatchStore(directory: directory, sealer: sealer)  // migrates
        try await DatabaseQueue(path: directory.appendingPathComponent(WatchStore.fileName).path).write { db in
            try db.execute(sql: #"UPDATE watches SET synthesis = '{"condition": 3}' WHERE name = 'synthetic-crohns'"#)
        }
        let store = try WatchStore(directory: directory, sealer: sealer)
        let watch = try #require(try await store.watch("synthetic-crohns"))
        #expect(watch.synthesis != nil)
        #expect(watch.paused?.hasPrefix("its stored synthesis question cannot be read") == true, "\(watch.paused ?? "not paused")")
    }

    @Test("A database a newer release migrated is refused, not opened")
    func newerRefused() throws {
        let directory = try Self.earlierReleaseDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        try DatabaseQueue(path: directory.appendingPathComponent(WatchStore.fileName).path).write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')")
        }
        #expect(throws: (any Error).self) { try WatchStore(directory: directory, sealer: try testSealer()) }
    }
}
