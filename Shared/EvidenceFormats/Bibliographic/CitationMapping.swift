import EvidenceModel
import Foundation
import WireProtocol

/// Turns a citation read from a bibliographic file into an evidence record to submit, with
/// an account of what was mapped, inferred, dropped and left unresolved.
///
/// Title and year must come from the source. Design and conditions are worked out (from a
/// registry's design, publication types, MeSH headings, keywords, registry conditions, and
/// last the title); when they cannot be, the record is rejected with the reason — or, with
/// `allowPartial`, submitted with `design: other` and condition `other:unclassified`, its
/// provenance listing what is unresolved, so that the store keeps it as `needs-review`.
enum CitationMapping {
    static let unclassifiedCondition = ConditionVocabulary.otherPrefix + "unclassified"

    static func record(_ citation: Citation, number: Int, file: String, format: InputFormat, allowPartial: Bool) -> SourceRecord {
        var mapping = Mapping(citation: citation, format: format, allowPartial: allowPartial)
        mapping.run()
        let provenance = Provenance(sourceFile: file, format: format.rawValue, recordNumber: number, line: citation.line,
                                    original: citation.original, unresolved: mapping.unresolved.isEmpty ? nil : mapping.unresolved)
        return SourceRecord(json: JSONWriter.data(.object(mapping.members)), provenance: provenance,
                            problems: mapping.problems, notes: mapping.notes)
    }

    /// One citation's mapping, built up field by field.
    private struct Mapping {
        let citation: Citation
        let format: InputFormat
        let allowPartial: Bool
        var members: [(key: String, value: JSONValue)] = []
        var notes: [ImportNote] = []
        var problems: [Problem] = []
        var unresolved: [String] = []

        init(citation: Citation, format: InputFormat, allowPartial: Bool) {
            self.citation = citation
            self.format = format
            self.allowPartial = allowPartial
        }

        mutating func run() {
            var carried: [String] = []
            func carry(_ key: String, _ value: JSONValue?, as label: String) {
                guard let value else { return }
                members.append((key, value))
                carried.append(label)
            }
            let title = citation.title?.trimmedEdges.nonEmpty
            carry("title", title.map(JSONValue.string), as: "title")
            if title == nil { problems.append(Problem(field: "title", message: "the \(format.displayName) record has no title")) }
            carry("year", citation.year.map { .number(.integer(Int64($0))) }, as: "year \(citation.year ?? 0)")
            if citation.year == nil {
                problems.append(Problem(field: "year", message: "the \(format.displayName) record has no publication year"))
            }
            if !citation.authors.isEmpty {
                carry("authors", .array(citation.authors.map(JSONValue.string)),
                      as: citation.authors.count == 1 ? "1 author" : "\(citation.authors.count) authors")
            }
            carry("journal", citation.journal?.nonEmpty.map(JSONValue.string), as: "journal")
            var identifiers: [(key: String, value: JSONValue)] = []
            for (key, value) in [("doi", citation.doi), ("pmid", citation.pmid), ("nct", citation.nct)] {
                if let value = value?.nonEmpty {
                    identifiers.append((key, .string(value)))
                    carried.append(key == "nct" ? value : "\(key.uppercased()) \(value)")
                }
            }
            if !identifiers.isEmpty { members.append(("identifiers", .object(identifiers))) }
            carry("url", citation.url?.nonEmpty.map(JSONValue.string), as: "url")
            carry("participants", citation.participants.map { .number(.integer(Int64($0))) }, as: "participants \(citation.participants ?? 0)")
            carry("comparator", citation.comparator.map(JSONValue.string), as: "comparator \(citation.comparator ?? "")")
            carry("summary", citation.abstract?.nonEmpty.map(JSONValue.string),
                  as: "summary from the abstract (\(citation.abstract?.count ?? 0) characters)")
            members.append(("source", .string("\(format.displayName) record")))
            notes.append(ImportNote(.mapped, carried.joined(separator: ", ")))

            mapDesign()
            mapConditions()
            for dropped in citation.dropped { notes.append(ImportNote(.dropped, dropped.description)) }
        }

        mutating func mapDesign() {
            if let finding = DesignInference.design(of: citation) {
                members.append(("design", .string(finding.design.rawValue)))
                notes.append(ImportNote(.inferred, "design \(finding.design.rawValue) from \(finding.basis)"))
                return
            }
            let given = citation.publicationTypes.isEmpty
                ? "no publication type"
                : "publication type " + citation.publicationTypes.map { "\"\($0)\"" }.joined(separator: ", ")
            resolveGap(field: "design", value: .string(StudyDesign.other.rawValue), placeholder: "other",
                       reason: "could not be determined (\(given), no design words in the title)")
        }

        mutating func mapConditions() {
            var codes: [String] = [], unmapped: [String] = []
            for subject in citation.subjects {
                if let concept = ConditionVocabulary.concept(for: subject) {
                    if !codes.contains(concept.code) {
                        codes.append(concept.code)
                        notes.append(ImportNote(.inferred, "condition \(concept.code) from subject \"\(subject)\""))
                    }
                } else if !unmapped.contains(subject) {
                    unmapped.append(subject)
                }
            }
            if codes.isEmpty, let title = citation.title {
                for concept in ConditionVocabulary.concepts(mentionedIn: title) {
                    codes.append(concept.code)
                    notes.append(ImportNote(.inferred, "condition \(concept.code) from the title"))
                }
            }
            if !unmapped.isEmpty {
                notes.append(ImportNote(.dropped, "subjects that name no condition in the vocabulary: " + unmapped.joined(separator: "; ")))
            }
            if !codes.isEmpty {
                members.append(("conditions", .array(codes.map(JSONValue.string))))
                return
            }
            resolveGap(field: "conditions", value: .array([.string(unclassifiedCondition)]), placeholder: unclassifiedCondition,
                       reason: "none found (\(citation.subjects.isEmpty ? "no subject headings or keywords" : "no subject names one") and none in the title)")
        }

        /// A required field the source does not settle: rejected, or filled in for review.
        mutating func resolveGap(field: String, value: JSONValue, placeholder: String, reason: String) {
            guard allowPartial else {
                problems.append(Problem(field: field, message: "\(reason); add it to the record, or import with --allow-partial to keep it for review"))
                return
            }
            members.append((field, value))
            unresolved.append("\(field): \(reason); stored as \(placeholder)")
            notes.append(ImportNote(.unresolved, "\(field) \(reason); stored as \(placeholder) for review"))
        }
    }
}

extension String {
    /// Nil for an empty string, so that empty fields are left out rather than sent.
    var nonEmpty: String? { isEmpty ? nil : self }
}
