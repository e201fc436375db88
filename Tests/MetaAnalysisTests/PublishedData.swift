import MetaAnalysis

/// Datasets shipped with metafor 3.8-1 (data/*.rda in github.com/wviechtb/metafor at tag
/// v3.8-1; the same numbers print with `Rscript -e 'metafor::dat.bcg'`). Real published
/// trials, used only to check the arithmetic against metafor's published output.
enum PublishedData {
    /// dat.bcg: BCG vaccine trials (Colditz et al. 1994), columns tpos, tneg, cpos, cneg.
    static let bcg: [Study] = [
        ("Aronson 1948", 4, 119, 11, 128),
        ("Ferguson & Simes 1949", 6, 300, 29, 274),
        ("Rosenthal et al 1960", 3, 228, 11, 209),
        ("Hart & Sutherland 1977", 62, 13536, 248, 12619),
        ("Frimodt-Moller et al 1973", 33, 5036, 47, 5761),
        ("Stein & Aronson 1953", 180, 1361, 372, 1079),
        ("Vandiviere et al 1973", 8, 2537, 10, 619),
        ("TPT Madras 1980", 505, 87886, 499, 87892),
        ("Coetzee & Berjak 1968", 29, 7470, 45, 7232),
        ("Rosenthal et al 1961", 17, 1699, 65, 1600),
        ("Comstock et al 1974", 186, 50448, 141, 27197),
        ("Comstock & Webster 1969", 5, 2493, 3, 2338),
        ("Comstock et al 1976", 27, 16886, 29, 17825),
    ].map { label, tpos, tneg, cpos, cneg in
        Study(label: label, data: .binary(eventsTreatment: tpos, totalTreatment: tpos + tneg,
                                          eventsControl: cpos, totalControl: cpos + cneg))
    }

    /// dat.normand1999: stroke-unit trials (Normand 1999), length of stay in days:
    /// n1i, m1i, sd1i, n2i, m2i, sd2i.
    static let normand1999: [(label: String, n1: Int, m1: Double, sd1: Double, n2: Int, m2: Double, sd2: Double)] = [
        ("Edinburgh", 155, 55, 47, 156, 75, 64),
        ("Orpington-Mild", 31, 27, 7, 32, 29, 4),
        ("Orpington-Moderate", 75, 64, 17, 71, 119, 29),
        ("Orpington-Severe", 18, 66, 20, 18, 137, 48),
        ("Montreal-Home", 8, 14, 8, 13, 18, 11),
        ("Montreal-Transfer", 57, 19, 7, 52, 18, 4),
        ("Newcastle", 34, 52, 45, 33, 41, 34),
        ("Umea", 110, 21, 16, 183, 31, 27),
        ("Uppsala", 60, 30, 27, 52, 23, 20),
    ]

    /// dat.hine1989: lidocaine after myocardial infarction (Hine et al. 1989), deaths:
    /// n1i, n2i, ai, ci.
    static let hine1989: [Study] = [
        ("Chopra et al.", 39, 43, 2, 1),
        ("Mogensen", 44, 44, 4, 4),
        ("Pitt et al.", 107, 110, 6, 4),
        ("Darby et al.", 103, 100, 7, 5),
        ("Bennett et al.", 110, 106, 7, 3),
        ("O'Brien et al.", 154, 146, 11, 4),
    ].map { label, n1, n2, ai, ci in
        Study(label: label, data: .binary(eventsTreatment: ai, totalTreatment: n1, eventsControl: ci, totalControl: n2))
    }

    /// Rothman, Greenland & Lash (2008), Table 15-1 (tolbutamide, deaths by age stratum), as
    /// test_analysis_example_rothman2008.r lines 12-18 types it: ai, bi, ci, di.
    static let rothmanTable15_1: [Study] = [("Age <55", 8, 98, 5, 115), ("Age 55+", 22, 76, 16, 69)].map { label, ai, bi, ci, di in
        Study(label: label, data: .binary(eventsTreatment: ai, totalTreatment: ai + bi, eventsControl: ci, totalControl: ci + di))
    }
}
