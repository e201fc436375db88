import ArgumentParser
import EvidenceFormats
import EvidenceModel
import Foundation
import Client
import ServiceKit
import WireProtocol

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the studies that match a filter as JSON Lines, CSV, a FHIR R5 Bundle, or effect sizes for R (escalc).",
        discussion: """
            jsonl and csv are the forms `ldn submit` reads, so an export loads back unchanged (its records come back as duplicates). \
            fhir writes a FHIR R5 Bundle (type collection) with a Citation and an Evidence resource per study: \
            identifiers, design (study-design codes), effect estimates as statistics (statistic-type codes for SMD, MD, RR, OR, HR, RD, \
            proportion) with their 95% intervals and p values, and the GRADE certainty. \
            escalc writes one CSV row per outcome with effect data, in the layout of R metafor's escalc: key, study, conditions, \
            outcome, instrument, timepoint_weeks, design, measure, yi and vi (log scale for RR, OR, HR), the arm numbers \
            (ai, n1i, ci, n2i; m1i, sd1i, m2i, sd2i) and a note saying how the numbers were used or why they give no effect \
            size; `rma(yi, vi, data = read.csv(FILE))` pools it. Filters are those of `ldn query`.
            """)

    enum Format: String, LenientArgument {
        case jsonl, csv, fhir, escalc
    }

    @Option(help: "jsonl, csv, fhir or escalc.")
    var format: Format = .jsonl

    @Option(help: "escalc only: the effect measure for every outcome (RR, OR, RD, MD, SMD, HR); default: each outcome's own (RR for events, MD for means, else the reported effect's).")
    var measure: MeasureArgument?

    @OptionGroup var filter: FilterOptions

    @Option(name: [.short, .long], help: "Write to this file instead of standard output.")
    var output: String?

    @OptionGroup var query: QueryEndpoint

    static let pageSize = 500

    func validate() throws {
        if measure != nil, format != .escalc { throw ValidationError("--measure is for --format escalc") }
    }

    func run() throws {
        var hits: [Hit] = []
        var total = 0
        repeat {
            // Oldest record first, so that pages stay put while new records arrive.
            let answer = try query.call(MessageType.query, QueryRequest(filter: filter.filter(), sort: .id, limit: Self.pageSize,
                                                                         offset: hits.count),
                                        as: QueryReply.self, condition: filter.condition)
            if hits.isEmpty { QueryOutput.noteStaleness(answer.replica) }
            total = answer.total
            hits += answer.hits
            if answer.hits.isEmpty { break }
        } while hits.count < total

        let data = Self.render(hits, as: format, measure: measure?.effectType)
        if let output {
            guard FileManager.default.createFile(atPath: output, contents: data) else {
                Output.error("cannot write \(output)")
                throw ExitCode(2)
            }
            Output.error("exported \(hits.count) stud\(hits.count == 1 ? "y" : "ies") as \(format.rawValue) to \(output)")
        } else {
            FileHandle.standardOutput.write(data)
        }
    }

    static func render(_ hits: [Hit], as format: Format, measure: EffectType? = nil) -> Data {
        switch format {
        case .jsonl:
            return hits.reduce(into: Data()) { data, hit in data += hit.recordJSON + Data("\n".utf8) }
        case .csv:
            return Data(CSVRecords.table(hits.compactMap { try? JSONParser.parse($0.recordJSON) }).utf8)
        case .fhir:
            let entries = hits.compactMap { hit in
                hit.record.map { FHIRExportEntry(recordID: hit.id, record: $0, status: hit.status) }
            }
            return JSONWriter.data(FHIRBundle.make(entries, generatedAt: Date())) + Data("\n".utf8)
        case .escalc:
            let entries = hits.compactMap { hit in hit.record.map { EscalcTable.Entry(key: hit.key, record: $0) } }
            return Data(EscalcTable.table(entries, measure: measure).utf8)
        }
    }
}
