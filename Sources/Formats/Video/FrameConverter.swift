import CFFmpeg
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
/// keeping one scaler context while the formats stay the same.
final class FrameConverter {
    private var context: OpaquePointer?

    deinit { sws_freeContext(context) }

    /// A decoded frame as an array of `layout`, converted with the frame's own colour matrix and
    /// range (BT.601 when the file does not say).
    func array(from frame: UnsafeMutablePointer<AVFrame>, as layout: PixelLayout, file: String) throws(ImMetaIOError) -> NDArray {
        let width = Int(frame.pointee.width), height = Int(frame.pointee.height)
        var result = NDArray(unsafeUninitializedShape: layout.shape(width: width, height: height), dtype: .uint8) { _ in }
        try convert(frame, as: layout, into: &result, file: file)
        return result
    }

    /// Converts a decoded frame into an existing array's bytes (`target` has exactly one frame's size).
    func convert(
        _ frame: UnsafeMutablePointer<AVFrame>, as layout: PixelLayout, into target: UnsafeMutableRawBufferPointer, file: String
    ) throws(ImMetaIOError) {
        let width = Int32(frame.pointee.width), height = Int32(frame.pointee.height)
        let source = AVPixelFormat(rawValue: frame.pointee.format)
        context = sws_getCachedContext(
            context, width, height, source, width, height, layout.pixelFormat, SWS_BILINEAR, nil, nil, nil)
        guard let context, let base = target.baseAddress else {
            throw ImMetaIOError(
                .unsupportedFeature, "cannot convert \(pixelFormatName(source)) frames to \(layout.rawValue)", file: file)
        }
        let fullRange: Int32 = frame.pointee.color_range == AVCOL_RANGE_JPEG ? 1 : 0
        let matrix = Int32(bitPattern: frame.pointee.colorspace.rawValue)
        sws_setColorspaceDetails(
            context, sws_getCoefficients(matrix), fullRange, sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16)
        var planes: [UnsafeMutablePointer<UInt8>?] = [base.assumingMemoryBound(to: UInt8.self), nil, nil, nil]
        var strides: [Int32] = [width * Int32(layout.channels), 0, 0, 0]
        let rows = withUnsafePointer(to: &frame.pointee.data) { data in
            withUnsafePointer(to: &frame.pointee.linesize) { linesize in
                data.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) { sourcePlanes in
                    linesize.withMemoryRebound(to: Int32.self, capacity: 8) { sourceStrides in
                        sws_scale(context, sourcePlanes, sourceStrides, 0, height, &planes, &strides)
                    }
                }
            }
        }
        guard rows == height else {
            throw ImMetaIOError(.corruptData, "cannot convert a \(pixelFormatName(source)) frame", file: file)
        }
    }

    private func convert(
        _ frame: UnsafeMutablePointer<AVFrame>, as layout: PixelLayout, into array: inout NDArray, file: String
    ) throws(ImMetaIOError) {
        let outcome = array.withUnsafeMutableBytes { bytes in
            Result { () throws(ImMetaIOError) in try convert(frame, as: layout, into: bytes, file: file) }
        }
        try outcome.get()
    }

    /// Converts packed pixels of `layout` into `frame` (already allocated in its output format).
    func fill(
        _ frame: UnsafeMutablePointer<AVFrame>, from pixels: UnsafeRawBufferPointer, as layout: PixelLayout, file: String
    ) throws(ImMetaIOError) {
        let width = frame.pointee.width, height = frame.pointee.height
        let target = AVPixelFormat(rawValue: frame.pointee.format)
        context = sws_getCachedContext(
            context, width, height, layout.pixelFormat, width, height, target, SWS_BICUBIC, nil, nil, nil)
        guard let context, let base = pixels.baseAddress else {
            throw ImMetaIOError(.unsupportedFeature, "cannot convert \(layout.rawValue) frames to \(pixelFormatName(target))", file: file)
        }
        // Written with the BT.601 matrix in limited range, which the writer records in the stream.
        sws_setColorspaceDetails(
            context, sws_getCoefficients(SWS_CS_DEFAULT), 1, sws_getCoefficients(SWS_CS_DEFAULT), 0, 0, 1 << 16, 1 << 16)
        var planes: [UnsafePointer<UInt8>?] = [base.assumingMemoryBound(to: UInt8.self), nil, nil, nil]
        var strides: [Int32] = [width * Int32(layout.channels), 0, 0, 0]
        let rows = withUnsafeMutablePointer(to: &frame.pointee.data) { data in
            withUnsafeMutablePointer(to: &frame.pointee.linesize) { linesize in
                data.withMemoryRebound(to: UnsafeMutablePointer<UInt8>?.self, capacity: 8) { targetPlanes in
                    linesize.withMemoryRebound(to: Int32.self, capacity: 8) { targetStrides in
                        sws_scale(context, &planes, &strides, 0, height, targetPlanes, targetStrides)
                    }
                }
            }
        }
        guard rows == height else {
            throw ImMetaIOError(.io, "cannot convert a frame to \(pixelFormatName(target))", file: file)
        }
    }
}

/// FFmpeg's name of a pixel format (`yuv420p`), or `unknown`.
func pixelFormatName(_ format: AVPixelFormat) -> String {
    av_get_pix_fmt_name(format).map { String(cString: $0) } ?? "unknown"
}
