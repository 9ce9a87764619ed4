import ImMetaIOCore
import NDArrayModule

/// GIF through giflib: every frame composited to the logical screen as H×W×4 RGBA (N×H×W×4 for
/// all frames), the way Pillow composites them (see `GIFCompositor`), and animations written with
/// our own colour quantiser.
///
/// **Read** metadata: `durations` (milliseconds per frame), `loop` (0: forever) when the file
/// has a NETSCAPE2.0 extension, `comment`, `background` index. Without an index, all frames are
/// read (an animation is a batch). Frames that reach past the logical screen are clipped to it.
///
/// **Write** (uint8 H×W gray, H×W×3 RGB or H×W×4 RGBA frames; one per `append`, or N×H×W×C):
/// options `duration` (milliseconds, as imageio v3 takes them: one number or a list, default
/// 100), `loop` (default 0: forever; `null`: no loop extension), `palette_size` (2…256, default
/// 256; imageio v2's `palettesize` is the same option), `quantizer` (imageio v2's 0, 1 or 2:
/// accepted, all done by the quantiser described below; anything else is an error naming them)
/// and `dither` (Floyd–Steinberg, default false). Without `duration` or `loop`, the `durations`
/// and `loop` of the first frame's metadata are used (see `AnimationTiming`), so copying a GIF
/// keeps its timing. GIF counts delays in 10 ms units: a duration is rounded to the nearest
/// multiple of 10 ms, halves up (33 → 30, 35 → 40), and a positive one to at least 10 ms (0
/// stays 0). A fractional duration below 10, such as 0.1, is refused as imageio v2's seconds.
/// Frames with at most `palette_size` colours are written exactly; others are quantised by
/// median cut on a 5-bit-per-channel histogram, refined with two k-means passes, and mapped
/// through a 32768-entry nearest-colour table. Alpha below 128 is transparent. Frames are
/// quantised in parallel.
public struct GIFFormat: ImageFormat {
    /// Creates the plugin.
    public init() {}

    public var name: String { "gif" }
    public var extensions: [String] { [".gif"] }
    public var canWrite: Bool { true }
    /// uint8 gray, RGB and RGBA frames, read back as RGBA: gray exactly, colour through a
    /// 256-colour palette.
    public var writableLayouts: [WritableLayout] {
        [
            WritableLayout(.uint8, channels: nil, readChannels: 4),
            WritableLayout(.uint8, channels: 3, readChannels: 4, maximumRMSError: 6),
            WritableLayout(.uint8, channels: 4, maximumRMSError: 6),
        ]
    }

    public func sniff(_ header: [UInt8]) -> Bool { header.starts(with: Array("GIF87a".utf8)) || header.starts(with: Array("GIF89a".utf8)) }

    public func makeReader(_ request: ReadRequest) throws -> any ImageReader {
        try OptionParser(request.options, plugin: name, file: request.displayName).finish()
        return try GIFReader(request)
    }

    public func makeWriter(_ request: WriteRequest) throws -> any ImageWriter {
        try GIFWriter(request)
    }
}

final class GIFReader: ImageReader {
    private let request: ReadRequest
    private var frames: [GIFFrameInfo] = []
    private let width: Int, height: Int
    private var loop: Int?
    private var comments: [String] = []
    private var background: Int?

    init(_ request: ReadRequest) throws {
        self.request = request
        do {
            let stream = try GIFStream(request.bytes.stableBytes)
            width = stream.width
            height = stream.height
            background = stream.background
            guard width > 0, height > 0 else { throw GIFStream.Failure.corrupt("empty logical screen") }
            // A file cut short after an image keeps the images before the cut, as Pillow reads it.
            while let frame = try nextFrame(stream, after: frames.count) {
                frames.append(frame)
                do { try stream.skipPixels() } catch { break }
                guard frames.count <= 100_000 else { throw GIFStream.Failure.corrupt("more than 100000 frames") }
            }
            loop = stream.loop
            comments = stream.comments
        } catch let failure as GIFStream.Failure {
            throw GIFFramePass.describe(failure, request)
        }
        guard !frames.isEmpty else { throw request.error(.corruptData, "invalid GIF: no image") }
    }

    /// The next frame; read errors after the first frame end the file instead of failing it.
    private func nextFrame(_ stream: GIFStream, after count: Int) throws -> GIFFrameInfo? {
        do {
            return try stream.nextFrame()
        } catch {
            if count > 0 { return nil }
            throw error
        }
    }

    var defaultIndex: ImageIndex { .all }

    func imageCount() throws -> Int { frames.count }

    func properties(at index: Int) throws -> ImageProperties {
        ImageProperties(shape: [height, width, 4], dtype: .uint8, imageCount: frames.count)
    }

    func metadata(at index: Int) throws -> JSONObject {
        var meta: JSONObject = ["durations": .array(frames.map { .int($0.duration) }), "duration": .int(frames[index].duration)]
        if let loop { meta["loop"] = .int(loop) }
        if !comments.isEmpty { meta["comment"] = .string(comments.joined(separator: "\n")) }
        if let background { meta["background"] = .int(background) }
        return meta
    }

    /// Frames in order, composited, each handed to `body` with its number, up to frame `last`.
    private func decode(upTo last: Int, _ body: (Int, [UInt8]) throws -> Void) throws {
        let pass = try GIFFramePass(request, width: width, height: height, background: background, frames: frames.count)
        var index = 0
        while index <= last, let rgba = try pass.next() {
            try body(index, rgba)
            index += 1
        }
    }

    private func array(_ rgba: [UInt8]) -> NDArray {
        NDArray(unsafeUninitializedShape: [height, width, 4], dtype: .uint8) { out in rgba.withUnsafeBytes { out.copyMemory(from: $0) } }
    }

    func read(at index: Int) throws -> NDArray {
        try request.limits.check(imageShape: [height, width, 4], dtype: .uint8, hasChannelAxis: true, file: request.displayName)
        var result: NDArray?
        try decode(upTo: index) { number, rgba in if number == index { result = array(rgba) } }
        guard let result else { throw request.error(.corruptData, "invalid GIF: frame \(index) is missing") }
        return result
    }

    func readAll() throws -> NDArray {
        let count = frames.count
        try request.limits.check(
            pixels: NDArray.checkedElementCount([count, height, width]) ?? .max, shape: [count, height, width, 4], dtype: .uint8,
            file: request.displayName)
        let frameBytes = height * width * 4
        var decoded = 0
        var output = NDArray(unsafeUninitializedShape: [count, height, width, 4], dtype: .uint8) { $0.initializeMemory(as: UInt8.self, repeating: 0) }
        try output.withUnsafeMutableBytes { out in
            try decode(upTo: count - 1) { number, rgba in
                rgba.withUnsafeBytes { (out.baseAddress! + number * frameBytes).copyMemory(from: $0.baseAddress!, byteCount: frameBytes) }
                decoded = number + 1
            }
        }
        guard decoded == count else { throw request.error(.corruptData, "invalid GIF: \(count - decoded) frames missing") }
        return output
    }

    func makeFrameIterator() throws -> ImageFrameIterator {
        // One pass for the whole iteration: each frame decoded once.
        try request.limits.check(imageShape: [height, width, 4], dtype: .uint8, hasChannelAxis: true, file: request.displayName)
        let pass = try GIFFramePass(request, width: width, height: height, background: background, frames: frames.count)
        return ImageFrameIterator { try pass.next().map(self.array) }
    }
}

/// One decoding pass over a GIF's frames: giflib stream and compositor, the per-frame size check,
/// and the rule that a read error after the first frame ends the file (as Pillow reads it).
final class GIFFramePass {
    private let request: ReadRequest
    private let stream: GIFStream
    private var compositor: GIFCompositor
    private let frames: Int
    private var decoded = 0

    init(_ request: ReadRequest, width: Int, height: Int, background: Int?, frames: Int) throws {
        self.request = request
        self.frames = frames
        do {
            stream = try GIFStream(request.bytes.stableBytes)
        } catch {
            throw Self.describe(error, request)
        }
        compositor = GIFCompositor(width: width, height: height, globalPalette: stream.globalPalette, background: background)
    }

    static func describe(_ failure: GIFStream.Failure, _ request: ReadRequest) -> ImMetaIOError {
        switch failure {
        case .notGIF: request.error(.unsupportedFormat, "not a GIF file")
        case .corrupt(let message): request.error(.corruptData, "invalid GIF: \(message)")
        }
    }

    /// The next frame composited as RGBA bytes, or `nil` after the last.
    func next() throws -> [UInt8]? {
        guard decoded < frames else { return nil }
        let frame: GIFFrameInfo
        do {
            guard let next = try stream.nextFrame() else { return nil }
            frame = next
        } catch {
            if decoded > 0 { return nil }
            throw Self.describe(error, request)
        }
        try request.limits.check(
            pixels: frame.width * frame.height, shape: [frame.height, frame.width], dtype: .uint8, file: request.displayName)
        let pixels: [UInt8]
        do { pixels = try stream.readPixels(frame) } catch { throw Self.describe(error, request) }
        decoded += 1
        return compositor.draw(frame, pixels: pixels)
    }
}
