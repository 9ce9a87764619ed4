import ArgumentParser
import Foundation
import ImMetaIOVideo

extension ImMetaIOCommand {
    /// `immetaio save SRC DST --meta KEY=JSON …`: an image plus its JSON sidecar, as the library's `save` writes them.
    struct Save: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save images with a metadata sidecar (<stem>.json); without an extension, the format follows the dtype.",
            discussion: """
                The sidecar holds the source's own sidecar (if any), then --meta-file's keys, then each --meta \
                (later ones win). A destination without extension gets Python immetaio's automatic format (PNG for \
                uint8/uint16 images, OpenEXR for float32 gray or RGB, NPY otherwise). Several sources, or folders, \
                need --out-dir; --name makes each output's name ({stem}, {name}, {ext}, {index}, {index:WIDTH}; \
                default {stem}, so the format is automatic). '-' reads standard input.
                """)

        @Argument(help: "The images or folders to read, then the destination (without --out-dir).")
        var paths: [String]

        @Option(help: "Save into this folder, one image (and sidecar) per source, named by --name.")
        var outDir: String?

        @Option(help: "The output name pattern with --out-dir: {stem}, {name}, {ext}, {index} or {index:WIDTH}.")
        var name = "{stem}"

        @Option(help: "A sidecar entry KEY=JSON (repeatable): --meta exposure=0.01 --meta 'lens=\"50mm\"'.")
        var meta: [String] = []

        @Option(help: "A JSON file whose object's keys go into every sidecar.")
        var metaFile: String?

        @Flag(help: "Encode on background threads and wait for all at the end (errors are reported then).")
        var nonblocking = false

        @Flag(help: "Write colour images in BGR order, as Python immetaio (OpenCV) does, for it to read them back as saved.")
        var bgr = false

        @Option(name: .customLong("option"), help: "A write option KEY=VALUE (repeatable), e.g. --option compression=9.")
        var options: [String] = []

        @OptionGroup var read: ReadArguments

        @Flag(help: "Print a JSON report instead of text.")
        var json = false

        func validate() throws {
            if outDir == nil, paths.count != 2 { throw ValidationError("give a source and a destination, or several sources with --out-dir DIR") }
            if paths.dropLast(outDir == nil ? 1 : 0).filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input can be read once") }
            if outDir == nil, paths.last == "-" { throw ValidationError("save writes files (an image and its sidecar): use copy to write standard output") }
            _ = try Arguments.jsonPairs(meta, flag: "--meta")
            _ = try Arguments.options(options, flag: "--option")
            _ = try read.readOptions()
            if outDir != nil { _ = try NamePattern(name) }
        }

        func run() throws {
            var extra = JSONObject()
            if let metaFile {
                extra = try reportingErrors {
                    let bytes = try ResourceBytes(mapping: metaFile)
                    guard case .object(let object) = try JSONParser.parse(bytes.withUnsafeBytes { Array($0) }) else {
                        throw ImMetaIOError(.invalidArgument, "--meta-file must hold a JSON object", file: metaFile)
                    }
                    return object
                }
            }
            for (key, value) in try Arguments.jsonPairs(meta, flag: "--meta") { extra[key] = value }
            let writeOptions = try Arguments.options(options, flag: "--option")
            let pairs = try SourceList.pairs(paths, outDir: outDir, pattern: name)
            var failures = SourceList.each(pairs, unit: "images", json: json, single: outDir == nil) { pair in
                let image = try read.open(pair.source).read(index: .at(0))
                var metadata = pair.source == "-" ? JSONObject() : try loadMetadata(from: pair.source)
                for (key, value) in extra { metadata[key] = value }
                let files = try save(
                    image, to: pair.destination, metadata: metadata, nonblocking: nonblocking, colorOrder: bgr ? .bgr : .rgb,
                    options: writeOptions, registry: registry)
                if !json {
                    let shape = image.shape.map(String.init).joined(separator: "×")
                    print("\(pair.source) -> \(files.image)\(files.sidecar.map { " + \($0)" } ?? ""): \(shape) \(image.dtype)")
                }
                return [
                    "source": .string(pair.source), "image": .string(files.image), "sidecar": files.sidecar.map(JSONValue.string) ?? .null,
                    "shape": .array(image.shape.map(JSONValue.int)), "dtype": .string(image.dtype.rawValue),
                ]
            }
            if nonblocking {
                do {
                    try waitSaves()
                } catch {
                    // Every background failure, each naming its file.
                    printError("Error: \(error)")
                    failures += 1
                }
            }
            if failures > 0 { throw ExitCode(1) }
        }
    }
}
