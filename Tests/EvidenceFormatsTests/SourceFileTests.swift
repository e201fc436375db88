import EvidenceModel
import Foundation
import Testing
import WireProtocol
@testable import EvidenceFormats

/// Reading whole files: format detection, encodings, CSV edge cases, CSV written back.
@Suite("Reading files")
struct SourceFileTests {
    static let risRecord = "TY  - JOUR\r\nTI  - Low dose naltrexone for induction of remission in inflammatory bowel disease patients.\r\nAU  - Lie MRKL\r\nPY  - 2018\r\nDO  - 10.1186/s12967-018-1427-5\r\nER  - \r\n"

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ldn-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }

    @Test("The format comes from the extension, and from the content where the extension does not tell")
    func detection() {
        #expect(InputFormat.detect(path: "a.ris", text: "") == .ris)
        #expect(InputFormat.detect(path: "a.nbib", text: "") == .medline)
        #expect(InputFormat.detect(path: "a.xml", text: "") == .pubmedXML)
        #expect(InputFormat.detect(path: "study.json", text: "{\"protocolSection\": {}}") == .ctgov)
        #expect(InputFormat.detect(path: "records.json", text: "[{\"title\": \"x\"}]") == .json)
        #expect(InputFormat.detect(path: "export.txt", text: "1.\nTY  - JOUR\nER  - \n") == .ris)
        #expect(InputFormat.detect(path: "export.txt", text: "\nPMID- 21380937\nTI  - x\n") == .medline)
        #expect(InputFormat.detect(path: "export", text: "<?xml version=\"1.0\"?>\n<PubmedArticleSet>") == .pubmedXML)
        #expect(InputFormat.detect(path: "notes.txt", text: "hello") == nil)
    }

    @Test("UTF-16 with a byte order mark reads like UTF-8")
    func utf16() throws {
        let utf16: [UInt8] = [0xFF, 0xFE] + Self.risRecord.utf16.flatMap { unit -> [UInt8] in [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let contents = try SourceFile.read(path: try write("export.ris", utf16), allowPartial: true)
        #expect(contents.warnings.isEmpty)
        #expect(contents.records.count == 1)
        let record = try #require(RecordIntake.evaluate(contents.records[0].json).record)
        #expect(record.identifiers.doi == "10.1186/s12967-018-1427-5" && record.authors == ["Lie MRKL"])
    }

    @Test("Text that is not UTF-8 is read as Latin-1, with a warning naming the line")
    func latin1() throws {
        // "Småbrekke" in Latin-1: å is the single byte 0xE5.
        let text = Self.risRecord.replacingOccurrences(of: "AU  - Lie MRKL", with: "AU  - Lie MRKL\r\nAU  - Sm\u{E5}brekke L")
        let bytes = text.unicodeScalars.map { UInt8($0.value) }
        let contents = try SourceFile.read(path: try write("latin1.ris", bytes), allowPartial: true)
        #expect(contents.warnings.count == 1 && contents.warnings[0].contains("not UTF-8 (first at line 4); read as Latin-1"))
        let record = try #require(RecordIntake.evaluate(contents.records[0].json).record)
        #expect(record.authors.contains("Småbrekke L"))
    }

    @Test("A broken UTF-16 file, a NUL-filled file and an unknown format stop with a clear error")
    func unreadable() throws {
        let oddUTF16 = try write("odd.ris", [0xFF, 0xFE, 0x41])
        #expect(throws: FormatError.self) { try SourceFile.read(path: oddUTF16) }
        let binary = try write("data.bin", [0x00, 0x01, 0xFF, 0xFE, 0x00])
        #expect { try SourceFile.read(path: binary) } throws: { error in
            "\(error)".contains("is not text")
        }
        let unknown = try write("notes.txt", "hello")
        #expect { try SourceFile.read(path: unknown) } throws: { error in
            "\(error)".contains("cannot tell the format; name it with --format")
        }
    }

    @Test("CSV: quoted fields keep commas and line breaks, and rows keep the line they start on")
    func csvQuotedNewlines() throws {
        let path = try write("studies.csv", """
            title,year,conditions,design,summary
            "Low-dose naltrexone, a pilot",2007,crohns,open-label,"First line.
            Second line, with a comma."
            Pilot trial of low-dose naltrexone and quality of life in multiple sclerosis.,2010,ms,crossover-rct,

            """)
        let records = try SourceFile.read(path: path).records
        #expect(records.map(\.provenance.line) == [2, 4])
        let first = try #require(RecordIntake.evaluate(records[0].json).record)
        #expect(first.title == "Low-dose naltrexone, a pilot")
        #expect(first.summary == "First line.\nSecond line, with a comma.")
    }

    @Test("CSV: an unclosed quote is an error at the line where the quote opens")
    func csvUnclosedQuote() throws {
        let path = try write("broken.csv", "title,year,conditions,design\n\"Open,2007,crohns,rct\nnext,2008,ms,rct\n")
        #expect { try SourceFile.read(path: path) } throws: { error in
            (error as? FormatError)?.line == 2 && "\(error)".contains("never closed")
        }
    }

    @Test("Records written as CSV read back as the same records")
    func csvRoundTrip() throws {
        let lines = """
            {"title":"Naltrexone 6 mg once daily versus placebo in women with fibromyalgia: a randomised, double-blind, placebo-controlled trial","year":2024,"authors":["Bruun KD"],"journal":"Lancet Rheumatol","identifiers":{"doi":"10.1016/S2665-9913(23)00278-3","pmid":"38258677","nct":"NCT04270877"},"conditions":["fibromyalgia"],"design":"rct","participants":99,"dose_mg":6,"duration_weeks":12,"comparator":"placebo","outcomes":[{"measure":"pain","direction":"no-difference"}],"summary":"Not superior to placebo, \\"on pain\\", in 99 women.\\nSecond paragraph."}
            {"title":"SYNTHETIC test record; lists, quotes \\"and\\" commas","year":2020,"authors":["Test A","Test B"],"conditions":["crohns","other:synthetic condition"],"design":"open-label","participants":17,"dose_mg":4.5,"adverse_events":["synthetic event one","synthetic event two"]}
            """.split(separator: "\n").map { RecordIntake.evaluate(Data($0.utf8)).record! }
        let table = CSVRecords.table(lines.map { $0.json })
        let back = try SourceFile.read(path: try write("export.csv", table)).records
        #expect(back.map { RecordIntake.evaluate($0.json).record } == lines)
    }
}
