import ArgumentParser
import ImMetaIOVideo
import Microscopy

extension ImMetaIOCommand {
    /// `immetaio copy SRC DST`: decode any supported file and write it in DST's format.
    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert an image to the format DST's extension names (.npy keeps the decoded array exactly).",
            discussion: """
                Microscopy files (OME-TIFF, LSM, CZI, Thorlabs RAW, OME-Zarr) are written as the chosen scene's 5-D \
                TZCYX array (TZCYXS for colour pixels); --scene does the same for any TIFF.
                """)

        @Argument(help: "The file to read.")
        var source: String

        @Argument(help: "The file to write; its extension chooses the format.")
        var destination: String

        @Option(help: "Read only the image at this index (0-based).")
        var index: Int?

        @Flag(help: "Read every image, stacked along a new first axis.")
        var all = false

        @Option(name: .customLong("option"), help: "A write option KEY=VALUE (repeatable), e.g. --option quality=95.")
        var options: [String] = []

        @Option(help: "For microscopy files: the scene (series) to write as a 5-D TZCYX(S) array (default 0).")
        var scene: Int?

        func validate() throws {
            if all, index != nil { throw ValidationError("use either --index or --all, not both") }
            if let index, index < 0 { throw ValidationError("--index must be 0 or more") }
            if let scene, scene < 0 { throw ValidationError("--scene must be 0 or more") }
            if scene != nil, index != nil || all { throw ValidationError("--scene reads a whole scene: use it without --index or --all") }
        }

        func run() throws {
            let writeOptions = try Self.parse(options)
            try reportingErrors {
                if scene != nil || (index == nil && !all && MicroscopyFormatKind.detect(source)?.isMicroscopySpecific == true) {
                    let chosen = try openMicroscopyFile(source).image(scene: scene ?? 0)
                    let image = try chosen.read()
                    try writeImage(image, to: destination, options: writeOptions, registry: registry)
                    let shape = image.shape.map(String.init).joined(separator: "×")
                    print("\(source) -> \(destination): \(chosen.metadata.axesString) \(shape) \(image.dtype)")
                    return
                }
                let file = try openImage(.path(source), registry: registry)
                let target = try registry.writeFormat(forPath: destination, format: nil, extensionHint: nil)
                if file.format.name == "ffmpeg", target.name == "ffmpeg", index == nil {
                    // Video to video is copied frame by frame: one decoded frame in memory, whatever its length.
                    let writer = try ImageFileWriter(path: destination, options: writeOptions, registry: registry)
                    var frames = try file.frames()
                    var count = 0
                    while let frame = try frames.next() {
                        try writer.append(frame)
                        count += 1
                    }
                    try writer.finish()
                    let shape = try file.properties(index: 0).shape.map(String.init).joined(separator: "×")
                    print("\(source) -> \(destination): \(count) frames of \(shape) uint8")
                    return
                }
                let image = try file.read(index: all ? .all : index.map(ImageIndex.at))
                // Metadata the destination format understands (text, resolution) is carried over.
                let metadata = try file.metadata(index: index.map(ImageIndex.at))
                try writeImage(image, to: destination, options: writeOptions, metadata: metadata, registry: registry)
                print("\(source) -> \(destination): \(image.shape.map(String.init).joined(separator: "×")) \(image.dtype)")
            }
        }

        /// `key=value` pairs; values are read as JSON (numbers, `true`, `[16, 16]`) when they parse
        /// as such, else as strings.
        static func parse(_ pairs: [String]) throws -> JSONObject {
            var object = JSONObject()
            for pair in pairs {
                guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
                    throw ValidationError("--option expects KEY=VALUE, not '\(pair)'")
                }
                let key = String(pair[..<equals])
                let text = String(pair[pair.index(after: equals)...])
                object[key] = (try? JSONParser.parse(text)) ?? .string(text)
            }
            return object
        }
    }
}
