import EvidenceModel
import Foundation
import MetaAnalysis
import Replication
import WireProtocol

/// A synthesis watch's view of the store: the records that take part in its question (as
/// `EvidenceSynthesis.isCandidate` decides, active ones only), and its figures as of the
/// last change it dealt with. Each change updates the set; a change that touched the set
/// after the baseline is pooled again, and when the figures moved it is a delivery.
///
/// Up to `baseline` (the store's head when the watch was added, or where a replay starts)
/// changes only build the set: the watch starts from the synthesis as it stood, not from
/// nothing. What changed since the last save is kept in `progress`, saved with the cursor.
struct SynthesisTracker {
    let question: SynthesisQuestion
    let baseline: Int64
    private var members: [Int64: Member]
    /// The figures as of the last change dealt with; nil until the set is built.
    private(set) var headline: SynthesisHeadline?
    /// Unsaved changes.
    private(set) var progress = SynthesisProgress()
    /// Keys of stored records that no longer read, left out (for a log line).
    let dropped: [String]

    struct Member {
        var stored: StoredCandidate
        var record: EvidenceRecord
    }

    /// The tracker as saved, at `cursor`. A stored record that no longer reads as a record
    /// (a later release validates differently) leaves the set; it is named in `dropped`.
    init(question: SynthesisQuestion, baseline: Int64, saved: SavedSynthesis, cursor: Int64) {
        self.question = question
        self.baseline = baseline
        var members: [Int64: Member] = [:]
        var dropped: [String] = []
        var progress = SynthesisProgress()
        for stored in saved.candidates {
            if let record = RecordIntake.evaluate(stored.body).record {
                members[stored.recordID] = Member(stored: stored, record: record)
            } else {
                dropped.append(stored.key)
                progress.changed[stored.recordID] = .some(nil)
            }
        }
        self.members = members
        self.dropped = dropped
        self.progress = progress
        headline = saved.headline
        startIfBuilt(at: cursor)
    }

    var count: Int { members.count }

    /// Deals with one change; returns the move to deliver, if it moved the synthesis.
    /// A change whose record cannot be read leaves the set as it was.
    mutating func apply(_ change: ReadChange) -> SynthesisMove? {
        let seq = change.header.seq
        defer { startIfBuilt(at: seq) }
        guard let record = change.record, change.headerRead else { return nil }
        let id = change.header.recordID
        if change.header.status == .active && EvidenceSynthesis.isCandidate(record, for: question) {
            let stored = StoredCandidate(recordID: id, key: change.header.key, seq: seq, body: change.body)
            members[id] = Member(stored: stored, record: record)
            progress.changed[id] = stored
        } else if members[id] != nil {
            members[id] = nil
            progress.changed[id] = .some(nil)
        } else {
            return nil  // neither was nor is in the set
        }
        guard seq > baseline, let before = headline else { return nil }
        let after = figures()
        guard after.moved(from: before) else { return nil }
        setHeadline(after)
        return SynthesisMove(question: question, before: before, after: after)
    }

    /// Once the set holds everything up to the baseline, its figures are the starting point.
    private mutating func startIfBuilt(at seq: Int64) {
        if headline == nil && seq >= baseline { setHeadline(figures()) }
    }

    private mutating func setHeadline(_ figures: SynthesisHeadline) {
        headline = figures
        progress.headline = figures
        progress.headlineChanged = true
    }

    /// The synthesis of the set now: the studies in record-id order, so that the same set
    /// always pools the same way.
    func figures() -> SynthesisHeadline {
        let candidates = members.keys.sorted().map { id in
            let member = members[id]!
            return EvidenceSynthesis.Candidate(key: member.stored.key, record: member.record)
        }
        // The headline only: leave-one-out would be k more fits per change (docs/PERFORMANCE.md).
        return EvidenceSynthesis.synthesize(question, candidates: candidates, sensitivity: false).headline
    }

    /// The changes are saved: what changes next is new progress.
    mutating func saved() { progress = SynthesisProgress() }
}
