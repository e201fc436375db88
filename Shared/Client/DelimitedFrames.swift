import Foundation
import WireProtocol
import ZMQ

extension Request {
    /// The frames a DEALER sends to behave like REQ: an empty delimiter first.
    var delimitedFrames: Multipart { [Data()] + frames }
}

extension Reply {
    /// Reads a reply as a DEALER receives it, after the empty delimiter if there is one;
    /// nil when the frames are not a reply.
    init?(delimited frames: Multipart) {
        guard let reply = Reply.parse(frames.first?.isEmpty == true ? frames.dropFirst() : frames[...]) else { return nil }
        self = reply
    }

    /// The error of an error reply (or a stand-in when its body is unreadable).
    public var errorBody: ErrorBody {
        (try? WireJSON.decode(ErrorBody.self, from: body))
            ?? ErrorBody(code: .internal, message: String(decoding: body, as: UTF8.self))
    }
}
