import CWebP
import ImMetaIOCore
import NDArrayModule

/// WebP through libwebp: lossy, lossless and alpha stills, and animations.
///
/// **Read**: stills give H×W×3 uint8, or H×W×4 when the file has alpha. Animations give each
/// frame composited onto the canvas (libwebp's animation decoder) as H×W×4; without an index,
/// all frames are read, stacked N×H×W×4. Metadata: `width`, `height`, `has_alpha`, `animated`,
/// `compression` (`lossy`, `lossless` or `mixed`), and for animations `frame_count`, `loop` and
/// `durations` (ms).
///
/// **Write** uint8 H×W×3 or H×W×4 stills (H×W and H×W×1 are written as gray RGB). Options:
/// `quality` (0…100, default 90; for lossless, the compression effort), `lossless` (default false).
///
/// Several images (appended one by one, or a stack N×H×W×C, or N×H×W with W > 4 for gray) make an animated
/// WebP through libwebp's animation encoder, with the same options and `duration` (milliseconds
/// per frame: one number or a list, default 100; whole milliseconds) and `loop` (0: forever,
/// the default), spelt as imageio v3's pillow plugin takes them (see `AnimationTiming`; without
/// them the first frame's `durations` and `loop` metadata are used). Lossless animations read
/// back exactly. One image is a still.
public struct WebPFormat: ImageFormat {
    /// Creates the plugin.
    public init() {}

    public var name: String { "webp" }
    public var extensions: [String] { [".webp"] }
    public var canWrite: Bool { true }
    /// uint8 RGB and RGBA (gray read back as RGB), lossy with the default options.
    public var writableLayouts: [WritableLayout] {
        [
            WritableLayout(.uint8, channels: nil, readChannels: 3, maximumRMSError: 2.5),
            WritableLayout(.uint8, channels: 1, readChannels: 3, maximumRMSError: 2.5),
            WritableLayout(.uint8, channels: 3, maximumRMSError: 2.5),
            WritableLayout(.uint8, channels: 4, maximumRMSError: 2.5),
        ]
    }

    public func sniff(_ header: [UInt8]) -> Bool {
        header.count >= 12 && header.starts(with: Array("RIFF".utf8)) && Array(header[8..<12]) == Array("WEBP".utf8)
    }

    public func makeReader(_ request: ReadRequest) throws -> any ImageReader {
        try OptionParser(request.options, plugin: name, file: request.displayName).finish()
        guard sniff(request.bytes.prefix(12)) else { throw request.error(.unsupportedFormat, "not a WebP file (RIFF/WEBP header missing)") }
        return try WebPReader(request)
    }

    public func makeWriter(_ request: WriteRequest) throws -> any ImageWriter {
        var options = OptionParser(request.options, plugin: name, file: request.sink.displayName)
        let quality = try options.int("quality", default: 90, in: 0...100)
        let lossless = try options.bool("lossless", default: false)
        let timing = try AnimationTiming(&options, loops: 0...65535, maximumDuration: 16_777_215)
        try options.finish()
        let sink = request.sink
        let encoder = WebPEncoder(quality: Float(quality), lossless: lossless)
        return StillOrAnimationWriter(
            sink: sink, formatName: "WebP",
            isStack: { $0.rank == 4 || ($0.rank == 3 && $0.shape[2] > 4) },
            check: { _ = try WebPEncoder.prepared($0, file: sink.displayName) },
            still: { image, _ in try encoder.encode(image, to: sink) },
            animate: { first, metadata in
                var timing = timing
                timing.adopt(metadata)
                let size = try WebPEncoder.prepared(first, file: sink.displayName).shape
                return try WebPAnimationEncoder(width: size[1], height: size[0], encoder: encoder, timing: timing, sink: sink)
            })
    }
}
