import ImMetaIOCore
import NDArrayModule

/// PNG and animated PNG through libspng (decoding) and libdeflate (encoding).
///
/// **Read**: every colour type and bit depth, interlaced or not (gray → H×W, gray+alpha → H×W×2,
/// RGB → H×W×3, RGBA → H×W×4; palette → RGB, or RGBA with tRNS; gray/RGB with tRNS gain alpha;
/// 1/2/4-bit gray scaled to 0…255; 16-bit kept as uint16; no gamma applied). Animated PNGs give H×W×4 uint8 frames composited per their dispose and blend
/// operations; without an index, all frames are read, stacked N×H×W×4. Metadata: `width`,
/// `height`, `bit_depth`, `color_type`, `interlaced`, `gamma`, `physical_pixel_size`, `dpi`,
/// `text` (keyword → text), and for animations `frame_count`, `loop` and `durations` (ms).
/// Spacing comes from pHYs when its unit is the metre (metres per pixel, y then x).
///
/// **Write** options: `compression` (0…12, libdeflate level; default 2), `filter`
/// (`none`, `sub`, `up`, `average`, `paeth`, `adaptive`; default `up`). Metadata written:
/// `text` (object of strings → tEXt/iTXt), `dpi` ([x, y]) or `spacing` ([y, x] metres) → pHYs.
/// Without `compression` or `filter`, 8-bit images go to the fast pixel encoder.
///
/// Several images (appended one by one, or a stack N×H×W×C, or N×H×W with W > 4) make an
/// animated PNG of those frames, in any dtype and channel count a still takes, with the options
/// `duration` (milliseconds per frame: one number or a list, default 100; whole milliseconds)
/// and `loop` (plays, 0: forever; default 0), spelt as imageio v3's pillow plugin takes them
/// (see `AnimationTiming`; without them the first frame's `durations` and `loop` metadata are
/// used). Frames after the first are cropped to what changed, with the blend and dispose
/// operations that give the fewest bytes (see `APNGEncoder`). One image is a plain PNG.
public struct PNGFormat: ImageFormat {
    /// Creates the plugin.
    public init() {}

    public var name: String { "png" }
    public var extensions: [String] { [".png", ".apng"] }
    public var canWrite: Bool { true }
    /// uint8 and uint16 gray, gray+alpha, RGB and RGBA, exactly (H×W×1 reads back as H×W).
    public var writableLayouts: [WritableLayout] {
        [DType.uint8, .uint16].flatMap { dtype in
            [WritableLayout(dtype, channels: 1, readChannels: nil)] + WritableLayout.lossless([dtype], channels: [nil, 2, 3, 4])
        }
    }

    public func sniff(_ header: [UInt8]) -> Bool { header.starts(with: PNGChunks.signature) }

    public func makeReader(_ request: ReadRequest) throws -> any ImageReader {
        try OptionParser(request.options, plugin: name, file: request.displayName).finish()
        do {
            return try PNGReader(request)
        } catch PNGError.notPNG {
            throw request.error(.unsupportedFormat, "not a PNG file (signature missing)")
        } catch PNGError.corrupt(let message) {
            throw request.error(.corruptData, message)
        }
    }

    public func makeWriter(_ request: WriteRequest) throws -> any ImageWriter {
        var options = OptionParser(request.options, plugin: name, file: request.sink.displayName)
        let explicitLevel = request.options["compression"] != nil
        let explicitFilter = request.options["filter"] != nil
        let level = try options.int("compression", default: PNGEncoder.defaultLevel, in: 0...12)
        let filter = try options.string(
            "filter", default: PNGEncoder.defaultFilter.rawValue, allowed: PNGEncoder.Filter.allCases.map(\.rawValue))
        let threads = try options.int("threads", default: 0, in: 0...256)
        let timing = try AnimationTiming(&options, loops: 0...Int(Int32.max), maximumDuration: 65_535_000)
        try options.finish()
        // Without a level or filter, 8-bit images take the fast pixel encoder.
        let fast = !explicitLevel && !explicitFilter
        let encoder = PNGEncoder(
            compressionLevel: fast ? nil : level, filter: PNGEncoder.Filter(rawValue: filter) ?? .up,
            threads: threads == 0 ? nil : threads)
        let sink = request.sink
        return StillOrAnimationWriter(
            sink: sink, formatName: "PNG",
            isStack: { $0.rank == 4 || ($0.rank == 3 && $0.shape[2] > 4) },
            check: { _ = try PNGEncoder.layout(of: $0, file: sink.displayName) },
            still: { try encoder.encode($0, metadata: $1, to: sink) },
            animate: { first, metadata in
                var timing = timing
                timing.adopt(metadata)
                return try APNGEncoder(
                    encoder: encoder, layout: PNGEncoder.layout(of: first, file: sink.displayName), dtype: first.dtype,
                    metadata: metadata, timing: timing, sink: sink)
            })
    }
}

final class PNGReader: ImageReader {
    private let request: ReadRequest
    private let chunks: [PNGChunks.Chunk]
    private let animation: APNGAnimation?

    init(_ request: ReadRequest) throws(PNGError) {
        self.request = request
        let chunks = try request.bytes.withUnsafeBytes { (bytes) throws(PNGError) in try PNGChunks.list(bytes) }
        self.chunks = chunks
        animation = try request.bytes.withUnsafeBytes { (bytes) throws(PNGError) in
            try APNGAnimation(bytes: bytes, chunks: chunks)
        }
    }

    var defaultIndex: ImageIndex { animation == nil ? .at(0) : .all }

    func imageCount() throws -> Int { animation?.frames.count ?? 1 }

    private func wrap<T>(_ body: () throws(SPNGError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw request.error(.corruptData, "invalid PNG: \(error)")
        }
    }

    func properties(at index: Int) throws -> ImageProperties {
        let layout: PNGDecoder.Layout = animation == nil ? .natural : .rgba8
        let plan = try wrap { () throws(SPNGError) in
            try request.bytes.withUnsafeBytes { (raw) throws(SPNGError) in try PNGDecoder.properties(of: raw, layout: layout) }
        }
        let spacing = try wrap { () throws(SPNGError) in
            try request.bytes.withUnsafeBytes { (raw) throws(SPNGError) in try PNGDecoder.metadata(of: raw).spacing }
        }
        var shape = plan.shape
        if let animation { shape = [animation.height, animation.width, 4] }
        return ImageProperties(shape: shape, dtype: plan.dtype, imageCount: try imageCount(), spacing: spacing)
    }

    func metadata(at index: Int) throws -> JSONObject {
        var meta = try wrap { () throws(SPNGError) in
            try request.bytes.withUnsafeBytes { (raw) throws(SPNGError) in try PNGDecoder.metadata(of: raw).0 }
        }
        if let animation {
            meta["frame_count"] = .int(animation.frames.count)
            meta["loop"] = .int(animation.loopCount)
            meta["durations"] = .array(animation.frames.map { .double($0.delayMilliseconds) })
            meta["duration"] = .double(animation.frames[index].delayMilliseconds)
        }
        return meta
    }

    func read(at index: Int) throws -> NDArray {
        guard let animation else {
            return try request.bytes.withUnsafeBytes { raw in
                if let image = try InflateDecoder.decode(raw, chunks: chunks, limits: request.limits, file: request.displayName) {
                    return image
                }
                return try PNGDecoder.decode(raw, layout: .natural, limits: request.limits, file: request.displayName)
            }
        }
        let compositor = APNGAnimation.Compositor(
            animation, bytes: request.bytes, limits: request.limits, file: request.displayName)
        var frame: NDArray?
        for _ in 0...index { frame = try compositor.next() }
        guard let frame else { throw request.error(.invalidArgument, "no frame \(index)") }
        return frame
    }

    func readAll() throws -> NDArray {
        if let animation {
            try request.limits.check(
                pixels: animation.frames.count * animation.height * animation.width,
                shape: [animation.frames.count, animation.height, animation.width, 4], dtype: .uint8,
                file: request.displayName)
        }
        return try readFramesStacked()
    }

    func makeFrameIterator() throws -> ImageFrameIterator {
        guard let animation else { return .reading(1, with: read(at:)) }
        let compositor = APNGAnimation.Compositor(
            animation, bytes: request.bytes, limits: request.limits, file: request.displayName)
        return ImageFrameIterator { try compositor.next() }
    }
}
