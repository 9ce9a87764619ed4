import CGIF
import ImMetaIOCore

/// One image of a GIF file: its rectangle, palette and graphic-control values.
struct GIFFrameInfo {
    var x: Int, y: Int, width: Int, height: Int
    var interlaced: Bool
    /// The local palette (RGB triples), when the frame has one.
    var localPalette: [UInt8]?
    var transparency: Int?
    /// Disposal method bits of this frame's graphic control extension (0: unspecified).
    var disposal: Int
    /// Duration in milliseconds.
    var duration: Int
}

/// Reads a GIF file record by record through giflib, from memory. giflib reports errors with
/// return codes (no `longjmp`), and `DGifCloseFile` frees the handle whatever happened.
final class GIFStream {
    private final class Source {
        let bytes: UnsafeRawBufferPointer
        var position = 0
        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
    }

    private let handle: UnsafeMutablePointer<GifFileType>
    private let source: Unmanaged<Source>
    let width: Int
    let height: Int
    /// The global palette (RGB triples), if any.
    let globalPalette: [UInt8]?
    /// The background colour index, when there is a global palette.
    let background: Int?
    /// NETSCAPE2.0 loop count (0: forever), when present.
    private(set) var loop: Int?
    private(set) var comments: [String] = []

    enum Failure: Error { case notGIF, corrupt(String) }

    init(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
        guard bytes.count >= 6, bytes.starts(with: Array("GIF8".utf8)) else { throw .notGIF }
        let source = Unmanaged.passRetained(Source(bytes))
        var error: Int32 = 0
        let read: InputFunc = { gif, buffer, count in
            guard let gif, let buffer, count > 0, let user = gif.pointee.UserData else { return 0 }
            let source = Unmanaged<Source>.fromOpaque(user).takeUnretainedValue()
            let n = min(Int(count), source.bytes.count - source.position)
            guard n > 0, let base = source.bytes.baseAddress else { return 0 }
            UnsafeMutableRawPointer(buffer).copyMemory(from: base + source.position, byteCount: n)
            source.position += n
            return Int32(n)
        }
        guard let handle = DGifOpen(source.toOpaque(), read, &error) else {
            source.release()
            throw .corrupt(Self.message(error))
        }
        self.handle = handle
        self.source = source
        width = Int(handle.pointee.SWidth)
        height = Int(handle.pointee.SHeight)
        globalPalette = Self.palette(handle.pointee.SColorMap)
        background = globalPalette == nil ? nil : Int(handle.pointee.SBackGroundColor)
    }

    deinit {
        var error: Int32 = 0
        DGifCloseFile(handle, &error)
        source.release()
    }

    static func message(_ code: Int32) -> String {
        GifErrorString(code).map { String(cString: $0) } ?? "giflib error \(code)"
    }

    private var lastError: String { Self.message(handle.pointee.Error) }

    static func palette(_ map: UnsafeMutablePointer<ColorMapObject>?) -> [UInt8]? {
        guard let map, let colors = map.pointee.Colors, map.pointee.ColorCount > 0 else { return nil }
        var result: [UInt8] = []
        for i in 0..<Int(map.pointee.ColorCount) { result += [colors[i].Red, colors[i].Green, colors[i].Blue] }
        return result
    }

    /// The next image's description (graphic control and comments gathered on the way), or `nil`
    /// at the end of the file. The caller must then call ``readPixels(_:)`` or ``skipPixels()``.
    func nextFrame() throws(Failure) -> GIFFrameInfo? {
        var transparency: Int?
        var disposal = 0
        var duration = 0
        while true {
            var record = UNDEFINED_RECORD_TYPE
            guard DGifGetRecordType(handle, &record) == GIF_OK else {
                // A file that ends without its terminator ends here, as most readers accept.
                return nil
            }
            switch record {
            case IMAGE_DESC_RECORD_TYPE:
                guard DGifGetImageDesc(handle) == GIF_OK else { throw .corrupt(lastError) }
                let image = handle.pointee.Image
                return GIFFrameInfo(
                    x: Int(image.Left), y: Int(image.Top), width: Int(image.Width), height: Int(image.Height),
                    interlaced: image.Interlace, localPalette: Self.palette(image.ColorMap), transparency: transparency,
                    disposal: disposal, duration: duration)
            case EXTENSION_RECORD_TYPE:
                var code: Int32 = 0
                var block: UnsafeMutablePointer<GifByteType>?
                guard DGifGetExtension(handle, &code, &block) == GIF_OK else { throw .corrupt(lastError) }
                var blocks: [[UInt8]] = []
                while let current = block {
                    blocks.append(Array(UnsafeBufferPointer(start: current + 1, count: Int(current[0]))))
                    guard DGifGetExtensionNext(handle, &block) == GIF_OK else { throw .corrupt(lastError) }
                }
                switch code {
                case GRAPHICS_EXT_FUNC_CODE:
                    if let gce = blocks.first, gce.count >= 4 {
                        if gce[0] & 1 != 0 { transparency = Int(gce[3]) }
                        disposal = Int((gce[0] >> 2) & 7)
                        duration = (Int(gce[1]) | Int(gce[2]) << 8) * 10
                    }
                case COMMENT_EXT_FUNC_CODE:
                    comments.append(String(decoding: blocks.joined(), as: UTF8.self))
                case APPLICATION_EXT_FUNC_CODE:
                    if blocks.count >= 2, blocks[0].starts(with: Array("NETSCAPE2.0".utf8)), blocks[1].count >= 3, blocks[1][0] == 1 {
                        loop = Int(blocks[1][1]) | Int(blocks[1][2]) << 8
                    }
                default: break
                }
            case TERMINATE_RECORD_TYPE:
                return nil
            default:
                throw .corrupt("invalid record")
            }
        }
    }

    /// The current image's colour indices, rows in display order (interlacing undone).
    func readPixels(_ frame: GIFFrameInfo) throws(Failure) -> [UInt8] {
        var pixels = [UInt8](repeating: 0, count: frame.width * frame.height)
        guard frame.width > 0, frame.height > 0 else { return pixels }
        var order = Array(0..<frame.height)
        if frame.interlaced {
            order = Array(stride(from: 0, to: frame.height, by: 8)) + Array(stride(from: 4, to: frame.height, by: 8))
                + Array(stride(from: 2, to: frame.height, by: 4)) + Array(stride(from: 1, to: frame.height, by: 2))
        }
        var line = [GifPixelType](repeating: 0, count: frame.width)
        for row in order {
            // A truncated image keeps what was decoded; the rest stays index 0.
            guard DGifGetLine(handle, &line, Int32(frame.width)) == GIF_OK else { return pixels }
            pixels.replaceSubrange((row * frame.width)..<((row + 1) * frame.width), with: line)
        }
        return pixels
    }

    /// Skips the current image's data without decoding it.
    func skipPixels() throws(Failure) {
        var codeSize: Int32 = 0
        var block: UnsafeMutablePointer<GifByteType>?
        guard DGifGetCode(handle, &codeSize, &block) == GIF_OK else { throw .corrupt(lastError) }
        while block != nil {
            guard DGifGetCodeNext(handle, &block) == GIF_OK else { throw .corrupt(lastError) }
        }
    }
}
