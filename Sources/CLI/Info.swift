import ArgumentParser
import ImMetaIOVideo

extension ImMetaIOCommand {
    /// `immetaio info FILE…`: properties and format metadata without decoding pixels.
    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the properties and format metadata of image files.")

        @Argument(help: "Image files to describe.")
        var files: [String]

        @Flag(help: "Print one JSON object per file (a JSON array for several files).")
        var json = false

        func run() throws {
            var reports: [JSONValue] = []
            var failures = 0
            for path in files {
                do {
                    let file = try openImage(.path(path), registry: registry)
                    let properties = try file.properties()
                    let metadata = try file.metadata()
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
                    if json {
                        reports.append(["file": .string(path), "error": .string(error.message), "code": .string(error.code.description)])
                    } else {
                        print("\(path): error: \(error.message) (\(error.code))")
                    }
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
