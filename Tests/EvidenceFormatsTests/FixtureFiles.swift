import Foundation
@testable import EvidenceFormats

/// The hand-written files in `Fixtures/` (see docs/FORMATS.md, "Test fixtures").
enum FixtureFiles {
    static func url(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    }

    static func data(_ name: String) throws -> Data { try Data(contentsOf: url(name)) }

    /// The text as the file holds it: decoded without dropping a byte-order mark or changing
    /// line ends, so that a reader's own tolerance is what is tested.
    static func text(_ name: String) throws -> String { String(decoding: try data(name), as: UTF8.self) }

    /// Lines `first` through `last` (1-based) of an LF text, as `Citation.original` holds them.
    static func lines(_ text: String, _ first: Int, _ last: Int) -> String {
        text.components(separatedBy: "\n")[(first - 1)..<last].joined(separator: "\n")
    }

    /// The error a reader throws, or nil when it reads the input.
    static func syntaxError(_ read: () throws -> [Citation]) -> BibliographicSyntaxError? {
        do {
            _ = try read()
            return nil
        } catch {
            return error as? BibliographicSyntaxError
        }
    }
}
