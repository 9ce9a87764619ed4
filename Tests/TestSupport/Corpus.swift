import Foundation

/// The shared test corpus (`IMMETAIO_CORPUS`, or `../shared/corpus` beside the checkout) and its manifest.
public enum Corpus {
    /// One file of the manifest: what the reference decoders made of it.
    public struct Entry: Sendable, CustomStringConvertible {
        /// The path inside the corpus.
        public var file: String
        /// The corpus folder (`png`, `czi` …).
        public var format: String
        /// Whether the reference decoders refuse the file.
        public var expectError: Bool
        /// The reference decode's shape.
        public var shape: [Int]?
        /// The reference decode's dtype.
        public var dtype: String?
        /// SHA-256 of the reference decode's bytes (C order, little-endian).
        public var pixelSHA256: String?
        /// The manifest's axes and notes (`TZCYX 5 pages NONE`), when given.
        public var axes: String?
        public var description: String { file }
    }

    /// The corpus folder, or `nil` when it is not there.
    public static let root: URL? = {
        let environment = ProcessInfo.processInfo.environment["IMMETAIO_CORPUS"]
        // Tests/TestSupport/Corpus.swift → the package root.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let candidates = [environment.map { URL(fileURLWithPath: $0) }, packageRoot.appendingPathComponent("../shared/corpus")]
        for candidate in candidates.compactMap({ $0 })
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("manifest.json").path) {
            return candidate.standardizedFileURL
        }
        return nil
    }()

    /// Whether the corpus is there.
    public static var isAvailable: Bool { root != nil }

    /// Why corpus tests are skipped when it is missing.
    public static let missingText = "corpus not found: set IMMETAIO_CORPUS or place it at ../shared/corpus"

    /// A manifest that is there but cannot be read: the corpus tests fail rather than pass with
    /// no files.
    public struct ManifestError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The manifest's `files` objects; empty when the corpus is missing.
    public static func manifestFiles() throws -> [[String: Any]] {
        guard let root else { return [] }
        let url = root.appendingPathComponent("manifest.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let files = (json as? [String: Any])?["files"] as? [[String: Any]] else {
            throw ManifestError(description: "\(url.path) has no `files` list")
        }
        return files
    }

    /// The manifest's entries of the given corpus folders; empty when the corpus is missing.
    public static func entries(formats: Set<String>) throws -> [Entry] {
        try manifestFiles().compactMap { file in
            guard let name = file["file"] as? String, let format = file["format"] as? String, formats.contains(format)
            else { return nil }
            return Entry(
                file: name, format: format, expectError: file["expect_error"] as? Bool ?? false,
                shape: file["shape"] as? [Int], dtype: file["dtype"] as? String,
                pixelSHA256: file["pixel_sha256"] as? String, axes: file["axes"] as? String)
        }
    }

    /// The entry's absolute path.
    public static func path(_ entry: Entry) -> String { root?.appendingPathComponent(entry.file).path ?? entry.file }
}

