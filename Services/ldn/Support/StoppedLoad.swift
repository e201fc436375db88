import EvidenceFormats
import Foundation
import WireProtocol

/// What `ldn submit` says when it stops part-way: what the store committed, up to which
/// record of which file, and how to go on.
struct StoppedLoad {
    let records: [SourceRecord]
    /// The records sent (or meant to be sent), in file order.
    let sent: [Int]
    let results: [RecordResult?]
    /// The load was refused for its key (not on the allow-list, or without the role), not
    /// stopped by a set that is down: waiting for the set will not help.
    var refusedKey = false

    func print() {
        let answered = sent.filter { results[$0] != nil }
        guard !answered.isEmpty else {
            Output.error("nothing was stored: none of the \(sent.count) records was confirmed. "
                         + (refusedKey ? "Run the same command again with a key that may submit."
                                       : "Run the same command again once the set is up."))
            return
        }
        let counts = RecordOutcome.countsText { outcome in answered.count { results[$0]?.outcome == outcome } }
        // The records committed without a gap from the first one: where a re-run picks up new work.
        let prefix = sent.prefix { results[$0] != nil }
        var place = prefix.last.map { "through \(records[$0].reference)" } ?? "none of the first batch"
        if answered.count > prefix.count { place += " (and \(answered.count - prefix.count) later records)" }
        Output.error("done before stopping: \(answered.count) of \(sent.count) records (\(counts)), "
                     + "\(place); \(sent.count - answered.count) not confirmed.")
        Output.error("to go on, run the same command again: records already stored are recognised and come back as "
                     + "duplicates, so nothing is stored twice.")
    }
}
