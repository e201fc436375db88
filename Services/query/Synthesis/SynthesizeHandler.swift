import EvidenceModel
import Foundation
import Logging
import MetaAnalysis
import WireProtocol

extension QueryRoutes {
    /// `synthesize`: pools one condition's studies on one outcome from the replica's records.
    /// An answer is reused until the replica applies a change (`SynthesisCache`), as the JSON it
    /// was sent as; the `replica` state beside it is always the current one.
    @Sendable func synthesize(_ request: Request, logger: Logger) async throws -> Reply {
        let question = try request.decodeBody(SynthesizeRequest.self).resolved()
        let (state, history) = follower.stateInHistory
        if let cached = syntheses.answer(to: question, at: state.applied, history: history) {
            stats.add("synthesize.cached")
            return Self.reply(request, synthesis: cached, replica: state)
        }
        let started = ContinuousClock.now
        let candidates = try await replica.synthesisCandidates(condition: question.condition, outcome: question.outcome)
        let read = ContinuousClock.now
        // Pooling and encoding grow with the studies (leave-one-out pools k times): off the
        // cooperative pool, so that they never hold up other requests.
        let (synthesis, encoded, pooled) = try await offPool(on: .global(qos: .userInitiated)) {
            let synthesis = EvidenceSynthesis.synthesize(question, candidates: candidates)
            let pooled = ContinuousClock.now
            return (synthesis, Result { try WireJSON.encodeChecked(synthesis.forWire) }, pooled)
        }
        let json: Data
        do {
            json = try encoded.get()
        } catch {
            logger.error("synthesis not answerable", metadata: ["synthesis.condition": "\(question.condition)",
                                                                 "synthesis.outcome": "\(question.outcome)", "error": "\(error)"])
            throw ErrorBody(code: .internal, message: "the synthesis of \(question.outcome) in \(question.condition) "
                            + "came out with a value JSON cannot carry (\(error)); the service logged it")
        }
        syntheses.store(json, for: question, at: state.applied, history: history)
        stats.add("synthesize.computed")
        logger.debug("synthesized", metadata: [
            "synthesis.condition": "\(question.condition)", "synthesis.outcome": "\(question.outcome)",
            "synthesis.candidates": "\(candidates.count)", "synthesis.k": "\(synthesis.included.count)",
            "read_ms": "\(Self.milliseconds(read - started))", "pool_ms": "\(Self.milliseconds(pooled - read))",
            "encode_ms": "\(Self.milliseconds(ContinuousClock.now - pooled))", "reply_bytes": "\(json.count)"])
        return Self.reply(request, synthesis: json, replica: state)
    }

    /// A `SynthesizeReply` around a synthesis already in JSON: the body `WireJSON.encode` makes
    /// of it (members in declaration order), without encoding the synthesis again.
    static func reply(_ request: Request, synthesis: Data, replica: ReplicaState) -> Reply {
        var body = Data("{\"synthesis\":".utf8)
        body.append(synthesis)
        body.append(contentsOf: ",\"replica\":".utf8)
        body.append(WireJSON.encode(replica))
        body.append(UInt8(ascii: "}"))
        return Reply(type: request.type, requestID: request.id, body: body)
    }

    static func milliseconds(_ duration: Duration) -> String { String(format: "%.2f", duration.milliseconds) }
}

extension Synthesis {
    /// The synthesis as `synthesize` answers it: each leave-one-out result without its
    /// per-study rows, which repeat `included` less one study (k² rows in all; a reader
    /// needs each result's pooled figures only).
    var forWire: Synthesis {
        var trimmed = self
        for index in trimmed.leaveOneOut.indices { trimmed.leaveOneOut[index].result.studies = [] }
        return trimmed
    }
}
