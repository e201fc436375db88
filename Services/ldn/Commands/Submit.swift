import ArgumentParser
import EvidenceFormats
import EvidenceModel
import Foundation
import Client
import ServiceKit
import WireProtocol

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load studies from JSON, JSON Lines, CSV, RIS, MEDLINE (.nbib), PubMed XML or ClinicalTrials.gov JSON files.",
        discussion: """
            The format comes from each file's extension (.json, .jsonl/.ndjson, .csv, .ris, .nbib/.medline, .xml) and its \
            content (ClinicalTrials.gov API v2 JSON is told from record JSON by its protocolSection); --format overrides.
            Bibliographic records are mapped to evidence records: identifiers, title, authors, year, journal, abstract \
            (as the summary); the design from the registry's design, publication types or the title; conditions from MeSH \
            headings, keywords or registry conditions through the vocabulary, else the title. --dry-run shows the mapping \
            of every record and sends nothing. A record whose design or conditions cannot be worked out is rejected, or with \
            --allow-partial stored as needs-review (kept out of queries and summaries until a complete version is submitted).
            CSV files have a header row; record columns: \(CSVRecords.recordColumns.joined(separator: ", ")). \
            authors, conditions and adverse_events take several values separated by ';'; outcomes is a JSON array. \
            An extraction sheet adds outcome columns: \(CSVRecords.outcomeColumns.joined(separator: ", ")) \
            (t_ the treatment arm, c_ the control arm). Each row that fills them is one outcome; rows of one study (the same \
            DOI, else PMID, else NCT id, else title, year and first author, or a row with these left empty, which continues \
            the row above) make one record, whose other columns must agree. A cell that is not what its column holds is an \
            error naming its line and column. See docs/FORMATS.md.
            Batches are retried with the same request ids, so an interrupted load can simply be run again: \
            records already stored come back as duplicates. When the set cannot take a batch (a service down, or \
            unavailable after the retries), the load stops at once and says what was stored and how to go on.
            Exit status: 0 all records stored (or already there), 1 some rejected or in conflict, 2 a file could not be read or the set could not take a batch, 64 a wrong command line.
            """)

    @Argument(help: "Files to load.")
    var files: [String]

    @Option(help: "Read every file as this format: \(InputFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: InputFormat?

    @Flag(help: "Read and check the files, print per record what was mapped, inferred and dropped, and send nothing.")
    var dryRun = false

    @Flag(help: "Keep imported records whose design or conditions cannot be worked out, as needs-review, instead of rejecting them.")
    var allowPartial = false

    @Option(help: "Ingest endpoint(s), comma-separated: batches are spread over every ingest that is up (env LDN_INGEST_ENDPOINT).")
    var ingest = ServiceName.ingest.configuredEndpoint

    @Option(help: "Records per request.")
    var batchSize = 250

    @Option(help: "Requests in flight at once.")
    var inFlight = 6

    @Option(help: "Request id for this load; batches are sent as ID-1, ID-2… Every service logs it (at DEBUG), so `grep ID` follows the records. Default: a random id.")
    var requestID: String?

    @Option(help: "Who is submitting, kept with each record.")
    var submitter = "\(Output.userName)@\(ProcessInfo.processInfo.hostName)"

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "Print one JSON document with every record's result.")
    var json = false

    func validate() throws {
        guard (1...2000).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 2000") }
        guard (1...64).contains(inFlight) else { throw ValidationError("--in-flight must be between 1 and 64") }
    }

    func run() throws {
        var records: [SourceRecord] = []
        for file in files {
            do {
                let contents = try SourceFile.read(path: file, format: format, allowPartial: allowPartial)
                contents.warnings.forEach { Output.error("warning \($0)") }
                records += contents.records
            } catch {
                Output.error("cannot read \(error); nothing was sent")
                throw ExitCode(2)
            }
        }
        if dryRun {
            let report = DryRunReport(records: records)
            if json { Output.json(report.document) } else { report.print() }
            if report.rejected > 0 { throw ExitCode(1) }
            return
        }
        let sendable = records.indices.filter { records[$0].problems.isEmpty }
        let batches = stride(from: 0, to: sendable.count, by: batchSize).map { Array(sendable[$0..<min($0 + batchSize, sendable.count)]) }
        let run = requestID ?? Output.requestID()
        let requests = batches.enumerated().map { number, batch in
            Request(type: MessageType.submit, id: "\(run)-\(number + 1)",
                    body: SubmitRequest(submitter: submitter, provenance: batch.map { records[$0].provenance }),
                    attachments: batch.map { records[$0].json })
        }

        var results = [RecordResult?](repeating: nil, count: records.count)
        for index in records.indices where !records[index].problems.isEmpty {
            results[index] = RecordResult(index: index, outcome: .rejected, errors: records[index].problems)
        }
        var progress = Progress(total: sendable.count, label: "records")
        var done = 0
        var failure: ClientError?
        let client = try connection.connect(ingest, service: .ingest)
        do {
            // The first batch the set cannot take stops the load: the next ones would meet the same failure.
            try client.sendAll(requests, window: inFlight, deciding: { number, reply, _ in
                guard reply.isOK else {
                    failure = failure ?? .service(reply.errorBody)
                    return .stop
                }
                guard let answer = try? WireJSON.decode(SubmitReply.self, from: reply.body) else {
                    failure = failure ?? .badReply("submit reply: \(String(decoding: reply.body.prefix(200), as: UTF8.self))")
                    return .stop
                }
                for result in answer.results where result.index < batches[number].count {
                    results[batches[number][result.index]] = result
                }
                done += batches[number].count
                progress.update(done: done)
                return .more
            })
        } catch {
            failure = failure ?? error
        }
        progress.finish()
        if let failure {
            let exit = exitForFailure(failure, service: .ingest, keys: connection.keys)
            StoppedLoad(records: records, sent: sendable, results: results, refusedKey: failure.isRefusedKey).print()
            throw exit
        }

        let report = SubmitReport(records: records, results: results.map { $0! }, seconds: progress.elapsedSeconds)
        if json { Output.json(report.document) } else { report.print() }
        if report.count(.rejected) + report.count(.conflict) > 0 { throw ExitCode(1) }
    }
}

extension InputFormat: LenientArgument {}
