import TestSupport
import Foundation
@testable import EXRFormat
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
    static let deliberateDifferences: [String: String] = [:]

    /// Luminance/chroma files (Y full size, RY and BY subsampled 2×2). The reference
    /// (`OpenEXR.File(separate_channels=True)`) returns the stored channels at their own sizes;
    /// we return RGB float16 at full size through OpenEXR's RGBA interface (chroma rebuilt with
    /// its filter, RGB from the chromaticities). So the stored channels must match the reference
    /// bit for bit, and the RGB must carry them (see ``luminanceChromaFiles(_:)``).
    static let luminanceChroma: Set<String> = ["exr/openexr-images/Rec709_YC.exr", "exr/openexr/comp_b44.exr"]

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
        if Self.luminanceChroma.contains(entry.file) { return try Self.checkLuminanceChroma(entry, path: path) }
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

    /// A luminance/chroma file: its stored channels (read at their own sampling) hash like the
    /// reference's; the RGB decode has the data window's size; its luminance (Rec. 709 weights,
    /// the default chromaticities these files use) is the stored Y within half rounding
    /// (|Y′ − Y| ≤ 2⁻¹⁰·(|R| + |G| + |B|)); and its chroma, averaged over each 2×2 block, is the
    /// stored RY and BY within the reconstruction filter's smoothing (median difference below
    /// 0.03, where swapping R and B gives about 0.5).
    static func checkLuminanceChroma(_ entry: Entry, path: String) throws {
        let reader = try EXRReader(ReadRequest(bytes: ResourceBytes(mapping: path), displayName: path))
        let expected = try #require(entry.parts.first)
        var stored: [String: NDArray] = [:]
        for name in ["Y", "RY", "BY"] {
            let channel = try reader.storedChannel(name, part: 0, dtype: .float16)
            #expect(channel.withUnsafeBytes { SHA256.hex($0) } == expected[name]?[1], "stored channel \(name)")
            stored[name] = channel
        }
        let luminance = try #require(stored["Y"]).astype(.float64).scalars(as: Double.self)
        let image = try readImage(from: .path(path))
        let height = try #require(stored["Y"]).shape[0], width = try #require(stored["Y"]).shape[1]
        #expect(image.shape == [height, width, 3] && image.dtype == .float16)
        #expect(try imageMetadata(of: .path(path))["channels"] == ["R", "G", "B"])
        let rgb = image.astype(.float64).scalars(as: Double.self)
        var outside = 0
        for pixel in 0..<(height * width) {
            let (r, g, b) = (rgb[3 * pixel], rgb[3 * pixel + 1], rgb[3 * pixel + 2])
            let y = 0.2126 * r + 0.7152 * g + 0.0722 * b
            if abs(y - luminance[pixel]) > 0x1p-10 * (abs(r) + abs(g) + abs(b)) + 0x1p-24 { outside += 1 }
        }
        #expect(outside == 0, "\(outside) pixels whose luminance is not the stored Y")
        for (name, column) in [("RY", 0), ("BY", 2)] {
            let chroma = try #require(stored[name]).astype(.float64).scalars(as: Double.self)
            var differences: [Double] = []
            for by in 0..<(height / 2) {
                for bx in 0..<(width / 2) {
                    var sum = 0.0
                    for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                        let pixel = (2 * by + dy) * width + 2 * bx + dx
                        let y = luminance[pixel]
                        sum += y == 0 ? 0 : (rgb[3 * pixel + column] - y) / y
                    }
                    differences.append(abs(sum / 4 - chroma[by * (width / 2) + bx]))
                }
            }
            let median = differences.sorted()[differences.count / 2]
            #expect(median < 0.03, "\(name): median difference \(median)")
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
