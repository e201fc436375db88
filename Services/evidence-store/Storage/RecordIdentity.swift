/// The identifiers a stored record is known by, and its dedup key. A later report of a study
/// may lack an identifier the earlier had, so identifiers are merged, and the key is derived
/// again from the merged ones, so that it is always the strongest and no later submission by
/// DOI or PMID can miss the record. The writer and the v3 backfill both derive keys here.
struct RecordIdentity: Equatable {
    var key: String
    var doi: String?
    var pmid: String?
    var nct: String?

    /// The identity after a new version with these identifiers.
    func merging(doi newDOI: String?, pmid newPMID: String?, nct newNCT: String?) -> RecordIdentity {
        let doi = newDOI ?? doi, pmid = newPMID ?? pmid, nct = newNCT ?? nct
        let key = doi.map { "doi:" + $0 } ?? pmid.map { "pmid:" + $0 } ?? nct.map { "nct:" + $0 } ?? key
        return RecordIdentity(key: key, doi: doi, pmid: pmid, nct: nct)
    }
}
