/// Where a saved search of the harvester looks (docs/HARVEST.md).
public enum HarvestSourceKind: String, Sendable, CaseIterable, Codable {
    /// PubMed, through NCBI's E-utilities (esearch, then efetch of PubMed XML).
    case pubmed
    /// ClinicalTrials.gov, through its API v2 (`/studies`).
    case ctgov
}
