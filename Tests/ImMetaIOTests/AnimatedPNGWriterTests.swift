import ImMetaIO
import Testing

/// The animated PNG writer: frames of every layout round-trip through our reader, frames are
/// cropped to what changed with blend and dispose operations that save bytes, timing options and
/// metadata, and errors. Pillow reads the same files in the interop checks (writer_checks.py).
@Suite struct AnimatedPNGWriterTests {
    /// One fcTL chunk of a written file.
    struct FrameControl: Equatable {
        var width: Int, height: Int, x: Int, y: Int, dispose: Int, blend: Int
    }

    /// The chunk types of a PNG file in order, and its fcTL chunks.
    static func chunks(_ bytes: [UInt8]) -> (types: [String], frames: [FrameControl]) {
        func number(_ at: Int) -> Int { (0..<4).reduce(0) { $0 << 8 | Int(bytes[at + $1]) } }
        var types: [String] = [], frames: [FrameControl] = []
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = number(offset)
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            types.append(type)
            if type == "fcTL" {
                let data = offset + 8
                frames.append(
                    FrameControl(
                        width: number(data + 4), height: number(data + 8), x: number(data + 12), y: number(data + 16),
                        dispose: Int(bytes[data + 24]), blend: Int(bytes[data + 25])))
            }
            offset += 12 + length
        }
        return (types, frames)
    }

    /// `count` frames of `channels` samples (0: H×W) over a noisy background: a block moves,
    /// alpha layouts get a half-transparent patch that comes and goes and a frame whose corner
    /// turns fully transparent, and frame 3 repeats frame 2.
    static func frames(count: Int = 6, height: Int = 40, width: Int = 56, channels: Int, dtype: DType) -> NDArray {
        var generator = TestImages.Generator(state: 99)
        let samples = max(channels, 1), top = dtype == .uint16 ? 65535 : 255
        let hasAlpha = channels == 2 || channels == 4
        let background = (0..<(height * width * samples)).map { _ in Int(generator.next() % UInt64(top + 1)) }
        var values: [Int] = []
        for t in 0..<count {
            let step = t == 3 ? 2 : t
            var frame = background
            for y in 0..<height {
                for x in 0..<width {
                    let at = (y * width + x) * samples
                    if hasAlpha { frame[at + samples - 1] = top }
                    if (4 + 3 * step..<14 + 3 * step).contains(y) && (2 + 5 * step..<12 + 5 * step).contains(x) {
                        for c in 0..<samples { frame[at + c] = (x * 7 + y * 3 + c * 50 + step * 11) % 400 * top / 399 }
                        if hasAlpha { frame[at + samples - 1] = top }
                    }
                    if hasAlpha, step % 2 == 1, (20..<30).contains(y), (30..<45).contains(x) { frame[at + samples - 1] = top / 3 }
                    if hasAlpha, step == 4, y < 8, x < 10 { frame[at + samples - 1] = 0 }
                }
            }
            values += frame
        }
        let shape = channels == 0 ? [count, height, width] : [count, height, width, channels]
        return (try? NDArray(values.map(Double.init), shape: shape).astype(dtype)) ?? NDArray(shape: shape, dtype: dtype)
    }

    /// What our reader gives for a frame: 8-bit RGBA (16-bit samples keep their high byte).
    static func rgba8(_ stack: NDArray, channels: Int) -> [UInt8] {
        let samples = max(channels, 1)
        let values: [Int] = stack.dtype == .uint16 ? stack.scalars(as: UInt16.self).map { Int($0 >> 8) } : stack.scalars(as: UInt8.self).map(Int.init)
        var out: [UInt8] = []
        out.reserveCapacity(values.count / samples * 4)
        for pixel in stride(from: 0, to: values.count, by: samples) {
            let p = values[pixel..<(pixel + samples)].map { UInt8($0) }
            switch samples {
            case 1: out += [p[0], p[0], p[0], 255]
            case 2: out += [p[0], p[0], p[0], p[1]]
            case 3: out += [p[0], p[1], p[2], 255]
            default: out += p
            }
        }
        return out
    }

    @Test(arguments: [DType.uint8, .uint16], [0, 1, 2, 3, 4])
    func everyLayoutRoundTrips(dtype: DType, channels: Int) throws {
        let stack = Self.frames(channels: channels, dtype: dtype)
        let durations: [JSONValue] = [40, 80, 120, 160, 200, 70_000]
        for options: JSONObject in [["duration": .array(durations), "loop": 3], ["duration": .array(durations), "loop": 3, "compression": 6]] {
            let bytes = try encodeImage(stack, as: ".png", options: options)
            let back = try readImage(from: .bytes(bytes))
            #expect(back.shape == [6, 40, 56, 4], "\(dtype) \(channels) \(options)")
            let exact = back.scalars(as: UInt8.self) == Self.rgba8(stack, channels: channels)
            #expect(exact, "\(dtype) \(channels) \(options)")
            let metadata = try imageMetadata(of: .bytes(bytes))
            #expect(metadata["frame_count"] == 6)
            #expect(metadata["loop"] == 3)
            #expect(metadata["durations"]?.arrayValue?.compactMap(\.doubleValue) == [40, 80, 120, 160, 200, 70_000])
            #expect(metadata["bit_depth"]?.intValue == dtype.itemSize * 8)
        }
    }

    /// Frames after the first are cropped; where transparency allows, BACKGROUND disposal and OVER
    /// blending are chosen, and the file is smaller than the frames written whole.
    @Test func blendAndDisposeChoicesPay() throws {
        // A sprite moving over a transparent canvas: clearing the old sprite (BACKGROUND) leaves
        // only the new one to code.
        var sprite: [UInt8] = []
        for t in 0..<4 {
            for y in 0..<48 {
                for x in 0..<64 {
                    let inside = (8 * t..<8 * t + 12).contains(x) && (10..<22).contains(y)
                    sprite += inside ? [UInt8(40 * t), UInt8(x * 4), UInt8(y * 5), 255] : [0, 0, 0, 0]
                }
            }
        }
        let moving = try NDArray(sprite, shape: [4, 48, 64, 4])
        let movingBytes = try encodeImage(moving, as: ".png")
        let movingFrames = Self.chunks(movingBytes).frames
        #expect(movingFrames.dropLast().allSatisfy { $0.dispose == 1 }, "\(movingFrames)")
        #expect(movingFrames.dropFirst().allSatisfy { $0.width == 12 && $0.height == 12 }, "\(movingFrames)")
        let movingExact = try readImage(from: .bytes(movingBytes)) == moving
        #expect(movingExact)

        // Opaque noise with two small patches changed in opposite corners: OVER codes the pixels
        // between them as transparent zeros instead of noise.
        var generator = TestImages.Generator(state: 5)
        var noise = (0..<(64 * 64 * 4)).map { $0 % 4 == 3 ? UInt8(255) : UInt8(generator.next() % 256) }
        var second = noise
        for (y, x) in [(1, 1), (2, 2), (61, 60), (62, 62)] {
            for c in 0..<3 { second[(y * 64 + x) * 4 + c] ^= 0x5A }
        }
        noise += second
        let patched = try NDArray(noise, shape: [2, 64, 64, 4])
        let patchedBytes = try encodeImage(patched, as: ".png")
        let patchedFrames = Self.chunks(patchedBytes).frames
        #expect(patchedFrames.last == FrameControl(width: 62, height: 62, x: 1, y: 1, dispose: 0, blend: 1))
        let patchedExact = try readImage(from: .bytes(patchedBytes)) == patched
        #expect(patchedExact)

        // Both smaller than writing every frame whole.
        for (stack, bytes) in [(moving, movingBytes), (patched, patchedBytes)] {
            var whole = 0
            for index in 0..<stack.shape[0] {
                whole += try encodeImage(VideoFormatTests.frame(stack, index), as: ".png").count
            }
            #expect(bytes.count < whole, "\(bytes.count) bytes animated, \(whole) as whole frames")
        }
    }

    /// Gray and RGB have no transparency: NONE and SOURCE only, cropped to the change.
    @Test func opaqueLayoutsCropWithSourceBlending() throws {
        let stack = Self.frames(channels: 3, dtype: .uint8)
        let frames = Self.chunks(try encodeImage(stack, as: ".png")).frames
        #expect(frames.count == 6)
        #expect(frames.allSatisfy { $0.dispose == 0 && $0.blend == 0 })
        #expect(frames[0] == FrameControl(width: 56, height: 40, x: 0, y: 0, dispose: 0, blend: 0))
        // Frame 1 moves the block from (2…11, 4…13) to (7…16, 7…16); frame 3 repeats frame 2: 1×1.
        #expect(frames[1] == FrameControl(width: 15, height: 13, x: 2, y: 4, dispose: 0, blend: 0))
        #expect(frames[3].width == 1 && frames[3].height == 1)
    }

    @Test func oneImageIsAPlainPNGAndFramesCanBeAppendedOneByOne() throws {
        let image = try TestImages.gradient(height: 12, width: 10, channels: 3)
        for input in [image, try image.reshaped([1, 12, 10, 3])] {
            let types = Self.chunks(try encodeImage(input, as: ".png", options: ["duration": 50])).types
            #expect(!types.contains("acTL") && !types.contains("fcTL"))
        }
        let writer = try ImageFileWriter(encodingAs: ".png", registry: .standard)
        let frames = Self.frames(count: 3, channels: 4, dtype: .uint8)
        for index in 0..<3 { try writer.append(VideoFormatTests.frame(frames, index), metadata: ["durations": [10, 20, 30], "loop": 4]) }
        let bytes = try writer.finish()
        let exact = try readImage(from: .bytes(bytes)) == frames
        #expect(exact)
        // Without options, the first frame's metadata gives the timing (as copying an animation does).
        let metadata = try imageMetadata(of: .bytes(bytes))
        #expect(metadata["durations"] == [10.0, 20.0, 30.0])
        #expect(metadata["loop"] == 4)
        // Options win over metadata; a single duration holds for every frame; default loop 0.
        let timed = try encodeImage(frames, as: ".png", options: ["duration": 25], metadata: ["durations": [10, 20, 30]])
        #expect(try imageMetadata(of: .bytes(timed))["durations"] == [25.0, 25.0, 25.0])
        #expect(try imageMetadata(of: .bytes(timed))["loop"] == 0)
        #expect(try imageMetadata(of: .bytes(encodeImage(frames, as: ".png")))["durations"] == [100.0, 100.0, 100.0])
    }

    @Test func badOptionsAndFramesAreErrors() throws {
        let frames = Self.frames(count: 2, channels: 3, dtype: .uint8)
        for options: JSONObject in [["duration": -1], ["duration": "fast"], ["duration": []], ["loop": -1], ["loop": "forever"], ["loop": .null]] {
            let error = try #require(throws: ImMetaIOError.self, "\(options)") { try encodeImage(frames, as: ".png", options: options) }
            #expect(error.code == .invalidArgument)
        }
        let seconds = try #require(throws: ImMetaIOError.self) { try encodeImage(frames, as: ".png", options: ["duration": [100, 0.1]]) }
        #expect(seconds.message.contains("seconds") && seconds.message.contains("100 ms"), "\(seconds.message)")
        for second in [try TestImages.gradient(height: 40, width: 55, channels: 3), try TestImages.gradient(height: 40, width: 56, channels: 4),
                       try TestImages.gradient(height: 40, width: 56, channels: 3, dtype: .uint16)] {
            let writer = try ImageFileWriter(encodingAs: ".png", registry: .standard)
            try writer.append(VideoFormatTests.frame(frames, 0))
            let error = try #require(throws: ImMetaIOError.self) {
                try writer.append(second)
                try writer.finish()
            }
            #expect(error.message.contains("like the first"), "\(error.message)")
        }
        #expect(throws: ImMetaIOError.self) { try encodeImage(NDArray(shape: [0, 4, 4, 3], dtype: .uint8), as: ".png") }
        #expect(throws: ImMetaIOError.self) { try encodeImage(NDArray(shape: [2, 4, 4, 3], dtype: .float32), as: ".png") }
    }
}
