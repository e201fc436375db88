import Foundation
import GRDB
import GRDBSQLite

/// `ldn_bm25(records_fts, size, hits₀, hits₁, …)`: the value of FTS5's `bm25(records_fts)`,
/// to the last bit, from two things FTS5's own function looks up again for every call:
/// - `size`: the row's `records_fts_docsize.sz`, joined by the caller. FTS5's `bm25` reads
///   it through its own statement per row, which was three quarters of ranking 33 000
///   matches (19 ms; 5 ms with the join).
/// - `hitsᵢ`: how many records contain phrase i of the query (`PhraseHitCounts`). FTS5's
///   `bm25` walks each phrase's whole list of records once per query to count them.
///
/// The arithmetic is SQLite 3.40's `fts5Bm25Function` (ext/fts5/fts5_aux.c), step for step,
/// with every column weighted 1; `FullTextRankFunctionTests` compares the two on every match.
enum FullTextRankFunction {
    static let name = "ldn_bm25"

    /// Makes `ldn_bm25` available on this connection (FTS5 auxiliary functions are per connection).
    static func register(in db: Database) throws {
        // GRDB's `FTS5.api` stops the process when FTS5 is missing: say so as an error instead.
        guard sqlite3_compileoption_used("ENABLE_FTS5") == 1 else {
            throw DatabaseError(message: "this SQLite (\(String(cString: sqlite3_libversion()))) was built without FTS5, which search needs")
        }
        let api = UnsafeMutablePointer(mutating: FTS5.api(db))
        guard let create = api.pointee.xCreateFunction else { throw DatabaseError(message: "FTS5 offers no xCreateFunction") }
        let code = name.withCString { create(api, $0, nil, rankRow, nil) }
        guard code == SQLITE_OK else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot add \(name)") }
    }
}

private let k1 = 1.2, b = 0.75

/// Per statement: the IDF of each phrase, the average row length, and the phrases' counts in
/// the current row. Kept as FTS5 aux data, freed with the statement.
private struct RankData {
    let phrases: Int
    let storage: UnsafeMutablePointer<Double>
    var averageLength: Double { get { storage[0] } nonmutating set { storage[0] = newValue } }
    var idf: UnsafeMutablePointer<Double> { storage + 1 }
    var frequency: UnsafeMutablePointer<Double> { storage + 1 + phrases }
}

private func rankRow(_ api: UnsafePointer<Fts5ExtensionApi>?, _ fts: OpaquePointer?, _ context: OpaquePointer?,
                     _ count: Int32, _ values: UnsafeMutablePointer<OpaquePointer?>?) {
    guard let api = api?.pointee, let values else { return sqlite3_result_error(context, "ldn_bm25: no FTS5 context", -1) }
    let phrases = Int(api.xPhraseCount(fts))
    guard Int(count) == 1 + phrases else {
        return sqlite3_result_error(context, "ldn_bm25: expected the row's size and \(phrases) phrase counts, got \(count) values", -1)
    }
    let data: RankData
    if let stored = api.xGetAuxdata(fts, 0) {
        data = RankData(phrases: phrases, storage: stored.assumingMemoryBound(to: Double.self))
    } else {
        data = RankData(phrases: phrases, storage: .allocate(capacity: 1 + 2 * phrases))
        var rows: Int64 = 0, tokens: Int64 = 0
        var code = api.xRowCount(fts, &rows)
        if rows <= 0 { rows = 1 }
        if code == SQLITE_OK { code = api.xColumnTotalSize(fts, -1, &tokens) }
        data.averageLength = Double(tokens) / Double(rows)
        for phrase in 0..<phrases {
            let hits = sqlite3_value_int64(values[1 + phrase])
            let idf = log((Double(rows - hits) + 0.5) / (Double(hits) + 0.5))
            data.idf[phrase] = idf <= 0 ? 1e-6 : idf
        }
        if code == SQLITE_OK { code = api.xSetAuxdata(fts, data.storage, { $0?.deallocate() }) }
        guard code == SQLITE_OK else {
            data.storage.deallocate()
            return sqlite3_result_error_code(context, code)
        }
    }

    data.frequency.update(repeating: 0, count: phrases)
    var instances: Int32 = 0
    var code = api.xInstCount(fts, &instances)
    for instance in 0..<instances where code == SQLITE_OK {
        var phrase: Int32 = 0, column: Int32 = 0, offset: Int32 = 0
        code = api.xInst(fts, instance, &phrase, &column, &offset)
        if code == SQLITE_OK { data.frequency[Int(phrase)] += 1.0 }
    }
    var length = 0
    if code == SQLITE_OK, !rowLength(values[0], into: &length) {
        var size: Int32 = 0
        code = api.xColumnSize(fts, -1, &size)
        length = Int(size)
    }
    guard code == SQLITE_OK else { return sqlite3_result_error_code(context, code) }

    let documentLength = Double(length)
    var score = 0.0
    for phrase in 0..<phrases {
        let frequency = data.frequency[phrase]
        score += data.idf[phrase] * ((frequency * (k1 + 1.0)) / (frequency + k1 * (1 - b + b * documentLength / data.averageLength)))
    }
    sqlite3_result_double(context, -1.0 * score)
}

/// The row's length in tokens from its `records_fts_docsize.sz`: one SQLite varint per column
/// (FTS5's file format). False for anything else, which the caller then asks FTS5 for.
private func rowLength(_ value: OpaquePointer?, into length: inout Int) -> Bool {
    guard sqlite3_value_type(value) == SQLITE_BLOB, let bytes = sqlite3_value_blob(value) else { return false }
    let blob = UnsafeBufferPointer(start: bytes.assumingMemoryBound(to: UInt8.self), count: Int(sqlite3_value_bytes(value)))
    var total = 0, current = 0, width = 0
    for byte in blob {
        current = current << 7 | Int(byte & 0x7f)
        width += 1
        guard width <= 5 else { return false }  // a column longer than 2³² tokens: not FTS5's
        if byte & 0x80 == 0 { (total, current, width) = (total + current, 0, 0) }
    }
    length = total
    return width == 0
}
