import ArgumentParser
import CurveAuth
import Foundation
import ServiceKit
import WireProtocol

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make and manage a deployment's CURVE keys and its allow-list (docs/SECURITY.md).",
        discussion: """
            Services re-read the allow-list on SIGHUP (docker compose kill -s HUP …): added, rotated and revoked \
            keys take effect without a restart, and without dropping connections.
            """,
        subcommands: [KeysInit.self, KeysAdd.self, KeysList.self, KeysRotate.self, KeysRevoke.self])
}

extension Role: ExpressibleByArgument {}

/// The deployment's key folder, for the commands that change it.
struct DeploymentFolder: ParsableArguments {
    @Option(help: ArgumentHelp("The deployment's key folder (env LDN_KEYS).", valueName: "dir"))
    var keys: String?

    var directory: KeyDirectory {
        get throws {
            guard let path = keys ?? Setting.optional("LDN_KEYS") else {
                throw ValidationError("which key folder? Pass --keys DIR or set LDN_KEYS (ldn keys init DIR makes one)")
            }
            return KeyDirectory(url: URL(fileURLWithPath: path))
        }
    }
}

struct KeysInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Make a deployment's keys: one pair per service, an admin, and the allow-list.")

    @Argument(help: "A new or empty folder; it is made with mode 0700.")
    var folder: String

    func run() throws {
        let directory = try KeyDirectory.create(at: URL(fileURLWithPath: folder))
        print("made \(folder):")
        for name in KeyDirectory.services.map(\.name) + ["admin"] {
            print("  \(name).key, \(name).key_secret")
        }
        print("  \(KeyDirectory.allowListName)  (\(try AllowList.read(from: directory.allowListURL).entries.count) identities)")
        print("  webhook-secrets.key  (the notifier seals webhook secrets with it)")
        print("Start each service with --keys \(folder) (env LDN_KEYS); run ldn commands with --keys \(folder) --identity admin.")
    }
}

struct KeysAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Make a key pair for a new identity and put it on the allow-list.",
        discussion: """
            With --bundle, also writes a folder to hand to that person: their secret key and the public keys of \
            the services they use; they pass it to ldn with --keys.
            """)

    @Argument(help: "The identity's name: 1–64 letters, digits, '-', '_', '.', '@'.")
    var name: String

    @Option(name: .customLong("role"), parsing: .upToNextOption,
            help: "Its roles: reader, submitter, curator, watcher, admin (services: ingest, follower). Repeatable.")
    var roles: [Role] = []

    @Option(help: ArgumentHelp("Also write a folder with what this identity needs to connect.", valueName: "dir"))
    var bundle: String?

    @OptionGroup var deployment: DeploymentFolder

    func validate() throws {
        guard !roles.isEmpty else { throw ValidationError("give at least one --role") }
    }

    func run() throws {
        let directory = try deployment.directory
        let certificate = try directory.add(name: name, roles: Set(roles))
        print("\(name): \(certificate.publicKey) \(roles.map(\.rawValue).joined(separator: " "))")
        print("wrote \(name).key and \(name).key_secret in \(directory.url.path); the allow-list now lists \(name).")
        if let bundle {
            let target = URL(fileURLWithPath: bundle)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try certificate.write(to: target)
            for service in ["ingest", "query", "notifier"] {
                try CurveCertificate(name: service, publicKey: try directory.publicKey(of: service), secretKey: nil).write(to: target)
            }
            print("wrote \(bundle): \(name).key_secret and the public keys of ingest, query and notifier; "
                  + "hand it over privately; its owner runs ldn commands with --keys \(bundle).")
        }
        print("Services take the new list on SIGHUP.")
    }
}

struct KeysList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show who is on the allow-list.")

    @OptionGroup var deployment: DeploymentFolder

    func run() throws {
        let directory = try deployment.directory
        let list = try AllowList.read(from: directory.allowListURL)
        var table = Table("NAME", "ROLES", "PUBLIC KEY")
        for entry in list.entries {
            table.add(entry.name, entry.roles.sorted().map(\.rawValue).joined(separator: " "), entry.publicKey)
        }
        print(table.render())
    }
}

struct KeysRotate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate", abstract: "Give an identity a new key beside its current one, so that it can move with no failed request.",
        discussion: "The old key stays valid until revoked; its files are kept as NAME.key.old and NAME.key_secret.old.")

    @Argument var name: String
    @OptionGroup var deployment: DeploymentFolder

    func run() throws {
        let (new, old) = try deployment.directory.rotate(name: name)
        print("\(name) now has a second key: \(new.publicKey)")
        print("1. Send SIGHUP to the services. 2. Give \(name) the new \(name).key_secret. 3. Once it uses it:")
        for key in old { print("   ldn keys revoke \(name) --key '\(key)'") }
    }
}

struct KeysRevoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Take an identity (or one of its keys) off the allow-list.",
        discussion: "After SIGHUP, requests on connections the key opened are answered forbidden, and it cannot connect again.")

    @Argument var name: String

    @Option(help: "Only this public key (after a rotation).")
    var key: String?

    @OptionGroup var deployment: DeploymentFolder

    func run() throws {
        let removed = try deployment.directory.revoke(name: name, key: key)
        for key in removed { print("revoked \(name) \(key)") }
        print("Services drop it on SIGHUP.")
    }
}
