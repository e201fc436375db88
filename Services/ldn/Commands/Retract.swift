import ArgumentParser
import Foundation
import Client
import ServiceKit
import WireProtocol

struct Retract: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mark a stored record retracted; it is kept, with the reason, and followers are told.")

    @Argument(help: "The record id (as `ldn get` shows it).")
    var id: Int64

    @Option(help: "Why, e.g. \"retracted by the journal, doi:…\".")
    var reason: String

    @Option(help: "Ingest endpoint (env LDN_INGEST_ENDPOINT).")
    var ingest = ServiceName.ingest.configuredEndpoint

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Print the change as JSON.")
    var json = false

    func run() throws {
        let request = Request(type: MessageType.retract, id: Output.requestID(), body: RetractRequest(id: id, reason: reason))
        let answer = try connection.call(request, to: String(ingest.split(separator: ",").first ?? ""), service: .ingest,
                                         as: RetractReply.self)
        if json { return Output.json(answer) }
        print(answer.changed
              ? "Retracted record \(id) (\(answer.change.key)) at seq \(answer.change.seq): \(reason)"
              : "Record \(id) was already retracted: \(answer.change.reason ?? "")")
    }
}
