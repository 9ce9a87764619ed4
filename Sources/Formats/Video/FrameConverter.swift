import CFFmpeg
import Foundation
import ImMetaIOCore
import NDArrayModule

/// The pixel layouts frames are read as and written from: uint8 RGB (H×W×3), RGBA (H×W×4) or
/// gray (H×W).
enum PixelLayout: String, CaseIterable {
    case rgb24, rgba, gray

    var channels: Int {
        switch self {
        case .rgb24: 3
        case .rgba: 4
        case .gray: 1
        }
    }

    var pixelFormat: AVPixelFormat {
        switch self {
        case .rgb24: AV_PIX_FMT_RGB24
        case .rgba: AV_PIX_FMT_RGBA
        case .gray: AV_PIX_FMT_GRAY8
        }
    }

    func shape(width: Int, height: Int) -> [Int] { channels == 1 ? [height, width] : [height, width, channels] }

    /// The layout of an array given to a writer: H×W (gray), H×W×1, H×W×3 or H×W×4 uint8.
    init?(arrayShape shape: [Int]) {
        switch shape.count {
        case 2: self = .gray
        case 3 where shape[2] == 1: self = .gray
        case 3 where shape[2] == 3: self = .rgb24
        case 3 where shape[2] == 4: self = .rgba
        default: return nil
        }
    }
}

/// Converts between FFmpeg frames (any pixel format) and packed uint8 arrays with libswscale,
/// on one slice thread per core (at low bitrates conversion is as much work as decoding), keeping
/// one scaler while the sizes and formats stay the same.
final class FrameConverter {
    /// What the scaler was made for.
    private struct Setup: Equatable {
        var width: Int32, height: Int32
        var source: Int32, target: Int32
        /// The YUV side's colour matrix (SWS_CS_*) and whether it is full range.
        var matrix: Int32
        var yuvFullRange: Bool
        var decoding: Bool
    }

    private var context: OpaquePointer?
    private var setup: Setup?

    deinit { sws_freeContext(context) }

    /// A decoded frame as an array of `layout`.
    func array(from frame: UnsafeMutablePointer<AVFrame>, as layout: PixelLayout, file: String) throws(ImMetaIOError) -> NDArray {
        let width = Int(frame.pointee.width), height = Int(frame.pointee.height)
        var result = NDArray(unsafeUninitializedShape: layout.shape(width: width, height: height), dtype: .uint8) { _ in }
        let outcome = result.withUnsafeMutableBytes { bytes in
            Result { () throws(ImMetaIOError) in try convert(frame, as: layout, into: bytes, file: file) }
        }
        try outcome.get()
        return result
    }

    /// Converts a decoded frame into `target` (exactly one frame of `layout`), with the frame's own
    /// colour matrix and range (BT.601 when the file does not say).
    func convert(
        _ frame: UnsafeMutablePointer<AVFrame>, as layout: PixelLayout, into target: UnsafeMutableRawBufferPointer, file: String
    ) throws(ImMetaIOError) {
        let setup = Setup(
            width: frame.pointee.width, height: frame.pointee.height, source: frame.pointee.format,
            target: layout.pixelFormat.rawValue, matrix: Int32(bitPattern: frame.pointee.colorspace.rawValue),
            yuvFullRange: frame.pointee.color_range == AVCOL_RANGE_JPEG, decoding: true)
        // A stream may change its frame size midway; the target holds one frame of the first size.
        guard target.count == Int(setup.width) * Int(setup.height) * layout.channels else {
            throw ImMetaIOError(
                .unsupportedFeature, "the video changes its frame size midway (to \(setup.width)×\(setup.height))", file: file)
        }
        guard let packed = Self.borrowing(target, layout: layout, width: setup.width, height: setup.height) else {
            throw ImMetaIOError(.limitExceeded, "out of memory for a frame", file: file)
        }
        var borrowed: UnsafeMutablePointer<AVFrame>? = packed
        defer { av_frame_free(&borrowed) }
        try scale(frame, into: packed, setup, file: file)
    }

    /// Converts packed pixels of `layout` into `frame` (allocated in its output format), with the
    /// BT.601 matrix in the frame's range (limited, or full for JPEG-based codecs), which the
    /// writer records in the stream.
    func fill(
        _ frame: UnsafeMutablePointer<AVFrame>, from pixels: UnsafeRawBufferPointer, as layout: PixelLayout, file: String
    ) throws(ImMetaIOError) {
        let setup = Setup(
            width: frame.pointee.width, height: frame.pointee.height, source: layout.pixelFormat.rawValue,
            target: frame.pointee.format, matrix: SWS_CS_DEFAULT, yuvFullRange: frame.pointee.color_range == AVCOL_RANGE_JPEG,
            decoding: false)
        guard pixels.count == Int(setup.width) * Int(setup.height) * layout.channels else {
            throw ImMetaIOError(.invalidArgument, "a frame's pixels do not match its size", file: file)
        }
        // libswscale only reads the source; the frame type has no read-only form.
        let source = UnsafeMutableRawBufferPointer(mutating: pixels)
        guard let packed = Self.borrowing(source, layout: layout, width: setup.width, height: setup.height) else {
            throw ImMetaIOError(.limitExceeded, "out of memory for a frame", file: file)
        }
        var borrowed: UnsafeMutablePointer<AVFrame>? = packed
        defer { av_frame_free(&borrowed) }
        try scale(packed, into: frame, setup, file: file)
    }

    private func scale(
        _ source: UnsafeMutablePointer<AVFrame>, into target: UnsafeMutablePointer<AVFrame>, _ setup: Setup, file: String
    ) throws(ImMetaIOError) {
        if setup != self.setup {
            sws_freeContext(context)
            context = Self.makeContext(setup)
            self.setup = setup
        }
        let names = "\(pixelFormatName(AVPixelFormat(rawValue: setup.source))) to \(pixelFormatName(AVPixelFormat(rawValue: setup.target)))"
        guard let context else { throw ImMetaIOError(.unsupportedFeature, "cannot convert \(names)", file: file) }
        let status = sws_scale_frame(context, target, source)
        guard status >= 0 else {
            throw ImMetaIOError(.corruptData, "cannot convert a frame from \(names): \(FFmpeg.describe(status))", file: file)
        }
    }

    /// A frame over `bytes` (packed `layout` pixels) that does not own them: its buffer's free
    /// function does nothing. libswscale needs reference-counted frames and would copy others.
    private static func borrowing(
        _ bytes: UnsafeMutableRawBufferPointer, layout: PixelLayout, width: Int32, height: Int32
    ) -> UnsafeMutablePointer<AVFrame>? {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), let frame = av_frame_alloc() else { return nil }
        frame.pointee.format = layout.pixelFormat.rawValue
        frame.pointee.width = width
        frame.pointee.height = height
        frame.pointee.data.0 = base
        frame.pointee.linesize.0 = width * Int32(layout.channels)
        frame.pointee.buf.0 = av_buffer_create(base, bytes.count, { _, _ in }, nil, 0)
        guard frame.pointee.buf.0 != nil else {
            var pointer: UnsafeMutablePointer<AVFrame>? = frame
            av_frame_free(&pointer)
            return nil
        }
        return frame
    }

    /// A scaler with one slice thread per core. Decoding uses bilinear chroma upsampling (what
    /// PyAV uses); encoding bicubic chroma downsampling.
    private static func makeContext(_ setup: Setup) -> OpaquePointer? {
        guard let context = sws_alloc_context() else { return nil }
        let threads = Int64(min(16, ProcessInfo.processInfo.activeProcessorCount))
        let flags = setup.decoding ? SWS_BILINEAR : SWS_BICUBIC
        let settings: [(String, Int64)] = [
            ("srcw", Int64(setup.width)), ("srch", Int64(setup.height)), ("src_format", Int64(setup.source)),
            ("dstw", Int64(setup.width)), ("dsth", Int64(setup.height)), ("dst_format", Int64(setup.target)),
            ("sws_flags", Int64(flags)), ("threads", threads),
        ]
        for (name, value) in settings where av_opt_set_int(UnsafeMutableRawPointer(context), name, value, 0) < 0 {
            sws_freeContext(context)
            return nil
        }
        guard sws_init_context(context, nil, nil) >= 0 else {
            sws_freeContext(context)
            return nil
        }
        let yuv = sws_getCoefficients(setup.matrix), rgb = sws_getCoefficients(SWS_CS_DEFAULT)
        if setup.decoding {
            sws_setColorspaceDetails(context, yuv, setup.yuvFullRange ? 1 : 0, rgb, 1, 0, 1 << 16, 1 << 16)
        } else {
            sws_setColorspaceDetails(context, rgb, 1, yuv, setup.yuvFullRange ? 1 : 0, 0, 1 << 16, 1 << 16)
        }
        return context
    }
}

/// FFmpeg's name of a pixel format (`yuv420p`), or `unknown`.
func pixelFormatName(_ format: AVPixelFormat) -> String {
    av_get_pix_fmt_name(format).map { String(cString: $0) } ?? "unknown"
}
