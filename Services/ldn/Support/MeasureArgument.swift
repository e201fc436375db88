import EvidenceModel

/// `--measure` of `ldn synthesize` and `ldn export --format escalc`: the effect types a
/// synthesis pools on (every one but `proportion`).
enum MeasureArgument: String, LenientArgument {
    case rr = "RR", or = "OR", rd = "RD", md = "MD", smd = "SMD", hr = "HR"

    var effectType: EffectType {
        switch self {
        case .rr: .rr
        case .or: .or
        case .rd: .rd
        case .md: .md
        case .smd: .smd
        case .hr: .hr
        }
    }
}
