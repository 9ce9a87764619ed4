import Foundation
import ImMetaIO
import Testing

/// Round trips of every TIFF writer option through our reader; tifffile reads the same files in
/// the interop tests.
@Suite struct TIFFWriterTests {
    /// Arrays of every dtype the writer takes, with odd sizes so strips and tiles have partial edges.
    static func samples() throws -> [(String, NDArray)] {
        var generator = TestImages.Generator(state: 12345)
        func random(_ shape: [Int], _ dtype: DType) throws -> NDArray {
            let count = shape.reduce(1, *)
            let values = (0..<count).map { _ in Double(Int64(bitPattern: generator.next()) % 100_000) / 7 }
            return try NDArray(values, shape: shape).astype(dtype)
        }
        return [
            ("uint8 gray", try TestImages.gradient(height: 37, width: 53, channels: 0)),
            ("uint8 RGB", try TestImages.gradient(height: 37, width: 53, channels: 3)),
            ("uint16 RGBA", try TestImages.gradient(height: 17, width: 19, channels: 4, dtype: .uint16)),
            ("int16 stack", try random([3, 20, 30], .int16)),
            ("int8", try random([9, 40], .int8)),
            ("uint32", try random([9, 40], .uint32)),
            ("int64", try random([5, 6], .int64)),
            ("float16", try random([33, 41], .float16)),
            ("float32", try random([33, 41], .float32)),
            ("float64 4-D", try random([2, 3, 9, 7], .float64)),
            ("bool", try random([13, 21], .uint8).astype(.bool)),
        ]
    }

    static let optionSets: [JSONObject] = [
        [:],
        ["compression": "deflate"],
        ["compression": "deflate", "level": 12, "predictor": true],
        ["compression": "zstd", "level": 9],
        ["compression": "zstd", "predictor": true, "rows_per_strip": 5],
        ["compression": "packbits"],
        ["tile": [16, 32]],
        ["compression": "deflate", "tile": [16, 16], "predictor": true],
        ["bigtiff": true, "compression": "zstd"],
    ]

    @Test(arguments: optionSets)
    func roundTripsEveryDtype(_ options: JSONObject) throws {
        for (name, image) in try Self.samples() {
            let bytes = try encodeImage(image, as: ".tif", options: options)
            let back = try readImage(from: .bytes(bytes))
            #expect(back == image, "\(name) with \(options)")
            let big = options["bigtiff"] == true
            #expect(bytes[2] == (big ? 43 : 42), "\(name): header")
        }
    }

    @Test func appendedFramesReadBackAsOneSeries() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let frames = try (0..<5).map { try TestImages.gradient(height: 30, width: 20, channels: 0, dtype: .uint16, seed: UInt64($0 + 1)) }
        let path = folder + "/stack.tif"
        let writer = try ImageFileWriter(path: path, options: ["compression": "deflate"], registry: .standard)
        for frame in frames { try writer.append(frame) }
        #expect(!FileManager.default.fileExists(atPath: path), "nothing under the final name before finish()")
        try writer.finish()
        let stack = try readImage(from: .path(path))
        #expect(stack.shape == [5, 30, 20])
        #expect(try readImage(from: .path(path), index: .at(3)) == frames[3])
        let metadata = try imageMetadata(of: .path(path), index: .at(0))
        #expect(metadata["series"]?["kind"] == "shaped")
        #expect(metadata["description"] == "{\"shape\": [5, 30, 20]}")
        #expect(try readImages(from: .path(path)).count == 5)
    }

    @Test func largeUncompressedStripsAreReadFromTheFile() throws {
        // 2 MiB strips take the positioned-read path; the same bytes in memory take the copy path.
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let stack = try NDArray.stacked((0..<3).map { try TestImages.gradient(height: 1024, width: 512, channels: 0, dtype: .uint16, seed: UInt64($0 + 1)) })
        let path = folder + "/large.tif"
        try writeImage(stack, to: path)
        #expect(try readImage(from: .path(path)) == stack)
        #expect(try readImage(from: .bytes(Array(try Data(contentsOf: URL(fileURLWithPath: path))))) == stack)
    }

    @Test func resolutionDescriptionAndSoftware() throws {
        let image = try TestImages.gradient(height: 8, width: 8, channels: 0)
        let bytes = try encodeImage(
            image, as: "tiff",
            options: ["resolution": [2.5, 4], "resolution_unit": "centimeter", "description": "a note", "software": "test"])
        let metadata = try imageMetadata(of: .bytes(bytes))
        #expect(metadata["description"] == "a note")
        #expect(metadata["software"] == "test")
        #expect(metadata["resolution"] == [2.5, 4.0])
        #expect(metadata["resolution_unit"] == 3)
        #expect(try imageProperties(of: .bytes(bytes)).spacing == [0.25, 0.4])
        // Metadata read from a file is carried into the next one.
        let copy = try encodeImage(image, as: "tiff", metadata: metadata)
        #expect(try imageMetadata(of: .bytes(copy))["resolution"] == [2.5, 4.0])
    }

    @Test func invalidOptionsAndImagesAreClearErrors() throws {
        let image = try TestImages.gradient(height: 8, width: 8, channels: 0)
        for options: JSONObject in [
            ["compression": "jpeg2000"], ["level": 40], ["tile": [10, 16]], ["predictor": "sideways"],
            ["photometric": "rgb"], ["resolution": -1], ["colour": "red"],
        ] {
            #expect(throws: ImMetaIOError.self, "\(options)") { try encodeImage(image, as: "tiff", options: options) }
        }
        let floats = try TestImages.gradient(height: 8, width: 8, channels: 0).astype(.float32)
        #expect(throws: ImMetaIOError.self) { try encodeImage(floats, as: "tiff", options: ["predictor": "horizontal"]) }
        #expect(throws: ImMetaIOError.self) { try encodeImage(NDArray(shape: [0, 4], dtype: .uint8), as: "tiff") }
        #expect(throws: ImMetaIOError.self) { try encodeImage(NDArray(shape: [4], dtype: .uint8), as: "tiff") }
    }

    @Test func imageJHyperstackAxes() throws {
        // An ImageJ description over 2 frames × 3 slices of 4×5 pages.
        let pages = try (0..<6).map { try TestImages.gradient(height: 4, width: 5, channels: 0, seed: UInt64($0 + 1)) }
        var bytes = try encodeImage(
            try NDArray.stacked(pages), as: "tiff",
            options: ["description": "ImageJ=1.54f\nimages=6\nslices=3\nframes=2\nhyperstack=true\n"])
        let image = try readImage(from: .bytes(bytes))
        #expect(image.shape == [2, 3, 4, 5])
        #expect(try imageMetadata(of: .bytes(bytes))["series"]?["axes"] == "TZYX")
        // A description that does not fit the pages falls back to the plain page run.
        bytes = try encodeImage(try NDArray.stacked(pages), as: "tiff", options: ["description": "ImageJ=1\nimages=7\nslices=7\n"])
        #expect(try readImage(from: .bytes(bytes)).shape == [6, 4, 5])
    }
}
