import TestSupport
import Foundation
import ImMetaIO
import Testing

/// Every OpenEXR file of the shared corpus: each channel of each part matches the reference
/// decode's per-channel pixel hash; files the reference rejects give typed errors.
@Suite("Corpus conformance: OpenEXR", .enabled(if: Corpus.isAvailable, Corpus.missingNote))
struct EXRConformanceTests {
    struct Entry: Sendable, CustomTestStringConvertible {
        var file: String
        var expectError: Bool
        /// Per part: channel name → (dtype, sha256).
        var parts: [[String: [String]]]
        var testDescription: String { file }
    }

    /// Files we decode differently on purpose, with the reason.
    static let deliberateDifferences: [String: String] = [
        "exr/openexr-images/Rec709_YC.exr": "luminance/chroma file with subsampled BY/RY channels: refused (unsupportedFeature)",
        "exr/openexr/comp_b44.exr": "luminance/chroma file with subsampled BY/RY channels: refused (unsupportedFeature)",
    ]

    static func entries() throws -> [Entry] {
        try Corpus.manifestFiles().compactMap { file in
            guard file["format"] as? String == "exr", let name = file["file"] as? String else { return nil }
            let parts = (file["parts"] as? [[String: Any]] ?? []).map { part -> [String: [String]] in
                var channels: [String: [String]] = [:]
                for (channel, info) in part["channels"] as? [String: [String: Any]] ?? [:] {
                    channels[channel] = [info["dtype"] as? String ?? "", info["pixel_sha256"] as? String ?? ""]
                }
                return channels
            }
            return Entry(file: name, expectError: file["expect_error"] as? Bool ?? false, parts: parts)
        }
    }

    @Test("decodes like the reference", arguments: try entries())
    func conforms(_ entry: Entry) throws {
        let path = try #require(Corpus.root).appendingPathComponent(entry.file).path
        if entry.expectError {
            #expect(throws: ImMetaIOError.self) { try readImage(from: .path(path), index: .all) }
            return
        }
        if let reason = Self.deliberateDifferences[entry.file] {
            let error = try #require(throws: ImMetaIOError.self, "\(reason)") { try readImage(from: .path(path)) }
            #expect(error.code == .unsupportedFeature)
            return
        }
        let file = try openImage(.path(path))
        #expect(try file.imageCount() == entry.parts.count)
        for (index, expected) in entry.parts.enumerated() {
            let image = try file.read(index: .at(index))
            let names = try file.metadata(index: .at(index))["channels"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(Set(names) == Set(expected.keys), "part \(index) channels")
            for (position, name) in names.enumerated() {
                guard let reference = expected[name], let dtype = DType(reference[0]) else { continue }
                let plane = Self.channel(image, position, channelCount: names.count).astype(dtype)
                let hash = plane.withUnsafeBytes { SHA256.hex($0) }
                #expect(hash == reference[1], "part \(index) channel \(name)")
            }
        }
    }

    /// One channel of an H×W or H×W×C image, as an H×W array.
    static func channel(_ image: NDArray, _ position: Int, channelCount: Int) -> NDArray {
        guard image.rank == 3 else { return image }
        let size = image.dtype.itemSize
        let pixels = image.shape[0] * image.shape[1]
        return image.withUnsafeBytes { source in
            NDArray(unsafeUninitializedShape: [image.shape[0], image.shape[1]], dtype: image.dtype) { out in
                guard let from = source.baseAddress, let to = out.baseAddress else { return }
                for pixel in 0..<pixels {
                    (to + pixel * size).copyMemory(from: from + (pixel * channelCount + position) * size, byteCount: size)
                }
            }
        }
    }
}
