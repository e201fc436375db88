import EvidenceModel
import Foundation
import WireProtocol

/// A stored record to export, with the id and status the store gives it.
public struct FHIRExportEntry: Sendable, Hashable {
    public var recordID: Int64
    public var record: EvidenceRecord
    public var status: RecordStatus

    public init(recordID: Int64, record: EvidenceRecord, status: RecordStatus = .active) {
        self.recordID = recordID
        self.record = record
        self.status = status
    }
}

/// Evidence records as one FHIR R5 `Bundle` of type `collection`: for each record, in the
/// order given, a `Citation` (the publication) and then an `Evidence` (its findings) that
/// cites it. Built as a `JSONValue` whose members keep their order, so the same entries and
/// time always give the same bytes through `JSONWriter`.
public enum FHIRBundle {
    /// Where every entry's `fullUrl` starts. A collection needs absolute fullUrls, and the
    /// RESTful form `<base>/Citation/ldn-7` is what lets each Evidence's relative reference
    /// `Citation/ldn-7` resolve inside the bundle (FHIR resolves it against the entry's base).
    /// No server serves these resources, so the host is under `.invalid`, which RFC 2606
    /// reserves never to resolve; `urn:uuid:` would have needed invented UUIDs instead.
    public static let baseURL = "https://ldn-evidence.invalid/fhir"

    public static func make(_ entries: [FHIRExportEntry], generatedAt: Date) -> JSONValue {
        FHIRObject.build { bundle in
            bundle.add("resourceType", "Bundle")
            bundle.add("type", "collection")
            bundle.add("timestamp", Timestamp.string(generatedAt))
            bundle.add("entry", entries.flatMap(resources))
        }
    }

    /// `ldn-7`: the same id for both resources of a record; their types tell them apart.
    public static func resourceID(recordID: Int64) -> String {
        "ldn-\(recordID)"
    }

    static func resources(for entry: FHIRExportEntry) -> [JSONValue] {
        let id = resourceID(recordID: entry.recordID)
        let status = FHIRCodes.publicationStatus(entry.status)
        let citation = "Citation/" + id
        return [
            bundleEntry(citation, FHIRCitationResource.make(id: id, status: status, record: entry.record)),
            bundleEntry("Evidence/" + id,
                        FHIREvidenceResource.make(id: id, status: status, record: entry.record, citation: citation)),
        ]
    }

    static func bundleEntry(_ path: String, _ resource: JSONValue) -> JSONValue {
        ["fullUrl": .string(baseURL + "/" + path), "resource": resource]
    }
}
