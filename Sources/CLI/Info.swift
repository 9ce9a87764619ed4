import ArgumentParser
import ImMetaIOVideo

extension ImMetaIOCommand {
    /// `immetaio info FILE…`: properties and format metadata without decoding pixels.
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the properties and format metadata of image files.")

        @Argument(help: "Image files to describe ('-': standard input).")
        var files: [String]

        @Option(parsing: .unconditional, help: "Describe the image at this index (0-based; -1 is the last) instead of the file's default.")
        var index: Int?

        @Flag(help: "Also list metadata the reader applied to the pixels (imageio's exclude_applied=False).")
        var includeApplied = false

        @OptionGroup var read: ReadArguments

        @Flag(help: "Print one JSON object per file (a JSON array for several files).")
        var json = false

        func validate() throws {
            if files.filter({ $0 == "-" }).count > 1 { throw ValidationError("standard input can be read once") }
            _ = try read.readOptions()
        }

        func run() throws {
            var reports: [JSONValue] = []
            var failures = 0
            for path in files {
                do {
                    let file = try read.open(path)
                    let position = try index.map { ImageIndex.at(try Arguments.resolve(index: $0, count: try file.imageCount(), source: path)) }
                    let properties = try file.properties(index: position)
                    let metadata = try file.metadata(index: position, excludeApplied: !includeApplied)
                    var report: JSONObject = [
                        "file": .string(path), "format": .string(file.format.name),
                        "shape": .array(properties.shape.map(JSONValue.int)),
                        "dtype": .string(properties.dtype.rawValue),
                        "image_count": properties.imageCount.map(JSONValue.int) ?? .null,
                        "is_batch": .bool(properties.isBatch),
                    ]
                    if let spacing = properties.spacing { report["spacing"] = .array(spacing.map(JSONValue.double)) }
                    report["metadata"] = .object(metadata)
                    if json {
                        reports.append(.object(report))
                    } else {
                        print(Self.text(report))
                    }
                } catch let error as ImMetaIOError {
                    failures += 1
                    if json { reports.append(["file": .string(path), "error": .string(error.message), "code": .string(error.code.description)]) }
                    printError("\(path): error: \(error.message) (\(error.code))")
                } catch let failure as CommandFailure {
                    failures += 1
                    if json { reports.append(["file": .string(path), "error": .string(failure.description)]) }
                    printError("Error: \(failure.description)")
                }
            }
            if json { print(JSONText.encode(reports.count == 1 ? reports[0] : .array(reports), indent: 2)) }
            if failures > 0 { throw ExitCode(1) }
        }

        static func text(_ report: JSONObject) -> String {
            var lines = ["\(report["file"]?.stringValue ?? "")"]
            for (key, value) in report where key != "file" {
                if key == "metadata", case .object(let metadata) = value {
                    lines.append("  metadata:")
                    for (name, item) in metadata { lines.append("    \(name): \(item)") }
                } else {
                    lines.append("  \(key): \(value)")
                }
            }
            return lines.joined(separator: "\n")
        }
    }
}
