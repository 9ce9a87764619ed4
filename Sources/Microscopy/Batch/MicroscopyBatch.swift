import Foundation
import ImMetaIO
import ImMetaIOCore

/// What a batch converts and how: the project layout (`sub-*/<experiment>/[TAG_*]/files`), which
/// inputs are merged, and the output format.
public struct MicroscopyBatchOptions: Sendable {
    /// How experiment folder names are matched.
    public enum Match: String, Sendable, CaseIterable {
        /// The name starts with the pattern.
        case prefix
        /// The name is the pattern.
        case exact
        /// The pattern, a regular expression, matches at the start of the name.
        case regex
    }

    /// The output format.
    public enum Output: String, Sendable, CaseIterable {
        /// OME-TIFF (`.ome.tif`).
        case omeTIFF = "ome-tiff"
        /// OME-Zarr 0.5 (`.ome.zarr`).
        case omeZarr = "ome-zarr"

        /// The file name suffix.
        public var suffix: String { self == .omeTIFF ? ".ome.tif" : ".ome.zarr" }
    }

    /// Subject folders are the root's folders whose names start with this (`sub-`).
    public var subjectPrefix: String
    /// Experiment folders inside each subject match this pattern.
    public var experimentPattern: String
    /// How ``experimentPattern`` matches.
    public var experimentMatch: Match
    /// When set, only the folders inside an experiment whose names start with it (`TAG_`) hold
    /// the files; files directly in the experiment folder are then ignored.
    public var tagPrefix: String?
    /// Merge the tag folders of an experiment into one output (each tag folder's files are
    /// merged first).
    public var mergeTags: Bool
    /// Merge the files of a folder (an experiment folder, or each tag folder) into one output
    /// instead of one output per file.
    public var mergeFiles: Bool
    /// The axis merges join along.
    public var mergeAxis: MicroscopyAxis
    /// Strict merges or zero-padded ones.
    public var mergePolicy: MergePolicy
    /// The scene of each file.
    public var scene: Int
    /// The output format.
    public var output: Output
    /// The folder, inside each experiment folder, that receives the outputs.
    public var outputFolderName: String
    /// Convert again what is already converted and complete.
    public var overwrite: Bool
    /// OME-TIFF options.
    public var omeTIFF: OMETIFFWriteOptions
    /// OME-Zarr options.
    public var omeZarr: OMEZarrWriteOptions

    /// Creates options; the experiment pattern is required, the rest has defaults (subjects
    /// `sub-`, no tag folders, one output per file, T merges with padding, OME-TIFF).
    public init(
        experimentPattern: String, subjectPrefix: String = "sub-", experimentMatch: Match = .prefix, tagPrefix: String? = nil,
        mergeTags: Bool = false, mergeFiles: Bool = false, mergeAxis: MicroscopyAxis = .t, mergePolicy: MergePolicy = .pad,
        scene: Int = 0, output: Output = .omeTIFF, outputFolderName: String = "immetaio_converted", overwrite: Bool = false,
        omeTIFF: OMETIFFWriteOptions = OMETIFFWriteOptions(), omeZarr: OMEZarrWriteOptions = OMEZarrWriteOptions()
    ) {
        self.subjectPrefix = subjectPrefix
        self.experimentPattern = experimentPattern
        self.experimentMatch = experimentMatch
        self.tagPrefix = tagPrefix
        self.mergeTags = mergeTags
        self.mergeFiles = mergeFiles
        self.mergeAxis = mergeAxis
        self.mergePolicy = mergePolicy
        self.scene = scene
        self.output = output
        self.outputFolderName = outputFolderName
        self.overwrite = overwrite
        self.omeTIFF = omeTIFF
        self.omeZarr = omeZarr
    }
}

/// What a batch did with each planned output.
public struct MicroscopyBatchReport: Sendable {
    /// The outcome of one output.
    public enum Status: String, Sendable, Codable {
        /// One input written.
        case converted
        /// Several inputs merged and written.
        case merged
        /// The output exists, opens and has the expected shape: left as it was.
        case skipped
        /// Reading, merging or writing failed; ``Entry/reason`` says why.
        case failed
    }

    /// One planned output.
    public struct Entry: Sendable {
        /// The inputs (one file, or the files merged), relative to the root.
        public var inputs: [String]
        /// The output, relative to the root.
        public var output: String
        /// What happened.
        public var status: Status
        /// Why it failed or was skipped.
        public var reason: String?
        /// The output's axes and shape, when known.
        public var shape: [Int]?
    }

    /// The project root.
    public var root: String
    /// Every planned output, in the order converted.
    public var entries: [Entry]

    /// How many entries have a status.
    public func count(_ status: Status) -> Int { entries.filter { $0.status == status }.count }

    /// The report as JSON: the root, the counts and every entry.
    public var json: JSONValue {
        let statuses: [Status] = [.converted, .merged, .skipped, .failed]
        return [
            "root": .string(root),
            "counts": .object(JSONObject(statuses.map { ($0.rawValue, JSONValue.int(count($0))) })),
            "entries": .array(entries.map { entry in
                [
                    "inputs": .array(entry.inputs.map(JSONValue.string)), "output": .string(entry.output),
                    "status": .string(entry.status.rawValue), "reason": entry.reason.map(JSONValue.string) ?? .null,
                    "shape": entry.shape.map { .array($0.map(JSONValue.int)) } ?? .null,
                ]
            }),
        ]
    }
}

/// Converts a BIDS-like project tree: `ROOT/<subject>/<experiment>/[<tag folder>/]files`, every
/// file (or every folder's files merged, or every experiment's tag folders merged) to one OME-TIFF
/// or OME-Zarr in `<experiment>/<outputFolderName>/`. Tag folders without microscopy files are
/// left out.
///
/// Outputs keep the input's name (`cells.czi` → `cells.ome.tif`; merges are named after their
/// folder), made unique within their folder by `-2`, `-3` … in input order, so reruns find the
/// same names. A rerun skips outputs that exist, open and have the shape the inputs give (writes
/// are atomic, so an interrupted run leaves no partial output under the final name). One failure
/// does not stop the batch: it is reported with its reason.
public func convertMicroscopyProject(
    root: String, options: MicroscopyBatchOptions, progress: (@Sendable (MicroscopyBatchReport.Entry) -> Void)? = nil
) throws(ImMetaIOError) -> MicroscopyBatchReport {
    let plan = try MicroscopyBatchPlan(root: root, options: options)
    var report = MicroscopyBatchReport(root: root, entries: [])
    for job in plan.jobs {
        let entry = job.run(options: options, root: root)
        report.entries.append(entry)
        progress?(entry)
    }
    return report
}
