import Foundation
import ImMetaIOVideo
@testable import VideoFormat
import Logging
import Testing

/// The FFmpeg video plugin: round trips per container, seeking, streaming, writer options and
/// errors, on generated frames.
@Suite struct VideoFormatTests {
    /// The registry with video; FFmpeg's messages (damaged files here produce many) are kept out
    /// of the test output except where a test collects them.
    static let registry: FormatRegistry = {
        var quiet = Logger(label: "immetaio.ffmpeg")
        quiet.logLevel = .critical
        VideoFormat.logger = quiet
        return FormatRegistry.standardWithVideo
    }()

    /// `count` frames of smooth moving content (what codecs are built for): H×W×3 uint8 each.
    static func movingFrames(count: Int, height: Int = 96, width: Int = 128, channels: Int = 3) throws -> NDArray {
        var values = [UInt8](repeating: 0, count: count * height * width * channels)
        var offset = 0
        for t in 0..<count {
            for y in 0..<height {
                for x in 0..<width {
                    let red = 128 + 100 * sin(Double(x + 2 * t) / 15) * cos(Double(y) / 20)
                    let green = Double((x * 3 / 2 + y + 3 * t) % 256)
                    let blue = 128 + 90 * cos(Double(y - t) / 10)
                    let pixel = [red, green, blue, 255].prefix(channels)
                    for value in pixel {
                        values[offset] = UInt8(max(0, min(255, value.rounded())))
                        offset += 1
                    }
                }
            }
        }
        let shape = channels == 1 ? [count, height, width] : [count, height, width, channels]
        return try NDArray(values, shape: shape)
    }

    static func frame(_ stack: NDArray, _ index: Int) throws -> NDArray {
        let frameShape = Array(stack.shape.dropFirst())
        let size = frameShape.reduce(1, *)
        let values = stack.scalars(as: UInt8.self)
        return try NDArray(Array(values[(index * size)..<((index + 1) * size)]), shape: frameShape)
    }

    static func write(_ frames: NDArray, to path: String, options: JSONObject = [:]) throws {
        try writeImage(frames, to: path, options: options, registry: registry)
    }

    /// 60 frames through every container: all come back, close to what was written. The bounds
    /// are for the default settings (x264 and VP9 at CRF 23 and 32 with 4:2:0 chroma, MPEG-4 at
    /// its default bitrate) on content with sharp colour edges, which 4:2:0 blurs.
    @Test(arguments: [(".mp4", 30.0), (".mkv", 30.0), (".mov", 30.0), (".webm", 30.0), (".avi", 28.0)])
    func roundTripsEveryContainer(ext: String, minimumPSNR: Double) throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let frames = try Self.movingFrames(count: 60)
        let path = "\(folder)/clip\(ext)"
        try Self.write(frames, to: path, options: ["fps": 30])
        let back = try readImage(from: .path(path), registry: Self.registry)
        #expect(back.shape == [60, 96, 128, 3])
        let psnr = TestImages.psnr(frames, back)
        #expect(psnr > minimumPSNR, "\(ext): PSNR \(psnr) dB")
        let file = try openImage(.path(path), registry: Self.registry)
        #expect(file.format.name == "ffmpeg")
        #expect(try file.imageCount() == 60)
        let metadata = try file.metadata()
        #expect(metadata["fps"]?.doubleValue == 30)
        #expect(metadata["width"] == 128 && metadata["height"] == 96)
        // The worst single frame too, so a dropped or repeated frame cannot hide in the mean.
        for index in [0, 30, 59] {
            let single = TestImages.psnr(try Self.frame(frames, index), try Self.frame(back, index))
            #expect(single > minimumPSNR - 3, "\(ext) frame \(index): PSNR \(single) dB")
        }
    }

    /// Reads by index (forward, backward, far and near) give exactly the frames a sequential pass decodes.
    @Test func readsByIndexMatchSequentialDecoding() throws {
        let frames = try Self.movingFrames(count: 60)
        // Key frames every 12 frames, so reads seek between groups and decode within them.
        let bytes = try encodeImage(frames, as: ".mp4", options: ["codec_options": ["g": 12]], registry: Self.registry)
        var sequential: [NDArray] = []
        var iterator = try imageFrames(of: .bytes(bytes), registry: Self.registry)
        while let frame = try iterator.next() { sequential.append(frame) }
        #expect(sequential.count == 60)
        let file = try openImage(.bytes(bytes), registry: Self.registry)
        for index in [37, 0, 59, 12, 13, 14, 11, 45, 25, 24, 58] {
            #expect(try file.read(index: .at(index)) == sequential[index], "frame \(index)")
            let time = try file.metadata(index: .at(index))["timestamp"]?.doubleValue ?? -1
            #expect(abs(time - Double(index) / 24) < 1e-6, "frame \(index) at \(time) s")
        }
        #expect(throws: ImMetaIOError.self) { try file.read(index: .at(60)) }
    }

    /// The multi-image read stops at its memory limit; iterating frames has none.
    @Test func multiImageReadHonoursTheMemoryLimit() throws {
        let frames = try Self.movingFrames(count: 60)
        let bytes = try encodeImage(frames, as: ".mkv", registry: Self.registry)
        // 60 frames of 96×128×3 = 2.2 MB.
        let error = #expect(throws: ImMetaIOError.self) {
            try readImages(from: .bytes(bytes), memoryLimit: "1MB", registry: Self.registry)
        }
        #expect(error?.code == .limitExceeded)
        #expect(try readImages(from: .bytes(bytes), memoryLimit: "3MB", registry: Self.registry).count == 60)
        // The whole-file read checks the decode limits before decoding anything.
        let small = DecodeLimits(maxPixels: 1 << 30, maxBytes: 1_000_000)
        let limited = #expect(throws: ImMetaIOError.self) {
            try readImage(from: .bytes(bytes), limits: small, registry: Self.registry)
        }
        #expect(limited?.code == .limitExceeded)
    }

    /// Frames appended one at a time, gray and RGBA layouts, in-memory output.
    @Test func writesFrameByFrameInEveryLayout() throws {
        for channels in [1, 3, 4] {
            let frames = try Self.movingFrames(count: 20, height: 64, width: 80, channels: channels)
            let writer = try ImageFileWriter(encodingAs: ".mkv", options: ["crf": 18], registry: Self.registry)
            for index in 0..<20 { try writer.append(Self.frame(frames, index)) }
            let bytes = try writer.finish()
            let layout = ["gray", "rgb24", "rgba"][[1, 3, 4].firstIndex(of: channels) ?? 0]
            let back = try readImage(from: .bytes(bytes), options: ["pixel_format": .string(layout)], registry: Self.registry)
            #expect(back.shape == frames.shape)
            #expect(TestImages.psnr(frames, back) > 30, "\(channels) channels")
        }
    }

    /// Every writer option is accepted and shows in the output.
    @Test func writerOptions() throws {
        let frames = try Self.movingFrames(count: 24, height: 48, width: 64)
        let low = try encodeImage(frames, as: ".mp4", options: ["quality": 1, "preset": "ultrafast"], registry: Self.registry)
        let high = try encodeImage(frames, as: ".mp4", options: ["quality": 9, "preset": "ultrafast"], registry: Self.registry)
        #expect(high.count > low.count)
        #expect(TestImages.psnr(frames, try readImage(from: .bytes(high), registry: Self.registry))
            > TestImages.psnr(frames, try readImage(from: .bytes(low), registry: Self.registry)))
        let rated = try encodeImage(frames, as: ".mp4", options: ["bitrate": "2M", "fps": 12.5], registry: Self.registry)
        let metadata = try imageMetadata(of: .bytes(rated), registry: Self.registry)
        #expect(metadata["fps"]?.doubleValue == 12.5)
        #expect(metadata["duration"]?.doubleValue == 24 / 12.5)
        // Odd sizes need a pixel format without chroma subsampling.
        let odd = try Self.movingFrames(count: 5, height: 33, width: 47)
        let full = try encodeImage(odd, as: ".mp4", options: ["pixel_format": "yuv444p", "crf": 10], registry: Self.registry)
        #expect(try imageMetadata(of: .bytes(full), registry: Self.registry)["pixel_format"] == "yuv444p")
        #expect(TestImages.psnr(odd, try readImage(from: .bytes(full), registry: Self.registry)) > 35)
        // Other codecs: MPEG-4 Part 2 with a quantiser, FFV1 lossless.
        let mpeg4 = try encodeImage(frames, as: ".avi", options: ["quality": 8], registry: Self.registry)
        #expect(try imageMetadata(of: .bytes(mpeg4), registry: Self.registry)["codec"] == "mpeg4")
        let lossless = try encodeImage(frames, as: ".mkv", options: ["codec": "ffv1", "pixel_format": "bgr0"], registry: Self.registry)
        #expect(try readImage(from: .bytes(lossless), registry: Self.registry) == frames)
    }

    @Test func writerErrorsAreTyped() throws {
        let frames = try Self.movingFrames(count: 3, height: 32, width: 32)
        func code(_ options: JSONObject, as ext: String = ".mp4", frames: NDArray = frames) -> ImMetaIOError.Code? {
            do {
                _ = try encodeImage(frames, as: ext, options: options, registry: Self.registry)
                return nil
            } catch let error as ImMetaIOError {
                return error.code
            } catch {
                return nil
            }
        }
        #expect(code(["codec": "libnothing"]) == .unsupportedFeature)
        #expect(code(["codec": "aac"]) == .invalidArgument)
        #expect(code(["codec": "libx264"], as: ".webm") == .invalidArgument)
        #expect(code(["fps": 0]) == .invalidArgument)
        #expect(code(["quality": 11]) == .invalidArgument)
        #expect(code(["bitrate": "fast"]) == .invalidArgument)
        #expect(code(["preset": "warp-speed"]) == .invalidArgument)
        #expect(code(["codec_options": ["no_such_option": 1]]) == .invalidArgument)
        #expect(code(["pixel_format": "rgb48be"]) == .invalidArgument)
        #expect(code(["colour": 1]) == .invalidArgument)
        let oddFrames = try Self.movingFrames(count: 2, height: 31, width: 32)
        #expect(code([:], frames: oddFrames) == .invalidArgument)
        #expect(code([:], frames: NDArray(shape: [2, 8, 8, 3], dtype: .float32)) == .invalidArgument)
        // The odd-size message says what to do.
        do {
            _ = try encodeImage(Self.movingFrames(count: 1, height: 30, width: 45), as: ".mp4", registry: Self.registry)
        } catch let error as ImMetaIOError {
            #expect(error.message.contains("yuv444p"))
        }
        // Frames of different sizes in one video.
        let writer = try ImageFileWriter(encodingAs: ".mp4", registry: Self.registry)
        try writer.append(Self.frame(frames, 0))
        let smaller = try Self.movingFrames(count: 1, height: 16, width: 16)
        #expect(throws: ImMetaIOError.self) { try writer.append(smaller) }
        // No frames at all.
        let empty = try ImageFileWriter(encodingAs: ".mkv", registry: Self.registry)
        #expect(throws: ImMetaIOError.self) { try empty.finish() }
    }

    /// Damaged and cut-short files are typed errors, and nothing crashes or leaks.
    @Test func corruptAndTruncatedFiles() throws {
        let frames = try Self.movingFrames(count: 30)
        for ext in [".mp4", ".mkv", ".webm", ".avi"] {
            let bytes = try encodeImage(frames, as: ext, registry: Self.registry)
            for fraction in [0.0, 0.02, 0.3, 0.6, 0.95] {
                let cut = Array(bytes.prefix(max(1, Int(Double(bytes.count) * fraction))))
                do {
                    let back = try readImage(from: .bytes(cut), extensionHint: ext, registry: Self.registry)
                    // Streaming containers keep the frames before the cut.
                    #expect(back.shape[0] <= 30 && ext != ".mp4", "\(ext) cut at \(fraction)")
                } catch let error as ImMetaIOError {
                    #expect([.corruptData, .unsupportedFormat].contains(error.code), "\(ext) cut at \(fraction): \(error)")
                }
            }
            // Flipped bytes in the middle: decoded with concealment or refused, never a crash.
            var damaged = bytes
            for offset in stride(from: damaged.count / 3, to: damaged.count * 2 / 3, by: 97) { damaged[offset] ^= 0x5A }
            do {
                _ = try readImage(from: .bytes(damaged), extensionHint: ext, registry: Self.registry)
            } catch let error as ImMetaIOError {
                #expect(error.code != .invalidArgument, "\(ext) damaged: \(error)")
            }
        }
        // A truncated MP4 names the file and the cause.
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bytes = try encodeImage(frames, as: ".mp4", registry: Self.registry)
        let path = "\(folder)/cut.mp4"
        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ImMetaIOError.self) { try readImage(from: .path(path), registry: Self.registry) }
        #expect(error?.code == .corruptData)
        #expect(error?.file == path)
    }

    /// FFmpeg's own messages reach swift-log, not stderr.
    @Test func ffmpegLogsGoToSwiftLog() throws {
        let registry = Self.registry
        let collected = CollectedLines()
        let previous = VideoFormat.logger
        var logger = Logger(label: "test.ffmpeg") { _ in CollectingHandler(lines: collected) }
        logger.logLevel = .trace
        VideoFormat.logger = logger
        defer { VideoFormat.logger = previous }
        let bytes = try encodeImage(Self.movingFrames(count: 10), as: ".mp4", registry: registry)
        _ = try? readImage(from: .bytes(Array(bytes.prefix(bytes.count / 2))), extensionHint: ".mp4", registry: registry)
        #expect(collected.lines.contains { $0.contains("moov atom not found") }, "\(collected.lines.prefix(5))")
    }
}

/// Lines a ``CollectingHandler`` received.
final class CollectedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    var lines: [String] { lock.withLock { storage } }
    func append(_ line: String) { lock.withLock { storage.append(line) } }
}

/// A swift-log handler that keeps messages for inspection.
struct CollectingHandler: LogHandler {
    let lines: CollectedLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { lines.append(event.message.description) }
}

/// The H.264 slice count that chooses slice or frame threading.
@Suite struct H264SliceCountTests {
    @Test func countsSlicesInBothFramings() {
        // Two slices of an IDR picture (type 5) after SPS (7) and PPS (8), and one non-IDR slice (1).
        let units: [[UInt8]] = [[0x67, 1, 2], [0x68, 3], [0x65, 9, 9, 9], [0x65, 8, 8], [0x41, 7]]
        var annexB: [UInt8] = []
        var lengthPrefixed: [UInt8] = []
        for unit in units {
            annexB += [0, 0, 0, 1] + unit
            lengthPrefixed += [0, 0, 0, UInt8(unit.count)] + unit
        }
        let avcC: [UInt8] = [1, 0x64, 0, 0x28, 0xFF, 0xE1, 0]
        annexB.withUnsafeBytes { packet in
            #expect(H264SliceCount.count(in: packet, extradata: UnsafeRawBufferPointer(start: nil, count: 0)) == 3)
        }
        lengthPrefixed.withUnsafeBytes { packet in
            avcC.withUnsafeBytes { #expect(H264SliceCount.count(in: packet, extradata: $0) == 3) }
        }
        // A length running past the packet stops the count instead of reading beyond it.
        let broken: [UInt8] = [0, 0, 0, 2, 0x65, 1, 0, 0, 0, 200, 0x65]
        broken.withUnsafeBytes { packet in
            avcC.withUnsafeBytes { #expect(H264SliceCount.count(in: packet, extradata: $0) == 1) }
        }
    }

    /// A file with two slices per frame (slice threading) decodes to what one slice per frame would.
    @Test func slicedFilesDecodeLikeUnslicedOnes() throws {
        let frames = try VideoFormatTests.movingFrames(count: 12, height: 64, width: 96)
        let registry = VideoFormatTests.registry
        let sliced = try encodeImage(frames, as: ".mp4", options: ["codec_options": ["slices": 2], "crf": 10], registry: registry)
        let back = try readImage(from: .bytes(sliced), registry: registry)
        #expect(back.shape == frames.shape)
        #expect(TestImages.psnr(frames, back) > 35)
    }
}
