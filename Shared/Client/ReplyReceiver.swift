import Foundation
import WireProtocol
import ZMQ

extension Socket {
    /// Sends a request as a DEALER that behaves like REQ: an empty delimiter frame first.
    func sendRequest(_ request: Request) throws {
        try send([Data()] + request.frames)
    }

    /// Reads one waiting reply, whichever request it answers; nil when none is waiting.
    func receiveAnyReply() throws -> Reply? {
        guard let frames = try receive(dontWait: true) else { return nil }
        let body = frames.first?.isEmpty == true ? frames.dropFirst() : frames[...]
        return Reply.parse(body)
    }

    /// Reads one waiting reply; nil when none is waiting or it answers another request.
    func receiveReply(to id: String) throws -> Reply? {
        guard let reply = try receiveAnyReply(), reply.requestID == id else { return nil }
        return reply
    }
}
