import CEXRShims
import Foundation
import ImMetaIOCore
import NDArrayModule

/// OpenEXR through the library's C API (OpenEXRCore).
///
/// **Read**: scanline and tiled parts (level 0 of mipmapped or ripmapped files) with every
/// compression, DWAA/DWAB through OpenEXR's C++ library (OpenEXRCore 3.1 lacks them); each part
/// is one image (`index` = part). The data window gives the size. One channel → H×W; several → H×W×C with R, G, B, Y, A first (those present, in that
/// order) and the other channels after them by name; metadata `channels` lists the order. The
/// dtype is float16 when every channel is half, float32 when every channel is float, uint32 when
/// every channel is uint, float32 for half and float channels together, and float64 when uint
/// channels meet half or float ones (float64 holds uint32 values exactly; float32 would not).
/// Luminance/chroma parts (Y, RY, BY, optionally A; chroma usually subsampled) read as float16
/// RGB(A) through OpenEXR's RGBA interface, which rebuilds full-resolution chroma and converts
/// with the file's chromaticities (first part only: OpenEXR 3.1's interface reads no other;
/// metadata `stored_channels` lists the file's channels). Other subsampled channels and deep
/// parts are refused with `unsupportedFeature`.
/// Chunks decode in parallel; PIZ chunks go through `PIZCodec`, our own implementation of the
/// codec (OpenEXRCore keeps the others). Metadata: `parts`, `part_name`, `storage`, `compression`,
/// `line_order`, `data_window` and `display_window` ([xmin, ymin, xmax, ymax]), `channels`,
/// `channel_types`, and the part's string and number attributes under `attributes`.
///
/// **Write** float32, float16 or uint32 H×W (channel Y), H×W×3 (R, G, B) or H×W×4 (R, G, B, A)
/// images, as one scanline part; chunks are compressed in parallel (PIZ by `PIZCodec`, DWAA/DWAB
/// through OpenEXR's C++ library). Options: `compression`
/// (`none`, `rle`, `zips`, `zip`, `piz`, `pxr24`, `b44`, `b44a`, `dwaa`, `dwab`; default `piz`,
/// as Python immetaio writes; B44/B44A take float16 images only, DWA float16 or float32),
/// `zip_level` (0…9), `dwa_level` (quality, e.g. 45), `channels` (names for other channel
/// counts, in pixel order). Other shapes, dtypes or options are `invalidArgument` errors.
public struct EXRFormat: ImageFormat {
    /// Creates the plugin.
    public init() {}

    /// The plugin's name: `exr`.
    public var name: String { "exr" }
    /// `.exr`.
    public var extensions: [String] { [".exr"] }
    /// OpenEXR files can be written.
    public var canWrite: Bool { true }
    /// float16, float32 and uint32 Y, RGB and RGBA, exactly with the default PIZ compression.
    public var writableLayouts: [WritableLayout] { WritableLayout.lossless([.float16, .float32, .uint32], channels: [nil, 3, 4]) }

    static let magic: [UInt8] = [0x76, 0x2F, 0x31, 0x01]

    /// Whether `header` starts with OpenEXR's magic number, 76 2F 31 01.
    public func sniff(_ header: [UInt8]) -> Bool { header.starts(with: Self.magic) }

    /// Opens the file's header and parts; pixels are decoded by `read(at:)`. Takes no options.
    public func makeReader(_ request: ReadRequest) throws -> any ImageReader {
        try OptionParser(request.options, plugin: name, file: request.displayName).finish()
        guard sniff(request.bytes.prefix(4)) else {
            throw request.error(.unsupportedFormat, "not an OpenEXR file (magic number missing)")
        }
        return try EXRReader(request)
    }

    /// A writer of one image, with the options `compression`, `zip_level`, `dwa_level` and `channels`.
    public func makeWriter(_ request: WriteRequest) throws -> any ImageWriter {
        var options = OptionParser(request.options, plugin: name, file: request.sink.displayName)
        let compression = try options.string("compression", default: "piz", allowed: EXRCompression.allCases.map(\.name))
        let zipLevel = try options.int("zip_level", default: -1, in: -1...9)
        let dwaLevel = try options.int("dwa_level", default: -1, in: -1...1000)
        var channelNames: [String]?
        if let names = options.value("channels") {
            guard let list = names.arrayValue?.compactMap(\.stringValue), list.count == names.arrayValue?.count,
                !list.isEmpty, list.allSatisfy({ !$0.isEmpty && $0.utf8.count < 256 })
            else {
                throw request.error(.invalidArgument, "exr option 'channels' must be a list of channel names")
            }
            channelNames = list
        }
        try options.finish()
        let encoder = EXREncoder(
            compression: EXRCompression.allCases.first { $0.name == compression } ?? .piz, zipLevel: zipLevel,
            dwaLevel: dwaLevel, channelNames: channelNames)
        let sink = request.sink
        return SingleImageWriter(sink: sink, formatName: "OpenEXR") { image, _ in try encoder.encode(image, to: sink) }
    }
}

/// OpenEXR's compression methods, with their option names.
enum EXRCompression: Int32, CaseIterable {
    case none = 0, rle, zips, zip, piz, pxr24, b44, b44a, dwaa, dwab

    var name: String { "\(self)" }
}

/// OpenEXRCore's success code as the `exr_result_t` its functions return.
let exrSuccess = exr_result_t(EXR_ERR_SUCCESS.rawValue)
