import ArgumentParser
import Foundation
import ImMetaIOVideo

extension ImMetaIOCommand {
    /// `immetaio formats`: the plugins, their extensions, what they read and write, and their options.
    struct Formats: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the format plugins: extensions, read/write abilities, read and write options.",
            discussion: """
                Options are found by running each plugin on a small image and recording what it reads, so the \
                list is always the plugins' own. Pass them with --read-option/--option KEY=VALUE.
                """)

        @Flag(help: "Print JSON: one object per plugin.")
        var json = false

        func run() throws {
            var entries: [JSONValue] = []
            for format in registry.formats {
                let (writeOptions, readOptions) = Self.probe(format)
                var entry: JSONObject = [
                    "name": .string(format.name), "extensions": .array(format.extensions.map(JSONValue.string)),
                    "read": true, "write": .bool(format.canWrite),
                ]
                func list(_ options: [FormatOption]?) -> JSONValue {
                    guard let options else { return .null }
                    return .array(options.map { ["name": .string($0.name), "summary": $0.summary.map(JSONValue.string) ?? .null] })
                }
                entry["read_options"] = list(readOptions)
                entry["write_options"] = format.canWrite ? list(writeOptions) : .array([])
                entries.append(.object(entry))
                if !json { print(Self.text(entry)) }
            }
            if json { StandardOutput.printJSON(.array(entries)) }
        }

        static func text(_ entry: JSONObject) -> String {
            let extensions = entry["extensions"]?.arrayValue?.compactMap(\.stringValue).joined(separator: " ") ?? ""
            var lines = ["\(entry["name"]?.stringValue ?? "")  [\(entry["write"]?.boolValue == true ? "read, write" : "read")]  \(extensions)"]
            for (key, title) in [("read_options", "read options"), ("write_options", "write options")] {
                guard let options = entry[key]?.arrayValue else {
                    lines.append("  \(title): not probed (see the plugin's documentation)")
                    continue
                }
                guard !options.isEmpty else { continue }
                lines.append("  \(title):")
                for option in options {
                    let summary = option["summary"]?.stringValue.map { ": " + $0 } ?? ""
                    lines.append("    \(option["name"]?.stringValue ?? "")\(summary)")
                }
            }
            return lines.joined(separator: "\n")
        }

        /// The options a plugin reads when writing and reading a small image of a kind it accepts;
        /// `nil` when no probe image could be written (or, for reading, read).
        static func probe(_ format: any ImageFormat) -> (write: [FormatOption]?, read: [FormatOption]?) {
            let candidates: [NDArray] = [
                NDArray(shape: [16, 16, 3], dtype: .uint8), NDArray(shape: [16, 16], dtype: .uint8),
                NDArray(shape: [16, 16], dtype: .float32), NDArray(shape: [16, 16, 3], dtype: .float32),
            ]
            var bytes: [UInt8]?
            var writeOptions: [FormatOption]?
            for image in candidates where bytes == nil {
                var encoded: [UInt8]?
                let recorded = OptionCatalog.recording {
                    encoded = try? encodeImage(image, as: format.extensions.first ?? format.name, registry: registry)
                }
                if let encoded {
                    bytes = encoded
                    writeOptions = recorded
                }
            }
            guard let bytes else { return (nil, nil) }
            var readOK = false
            let readOptions = OptionCatalog.recording {
                readOK = (try? readImage(from: .bytes(bytes), format: format.name, registry: registry)) != nil
            }
            return (writeOptions, readOK ? readOptions : nil)
        }
    }
}
