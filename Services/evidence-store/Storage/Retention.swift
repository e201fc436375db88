import Foundation

/// Names of backups in a backup directory, and keeping only the newest of them.
public enum Retention {
    /// `evidence-<UTC time>-seq<head>.sqlite`: sorting by name sorts by time.
    static func fileName(at date: Date, head: Int64) -> String {
        "evidence-\(stamp(date))-seq\(head).sqlite"
    }

    /// `20261130T190000Z`, for file names.
    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// Whether `name` is a backup's (only those are counted and removed).
    static func isBackup(_ name: String) -> Bool {
        name.wholeMatch(of: /evidence-\d{8}T\d{6}Z-seq\d+\.sqlite/) != nil
    }

    /// Removes all but the newest `keep` backups in `directory`; returns the paths removed.
    /// Other files there are never touched.
    public static func prune(_ directory: URL, keep: Int) throws(StorageError) -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw .directoryNotWritable(path: directory.path, reason: (error as NSError).localizedDescription)
        }
        let old = names.filter(isBackup).sorted(by: >).dropFirst(max(keep, 0))
        var removed: [String] = []
        for name in old {
            let path = directory.appendingPathComponent(name).path
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw .directoryNotWritable(path: directory.path, reason: "cannot remove the old backup \(name): \((error as NSError).localizedDescription)")
            }
            removed.append(path)
        }
        return removed
    }
}
