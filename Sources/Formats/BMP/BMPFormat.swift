import ImMetaIOCore
import JPEGFormat
import NDArrayModule
import PNGFormat

/// Windows and OS/2 bitmaps, read and written in Swift.
///
/// **Read**: every header (OS/2 1.x and 2.x; Windows INFO, V2, V3, V4, V5 and other sizes that
/// start like INFO), 1/2/4/8-bit palettes, RLE8 and RLE4 (deltas and early ends; skipped pixels
/// are palette index 0), 16 and 32-bit pixels with or without bit masks (channels of any width
/// scaled to 8 bits as `v · 255 / max`), 24-bit, top-down rows, and embedded JPEG or PNG data.
/// The result follows Pillow's conversion: a black-and-white or grey-ramp palette gives H×W gray,
/// other palettes and true colour give H×W×3 RGB, an alpha mask with BITFIELDS gives H×W×4 RGBA.
/// Truncated pixel data reads as zeros past the end; headers that contradict themselves (sizes,
/// palettes larger than the bit depth allows, ALPHABITFIELDS) are errors.
/// Metadata: `bit_count`, `compression`, `header_size`, `pixels_per_meter`.
///
/// **Write**: uint8 H×W (8-bit grey palette), H×W×3 (24-bit) and H×W×4 (32-bit BITFIELDS with a
/// V4 header and an alpha mask). No options.
public struct BMPFormat: ImageFormat {
    /// Creates the plugin.
    public init() {}

    public var name: String { "bmp" }
    public var extensions: [String] { [".bmp", ".dib"] }
    public var canWrite: Bool { true }
    /// uint8 gray, RGB and RGBA, exactly.
    public var writableLayouts: [WritableLayout] { WritableLayout.lossless([.uint8], channels: [nil, 3, 4]) }

    public func sniff(_ header: [UInt8]) -> Bool {
        header.count >= 18 && header[0] == 0x42 && header[1] == 0x4D && [12, 16, 40, 52, 56, 64, 108, 124].contains(Int(header[14]))
    }

    public func makeReader(_ request: ReadRequest) throws -> any ImageReader {
        try OptionParser(request.options, plugin: name, file: request.displayName).finish()
        do {
            return BMPReader(request: request, header: try BMPHeader(request.bytes.stableBytes))
        } catch .notBMP {
            throw request.error(.unsupportedFormat, "not a BMP file")
        } catch {
            throw BMPReader.describe(error, request)
        }
    }

    public func makeWriter(_ request: WriteRequest) throws -> any ImageWriter {
        try OptionParser(request.options, plugin: name, file: request.sink.displayName).finish()
        let sink = request.sink
        return SingleImageWriter(sink: sink, formatName: "BMP") { image, _ in
            try sink.write(try BMPEncoder.encode(image, file: sink.displayName))
        }
    }
}

final class BMPReader: ImageReader {
    private let request: ReadRequest
    private let header: BMPHeader

    init(request: ReadRequest, header: BMPHeader) {
        self.request = request
        self.header = header
    }

    static func describe(_ error: BMPHeader.Failure, _ request: ReadRequest) -> ImMetaIOError {
        switch error {
        case .notBMP: request.error(.unsupportedFormat, "not a BMP file")
        case .corrupt(let message): request.error(.corruptData, "invalid BMP: \(message)")
        case .unsupported(let message): request.error(.unsupportedFeature, "BMP \(message) is not supported")
        }
    }

    /// The embedded image's plugin, for JPEG (4) and PNG (5) compression.
    private var embedded: (any ImageFormat)? {
        switch header.compression {
        case 4: JPEGFormat()
        case 5: PNGFormat()
        default: nil
        }
    }

    private func embeddedReader() throws -> any ImageReader {
        guard let format = embedded, header.pixelOffset < request.bytes.count else {
            throw request.error(.corruptData, "invalid BMP: no embedded image")
        }
        let bytes = Array(request.bytes.stableBytes[header.pixelOffset...])
        return try format.makeReader(ReadRequest(bytes: ResourceBytes(bytes), displayName: request.displayName, limits: request.limits))
    }

    func imageCount() throws -> Int { 1 }

    func properties(at index: Int) throws -> ImageProperties {
        if embedded != nil { return try embeddedReader().properties(at: 0) }
        let decoder = BMPDecoder(header: header)
        return ImageProperties(shape: decoder.shape, dtype: .uint8, imageCount: 1)
    }

    func metadata(at index: Int) throws -> JSONObject {
        [
            "bit_count": .int(header.bitCount), "compression": .int(header.compression), "header_size": .int(header.headerSize),
            "pixels_per_meter": [.int(header.pixelsPerMeter.x), .int(header.pixelsPerMeter.y)],
        ]
    }

    func read(at index: Int) throws -> NDArray {
        if embedded != nil { return try embeddedReader().read(at: 0) }
        let decoder = BMPDecoder(header: header)
        try request.limits.check(imageShape: decoder.shape, dtype: .uint8, hasChannelAxis: decoder.shape.count == 3, file: request.displayName)
        var failure: BMPHeader.Failure?
        let bytes = request.bytes.stableBytes
        let image = NDArray(unsafeUninitializedShape: decoder.shape, dtype: .uint8) { out in
            out.initializeMemory(as: UInt8.self, repeating: 0)
            do throws(BMPHeader.Failure) { try decoder.decode(bytes, into: out) } catch { failure = error }
        }
        if let failure { throw Self.describe(failure, request) }
        return image
    }
}

/// Writes uint8 gray, RGB and RGBA arrays as BMP files.
enum BMPEncoder {
    static func encode(_ image: NDArray, file: String) throws -> [UInt8] {
        let channels = image.rank == 2 ? 1 : (image.rank == 3 ? image.shape[2] : 0)
        guard image.dtype == .uint8, [1, 3, 4].contains(channels), image.shape[0] > 0, image.shape[1] > 0,
            image.shape[0] < 1 << 31, image.shape[1] < 1 << 31
        else {
            throw ImMetaIOError(
                .invalidArgument, "BMP writes uint8 H×W, H×W×3 or H×W×4 images, not \(image.dtype) \(image.shape)", file: file)
        }
        let height = image.shape[0], width = image.shape[1]
        let bitCount = channels * 8
        let rowBytes = ((width * bitCount + 31) / 32) * 4
        let headerSize = channels == 4 ? 108 : 40
        let paletteBytes = channels == 1 ? 256 * 4 : 0
        let offset = 14 + headerSize + paletteBytes
        var out: [UInt8] = []
        out.reserveCapacity(offset + rowBytes * height)
        func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        func u32(_ v: Int) { out += (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        out += [0x42, 0x4D]
        u32(offset + rowBytes * height)
        u32(0)
        u32(offset)
        u32(headerSize)
        u32(width)
        u32(height)  // positive: bottom-up rows, the most widely read layout
        u16(1)
        u16(bitCount)
        u32(channels == 4 ? 3 : 0)
        u32(rowBytes * height)
        u32(2835)  // 72 dpi
        u32(2835)
        u32(channels == 1 ? 256 : 0)
        u32(0)
        if channels == 4 {
            for mask in [0x00FF_0000, 0x0000_FF00, 0x0000_00FF, Int(0xFF00_0000)] { u32(mask) }
            out += Array("BGRs".utf8.reversed())  // LCS_sRGB
            out += [UInt8](repeating: 0, count: 108 - 56 - 4)
        }
        if channels == 1 { for value in 0..<256 { out += [UInt8(value), UInt8(value), UInt8(value), 0] } }
        image.withUnsafeBytes { pixels in
            var row = [UInt8](repeating: 0, count: rowBytes)
            for y in stride(from: height - 1, through: 0, by: -1) {
                let base = y * width * channels
                for x in 0..<width {
                    let at = base + x * channels
                    switch channels {
                    case 1: row[x] = pixels[at]
                    case 3:
                        row[3 * x] = pixels[at + 2]
                        row[3 * x + 1] = pixels[at + 1]
                        row[3 * x + 2] = pixels[at]
                    default:
                        row[4 * x] = pixels[at + 2]
                        row[4 * x + 1] = pixels[at + 1]
                        row[4 * x + 2] = pixels[at]
                        row[4 * x + 3] = pixels[at + 3]
                    }
                }
                out += row
            }
        }
        return out
    }
}
