/// Why the store cannot start or cannot write. Each reads as one sentence an operator can act on.
public enum StorageError: Error, CustomStringConvertible {
    case directoryNotWritable(path: String, reason: String)
    case directoryInUse(path: String)
    case cannotOpen(path: String, reason: String)
    case damaged(path: String, problem: String)
    case newerSchema(path: String, unknown: [String])
    /// For `verify`, which never migrates: a database this release has not upgraded yet.
    case olderSchema(path: String, missing: [String])
    /// A change whose row cannot be read at all (not just its JSON): tampering or a bug.
    case unreadableChange(seq: Int64, reason: String)
    /// `restore` into a directory that already holds a database, without `--force`.
    case wouldReplace(path: String, what: String)

    public var description: String {
        switch self {
        case let .directoryNotWritable(path, reason):
            "data directory \(path) is not writable (\(reason)); fix its permissions or point --data-dir / LDN_DATA_DIR elsewhere"
        case let .directoryInUse(path):
            "data directory \(path) is in use by another evidence-store; there must be exactly one writer"
        case let .cannotOpen(path, reason):
            "cannot open database \(path): \(reason)"
        case let .damaged(path, problem):
            "database \(path) is damaged (\(problem)); restore it from a backup"
        case let .newerSchema(path, unknown):
            "database \(path) was written by a newer evidence-store (unknown migrations: \(unknown.joined(separator: ", "))); upgrade this one"
        case let .olderSchema(path, missing):
            "database \(path) predates this evidence-store (migrations not yet applied: \(missing.joined(separator: ", "))); start the store once to upgrade it"
        case let .wouldReplace(path, what):
            "data directory \(path) already holds a database: \(what); restore with --force to replace it (it is kept beside as evidence-replaced-<time>.sqlite)"
        case let .unreadableChange(seq, reason):
            "change \(seq) cannot be read (\(reason)); run `ldn-evidence-store verify` and restore the database from a backup"
        }
    }
}
