import CurveAuth
import Foundation
import Testing
import WireProtocol
import ZMQ

@Suite("Allow-list and roles")
struct AllowListTests {
    let alice = try! Curve.keyPair().publicKey
    let bob = try! Curve.keyPair().publicKey

    @Test("Lines are read as public-key name roles…; comments and blank lines are skipped")
    func reads() throws {
        let list = try AllowList.parse("""
            # who may connect

            \(alice) alice submitter watcher
            #\(bob) bob reader
            \(bob) robert reader
            """, source: "test")
        #expect(list.entry(forKey: alice)?.roles == [.submitter, .watcher])
        #expect(list.entry(forKey: bob)?.name == "robert")
        #expect(list.names == ["alice", "robert"])
    }

    @Test("A line it cannot read is an error naming the line, never skipped", arguments: [
        ("nonsense alice reader", "line 1: \"nonsense\" is not a CURVE public key"),
        ("KEY alice", "line 1: expected: public-key name role…; got 2 words"),
        ("KEY alice chief", "line 1: unknown role \"chief\""),
        ("KEY al ice reader", "line 1: unknown role \"ice\""),
        ("KEY a/b reader", "line 1: \"a/b\" is not a name"),
        ("KEY alice reader\nKEY alice2 reader", "line 2: this key is already on line 1"),
    ])
    func rejects(text: String, problem: String) throws {
        let text = text.replacingOccurrences(of: "KEY", with: alice)
        #expect {
            _ = try AllowList.parse(text, source: "allow-list")
        } throws: { error in
            "\(error)".hasPrefix("allow-list ") && "\(error)".contains(problem)
        }
    }

    @Test("An identity's two keys (a rotation) carry the same roles")
    func rotationKeepsRoles() throws {
        _ = try AllowList.parse("\(alice) alice reader\n\(bob) alice reader", source: "t")
        #expect(throws: AllowList.Failure.self) { try AllowList.parse("\(alice) alice reader\n\(bob) alice admin", source: "t") }
    }

    @Test("Roles nest: curator ⊃ submitter ⊃ reader; admin holds every role; watcher and the service roles stand alone")
    func roles() {
        let curator = Caller(name: "c", roles: [.curator])
        #expect(curator.has(.reader) && curator.has(.submitter) && curator.has(.curator))
        #expect(!curator.has(.watcher) && !curator.has(.ingest))
        let admin = Caller(name: "a", roles: [.admin])
        #expect(Role.allCases.allSatisfy(admin.has))
        #expect(!Caller(name: "w", roles: [.watcher]).has(.reader))
        #expect(!Caller(name: "f", roles: [.follower]).has(.ingest))
    }

    @Test("A refusal names the identity and the role it lacks")
    func forbidden() {
        let reader = Caller(name: "alice", roles: [.reader])
        #expect {
            try reader.require(.submitter, toDo: "submit")
        } throws: { error in
            guard let body = error as? ErrorBody else { return false }
            return body.code == .forbidden && body.identity == "alice" && body.role == "submitter"
                && body.message == "alice may not submit: that needs the submitter role, and alice has reader"
        }
    }

    @Test("The socket rules: the store's requests admit services and admin, its feed only followers and admin")
    func accessRules() {
        let reader = Caller(name: "r", roles: [.curator]), ingest = Caller(name: "i", roles: [.ingest])
        let follower = Caller(name: "q", roles: [.follower]), admin = Caller(name: "a", roles: [.admin])
        #expect(AccessRule.anyIdentity.admits(reader))
        #expect(!AccessRule.storeRequests.admits(reader) && AccessRule.storeRequests.admits(ingest)
                && AccessRule.storeRequests.admits(follower) && AccessRule.storeRequests.admits(admin))
        #expect(!AccessRule.storeFeed.admits(ingest) && AccessRule.storeFeed.admits(follower) && AccessRule.storeFeed.admits(admin))
    }
}
