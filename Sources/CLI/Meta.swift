import ArgumentParser
import Foundation
import ImMetaIOVideo

extension ImMetaIOCommand {
    /// `immetaio meta FILE…`: print or edit metadata sidecars; `immetaio meta FOLDER`: per-key lists.
    struct Meta: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print or edit the metadata sidecars (<stem>.json) of images saved with their metadata.",
            discussion: """
                For a folder, prints each key's values across its images (natural order; the extensions \
                load(folder:) reads: .png, .exr, .npy unless --extensions says otherwise), with null where an \
                image's sidecar lacks the key, as Python immetaio's load returns them. --set and --delete edit \
                each file's sidecar in place, atomically (a missing sidecar is created).
                """)

        @Argument(help: "Images, their .json sidecars, or folders.")
        var files: [String]

        @Option(help: "Set KEY to a JSON value (repeatable): --set exposure=0.02 --set 'lens=\"50mm\"'.")
        var set: [String] = []

        @Option(help: "Remove KEY (repeatable); a key the sidecar lacks is an error.")
        var delete: [String] = []

        @Option(help: "For folders: comma-separated extensions to read (e.g. .png,.tif), or 'all' for every readable one.")
        var extensions: String?

        @Flag(help: "Print JSON: a file's sidecar, {path: sidecar} for several, {files, metadata} for a folder.")
        var json = false

        func validate() throws {
            _ = try Arguments.jsonPairs(set, flag: "--set")
            if let extensions, extensions != "all" {
                let parts = extensions.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.allSatisfy({ !$0.isEmpty && !$0.contains("/") }) else {
                    throw ValidationError("--extensions takes comma-separated extensions (.png,.tif) or 'all', not '\(extensions)'")
                }
            }
        }

        private var folderExtensions: Set<String>? {
            guard let extensions else { return ImageBatch.defaultFolderExtensions }
            if extensions == "all" { return nil }
            return Set(extensions.split(separator: ",").map { FileExtension.normalized($0.trimmingCharacters(in: .whitespaces)) })
        }

        func run() throws {
            let changes = try Arguments.jsonPairs(set, flag: "--set")
            let editing = !changes.isEmpty || !delete.isEmpty
            var results: [(path: String, value: JSONValue)] = []
            var failures = 0
            for path in files {
                do {
                    let value: JSONValue
                    if Self.isFolder(path) {
                        guard !editing else { throw ImMetaIOError(.invalidArgument, "--set and --delete edit files, not folders", file: path) }
                        value = try folderLists(path)
                        if !json { print(Self.text(folder: value)) }
                    } else {
                        var metadata = try Self.existingMetadata(path)
                        if editing {
                            for key in delete {
                                guard metadata[key] != nil else {
                                    throw ImMetaIOError(.invalidArgument, "the sidecar has no key '\(key)' to delete", file: AutomaticFormat.sidecarPath(for: path))
                                }
                                metadata[key] = nil
                            }
                            for (key, item) in changes { metadata[key] = item }
                            let sidecar = try saveMetadata(metadata, to: path)
                            if !json { print("\(sidecar): \(Self.summary(set: Array(changes.keys), deleted: delete))") }
                        } else if !json {
                            if files.count > 1 { print("\(path):") }
                            print(SidecarJSON.encode(metadata), terminator: "")
                        }
                        value = .object(metadata)
                    }
                    results.append((path, value))
                } catch let error as ImMetaIOError {
                    failures += 1
                    printError("Error: \(error.description)")
                }
            }
            if json, !results.isEmpty {
                var byPath = JSONObject()
                for (path, value) in results { byPath[path] = value }
                StandardOutput.printJSON(files.count == 1 ? results[0].value : .object(byPath))
            }
            if failures > 0 { throw ExitCode(1) }
        }

        static func isFolder(_ path: String) -> Bool {
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
        }

        /// The sidecar of `path` (empty when the image has none); neither image nor sidecar existing is an error.
        static func existingMetadata(_ path: String) throws -> JSONObject {
            let sidecar = FileExtension.of(path) == ".json" ? path : AutomaticFormat.sidecarPath(for: path)
            guard FileManager.default.fileExists(atPath: path) || FileManager.default.fileExists(atPath: sidecar) else {
                throw ImMetaIOError(.missingFile, "no such image or sidecar", file: path)
            }
            return try loadMetadata(from: path)
        }

        /// `{"files": […], "metadata": {key: [value or null per file]}}`.
        private func folderLists(_ folder: String) throws -> JSONValue {
            let paths = try imagePaths(inFolder: folder, extensions: folderExtensions, registry: registry)
            let sidecars = try paths.map { try loadMetadata(from: $0) }
            var keys: [String] = []
            var seen = Set<String>()
            for sidecar in sidecars { for key in sidecar.keys where seen.insert(key).inserted { keys.append(key) } }
            var lists = JSONObject()
            for key in keys { lists[key] = .array(sidecars.map { $0[key] ?? .null }) }
            return ["files": .array(paths.map(JSONValue.string)), "metadata": .object(lists)]
        }

        static func text(folder: JSONValue) -> String {
            let count = folder["files"]?.arrayValue?.count ?? 0
            var lines = ["\(count) image\(count == 1 ? "" : "s")"]
            if case .object(let lists)? = folder["metadata"] {
                for (key, values) in lists { lines.append("\(key): \(JSONText.encode(values))") }
            }
            return lines.joined(separator: "\n")
        }

        static func summary(set: [String], deleted: [String]) -> String {
            var parts: [String] = []
            if !set.isEmpty { parts.append("set " + set.joined(separator: ", ")) }
            if !deleted.isEmpty { parts.append("deleted " + deleted.joined(separator: ", ")) }
            return parts.joined(separator: "; ")
        }
    }
}
