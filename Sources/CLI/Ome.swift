import ArgumentParser
import Foundation
import ImMetaIO
import Microscopy

extension ImMetaIOCommand {
    /// `immetaio ome …`: microscopy files as TZCYX images with their OME metadata.
    struct Ome: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Microscopy files (OME-TIFF, LSM, CZI, Thorlabs RAW, OME-Zarr) as TZCYX images with OME metadata.",
            subcommands: [OmeInfo.self, OmeConvert.self, OmeBatch.self])
    }

    /// `immetaio ome info FILE…`: axes, shape, physical sizes, channels and provenance of every scene.
    struct OmeInfo: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "info",
            abstract: "Print the axes, shape, physical sizes, channels and levels of every scene of microscopy files.")

        @Argument(help: "Microscopy files or folders (OME-Zarr stores, Thorlabs acquisitions).")
        var files: [String]

        @Option(help: "Describe only this scene (0-based).")
        var scene: Int?

        @Flag(help: "Print JSON (one object per file; an array for several files).")
        var json = false

        @Flag(help: "Include the vendor's raw metadata (annotations) in the text output.")
        var annotations = false

        func validate() throws {
            if let scene, scene < 0 { throw ValidationError("--scene must be 0 or more") }
        }

        func run() throws {
            var reports: [JSONValue] = []
            var failures = 0
            for path in files {
                do {
                    let file = try openMicroscopyFile(path)
                    let scenes = try scene.map { [try file.image(scene: $0)] } ?? file.images
                    let indices = scene.map { [$0] } ?? Array(file.images.indices)
                    if json {
                        let images: [JSONValue] = zip(indices, scenes).map { index, image in
                            guard case .object(var object) = image.metadata.json else { return .null }
                            object["scene"] = .int(index)
                            object["levels"] = .array(image.levelShapes.map { .array($0.map(JSONValue.int)) })
                            return .object(object)
                        }
                        reports.append(["file": .string(path), "format": .string(file.formatName), "scenes": .int(file.images.count),
                                        "images": .array(images)])
                    } else {
                        print("\(path): \(file.formatName), \(file.images.count) scene\(file.images.count == 1 ? "" : "s")")
                        for (index, image) in zip(indices, scenes) { print(Self.describe(image, scene: index, annotations: annotations)) }
                    }
                } catch let error as ImMetaIOError {
                    failures += 1
                    if json {
                        reports.append(["file": .string(path), "error": .string(error.message), "code": .string(error.code.description)])
                    } else {
                        printError("\(path): error: \(error.message) (\(error.code))")
                    }
                }
            }
            if json { print(JSONText.encode(reports.count == 1 ? reports[0] : .array(reports), indent: 2)) }
            if failures > 0 { throw ExitCode(1) }
        }

        static func describe(_ image: any MicroscopyImage, scene: Int, annotations: Bool) -> String {
            let metadata = image.metadata
            func size(_ length: Length?) -> String { length.map(\.description) ?? "-" }
            var lines = ["  scene \(scene)\(metadata.name.map { ": \($0)" } ?? "")"]
            lines.append("    axes \(metadata.axesString)  shape \(metadata.shape.map(String.init).joined(separator: "×"))  \(metadata.dtype)")
            lines.append("    pixel size X \(size(metadata.physicalSizeX))  Y \(size(metadata.physicalSizeY))  Z \(size(metadata.physicalSizeZ))  time increment \(metadata.timeIncrement.map(\.description) ?? "-")")
            if image.levelShapes.count > 1 {
                let levels = image.levelShapes.map { "\($0[3])×\($0[4])" }.joined(separator: ", ")
                lines.append("    levels (Y×X) \(levels)")
            }
            for (index, channel) in metadata.channels.enumerated() {
                let color = channel.color.map { " #\($0.hexRGB)" } ?? ""
                lines.append("    channel \(index): \(channel.name ?? "-")\(color)")
            }
            if let date = metadata.acquisitionDate { lines.append("    acquired \(date)") }
            if let objective = metadata.instrument?.objective { lines.append("    objective \(objective)") }
            for (key, value) in metadata.provenance { lines.append("    \(key): \(value)") }
            if annotations {
                for (key, value) in metadata.annotations { lines.append("    \(key) = \(value)") }
            } else if !metadata.annotations.isEmpty {
                lines.append("    \(metadata.annotations.count) vendor metadata entries (--annotations to list)")
            }
            return lines.joined(separator: "\n")
        }
    }
}

extension ImMetaIOCommand {
    /// `immetaio ome convert IN… --out OUT.ome.tif|OUT.ome.zarr`: microscopy files to OME-TIFF or
    /// OME-Zarr, one scene, every scene, or several files merged along T, Z or C.
    struct OmeConvert: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "convert",
            abstract: "Convert microscopy files to OME-TIFF (.ome.tif) or OME-Zarr 0.5 (.ome.zarr), merging several along T, Z or C.",
            discussion: """
                Folders (other than OME-Zarr stores and Thorlabs acquisitions) stand for the microscopy files in them, in \
                natural order. Without --merge, the scenes go into one OME-TIFF as separate images; OME-Zarr takes one image.
                """)

        @Argument(help: "Microscopy files or folders.")
        var inputs: [String]

        @Option(help: "The output: a path ending in .ome.tif/.ome.tiff or .ome.zarr/.zarr.")
        var out: String

        @Option(help: "Merge the inputs along T, Z or C.")
        var merge: String?

        @Flag(help: "With --merge: zero-pad other axes to the largest extent instead of requiring equal sizes.")
        var pad = false

        @Option(help: "The scene of each input: a number (default 0) or 'all'.")
        var scene = "0"

        @Option(help: "Pyramid levels including full resolution (OME-TIFF: SubIFDs; OME-Zarr: default until one chunk).")
        var levels: Int?

        @Option(help: "Compression: OME-TIFF none, zlib (default) or zstd; OME-Zarr none, zstd (default), gzip or blosc-lz4.")
        var compression: String?

        @Option(help: "Compression level (zlib 0-9, default 6; zstd 1-22, default 3; gzip 0-9; blosc 0-9).")
        var level: Int?

        @Option(help: "OME-TIFF tile edge (a multiple of 16); OME-Zarr chunk edge in Y and X.")
        var tile: Int?

        @Flag(help: "Replace an existing output.")
        var overwrite = false

        @Flag(help: "No progress or summary line.")
        var quiet = false

        @Flag(help: "Print a JSON report (output, images with axes, shape and dtype, seconds) instead of the summary line.")
        var json = false

        var mergeAxis: MicroscopyAxis? {
            get throws {
                guard let merge else { return nil }
                guard merge.count == 1, let axis = MicroscopyAxis(rawValue: Character(merge.uppercased())), [.t, .z, .c].contains(axis) else {
                    throw ValidationError("--merge takes T, Z or C, not '\(merge)'")
                }
                return axis
            }
        }

        func validate() throws {
            _ = try mergeAxis
            if pad, merge == nil { throw ValidationError("--pad applies to --merge") }
            guard scene == "all" || (Int(scene).map { $0 >= 0 } ?? false) else {
                throw ValidationError("--scene takes a scene number (0 or more) or 'all', not '\(scene)'")
            }
            if let levels, !(1...16).contains(levels) { throw ValidationError("--levels must be 1…16") }
            let lower = out.lowercased()
            guard lower.hasSuffix(".ome.tif") || lower.hasSuffix(".ome.tiff") || lower.hasSuffix(".zarr") else {
                throw ValidationError("--out must end in .ome.tif, .ome.tiff, .ome.zarr or .zarr, not '\(out)'")
            }
        }

        func run() throws {
            try reportingErrors {
                let images = try MicroscopyInputs.images(inputs, scene: scene == "all" ? nil : Int(scene))
                var output = images
                if let axis = try mergeAxis {
                    output = [try MergedImage(images, along: axis, policy: pad ? .pad : .strict)]
                }
                if FileManager.default.fileExists(atPath: out) {
                    guard overwrite else { throw CommandFailure(description: "\(out) exists: pass --overwrite to replace it") }
                }
                let started = Date()
                if out.lowercased().hasSuffix(".zarr") {
                    guard output.count == 1 else {
                        throw CommandFailure(
                            description: "OME-Zarr takes one image, and the inputs give \(output.count): merge them with --merge T|Z|C or pick one --scene")
                    }
                    var options = OMEZarrWriteOptions(overwrite: overwrite)
                    options.levelCount = levels
                    if let tile { options.chunkShape = [1, 1, 1, tile, tile] }
                    switch compression ?? "zstd" {
                    case "none": options.compression = .none
                    case "zstd": options.compression = .zstd(level: level ?? 3)
                    case "gzip", "zlib": options.compression = .gzip(level: level ?? 6)
                    case "blosc-lz4": options.compression = .blosc(compressor: "lz4", level: level ?? 5, shuffle: true)
                    case let other: throw ValidationError("--compression for OME-Zarr is none, zstd, gzip or blosc-lz4, not '\(other)'")
                    }
                    _ = try OMEZarrWriter(options: options).write(output[0], to: out)
                } else {
                    let name = compression ?? "zlib"
                    guard let kind = OMETIFFWriteOptions.Compression(rawValue: name == "deflate" ? "zlib" : name) else {
                        throw ValidationError("--compression for OME-TIFF is none, zlib or zstd, not '\(name)'")
                    }
                    let line = ProgressLine(enabled: !quiet && !json && isatty(STDERR_FILENO) != 0, unit: "planes")
                    defer { line.finish() }
                    try writeOMETIFF(output, to: out, options: OMETIFFWriteOptions(compression: kind, level: level, levels: levels ?? 1, tileSize: tile)) {
                        done, total in line.update(done: done, total: total, elapsed: Date().timeIntervalSince(started))
                    }
                }
                if json {
                    StandardOutput.printJSON([
                        "output": .string(out), "seconds": .double(Date().timeIntervalSince(started)),
                        "images": .array(output.map {
                            ["axes": .string($0.metadata.axesString), "shape": .array($0.metadata.shape.map(JSONValue.int)),
                             "dtype": .string($0.metadata.dtype.rawValue)]
                        }),
                    ])
                } else if !quiet {
                    let seconds = Date().timeIntervalSince(started)
                    let shapes = output.map { "\($0.metadata.axesString) \($0.metadata.shape.map(String.init).joined(separator: "×"))" }
                    print("\(out): \(shapes.joined(separator: ", ")) \(output[0].metadata.dtype) in \(String(format: "%.2f", seconds)) s")
                }
            }
        }
    }
}

/// The images that command-line inputs stand for.
enum MicroscopyInputs {
    /// Files and folders expanded (folders in natural order), each file's chosen scene or every
    /// scene; a multi-file OME-TIFF set reached through several of its files counts once.
    static func images(_ inputs: [String], scene: Int?) throws -> [any MicroscopyImage] {
        var images: [any MicroscopyImage] = []
        var seen = Set<String>()
        for path in try expand(inputs) {
            let file = try openMicroscopyFile(path)
            let chosen = try scene.map { [try file.image(scene: $0)] } ?? file.images
            for (index, image) in chosen.enumerated() {
                // Only files that lead to another (the TIFFs of a set to its companion) repeat: the
                // same input given twice is merged twice.
                let source = image.metadata.provenance["source_file"] ?? path
                if source != path, !seen.insert("\(source)#\(scene ?? index)").inserted { continue }
                images.append(image)
            }
        }
        guard !images.isEmpty else { throw CommandFailure(description: "no microscopy files in \(inputs.joined(separator: ", "))") }
        return images
    }

    /// Inputs with plain folders replaced by the microscopy files in them.
    static func expand(_ inputs: [String]) throws -> [String] {
        var result: [String] = []
        for input in inputs {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isFolder) else {
                throw CommandFailure(description: "\(input): no such file or folder")
            }
            if isFolder.boolValue, MicroscopyFormatKind.detect(input) == nil {
                let names = try FileManager.default.contentsOfDirectory(atPath: input).filter { !$0.hasPrefix(".") }.sorted(by: NaturalOrder.precedes)
                let base = input.hasSuffix("/") ? String(input.dropLast()) : input
                result += names.map { "\(base)/\($0)" }.filter { MicroscopyFormatKind.detect($0) != nil }
            } else {
                result.append(input)
            }
        }
        return result
    }
}

extension ImMetaIOCommand {
    /// `immetaio ome batch ROOT --exp TP …`: a BIDS-like project tree converted with a run report.
    struct OmeBatch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "batch",
            abstract: "Convert a project tree ROOT/<subject>/<experiment>/[<tag folder>/]files to OME-TIFF or OME-Zarr.",
            discussion: """
                Outputs go to <experiment>/immetaio_converted/ (--out-folder). A rerun skips outputs that exist and are \
                complete. The report lists every output as converted, merged, skipped or failed, with the reason.
                """)

        @Argument(help: "The project root.")
        var root: String

        @Option(help: "Subject folders start with this.")
        var sub = "sub-"

        @Option(help: "Experiment folders match this (see --exp-match).")
        var exp: String

        @Option(help: "How --exp matches: prefix, exact or regex.")
        var expMatch = "prefix"

        @Option(help: "Only tag folders starting with this, inside each experiment, hold the files (e.g. TAG_).")
        var tag: String?

        @Flag(help: "Merge an experiment's tag folders into one output.")
        var mergeTags = false

        @Flag(help: "Merge the files of a folder (an experiment, or each tag folder) into one output.")
        var mergeFiles = false

        @Option(help: "The axis merges join along: T, Z or C.")
        var mergeAxis = "T"

        @Flag(help: "Merges require equal sizes on the other axes (default: zero-pad them).")
        var strict = false

        @Option(help: "The output format: ome-tiff or ome-zarr.")
        var to = "ome-tiff"

        @Option(help: "The folder inside each experiment that receives the outputs.")
        var outFolder = "immetaio_converted"

        @Option(help: "The scene of each file.")
        var scene = 0

        @Flag(help: "Convert again what is already converted.")
        var overwrite = false

        @Option(help: "Also write the report as JSON to this file.")
        var report: String?

        @Flag(help: "Print the report as JSON instead of a table.")
        var json = false

        func validate() throws {
            guard MicroscopyBatchOptions.Match(rawValue: expMatch) != nil else {
                throw ValidationError("--exp-match takes prefix, exact or regex, not '\(expMatch)'")
            }
            guard mergeAxis.count == 1, let axis = MicroscopyAxis(rawValue: Character(mergeAxis.uppercased())), [.t, .z, .c].contains(axis) else {
                throw ValidationError("--merge-axis takes T, Z or C, not '\(mergeAxis)'")
            }
            guard MicroscopyBatchOptions.Output(rawValue: to) != nil else { throw ValidationError("--to takes ome-tiff or ome-zarr, not '\(to)'") }
            if mergeTags, tag == nil { throw ValidationError("--merge-tags needs --tag") }
            if scene < 0 { throw ValidationError("--scene must be 0 or more") }
        }

        func run() throws {
            var options = MicroscopyBatchOptions(experimentPattern: exp)
            options.subjectPrefix = sub
            options.experimentMatch = MicroscopyBatchOptions.Match(rawValue: expMatch) ?? .prefix
            options.tagPrefix = tag
            options.mergeTags = mergeTags
            options.mergeFiles = mergeFiles
            options.mergeAxis = MicroscopyAxis(rawValue: Character(mergeAxis.uppercased())) ?? .t
            options.mergePolicy = strict ? .strict : .pad
            options.output = MicroscopyBatchOptions.Output(rawValue: to) ?? .omeTIFF
            options.outputFolderName = outFolder
            options.scene = scene
            options.overwrite = overwrite
            let interactive = isatty(STDERR_FILENO) != 0 && !json
            let result = try reportingErrors {
                try convertMicroscopyProject(root: root, options: options) { entry in
                    if interactive { printError("\(entry.status.rawValue): \(entry.output)") }
                }
            }
            let text = JSONText.encode(result.json, indent: 2)
            if let report {
                do {
                    try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: report), options: .atomic)
                } catch {
                    throw CommandFailure(description: "\(report): cannot write the report: \(error.localizedDescription)")
                }
            }
            if json {
                print(text)
            } else {
                print(Self.table(result))
            }
            if result.count(.failed) > 0 { throw ExitCode(1) }
        }

        /// The report as a terminal table: status, output, inputs, shape or reason.
        static func table(_ report: MicroscopyBatchReport) -> String {
            var rows: [[String]] = [["status", "output", "inputs", "shape / reason"]]
            for entry in report.entries {
                let detail = entry.status == .failed || entry.status == .skipped
                    ? entry.reason ?? "" : entry.shape.map { $0.map(String.init).joined(separator: "×") } ?? ""
                rows.append([entry.status.rawValue, entry.output, entry.inputs.joined(separator: " + "), detail])
            }
            let widths = (0..<3).map { column in rows.map { $0[column].count }.max() ?? 0 }
            var lines = rows.map { row in
                (0..<3).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + row[3]
            }
            lines.append(
                "\(report.count(.converted)) converted, \(report.count(.merged)) merged, \(report.count(.skipped)) skipped, \(report.count(.failed)) failed")
            return lines.joined(separator: "\n")
        }
    }
}
