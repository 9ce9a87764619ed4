import Foundation

/// The shared test corpus (`IMMETAIO_CORPUS`, or `../shared/corpus` beside the checkout) and its manifest.
enum Corpus {
    struct Entry: Sendable, CustomTestStringConvertible {
        var file: String
        var format: String
        var expectError: Bool
        var shape: [Int]?
        var dtype: String?
        var pixelSHA256: String?
        var testDescription: String { file }
    }

    static let root: URL? = {
        let environment = ProcessInfo.processInfo.environment["IMMETAIO_CORPUS"]
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [environment.map { URL(fileURLWithPath: $0) }, packageRoot.appendingPathComponent("../shared/corpus")]
        for candidate in candidates.compactMap({ $0 })
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("manifest.json").path) {
            return candidate.standardizedFileURL
        }
        return nil
    }()

    static var isAvailable: Bool { root != nil }

    static let missingNote: Comment = "corpus not found: set IMMETAIO_CORPUS or place it at ../shared/corpus"

    static func entries(formats: Set<String>) -> [Entry] {
        guard let root, let data = try? Data(contentsOf: root.appendingPathComponent("manifest.json")),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let files = json["files"] as? [[String: Any]]
        else { return [] }
        return files.compactMap { file in
            guard let name = file["file"] as? String, let format = file["format"] as? String, formats.contains(format)
            else { return nil }
            return Entry(
                file: name, format: format, expectError: file["expect_error"] as? Bool ?? false,
                shape: file["shape"] as? [Int], dtype: file["dtype"] as? String,
                pixelSHA256: file["pixel_sha256"] as? String)
        }
    }

    static func path(_ entry: Entry) -> String { root?.appendingPathComponent(entry.file).path ?? entry.file }
}

import Testing
