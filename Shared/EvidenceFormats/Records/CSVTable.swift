import Foundation

/// A strict RFC 4180 reader: comma-separated fields, double-quoted fields may hold commas,
/// quotes (doubled) and line breaks; CRLF or LF line ends. Unlike the lenient readers
/// available as packages, it rejects what it cannot read exactly (an unterminated quote,
/// a stray quote, a row with the wrong number of fields) and says on which line, and it
/// reports the line each row starts on, so errors point at the right place in the file.
struct CSVTable {
    struct Row {
        /// 1-based line on which the row starts.
        let line: Int
        let fields: [String]
    }

    struct Failure: Error {
        let line: Int
        let message: String
    }

    let header: [String]
    let rows: [Row]

    init(_ text: String) throws(Failure) {
        var rows: [Row] = []
        var fields: [String] = []
        var field = ""
        var line = 1, rowLine = 1
        var inQuotes = false, quotedField = false, quoteLine = 0
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil

        func next() -> Unicode.Scalar? {
            if let scalar = pending { pending = nil; return scalar }
            return scalars.next()
        }
        func endRow() {
            fields.append(field)
            if !(fields.count == 1 && fields[0].isEmpty && !quotedField) { rows.append(Row(line: rowLine, fields: fields)) }
            fields = []
            field = ""
            quotedField = false
        }

        while let scalar = next() {
            if inQuotes {
                if scalar == "\"" {
                    if let following = next() {
                        if following == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = following }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                guard field.isEmpty && !quotedField else {
                    throw Failure(line: line, message: "a quote inside an unquoted field; quote the whole field and double the quote (\"\")")
                }
                inQuotes = true
                quotedField = true
                quoteLine = line
            case ",":
                fields.append(field)
                field = ""
                quotedField = false
            case "\r":
                if let following = next(), following != "\n" { pending = following }
                endRow()
                line += 1
                rowLine = line
            case "\n":
                endRow()
                line += 1
                rowLine = line
            default:
                if quotedField {
                    throw Failure(line: line, message: "text after a closing quote; a quoted field must end at a comma or line end")
                }
                field.unicodeScalars.append(scalar)
            }
        }
        if inQuotes { throw Failure(line: quoteLine, message: "a quoted field is never closed") }
        if !field.isEmpty || !fields.isEmpty || quotedField { endRow() }

        guard let first = rows.first else { throw Failure(line: 1, message: "no header row") }
        header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        for row in rows.dropFirst() where row.fields.count != header.count {
            throw Failure(line: row.line, message: "has \(row.fields.count) fields; the header has \(header.count)")
        }
        self.rows = Array(rows.dropFirst())
    }
}
