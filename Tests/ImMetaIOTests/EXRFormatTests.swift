import Foundation
import ImMetaIO
import Testing

@Suite struct EXRFormatTests {
    /// An HDR-like image, 37×53 by default: smooth ramps and waves from about -0.4 to 4.3 with a
    /// little noise, so lossy codecs have something to keep and lossless ones something to compress.
    static func image(channels: Int, dtype: DType, height: Int = 37, width: Int = 53, seed: UInt64 = 5) throws -> NDArray {
        var generator = TestImages.Generator(state: seed)
        let shape = channels == 1 ? [height, width] : [height, width, channels]
        var values = [Double](repeating: 0, count: height * width * channels)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    let noise = Double(generator.next() % 1000) / 100_000
                    values[(y * width + x) * channels + c] =
                        0.1 + 3 * Double(x) / Double(width) + 0.5 * sin(Double(y) / 5) + 0.2 * Double(c) + noise
                }
            }
        }
        return try NDArray(values, shape: shape).astype(dtype)
    }

    static let compressions = ["none", "rle", "zips", "zip", "piz", "pxr24", "b44", "b44a", "dwaa", "dwab"]

    /// The largest absolute difference a round trip may show (values span about 4.7), or nil when
    /// it must be bit-exact. PXR24 rounds float32 to 24 bits (float16 passes through unchanged);
    /// B44 keeps 6-bit differences within 4×4 blocks of half values (a few percent here, the
    /// same as OpenEXR's own B44 on this image); DWA is a lossy DCT codec with default quality 45.
    static func tolerance(_ compression: String, _ dtype: DType) -> Double? {
        switch (compression, dtype) {
        case ("pxr24", .float32): 2e-4
        case ("b44", _), ("b44a", _): 0.15
        case ("dwaa", _), ("dwab", _): 0.05
        default: nil
        }
    }

    static func names(_ channels: Int) -> JSONValue {
        switch channels {
        case 1: ["Y"]
        case 3: ["R", "G", "B"]
        default: ["R", "G", "B", "A"]
        }
    }

    static func largestDifference(_ a: NDArray, _ b: NDArray) -> Double {
        zip(a.astype(.float64).scalars(as: Double.self), b.astype(.float64).scalars(as: Double.self))
            .map { abs($0 - $1) }.max() ?? .infinity
    }

    @Test(arguments: compressions, [DType.float16, .float32])
    func everyCompressionRoundTrips(compression: String, dtype: DType) throws {
        for channels in [1, 3, 4] {
            let image = try Self.image(channels: channels, dtype: dtype)
            let options: JSONObject = ["compression": .string(compression)]
            if compression.hasPrefix("b44"), dtype == .float32 {
                // B44 compresses half channels only: refused rather than silently stored another way.
                let error = try #require(throws: ImMetaIOError.self) { try encodeImage(image, as: ".exr", options: options) }
                #expect(error.code == .invalidArgument)
                continue
            }
            let bytes = try encodeImage(image, as: ".exr", options: options)
            let file = try openImage(.bytes(bytes))
            let decoded = try file.read()
            let label = "\(compression) \(dtype) \(channels) channels"
            #expect(decoded.shape == image.shape && decoded.dtype == dtype, "\(label)")
            if let tolerance = Self.tolerance(compression, dtype) {
                let difference = Self.largestDifference(decoded, image)
                #expect(difference <= tolerance, "\(label): \(difference)")
            } else {
                #expect(decoded == image, "\(label)")
            }
            let metadata = try file.metadata()
            #expect(metadata["compression"] == .string(compression), "\(label)")
            #expect(metadata["channels"] == Self.names(channels), "\(label)")
            #expect(metadata["storage"] == "scanline")
        }
    }

    /// B44 chunks that compressing would not shrink are stored raw (here the last chunk of 33
    /// lines, one line of 29 pixels: 58 raw bytes against 112 compressed); OpenEXRCore 3.1 would
    /// run its B44 decoder over them.
    @Test(arguments: ["b44", "b44a"])
    func rawB44ChunksReadBack(compression: String) throws {
        for (height, channels) in [(33, 1), (1, 1), (33, 3)] {
            let image = try Self.image(channels: channels, dtype: .float16, height: height, width: 29)
            let decoded = try readImage(from: .bytes(encodeImage(image, as: ".exr", options: ["compression": .string(compression)])))
            #expect(Self.largestDifference(decoded, image) <= 0.15, "\(compression) \(image.shape)")
            // The raw last line comes back exactly.
            let values = image.scalars(as: Float16.self), count = values.count
            let lastLine = (count - 29 * channels)..<count
            #expect(Array(decoded.scalars(as: Float16.self)[lastLine]) == Array(values[lastLine]), "\(compression) \(image.shape)")
        }
    }

    /// Every half bit pattern and float32 specials (NaNs with payloads, infinities, -0, subnormals)
    /// survive the lossless compressions bit for bit.
    @Test(arguments: ["none", "rle", "zips", "zip", "piz", "pxr24"])
    func losslessCompressionsKeepEveryBit(compression: String) throws {
        let halfImage = try NDArray((0...UInt16.max).map { Float16(bitPattern: $0) }, shape: [256, 256])
        let options: JSONObject = ["compression": .string(compression)]
        #expect(try readImage(from: .bytes(encodeImage(halfImage, as: ".exr", options: options))) == halfImage)
        guard compression != "pxr24" else { return }  // PXR24 rounds float32 mantissas
        var generator = TestImages.Generator(state: 11)
        var words = (0..<(64 * 48 * 3)).map { _ in UInt32(truncatingIfNeeded: generator.next()) }
        let specials: [UInt32] = [0x7FC0_0001, 0xFF80_0000, 0x7F80_0000, 0x8000_0000, 0x0000_0001, 0x807F_FFFF, 0x7F7F_FFFF]
        words.replaceSubrange(0..<specials.count, with: specials)
        let floats = try NDArray(words.map { Float(bitPattern: $0) }, shape: [64, 48, 3])
        #expect(try readImage(from: .bytes(encodeImage(floats, as: ".exr", options: options))) == floats, "\(compression)")
    }

    @Test func optionsAndChannelNames() throws {
        let image = try Self.image(channels: 2, dtype: .float32)
        let unnamed = try #require(throws: ImMetaIOError.self) { try encodeImage(image, as: ".exr") }
        #expect(unnamed.code == .invalidArgument)
        let bytes = try encodeImage(image, as: ".exr", options: ["channels": ["Z", "A"]])
        let file = try openImage(.bytes(bytes))
        // Output order: R, G, B, Y, A first (those present), then the others by name.
        #expect(try file.metadata()["channels"] == ["A", "Z"])
        let decoded = try file.read()
        #expect(EXRConformanceTests.channel(decoded, 0, channelCount: 2) == EXRConformanceTests.channel(image, 1, channelCount: 2))
        let uints = try NDArray([1, 2, 3, 4_000_000_000] as [UInt32], shape: [2, 2])
        #expect(try readImage(from: .bytes(encodeImage(uints, as: ".exr"))) == uints)
        // Compression levels change the bytes, not the pixels.
        let rgb = try Self.image(channels: 3, dtype: .float32)
        let fast = try encodeImage(rgb, as: ".exr", options: ["compression": "zip", "zip_level": 1])
        let small = try encodeImage(rgb, as: ".exr", options: ["compression": "zip", "zip_level": 9])
        #expect(try readImage(from: .bytes(fast)) == rgb && readImage(from: .bytes(small)) == rgb)
        let coarse = try encodeImage(rgb, as: ".exr", options: ["compression": "dwaa", "dwa_level": 300])
        let fine = try encodeImage(rgb, as: ".exr", options: ["compression": "dwaa", "dwa_level": 5])
        #expect(coarse.count < fine.count)
        #expect(try Self.largestDifference(readImage(from: .bytes(fine)), rgb) < Self.largestDifference(readImage(from: .bytes(coarse)), rgb))
    }

    @Test func refusesWhatItCannotWrite() throws {
        let cases: [(NDArray, JSONObject)] = [
            (NDArray(shape: [4, 4], dtype: .uint8), JSONObject()),
            (NDArray(shape: [4, 4, 3], dtype: .float32), ["compression": "b44"] as JSONObject),
            (NDArray(shape: [4, 4, 3], dtype: .uint32), ["compression": "dwaa"] as JSONObject),
            (NDArray(shape: [4], dtype: .float32), JSONObject()),
            (NDArray(shape: [4, 4, 5], dtype: .float32), JSONObject()),
            (NDArray(shape: [4, 4], dtype: .float32), ["compression": "lzw"] as JSONObject),
            (NDArray(shape: [4, 4], dtype: .float32), ["zip_level": 12] as JSONObject),
            (NDArray(shape: [4, 4, 2], dtype: .float32), ["channels": ["R", "R"]] as JSONObject),
        ]
        for (image, options) in cases {
            let error = try #require(throws: ImMetaIOError.self, "\(image) \(options)") {
                try encodeImage(image, as: ".exr", options: options)
            }
            #expect(error.code == .invalidArgument, "\(image) \(options)")
        }
    }

    @Test func corruptFilesAreTypedErrorsNamingTheFile() throws {
        let bytes = try encodeImage(Self.image(channels: 3, dtype: .float32), as: ".exr", options: ["compression": "zip"])
        var damaged = bytes
        for i in stride(from: bytes.count / 2, to: bytes.count, by: 7) { damaged[i] ^= 0x5A }
        // The offset table follows the header (3 chunks: ZIP packs 16 lines each).
        let table = try #require(Self.offsetTableStart(bytes))
        let firstChunk = bytes[table..<table + 8].reversed().reduce(0) { $0 << 8 | Int($1) }
        var wrongSize = bytes
        wrongSize.replaceSubrange(firstChunk + 4..<firstChunk + 8, with: [0xF0, 0xFF, 0xFF, 0x7F])  // the chunk's byte count
        var wrongOffsets = bytes
        for i in stride(from: table, to: table + 8 * 3, by: 8) { wrongOffsets[i + 3] = 0x7F }
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let inputs: [(String, [UInt8])] = [
            ("damaged", damaged), ("truncated", Array(bytes.prefix(bytes.count / 2))), ("header", Array(bytes.prefix(20))),
            ("chunk-size", wrongSize), ("magic-only", [0x76, 0x2F, 0x31, 0x01]),
        ]
        for (name, data) in inputs {
            let path = folder + "/\(name).exr"
            try Data(data).write(to: URL(fileURLWithPath: path))
            let error = try #require(throws: ImMetaIOError.self, "\(name)") { try readImage(from: .path(path)) }
            #expect(error.code == .corruptData, "\(name): \(error)")
            #expect(error.file == path, "\(name)")
        }
        // Offsets pointing past the end: OpenEXRCore rebuilds the table by walking the chunks.
        #expect(try readImage(from: .bytes(wrongOffsets)) == readImage(from: .bytes(bytes)))
    }

    /// A DWAB file mutated by the decoder fuzzer: OpenEXRCore reads its header, but one attribute
    /// claims 1.6 GB, which OpenEXR's C++ library (decoding DWA for us) would allocate before
    /// finding the file too short. The header is checked before the C++ library sees it.
    @Test func oversizedAttributeNeverReachesTheCxxLibrary() throws {
        let lines = [
            "di8xAQIAAAB0eXBlAHN0cmluZwANAAAAc2NhbmxpbmVpbWFnZWNvbXByZXNzaW9uAGNvbXByZXNzaW9uAAEAAAAJZGF0YVdpbmRv",
            "dwBib3gyaQAQAAAAAAAAAAAAAAAGAAAACAAAAGRpc3BsYXlXaW5kb3cAYm94MmkAEAAAAAAAAAAAAAAABgAAAAgAAABsaW5lT3Jk",
            "ZXIAbGluZU9yZGVyAAEAAAAAcGl4ZWxBcnBlY3RSYXRpbwBmbG9hdAAEAAAAAACAP3NjcmVlbldpbmRvd0NlbnRpbmcADQAAAHNj",
            "YW5saW5laW1hZ2Vjb21wcmVzc2lvbgBjb21wcmVzc2lvbgABAAAAB2RhdGFXaW5kb3cAYm94MmkAEAAAAAAAAAAAAAAABgAAAAgA",
            "AABkaXNwbGF5V2luZG93AGJveDJpABAAAAAAAAAAAAAAAAYAAAAIAAAAbGluZU9yZGVyAGxpbmVPcmRlcgABAAAAAHBpeGVsQXNw",
            "ZWN0UmF0aW8AZmxvYXQABAAAAAAAgD9zY3JlZW5XaW5kb3dDZW50ZXIAdjJmAAgAAAAAAAAAAAAAAHNjcmVlbldpbmRvd1dpZHRo",
            "AGZsb2F0AAQAAAAAAIA/Y2hhbm5lbHMAY2hsaXN0ADcAAABCAAEAAAAAAAAAAQAAAAEAAABHAAEAAAAAAAAAAQAAAAEAAABSAAEA",
            "AAAAAAAAAQAAAAEAAAAAAF4BAAAAAAAAAAAAAPwAAAC8fB6zKJHLLJIVlnQsKKq/I2hbqgcgtcOkggggwOIhWORumdaRNy5GyYTA",
            "HyHmX4IZKWz3IIIIIMAwGgggEEEE++++ggggsRgaCCDffffLLLKCCCDA0CHj7WispkuYIdXIHcAmHI0mjzPUcfzsggggvcoiRSaN",
            "11hwe22PWF3AwR4n0330a4xsHoIIIMClIgggbbbbkkkkLLLLwIMeCCAoooo4446CCCDB+CGoni5V5tVLX4LE4cCmHRbkUw2yaQfZ",
            "ggggugge6BG9lu+CeJF99fC5SSHqIKG4XIKDpYIIIL6qGggglllljjjjMMMMt98eCCBlZXIAdjJmFQcAAAAAAAAACAAAAAAAAAAA",
            "AAAAc2NyZWVuV2luZG93V2lkdGgAZmxvYXQABAAAAAAAgD9jaGFubmVscwBjaGxpc3QANwAAAEIAAQAAAAAAAAABAAAAAQAAAEcA",
            "AQAAAAAAAAABAAAAAQAAAFIAAQAAAAAAAAABAAAAAQAAAAAAngEAAAAAAADQAQAAAAAAAAICAAAAAAAANAIAAAAAAABmAgAAAAAA",
            "AJgCAAAAAAAAQMU6YUDxPIc+TT9iPHA4cz1pNDlBDDE3Nkw7PzZMQAgAAAAqAAAAejvTQBhAhkFhQdVAMz6dPdg4wD9JQd43VDkR",
            "QSdAQEFqP31AIjrkOMxB",
        ]
        let bytes = try #require(Data(base64Encoded: lines.joined()))
        let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .bytes(Array(bytes))) }
        #expect(error.code == .corruptData)
        #expect(error.message.contains("larger than the file"))
    }

    /// Where the offset table of a single-part file begins: after the header's terminating null.
    static func offsetTableStart(_ bytes: [UInt8]) -> Int? {
        var position = 8
        while position < bytes.count {
            if bytes[position] == 0 { return position + 1 }  // the empty name ends the header
            guard let nameEnd = bytes[position...].firstIndex(of: 0), let typeEnd = bytes[(nameEnd + 1)...].firstIndex(of: 0),
                typeEnd + 4 < bytes.count
            else { return nil }
            let size = bytes[(typeEnd + 1)...(typeEnd + 4)].reversed().reduce(0) { $0 << 8 | Int($1) }
            position = typeEnd + 5 + size
        }
        return nil
    }

    @Test func limitsAreCheckedFromTheHeaderBeforeDecoding() throws {
        let bytes = try encodeImage(Self.image(channels: 3, dtype: .float32), as: ".exr")
        let limited = try #require(throws: ImMetaIOError.self) {
            try readImage(from: .bytes(bytes), limits: DecodeLimits(maxPixels: 100))
        }
        #expect(limited.code == .limitExceeded)
        let bytesLimited = try #require(throws: ImMetaIOError.self) {
            try readImage(from: .bytes(bytes), limits: DecodeLimits(maxBytes: 37 * 53 * 3 * 4 - 1))
        }
        #expect(bytesLimited.code == .limitExceeded)
        // A header promising 60000×60000×4 floats (53 GB) with no pixel data behind it: the
        // properties come from the header, the read stops at the limit without allocating.
        let huge = EXRFileBuilder(parts: [
            .init(
                name: "huge", dataWindow: (0, 0, 59_999, 59_999),
                channels: ["A", "B", "G", "R"].map { .init(name: $0, type: .float) }, headerOnly: true)
        ]).build()
        #expect(try imageProperties(of: .bytes(huge)).shape == [60_000, 60_000, 4])
        let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .bytes(huge)) }
        #expect(error.code == .limitExceeded)
    }

    @Test func partsAreImages() throws {
        let rgb = (0..<(4 * 6 * 3)).map { Float16(Float($0) / 8) }
        let depth = (0..<(3 * 5)).map { Float($0) * 1.5 + 0.25 }
        func plane(_ values: [Float16], _ channel: Int) -> [Float16] { stride(from: channel, to: values.count, by: 3).map { values[$0] } }
        let file = EXRFileBuilder(parts: [
            .init(
                name: "beauty", dataWindow: (10, 20, 15, 23),
                channels: ["R", "G", "B"].enumerated().map { .init(name: $1, type: .half, samples: EXRFileBuilder.bytes(plane(rgb, $0))) }),
            .init(name: "depth", dataWindow: (-2, -1, 2, 1), channels: [.init(name: "Z", type: .float, samples: EXRFileBuilder.bytes(depth))]),
        ]).build()
        let image = try openImage(.bytes(file))
        #expect(try image.imageCount() == 2)
        #expect(try image.read(index: .at(0)) == NDArray(rgb, shape: [4, 6, 3]))
        #expect(try image.read(index: .at(1)) == NDArray(depth, shape: [3, 5]))
        #expect(try image.properties(index: .at(1)).shape == [3, 5])
        #expect(try image.properties(index: .at(1)).dtype == .float32)
        let meta = try image.metadata(index: .at(1))
        #expect(meta["part_name"] == "depth")
        #expect(meta["parts"] == 2)
        #expect(meta["data_window"] == [-2, -1, 2, 1])
        #expect(meta["channels"] == ["Z"])
        #expect(meta["channel_types"] == ["float"])
        #expect(try image.metadata(index: .at(0))["part_name"] == "beauty")
        #expect(try image.metadata(index: .at(0))["attributes"]?.objectValue?["comments"] == "made by EXRFileBuilder")
        let missing = try #require(throws: ImMetaIOError.self) { try image.read(index: .at(2)) }
        #expect(missing.code == .invalidArgument)
        var frames = try image.frames()
        var shapes: [[Int]] = []
        while let frame = try frames.next() { shapes.append(frame.shape) }
        #expect(shapes == [[4, 6, 3], [3, 5]])
    }

    @Test func mixedChannelTypesWidenExactly() throws {
        let red = (0..<12).map { Float16(Float($0) / 4) }
        let depth = (0..<12).map { Float($0) + 0.1 }
        let ids = (0..<12).map { UInt32(16_777_217) + UInt32($0) * 1_000_003 }  // above float32's 2^24
        func file(_ channels: [EXRFileBuilder.Channel]) -> [UInt8] {
            EXRFileBuilder(parts: [.init(name: "", dataWindow: (0, 0, 3, 2), channels: channels)]).build()
        }
        let halfAndFloat = try readImage(from: .bytes(file([
            .init(name: "R", type: .half, samples: EXRFileBuilder.bytes(red)),
            .init(name: "Z", type: .float, samples: EXRFileBuilder.bytes(depth)),
        ])))
        #expect(halfAndFloat.dtype == .float32)
        #expect(halfAndFloat.scalars(as: Float.self) == zip(red, depth).flatMap { [Float($0), $1] })
        let withIDs = try openImage(.bytes(file([
            .init(name: "R", type: .half, samples: EXRFileBuilder.bytes(red)),
            .init(name: "id", type: .uint, samples: EXRFileBuilder.bytes(ids)),
        ])))
        let decoded = try withIDs.read()
        #expect(decoded.dtype == .float64)
        #expect(decoded.scalars(as: Double.self) == zip(red, ids).flatMap { [Double($0), Double($1)] })
        #expect(try withIDs.metadata()["channel_types"] == ["half", "uint"])
    }

    /// Luminance/chroma channels (RY, BY subsampled 2×2) read as RGB(A) float16 at full size:
    /// constant chroma gives R = (RY + 1)·Y, B = (BY + 1)·Y and G from the Rec. 709 luminance
    /// weights (the default chromaticities).
    @Test(arguments: [false, true])
    func luminanceChromaReadsAsRGB(alpha: Bool) throws {
        func plane(_ value: Float16, _ count: Int) -> [UInt8] { EXRFileBuilder.bytes([Float16](repeating: value, count: count)) }
        var channels: [EXRFileBuilder.Channel] = [
            .init(name: "Y", type: .half, samples: plane(0.5, 8 * 4)),
            .init(name: "RY", type: .half, xSampling: 2, ySampling: 2, samples: plane(1, 4 * 2)),
            .init(name: "BY", type: .half, xSampling: 2, ySampling: 2, samples: plane(0, 4 * 2)),
        ]
        if alpha { channels.append(.init(name: "A", type: .half, samples: plane(0.25, 8 * 4))) }
        let bytes = EXRFileBuilder(parts: [.init(name: "", dataWindow: (0, 0, 7, 3), channels: channels)]).build()
        let image = try readImage(from: .bytes(bytes))
        #expect(image.shape == [4, 8, alpha ? 4 : 3] && image.dtype == .float16)
        let green = (0.5 - 1.0 * 0.2126 - 0.5 * 0.0722) / 0.7152
        let expected = [1.0, green, 0.5] + (alpha ? [0.25] : [])
        for (index, value) in image.astype(.float64).scalars(as: Double.self).enumerated() {
            #expect(abs(value - expected[index % expected.count]) < 1e-3, "sample \(index)")
        }
        let metadata = try imageMetadata(of: .bytes(bytes))
        #expect(metadata["channels"] == (alpha ? ["R", "G", "B", "A"] : ["R", "G", "B"]))
        #expect(metadata["stored_channels"]?.arrayValue?.count == channels.count)
        // Damaged chunks are typed errors from the C++ library, caught in the shim.
        let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .bytes(Array(bytes.dropLast(20)))) }
        #expect(error.code == .corruptData)
    }

    @Test func otherSubsampledAndDeepPartsAreUnsupported() throws {
        let chroma = EXRFileBuilder(parts: [
            .init(
                name: "", dataWindow: (0, 0, 7, 3),
                channels: [.init(name: "Y", type: .half), .init(name: "Z", type: .half, xSampling: 2, ySampling: 2)])
        ]).build()
        let subsampled = try #require(throws: ImMetaIOError.self) { try readImage(from: .bytes(chroma)) }
        #expect(subsampled.code == .unsupportedFeature)
        // OpenEXR 3.1's RGBA interface reads only the first part.
        let luminanceChroma: [EXRFileBuilder.Channel] = [
            .init(name: "Y", type: .half), .init(name: "RY", type: .half, xSampling: 2, ySampling: 2),
            .init(name: "BY", type: .half, xSampling: 2, ySampling: 2),
        ]
        let secondPart = EXRFileBuilder(parts: [
            .init(name: "rgb", dataWindow: (0, 0, 7, 3), channels: [.init(name: "G", type: .half)]),
            .init(name: "yc", dataWindow: (0, 0, 7, 3), channels: luminanceChroma),
        ]).build()
        let second = try #require(throws: ImMetaIOError.self) { try readImage(from: .bytes(secondPart), index: .at(1)) }
        #expect(second.code == .unsupportedFeature)
        let deep = EXRFileBuilder(parts: [
            .init(name: "deep", dataWindow: (0, 0, 3, 3), channels: [.init(name: "Z", type: .float)], deep: true)
        ]).build()
        let file = try openImage(.bytes(deep))
        #expect(try file.metadata()["storage"] == "deep_scanline")
        let error = try #require(throws: ImMetaIOError.self) { try file.read() }
        #expect(error.code == .unsupportedFeature)
    }

    @Test func largeImagesUseParallelChunksAndRoundTrip() throws {
        var generator = TestImages.Generator(state: 9)
        let values = (0..<(512 * 300 * 3)).map { _ in Float(generator.next() % 4096) / 512 }
        let image = try NDArray(values, shape: [512, 300, 3])
        for compression in ["piz", "zip", "none"] {
            let options: JSONObject = ["compression": .string(compression)]
            #expect(try readImage(from: .bytes(encodeImage(image, as: ".exr", options: options))) == image, "\(compression)")
        }
    }
}
