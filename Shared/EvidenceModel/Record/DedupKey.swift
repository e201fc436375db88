extension EvidenceRecord {
    /// What makes two records the same study, strongest identifier first:
    /// `doi:…` > `pmid:…` > `nct:…` > `title:<folded title>|<year>|<first author's surname>`.
    public var dedupKey: String {
        Self.dedupKey(identifiers: identifiers, title: title, year: String(year), authors: authors)
    }

    /// The key of a study not yet read into a record (a CSV row), from its normalised
    /// identifiers and its title, year and authors as written.
    public static func dedupKey(identifiers: Identifiers, title: String, year: @autoclosure () -> String,
                                authors: [String]) -> String {
        if let doi = identifiers.doi { return "doi:" + doi }
        if let pmid = identifiers.pmid { return "pmid:" + pmid }
        if let nct = identifiers.nct { return "nct:" + nct }
        return "title:\(title.folded)|\(year())|\(firstAuthorSurname(authors))"
    }

    /// "Smith JP" → "smith"; "Smith, John P." → "smith"; no authors → "".
    var firstAuthorSurname: String { Self.firstAuthorSurname(authors) }

    static func firstAuthorSurname(_ authors: [String]) -> String {
        guard let first = authors.first else { return "" }
        let surname = first.split(separator: ",").first.map(String.init) ?? first
        return surname.folded.split(separator: " ").first.map(String.init) ?? ""
    }
}
