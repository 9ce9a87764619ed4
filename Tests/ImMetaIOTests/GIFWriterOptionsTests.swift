import ImMetaIO
import Testing

/// The GIF writer's options as imageio spells them: `duration` in milliseconds (v3) rounded to
/// GIF's 10 ms units, v2's seconds refused, v2's `palettesize` and `quantizer`.
@Suite struct GIFWriterOptionsTests {
    static let frames = AnimatedPNGWriterTests.frames(count: 5, channels: 3, dtype: .uint8)

    @Test func durationsRoundToTenMilliseconds() throws {
        // Nearest 10 ms, halves up; a positive duration is at least 10 ms; 0 stays 0.
        let bytes = try encodeImage(Self.frames, as: ".gif", options: ["duration": [33, 35, 4, 0, 1234.4]])
        #expect(try imageMetadata(of: .bytes(bytes))["durations"] == [30, 40, 10, 0, 1230])
        let one = try encodeImage(Self.frames, as: ".gif", options: ["duration": 66.7])
        #expect(try imageMetadata(of: .bytes(one))["durations"] == [70, 70, 70, 70, 70])
        // Without the option, the first frame's metadata (a GIF copied to GIF keeps its timing).
        let copied = try encodeImage(Self.frames, as: ".gif", metadata: ["durations": [20, 40, 60, 80, 100], "loop": 5])
        #expect(try imageMetadata(of: .bytes(copied))["durations"] == [20, 40, 60, 80, 100])
        #expect(try imageMetadata(of: .bytes(copied))["loop"] == 5)
    }

    @Test func secondsAreRefusedWithTheReason() throws {
        for duration: JSONValue in [0.1, 0.04, [100, 0.5], 9.5] {
            let error = try #require(throws: ImMetaIOError.self, "\(duration)") {
                try encodeImage(Self.frames, as: ".gif", options: ["duration": duration])
            }
            #expect(error.message.contains("imageio v2's seconds") && error.message.contains("milliseconds"), "\(error.message)")
        }
        // Whole numbers below 10 are milliseconds (rounded up to GIF's 10 ms).
        #expect(try imageMetadata(of: .bytes(encodeImage(Self.frames, as: ".gif", options: ["duration": 5])))["duration"] == 10)
    }

    @Test func paletteSizeAndQuantizerAsImageioV2SpellsThem() throws {
        let photo = try TestImages.gradient(height: 48, width: 64, channels: 3, seed: 9)
        for options: JSONObject in [["palettesize": 16], ["palette_size": 16], ["palettesize": 16, "quantizer": 0],
                                    ["palettesize": 16, "quantizer": 1], ["palettesize": 16, "quantizer": 2]] {
            let back = try readImage(from: .bytes(encodeImage(photo, as: ".gif", options: options))).scalars(as: UInt8.self)
            var colors = Set<UInt32>()
            for pixel in stride(from: 0, to: back.count, by: 4) {
                colors.insert(UInt32(back[pixel]) << 16 | UInt32(back[pixel + 1]) << 8 | UInt32(back[pixel + 2]))
            }
            #expect(colors.count <= 16 && colors.count > 8, "\(options): \(colors.count) colours")
        }
        for options: JSONObject in [["quantizer": "nq"], ["quantizer": 3], ["quantizer": "neuquant"]] {
            let error = try #require(throws: ImMetaIOError.self, "\(options)") { try encodeImage(photo, as: ".gif", options: options) }
            #expect(error.message.contains("0 (median cut), 1 (maximum coverage), 2 (fast octree)"), "\(error.message)")
        }
        for options: JSONObject in [["palettesize": 1], ["palettesize": 300], ["palettesize": 16, "palette_size": 16]] {
            #expect(throws: ImMetaIOError.self, "\(options)") { try encodeImage(photo, as: ".gif", options: options) }
        }
    }
}
