extension EvidenceRecord {
    /// What makes two records the same study, strongest identifier first:
    /// `doi:…` > `pmid:…` > `nct:…` > `title:<folded title>|<year>|<first author's surname>`.
    public var dedupKey: String {
        if let doi = identifiers.doi { return "doi:" + doi }
        if let pmid = identifiers.pmid { return "pmid:" + pmid }
        if let nct = identifiers.nct { return "nct:" + nct }
        return "title:\(title.folded)|\(year)|\(firstAuthorSurname)"
    }

    /// "Smith JP" → "smith"; "Smith, John P." → "smith"; no authors → "".
    var firstAuthorSurname: String {
        guard let first = authors.first else { return "" }
        let surname = first.split(separator: ",").first.map(String.init) ?? first
        return surname.folded.split(separator: " ").first.map(String.init) ?? ""
    }
}
