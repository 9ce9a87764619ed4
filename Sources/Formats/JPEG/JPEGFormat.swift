import CShims
import ImMetaIOCore
import NDArrayModule

/// JPEG through libjpeg-turbo.
///
/// **Read**: baseline, progressive and arithmetic-coded files; gray → H×W, YCbCr/RGB → H×W×3,
/// CMYK/YCCK → H×W×4 CMYK (Adobe-inverted CMYK is un-inverted, as Pillow does). Decoding uses the
/// accurate integer DCT and fancy upsampling, so pixels equal Pillow's. The EXIF orientation is
/// reported in metadata (`orientation`) and applied only with the read option
/// `apply_orientation: true`. A truncated file is an error. 12-bit JPEGs are refused
/// (`unsupportedFeature`, precision read from the SOF marker before libjpeg sees the file): Debian's
/// libjpeg-turbo 2.1 is built for 8-bit samples; the message names the library's version and
/// libjpeg-turbo 3.0's 12-bit API as what would read them.
/// Metadata: `width`, `height`, `components`, `color_space`, `progressive`, `arithmetic`,
/// `jfif_density` and `dpi`, `adobe_transform`, `comments`, `exif` (common text tags), `orientation`.
///
/// **Write** uint8 H×W, H×W×1 or H×W×3 images. Options: `quality` (1…100, default 90),
/// `subsampling` (`4:4:4`, `4:2:2`, `4:2:0`; default `4:2:0`), `progressive` (default false),
/// `optimize` (optimised Huffman tables, default false).
public struct JPEGFormat: ImageFormat {
    /// Creates the plugin.
    public init() {}

    public var name: String { "jpeg" }
    public var extensions: [String] { [".jpg", ".jpeg", ".jpe", ".jfif"] }
    public var canWrite: Bool { true }
    /// uint8 gray and RGB, lossy (H×W×1 reads back as H×W).
    public var writableLayouts: [WritableLayout] {
        [
            WritableLayout(.uint8, channels: nil, maximumRMSError: 1.5),
            WritableLayout(.uint8, channels: 1, readChannels: nil, maximumRMSError: 1.5),
            WritableLayout(.uint8, channels: 3, maximumRMSError: 1.5),
        ]
    }

    public func sniff(_ header: [UInt8]) -> Bool { header.starts(with: [0xFF, 0xD8, 0xFF]) }

    public func makeReader(_ request: ReadRequest) throws -> any ImageReader {
        var options = OptionParser(request.options, plugin: name, file: request.displayName)
        let orient = try options.bool("apply_orientation", default: false)
        try options.finish()
        guard sniff(request.bytes.prefix(3)) else {
            throw request.error(.unsupportedFormat, "not a JPEG file (no SOI marker)")
        }
        return try JPEGReader(request, applyOrientation: orient)
    }

    public func makeWriter(_ request: WriteRequest) throws -> any ImageWriter {
        var options = OptionParser(request.options, plugin: name, file: request.sink.displayName)
        let settings = JPEGEncoder.Settings(
            quality: try options.int("quality", default: 90, in: 1...100),
            subsampling: try options.string("subsampling", default: "4:2:0", allowed: ["4:4:4", "4:2:2", "4:2:0"]),
            progressive: try options.bool("progressive", default: false),
            optimize: try options.bool("optimize", default: false))
        try options.finish()
        let sink = request.sink
        return SingleImageWriter(sink: sink, formatName: "JPEG") { image, _ in
            try JPEGEncoder(settings: settings).encode(image, to: sink)
        }
    }
}

final class JPEGReader: ImageReader {
    private let request: ReadRequest
    private let header: immetaio_jpeg_header
    private let markers: JPEGMarkers
    private let applyOrientation: Bool

    private static let grayscale: Int32 = 1, rgb: Int32 = 2, ycbcr: Int32 = 3, cmyk: Int32 = 4, ycck: Int32 = 5

    init(_ request: ReadRequest, applyOrientation: Bool) throws {
        self.request = request
        self.applyOrientation = applyOrientation
        markers = request.bytes.withUnsafeBytes { JPEGMarkers($0) }
        if let precision = markers.precision, precision != 8 {
            throw request.error(.unsupportedFeature, JPEGPrecision.refusal(precision: precision))
        }
        var header = immetaio_jpeg_header()
        var message = [CChar](repeating: 0, count: 256)
        let status = request.bytes.withUnsafeBytes { raw in
            immetaio_jpeg_read_header(
                raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, &header, &message, message.count)
        }
        guard Int(status) == IMMETAIO_JPEG_OK else {
            throw request.error(.corruptData, "invalid JPEG header: \(cMessage(message))")
        }
        self.header = header
    }

    func imageCount() throws -> Int { 1 }

    private var channels: Int {
        switch header.jpeg_color_space {
        case Self.grayscale: 1
        case Self.cmyk, Self.ycck: 4
        default: header.num_components == 1 ? 1 : 3
        }
    }

    private var outputColorSpace: Int32 {
        switch channels {
        case 1: Self.grayscale
        case 4: Self.cmyk
        default: Self.rgb
        }
    }

    private var orientation: Int { markers.exif?.orientation ?? 1 }

    private var decodedShape: [Int] {
        let height = Int(header.height), width = Int(header.width)
        return channels == 1 ? [height, width] : [height, width, channels]
    }

    private var outputShape: [Int] {
        var shape = decodedShape
        if applyOrientation, (5...8).contains(orientation) { shape.swapAt(0, 1) }
        return shape
    }

    func properties(at index: Int) throws -> ImageProperties {
        var spacing: [Double]?
        if let dpi = dpi { spacing = [0.0254 / dpi.y, 0.0254 / dpi.x] }
        return ImageProperties(
            shape: outputShape, dtype: .uint8, imageCount: 1, spacing: spacing)
    }

    private var dpi: (x: Double, y: Double)? {
        guard header.saw_jfif != 0, header.x_density > 0, header.y_density > 0 else { return nil }
        switch header.density_unit {
        case 1: return (Double(header.x_density), Double(header.y_density))
        case 2: return (Double(header.x_density) * 2.54, Double(header.y_density) * 2.54)
        default: return nil
        }
    }

    func excludingApplied(_ metadata: JSONObject) -> JSONObject {
        guard applyOrientation else { return metadata }
        var metadata = metadata
        metadata["orientation"] = nil
        if case .object(var exif)? = metadata["exif"] {
            exif["Orientation"] = nil
            metadata["exif"] = .object(exif)
        }
        return metadata
    }

    func metadata(at index: Int) throws -> JSONObject {
        let spaces = [0: "unknown", 1: "gray", 2: "rgb", 3: "ycbcr", 4: "cmyk", 5: "ycck"]
        var meta: JSONObject = [
            "width": .int(Int(header.width)), "height": .int(Int(header.height)),
            "components": .int(Int(header.num_components)),
            "color_space": .string(spaces[Int(header.jpeg_color_space)] ?? "unknown"),
            "precision": .int(Int(header.precision)),
            "progressive": .bool(header.progressive != 0), "arithmetic": .bool(header.arithmetic != 0),
            "orientation": .int(orientation),
        ]
        if header.saw_jfif != 0 {
            meta["jfif_density"] = [
                "unit": .int(Int(header.density_unit)), "x": .int(Int(header.x_density)), "y": .int(Int(header.y_density)),
            ]
        }
        if let dpi { meta["dpi"] = [.double(dpi.x), .double(dpi.y)] }
        if header.saw_adobe != 0 { meta["adobe_transform"] = .int(Int(header.adobe_transform)) }
        if !markers.comments.isEmpty { meta["comments"] = .array(markers.comments.map(JSONValue.string)) }
        if let exif = markers.exif, !exif.tags.isEmpty { meta["exif"] = .object(exif.tags) }
        return meta
    }

    func read(at index: Int) throws -> NDArray {
        let shape = decodedShape
        try request.limits.check(imageShape: shape, dtype: .uint8, hasChannelAxis: channels > 1, file: request.displayName)
        var message = [CChar](repeating: 0, count: 256)
        var warnings: Int32 = 0
        let colorSpace = outputColorSpace
        var image = try request.bytes.withUnsafeBytes { raw in
            try NDArray(unsafeUninitializedShape: shape, dtype: .uint8) { pixels in
                let status = immetaio_jpeg_decode(
                    raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, colorSpace,
                    pixels.baseAddress?.assumingMemoryBound(to: UInt8.self), pixels.count, &warnings, &message,
                    message.count)
                switch Int(status) {
                case IMMETAIO_JPEG_OK: return
                case IMMETAIO_JPEG_TRUNCATED: throw request.error(.corruptData, cMessage(message))
                default: throw request.error(.corruptData, "JPEG decode failed: \(cMessage(message))")
                }
            }
        }
        if channels == 4, header.saw_adobe != 0 {
            // Adobe applications write CMYK inverted; undo it so 0 means no ink, as Pillow returns.
            image.withUnsafeMutableBufferPointer(of: UInt8.self) { values in
                for i in values.indices { values[i] = 255 &- values[i] }
            }
        }
        if applyOrientation, orientation != 1 { image = Orientation.apply(orientation, to: image) }
        return image
    }
}

/// The text of a NUL-terminated C message buffer.
func cMessage(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
