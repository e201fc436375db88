/// A plain-text table: a header row, columns padded to their widest cell, two spaces apart.
/// The last column is cut (with "…") so that lines fit `width`.
struct Table {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: String...) { self.headers = headers }

    mutating func add(_ cells: String...) { rows.append(cells) }
    mutating func add(_ cells: [String]) { rows.append(cells) }

    func render(width: Int = 80) -> String {
        let all = [headers] + rows
        var widths = headers.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        let fixed = widths.dropLast().reduce(0, +) + 2 * (widths.count - 1)
        widths[widths.count - 1] = max(8, min(widths.last!, width - fixed))
        return all.map { row in
            row.enumerated().map { column, cell in
                let limit = widths[column]
                let fitted = cell.count > limit ? String(cell.prefix(limit - 1)) + "…" : cell
                return column == row.count - 1 ? fitted : fitted.padding(toLength: limit, withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
