import ImMetaIO
import Testing

@Suite struct WebPFormatTests {
    @Test(arguments: [3, 4])
    func losslessRoundTripsExactly(channels: Int) throws {
        let image = try TestImages.gradient(height: 45, width: 61, channels: channels)
        let bytes = try encodeImage(image, as: ".webp", options: ["lossless": true])
        let file = try openImage(.bytes(bytes))
        #expect(try file.read() == image)
        #expect(try file.metadata()["compression"] == "lossless")
        #expect(try file.properties().shape == [45, 61, channels])
    }

    @Test func lossyIsCloseAndQualityChangesSize() throws {
        let image = try TestImages.gradient(height: 64, width: 64, channels: 3)
        let good = try encodeImage(image, as: ".webp", options: ["quality": 95])
        let poor = try encodeImage(image, as: ".webp", options: ["quality": 10])
        #expect(poor.count < good.count)
        #expect(TestImages.psnr(try readImage(from: .bytes(good)), image) > 30)
        let gray = try TestImages.gradient(height: 16, width: 16, channels: 0)
        #expect(try readImage(from: .bytes(encodeImage(gray, as: ".webp"))).shape == [16, 16, 3])
    }

    @Test func badInputIsATypedError() throws {
        let bytes = try encodeImage(TestImages.gradient(height: 32, width: 32, channels: 3), as: ".webp")
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(Array(bytes.prefix(bytes.count / 2)))) }
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(Array(bytes.prefix(16)))) }
        #expect(throws: ImMetaIOError.self) { try encodeImage(NDArray(shape: [4, 4, 3], dtype: .uint16), as: ".webp") }
        #expect(throws: ImMetaIOError.self) { try encodeImage(NDArray(shape: [4, 4, 2], dtype: .uint8), as: ".webp") }
    }

    /// An animation whose second frame is damaged: a typed error. (libwebp's decoder was freed
    /// twice on this path, once by hand and once by deinit; found by fuzzing.)
    @Test func damagedAnimationFrameIsATypedError() throws {
        let image = try TestImages.gradient(height: 24, width: 32, channels: 3)
        let still = try encodeImage(image, as: ".webp", options: ["lossless": true])
        // The still file's VP8L chunk (header and payload), wrapped into two animation frames.
        guard let at = (12..<(still.count - 8)).first(where: { still[$0..<($0 + 4)].elementsEqual("VP8L".utf8) }) else {
            Issue.record("no VP8L chunk")
            return
        }
        let size = Int(still[at + 4]) | Int(still[at + 5]) << 8 | Int(still[at + 6]) << 16 | Int(still[at + 7]) << 24
        let frameChunk = Array(still[at..<(at + 8 + size + size % 2)])
        func le(_ value: Int, _ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        func chunk(_ tag: String, _ payload: [UInt8]) -> [UInt8] {
            Array(tag.utf8) + le(payload.count, 4) + payload + (payload.count % 2 == 1 ? [0] : [])
        }
        func animation(_ frames: [[UInt8]]) -> [UInt8] {
            var body = Array("WEBP".utf8)
            body += chunk("VP8X", [0x02, 0, 0, 0] + le(31, 3) + le(23, 3))
            body += chunk("ANIM", [0, 0, 0, 0, 0, 0])
            for frame in frames { body += chunk("ANMF", le(0, 3) + le(0, 3) + le(31, 3) + le(23, 3) + le(50, 3) + [0] + frame) }
            return Array("RIFF".utf8) + le(body.count, 4) + body
        }
        let good = animation([frameChunk, frameChunk])
        #expect(try readImage(from: .bytes(good)).shape == [2, 24, 32, 4])
        var damaged = frameChunk
        for index in 13..<damaged.count { damaged[index] = 0xFF }
        let bad = animation([frameChunk, damaged])
        for index: ImageIndex? in [nil, .at(1)] {
            let error = #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(bad), index: index) }
            #expect(error?.code == .corruptData)
        }
        #expect(throws: ImMetaIOError.self) { try imageMetadata(of: .bytes(bad)) }
    }
}
