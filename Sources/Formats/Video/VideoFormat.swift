import ImMetaIOCore
import Logging

/// Video through FFmpeg's libraries (libavformat, libavcodec, libswscale): MP4, Matroska, WebM,
/// AVI and QuickTime files, read as uint8 frames and written frame by frame.
///
/// This plugin lives in its own module (product `ImMetaIOVideo`) so that applications without
/// video need not link FFmpeg. Register it, or use `FormatRegistry.standardWithVideo`:
///
/// ```swift
/// var registry = FormatRegistry.standard
/// registry.register(VideoFormat())
/// ```
///
/// **Read.** Without an index, every frame (N×H×W×3); the multi-image read (`readImages`) stops
/// at its memory limit, and `ImageFile.frames()` decodes one frame at a time, holding only the
/// decoder's reference frames. A read by index seeks to the key frame before it and decodes
/// forward (reads of nearby later frames decode forward without seeking). Option
/// `pixel_format`: `rgb24` (default, H×W×3), `rgba` (H×W×4) or `gray` (H×W). Colour is converted
/// with the stream's own matrix and range (BT.601 when it does not say). The frame count is
/// exact: it counts the stream's packets (demuxed, not decoded) on first use; ``ImageProperties``
/// gives the container's count without that pass, or `nil`. Metadata: `codec`, `pixel_format`
/// (the stream's), `width`, `height`, `fps`, `duration` (seconds), `frame_count` (the container's,
/// or `null`), `frame_count_estimate` (fps × duration, when the container has no count),
/// `bit_rate`, `container`, `time_base`, `tags` (container and stream tags) and `timestamp` (of
/// the frame asked for, in seconds).
///
/// **Write** (uint8 H×W gray, H×W×3 RGB or H×W×4 RGBA frames, one per `append`, or N×H×W×C at
/// once). Options: `fps` (default 24), `codec` (default `libx264`; `libvpx-vp9` for `.webm`;
/// `mpeg4` for `.avi`), `quality` (0–10, imageio's scale: CRF on x264/x265/VP8/VP9/AV1, a fixed
/// quantiser elsewhere), `crf`, `bitrate` (bits/s, or `"4M"`, `"800k"`), `preset` (x264/x265:
/// `ultrafast` … `veryslow`), `pixel_format` (default `yuv420p`, which needs even sizes; for odd
/// sizes use `yuv444p`), `threads` (0: automatic), `codec_options` (any encoder option, as an
/// object), and `container` (an FFmpeg muxer name, for in-memory output or an unusual extension).
/// Every packet gets a one-frame duration when the encoder leaves it at zero, so MP4 files keep
/// their last frame. VP8/VP9 default to CRF 32 at `cpu-used` 4 (libvpx's own default is very slow).
/// Encoders run on slice threads on machines of up to four cores (x264's sliced threads were 15–20 %
/// faster than frame threads on two) and on frame threads beyond.
///
/// FFmpeg's log messages go to swift-log (label `immetaio.ffmpeg`), never straight to stderr.
public struct VideoFormat: ImageFormat {
    /// Creates the plugin.
    public init() {}

    public var name: String { "ffmpeg" }
    public var extensions: [String] { [".mp4", ".mkv", ".webm", ".avi", ".mov", ".m4v"] }
    public var canWrite: Bool { true }
    /// uint8 gray, RGB and RGBA frames (even sizes with the default `yuv420p`), read back as RGB,
    /// lossy.
    public var writableLayouts: [WritableLayout] {
        [nil, 3, 4].map { WritableLayout(.uint8, channels: $0, readChannels: 3, maximumRMSError: 4) }
    }

    /// MP4/QuickTime (`ftyp`), Matroska/WebM (EBML) and AVI (`RIFF…AVI `).
    public func sniff(_ header: [UInt8]) -> Bool {
        guard header.count >= 12 else { return false }
        if header[4..<8].elementsEqual("ftyp".utf8) { return true }
        if header.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return true }
        return header.starts(with: Array("RIFF".utf8)) && header[8..<12].elementsEqual("AVI ".utf8)
    }

    public func makeReader(_ request: ReadRequest) throws -> any ImageReader { try VideoReader(request) }

    public func makeWriter(_ request: WriteRequest) throws -> any ImageWriter { try VideoWriter(request) }
}

extension VideoFormat {
    /// Where FFmpeg's own log messages go (default: a logger labelled `immetaio.ffmpeg`), for the
    /// whole process: FFmpeg has one log callback. Levels map as error and worse → `.error`,
    /// warning → `.warning`, info → `.debug` (encoders print statistics at info), verbose and
    /// debug → `.trace`.
    public static var logger: Logger {
        get { FFmpeg.logger }
        set {
            _ = FFmpeg.routeLogging
            FFmpeg.logger = newValue
        }
    }
}
