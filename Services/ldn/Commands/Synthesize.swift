import ArgumentParser
import EvidenceFormats
import EvidenceModel
import Foundation
import MetaAnalysis
import WireProtocol

struct Synthesize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pool one condition's studies on one outcome: a meta-analysis with a forest plot.",
        discussion: """
            A query replica pools the studies that report the outcome with effect data (per-arm numbers, or a between-group \
            effect with its CI or SE) on one measure and scale, and lists the studies it left out with the reason. It prints \
            the studies with their effects and weights, a forest plot, the pooled estimate with its heterogeneity and \
            prediction interval, leave-one-out and subgroup results, and the pooled values published meta-analyses report. \
            Effects are on their natural scale (ratios as ratios). For evidence review, not a clinical recommendation.
            """)

    @Argument(help: "A condition code or name: fibromyalgia, crohns, ms, \"multiple sclerosis\"…")
    var condition: String

    @Option(help: "The outcome measure: pain, fatigue, quality-of-life, disease-activity, remission…")
    var outcome: String

    @Option(help: "The effect measure (default: what the studies' numbers suggest).")
    var measure: MeasureArgument?

    @Option(help: "reml or dl (random effects), fe (common effect, inverse variance) or mh (Mantel-Haenszel, events per arm).")
    var method: PoolingMethod = .reml

    @Flag(help: "Hartung-Knapp: a t-based CI and test (random effects only).")
    var hartungKnapp = false

    @Option(help: "Only studies of this design (rct, crossover-rct, open-label, cohort…).")
    var design: StudyDesign?

    @Option(help: "Only outcomes measured at this timepoint, in weeks.")
    var timepoint: Double?

    @Option(help: "Also write the forest plot as SVG to this file.")
    var plot: String?

    @Option(help: "The plot's title (default: the condition and the outcome).")
    var title: String?

    @Option(help: "Also write the synthesis as a FHIR R5 Bundle (the pooled Evidence, one per study) to this file.")
    var fhir: String?

    @OptionGroup var query: QueryEndpoint

    @Flag(help: "Print the answer as JSON.")
    var json = false

    func validate() throws {
        if hartungKnapp, !method.isRandomEffects {
            throw ValidationError("--hartung-knapp applies to --method reml or dl, not \(method.rawValue)")
        }
        if let timepoint, !(0...1040).contains(timepoint) {
            throw ValidationError("--timepoint must be between 0 and 1040 weeks")
        }
        if let plot, plot.isEmpty { throw ValidationError("--plot needs a file name") }
        if let fhir, fhir.isEmpty { throw ValidationError("--fhir needs a file name") }
        if title != nil, plot == nil { throw ValidationError("--title is the plot's: give --plot FILE too") }
    }

    func run() throws {
        let request = SynthesizeRequest(condition: condition, outcome: outcome, design: design, timepointWeeks: timepoint,
                                        measure: measure.map(\.effectType), method: method, hartungKnapp: hartungKnapp ? true : nil)
        let answer = try query.call(MessageType.synthesize, request, as: SynthesizeReply.self, condition: condition)
        if let plot {
            let svg = ForestPlotSVG(ForestPlot(answer.synthesis, title: title ?? SynthesisView.title(answer.synthesis))).render()
            try Self.write(Data(svg.utf8), to: plot)
        }
        if let fhir { try Self.write(FHIRSynthesisExport.bundle(for: answer.synthesis), to: fhir) }
        if json { return Output.json(answer) }
        QueryOutput.noteStaleness(answer.replica)
        print(SynthesisView(synthesis: answer.synthesis).render())
        if let plot { Output.error("wrote the forest plot to \(plot)") }
        if let fhir { Output.error("wrote the FHIR Bundle to \(fhir)") }
    }

    private static func write(_ data: Data, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            Output.error("cannot write \(path)")
            throw ExitCode(2)
        }
    }
}

extension PoolingMethod: LenientArgument {}
