import CFITSIO
import ImMetaIOCore
import NDArrayModule

/// FITS through cfitsio: image HDUs, including tile-compressed ones and gzip-compressed files.
///
/// **Read**: the images are the HDUs that hold image data, in file order (`index` 0 is the first
/// of them; the read option `hdu` picks one by HDU number or `EXTNAME` instead). Axes come in
/// numpy order (NAXISn … NAXIS1). BSCALE/BZERO are applied as astropy applies them: integers
/// with the unsigned offset (e.g. BITPIX 16, BZERO 32768) become unsigned, other scaled integers
/// become float32 (8/16-bit) or float64 (32/64-bit), and integer images with BLANK become floats
/// with NaN where blank. The read option `raw: true` returns the stored values instead.
/// Metadata: `hdu` (number), `extname`, `bitpix`, and `header` (every card's value by keyword).
///
/// **Write** any integer or float array as a primary image HDU; unsigned 16/32/64-bit arrays use
/// the standard BZERO offset. Metadata `header` (keyword → string or number) is written as cards.
public struct FITSFormat: ImageFormat {
    /// Creates the plugin.
    public init() {}

    public var name: String { "fits" }
    public var extensions: [String] { [".fits", ".fit", ".fts", ".fits.gz"] }
    public var canWrite: Bool { true }
    /// Every integer and float dtype but float16, exactly.
    public var writableLayouts: [WritableLayout] {
        WritableLayout.lossless(DType.allCases.filter { $0 != .bool && $0 != .float16 }, channels: [nil, 3])
    }

    public func sniff(_ header: [UInt8]) -> Bool {
        header.starts(with: Array("SIMPLE  =".utf8)) || header.starts(with: [0x1F, 0x8B])
    }

    public func makeReader(_ request: ReadRequest) throws -> any ImageReader {
        var options = OptionParser(request.options, plugin: name, file: request.displayName)
        let raw = try options.bool("raw", default: false)
        let hdu = options.value("hdu")
        try options.finish()
        let head = request.bytes.prefix(9)
        guard head.starts(with: Array("SIMPLE  =".utf8)) || head.starts(with: [0x1F, 0x8B]) else {
            throw request.error(.unsupportedFormat, "not a FITS file (no SIMPLE card)")
        }
        return try FITSReader(request, raw: raw, hdu: hdu)
    }

    public func makeWriter(_ request: WriteRequest) throws -> any ImageWriter {
        try OptionParser(request.options, plugin: name, file: request.sink.displayName).finish()
        let sink = request.sink
        return SingleImageWriter(sink: sink, formatName: "FITS") { image, metadata in
            try FITSEncoder.encode(image, header: metadata["header"]?.objectValue ?? [:], to: sink)
        }
    }
}

/// A cfitsio status code with its message, and the message stack cleared.
func fitsMessage(_ status: Int32) -> String {
    var text = [CChar](repeating: 0, count: 81)
    ffgerr(status, &text)
    ffcmsg()
    return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
