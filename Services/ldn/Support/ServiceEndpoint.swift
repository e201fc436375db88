import ArgumentParser
import Client
import ServiceKit
import WireProtocol

/// The one service a command asks, and how: its endpoint flag (`--query`, `--notifier`;
/// the service's `LDN_*_ENDPOINT` variable is the fallback) and the connection options.
struct ServiceEndpoint<Target: EndpointTarget>: ParsableArguments {
    @Option(name: .customLong(Target.service.optionName),
            help: ArgumentHelp("\(Target.service.rawValue.capitalized) endpoint (env \(Target.service.variable))."))
    var endpoint = Target.service.configuredEndpoint

    @OptionGroup var connection: ConnectionOptions

    /// Sends one request with a fresh id and decodes the answer (see `ConnectionOptions.call`).
    func call<Body: Decodable>(_ type: String, _ body: some Encodable, as reply: Body.Type, condition: String? = nil) throws -> Body {
        try connection.call(Request(type: type, id: Output.requestID(), body: body), to: endpoint, service: Target.service,
                            as: reply, condition: condition)
    }
}

/// A service a `ServiceEndpoint` points at.
protocol EndpointTarget {
    static var service: ServiceName { get }
}

enum QueryTarget: EndpointTarget {
    static var service: ServiceName { .query }
}

enum NotifierTarget: EndpointTarget {
    static var service: ServiceName { .notifier }
}

enum HarvesterTarget: EndpointTarget {
    static var service: ServiceName { .harvester }
}

typealias QueryEndpoint = ServiceEndpoint<QueryTarget>
typealias NotifierEndpoint = ServiceEndpoint<NotifierTarget>
typealias HarvesterEndpoint = ServiceEndpoint<HarvesterTarget>
