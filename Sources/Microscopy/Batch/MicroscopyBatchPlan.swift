import Foundation
import ImMetaIO
import ImMetaIOCore

/// The outputs a batch will write, found by walking the project tree (nothing is converted yet).
struct MicroscopyBatchPlan {
    /// One output: groups of files (each group merged first, then the groups merged) and where it goes.
    struct Job {
        var groups: [[String]]
        var output: String

        /// Converts the job, or skips it when its output is already there and complete.
        func run(options: MicroscopyBatchOptions, root: String) -> MicroscopyBatchReport.Entry {
            let inputs = groups.flatMap { $0 }
            var entry = MicroscopyBatchReport.Entry(
                inputs: inputs.map { Self.relative($0, to: root) }, output: Self.relative(output, to: root),
                status: inputs.count > 1 ? .merged : .converted)
            do {
                var parts: [any MicroscopyImage] = []
                for group in groups {
                    let images = try group.map { path throws(ImMetaIOError) in try openMicroscopyFile(path).image(scene: options.scene) }
                    parts.append(images.count == 1 ? images[0] : try MergedImage(images, along: options.mergeAxis, policy: options.mergePolicy))
                }
                let image = parts.count == 1 ? parts[0] : try MergedImage(parts, along: options.mergeAxis, policy: options.mergePolicy)
                entry.shape = image.metadata.shape
                if !options.overwrite, FileManager.default.fileExists(atPath: output) {
                    if let existing = try? openMicroscopyFile(output).image(scene: 0), existing.metadata.shape == image.metadata.shape,
                        existing.metadata.dtype == image.metadata.dtype
                    {
                        entry.status = .skipped
                        entry.reason = "already converted"
                        return entry
                    }
                }
                try FileManager.default.createDirectory(
                    atPath: (output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                switch options.output {
                case .omeTIFF:
                    try writeOMETIFF([image], to: output, options: options.omeTIFF)
                case .omeZarr:
                    var zarr = options.omeZarr
                    zarr.overwrite = true
                    _ = try OMEZarrWriter(options: zarr).write(image, to: output)
                }
            } catch let error as ImMetaIOError {
                entry.status = .failed
                entry.reason = error.description
            } catch {
                entry.status = .failed
                entry.reason = "\(error)"
            }
            return entry
        }

        static func relative(_ path: String, to root: String) -> String {
            let base = root.hasSuffix("/") ? root : root + "/"
            return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
        }
    }

    var jobs: [Job] = []

    init(root: String, options: MicroscopyBatchOptions) throws(ImMetaIOError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder), isFolder.boolValue else {
            throw ImMetaIOError(.missingFile, "the project root is not a folder", file: root)
        }
        let experimentMatches = try Self.matcher(options)
        for subject in try Self.folders(in: root) where Self.name(subject).hasPrefix(options.subjectPrefix) {
            for experiment in try Self.folders(in: subject) where experimentMatches(Self.name(experiment)) {
                var names = Set<String>()
                let outputFolder = "\(experiment)/\(options.outputFolderName)"
                func output(_ stem: String) -> String {
                    var candidate = stem, counter = 2
                    while !names.insert(candidate).inserted {
                        candidate = "\(stem)-\(counter)"
                        counter += 1
                    }
                    return "\(outputFolder)/\(candidate)\(options.output.suffix)"
                }
                if let tag = options.tagPrefix {
                    // Each tag folder with its inputs; folders without any are left out.
                    var tagged: [(folder: String, files: [String])] = []
                    for folder in try Self.folders(in: experiment) where Self.name(folder).hasPrefix(tag) {
                        let files = try Self.inputs(in: folder, skipping: nil)
                        if !files.isEmpty { tagged.append((folder, files)) }
                    }
                    if options.mergeTags, !tagged.isEmpty {
                        jobs.append(Job(groups: tagged.map(\.files), output: output("\(Self.name(experiment))_\(tag)merged")))
                    } else if options.mergeFiles {
                        for (folder, files) in tagged { jobs.append(Job(groups: [files], output: output(Self.name(folder)))) }
                    } else {
                        for (_, files) in tagged {
                            for file in files { jobs.append(Job(groups: [[file]], output: output(Self.stem(file)))) }
                        }
                    }
                } else {
                    let files = try Self.inputs(in: experiment, skipping: options.outputFolderName)
                    if options.mergeFiles, !files.isEmpty {
                        jobs.append(Job(groups: [files], output: output(Self.name(experiment))))
                    } else {
                        for file in files { jobs.append(Job(groups: [[file]], output: output(Self.stem(file)))) }
                    }
                }
            }
        }
    }

    /// The experiment-name test the options ask for.
    private static func matcher(_ options: MicroscopyBatchOptions) throws(ImMetaIOError) -> (String) -> Bool {
        let pattern = options.experimentPattern
        switch options.experimentMatch {
        case .prefix: return { $0.hasPrefix(pattern) }
        case .exact: return { $0 == pattern }
        case .regex:
            guard let expression = try? NSRegularExpression(pattern: pattern) else {
                throw ImMetaIOError(.invalidArgument, "the experiment pattern '\(pattern)' is not a regular expression")
            }
            return { name in
                expression.firstMatch(in: name, range: NSRange(name.startIndex..., in: name))?.range.location == 0
            }
        }
    }

    /// Sub-folders (not hidden), in natural order.
    private static func folders(in folder: String) throws(ImMetaIOError) -> [String] {
        try entries(in: folder).filter { path in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
        }
    }

    private static func entries(in folder: String) throws(ImMetaIOError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasPrefix(".") }
                .sorted(by: NaturalOrder.precedes).map { "\(folder)/\($0)" }
        } catch {
            throw ImMetaIOError(.io, "cannot list the folder: \(error.localizedDescription)", file: folder)
        }
    }

    /// The microscopy inputs of a folder in natural order: files, OME-Zarr stores and Thorlabs
    /// acquisitions. The TIFFs of a multi-file OME-TIFF set count once, as their companion file;
    /// a ThorImage acquisition lying in the folder itself counts once, as the folder.
    private static func inputs(in folder: String, skipping outputFolder: String?) throws(ImMetaIOError) -> [String] {
        var result: [String] = []
        var seen = Set<String>()
        for path in try entries(in: folder) where name(path) != outputFolder {
            guard let kind = MicroscopyFormatKind.detect(path) else { continue }
            var input = path
            if kind == .omeTIFF, let source = (try? openMicroscopyFile(path))?.images.first?.metadata.provenance["source_file"] {
                input = source
            } else if kind == .thorlabsRAW, !FileManager.default.fileExists(atPath: "\(path)/Experiment.xml") {
                input = folder  // Experiment.xml and its .raw file beside it: one acquisition, the folder
            }
            if seen.insert(input).inserted { result.append(input) }
        }
        return result
    }

    private static func name(_ path: String) -> String { (path as NSString).lastPathComponent }

    /// The file name without its format suffix (`a.ome.tif` → `a`, `b.czi` → `b`).
    private static func stem(_ path: String) -> String {
        var stem = name(path)
        for suffix in [".ome.tiff", ".ome.tif", ".ome.zarr", ".companion.ome", ".ome"] where stem.lowercased().hasSuffix(suffix) {
            return String(stem.dropLast(suffix.count))
        }
        if let dot = stem.lastIndex(of: "."), dot != stem.startIndex { stem = String(stem[..<dot]) }
        return stem
    }
}
