import ArgumentParser
import Foundation
import ImMetaIOVideo
import Microscopy

extension ImMetaIOCommand {
    /// `immetaio copy SRC DST` or `immetaio copy SRC… --out-dir DIR`: decode and write in another format.
    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert images to the format the destination's extension names (.npy keeps the decoded array exactly).",
            discussion: """
                A sidecar (<stem>.json) travels with its image unless --no-meta is given. Several sources, or folders \
                (their images in natural order), need --out-dir; --name makes each output's name from {stem}, {name}, \
                {ext} and {index} (e.g. --name '{stem}.tif' or --name 'frame_{index:04}.png'). '-' reads standard \
                input or writes standard output (name the output's format with --format). Microscopy files \
                (OME-TIFF, LSM, CZI, Thorlabs RAW, OME-Zarr) are written as the chosen scene's 5-D TZCYX array \
                (TZCYXS for colour pixels); --scene does the same for any TIFF.
                """)

        @Argument(help: "The files or folders to read, then the file to write ('-': standard input/output).")
        var paths: [String]

        @Option(help: "Write into this folder, one file per source (named by --name).")
        var outDir: String?

        @Option(help: "The output name pattern with --out-dir: {stem}, {name}, {ext}, {index} or {index:WIDTH}.")
        var name = "{name}"

        @Option(help: "The output format (a plugin name or an extension) when writing to standard output.")
        var format: String?

        @Option(parsing: .unconditional, help: "Read only the image at this index (0-based; -1 is the last).")
        var index: Int?

        @Flag(help: "Read every image, stacked along a new first axis.")
        var all = false

        @Option(help: "With --all: the most pixel bytes to hold (imageio's memtest: 256MB, 1GiB, a byte count, true, false; 0 or none: no limit).")
        var memoryLimit = "256MB"

        @Option(name: .customLong("option"), help: "A write option KEY=VALUE (repeatable), e.g. --option quality=95.")
        var options: [String] = []

        @OptionGroup var read: ReadArguments

        @Option(help: "For microscopy files: the scene (series) to write as a 5-D TZCYX(S) array (default 0).")
        var scene: Int?

        @Flag(help: "Swap red and blue: copies a Python immetaio (OpenCV, BGR) file into RGB order, or back (NPY to NPY is never swapped).")
        var bgr = false

        @Flag(help: "Do not copy the sidecar (<stem>.json).")
        var noMeta = false

        @Flag(help: "Print a JSON report (one object per copy) instead of text.")
        var json = false

        func validate() throws {
            if all, index != nil { throw ValidationError("use either --index or --all, not both") }
            if let scene, scene < 0 { throw ValidationError("--scene must be 0 or more") }
            if scene != nil, index != nil || all { throw ValidationError("--scene reads a whole scene: use it without --index or --all") }
            if outDir == nil, paths.count != 2 {
                throw ValidationError("give a source and a destination, or several sources with --out-dir DIR")
            }
            if outDir != nil, paths.contains("-") { throw ValidationError("'-' cannot be used with --out-dir") }
            if json, outDir == nil, paths.last == "-" { throw ValidationError("--json prints to standard output, where '-' sends the image") }
            do { _ = try MemoryLimit(parsing: memoryLimit) } catch { throw ValidationError("--memory-limit: \(error.message)") }
            _ = try Arguments.options(options, flag: "--option")
            _ = try read.readOptions()
            if outDir != nil { _ = try NamePattern(name) }
        }

        func run() throws {
            let writeOptions = try Arguments.options(options, flag: "--option")
            let pairs = try SourceList.pairs(paths, outDir: outDir, pattern: name)
            let failures = SourceList.each(pairs, unit: "files", json: json, single: outDir == nil) { pair in
                let report = try copy(pair.source, to: pair.destination, writeOptions: writeOptions)
                if !json, pair.destination != "-" { print(Self.line(report)) }
                return report
            }
            if failures > 0 { throw ExitCode(1) }
        }

        static func line(_ report: JSONObject) -> String {
            let shape = report["shape"]?.arrayValue?.compactMap(\.intValue).map(String.init).joined(separator: "×") ?? ""
            var text = "\(report["source"]?.stringValue ?? "") -> \(report["destination"]?.stringValue ?? ""): "
            if let axes = report["axes"]?.stringValue { text += axes + " " }
            if let frames = report["frames"]?.intValue { text += "\(frames) frames of " }
            text += "\(shape) \(report["dtype"]?.stringValue ?? "")"
            if let sidecar = report["sidecar"]?.stringValue { text += " (+ \(sidecar))" }
            return text
        }

        /// Copies one file; returns what was written.
        private func copy(_ source: String, to destination: String, writeOptions: JSONObject) throws -> JSONObject {
            var report: JSONObject = ["source": .string(source), "destination": .string(destination)]
            let toStandardOutput = destination == "-"
            if toStandardOutput, format == nil { throw ImMetaIOError(.invalidArgument, "writing to standard output needs --format (png, .tif …)") }
            // The BGR side is the image file: NPY holds arrays as they are, so NPY to NPY is never swapped.
            let swaps = bgr && !(FileExtension.of(source) == ".npy" && FileExtension.of(destination) == ".npy")
            func write(_ image: NDArray, metadata: JSONObject = [:]) throws {
                let image = swaps ? image.swappingRedAndBlue() : image
                if toStandardOutput {
                    StandardOutput.write(try encodeImage(image, as: format ?? "", options: writeOptions, metadata: metadata, registry: registry))
                } else {
                    try writeImage(image, to: destination, format: format, options: writeOptions, metadata: metadata, registry: registry)
                }
                report["shape"] = .array(image.shape.map(JSONValue.int))
                report["dtype"] = .string(image.dtype.rawValue)
            }
            if source != "-", scene != nil || (index == nil && !all && MicroscopyFormatKind.detect(source)?.isMicroscopySpecific == true) {
                let chosen = try openMicroscopyFile(source).image(scene: scene ?? 0)
                try write(try chosen.read())
                report["axes"] = .string(chosen.metadata.axesString)
            } else {
                let file = try read.open(source)
                let isVideo = file.format.name == "ffmpeg"
                if isVideo, !toStandardOutput, index == nil,
                    try registry.writeFormat(forPath: destination, format: format, extensionHint: nil).name == "ffmpeg"
                {
                    // Video to video is copied frame by frame: one decoded frame in memory, whatever its length.
                    let writer = try ImageFileWriter(path: destination, format: format, options: writeOptions, registry: registry)
                    var frames = try file.frames()
                    var count = 0
                    while let frame = try frames.next() {
                        try writer.append(swaps ? frame.swappingRedAndBlue() : frame)
                        count += 1
                    }
                    try writer.finish()
                    report["frames"] = .int(count)
                    report["shape"] = .array(try file.properties(index: .at(0)).shape.map(JSONValue.int))
                    report["dtype"] = .string(try file.properties(index: .at(0)).dtype.rawValue)
                } else if all {
                    let limit = try MemoryLimit(parsing: memoryLimit).bytes()
                    let properties = try file.properties(index: .all)
                    let bytes = properties.shape.reduce(properties.dtype.itemSize, *)
                    if let limit, bytes > limit {
                        throw ImMetaIOError(
                            .limitExceeded, "--all would hold \(bytes) bytes of pixels, over --memory-limit \(memoryLimit); raise it or use --index",
                            file: file.displayName)
                    }
                    try write(try file.read(index: .all), metadata: try file.metadata(index: .at(0)))
                } else {
                    let position = try index.map { try Arguments.resolve(index: $0, count: try file.imageCount(), source: source) }
                    let chosen = position.map(ImageIndex.at)
                    // Metadata the destination format understands (text, resolution) is carried over.
                    try write(try file.read(index: chosen), metadata: try file.metadata(index: chosen))
                }
            }
            if !noMeta, source != "-", !toStandardOutput {
                let sidecar = try loadMetadata(from: source)
                if !sidecar.isEmpty { report["sidecar"] = .string(try saveMetadata(sidecar, to: destination)) }
            }
            return report
        }
    }
}
