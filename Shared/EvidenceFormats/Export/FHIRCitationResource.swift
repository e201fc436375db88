import EvidenceModel

/// The publication behind a record as an R5 `Citation` resource: what identifies and
/// describes the cited article lives in `citedArtifact`; the resource's own `title` and
/// `status` describe this citation record.
enum FHIRCitationResource {
    static func make(id: String, status: String, record: EvidenceRecord) -> JSONValue {
        FHIRObject.build { citation in
            citation.add("resourceType", "Citation")
            citation.add("id", id)
            citation.add("title", record.title)
            citation.add("status", status)
            citation.add("citedArtifact", citedArtifact(record))
        }
    }

    static func citedArtifact(_ record: EvidenceRecord) -> JSONValue {
        FHIRObject.build { artifact in
            artifact.add("identifier", identifiers(record.identifiers))
            artifact.add("title", [["text": .string(record.title)]])
            // The record's summary is the closest thing it has to an abstract.
            artifact.add("abstract", [FHIRObject.build { $0.add("text", record.summary) }])
            artifact.add("publicationForm", [FHIRObject.build { form in
                form.add("publishedIn", FHIRObject.build { $0.add("title", record.journal) })
                // The year the issue came out (MEDLINE's PubDate), which is what records hold;
                // `articleDate` would claim the article's own (electronic) release date.
                form.add("publicationDateText", String(record.year))
            }])
            artifact.add("webLocation", [FHIRObject.build { $0.add("url", record.url) }])
            artifact.add("contributorship", FHIRObject.build { $0.add("entry", authors(record.authors)) })
        }
    }

    static func identifiers(_ identifiers: Identifiers) -> [JSONValue] {
        [(FHIRCodes.doiSystem, identifiers.doi),
         (FHIRCodes.pubMedSystem, identifiers.pmid),
         (FHIRCodes.clinicalTrialsSystem, identifiers.nct)]
            .compactMap { system, value in value.map { ["system": .string(system), "value": .string($0)] } }
    }

    /// Authors in their published order. R5 requires a `contributor` Reference; names
    /// without Practitioner resources become references that only display the name.
    static func authors(_ names: [String]) -> [JSONValue] {
        names.enumerated().map { index, name in
            ["contributor": ["display": .string(name)], "rankingOrder": .number(.integer(Int64(index + 1)))]
        }
    }
}
