import ImMetaIOCore
import NDArrayModule

/// numpy's `.npy` files: any bool, integer or float array, read and written exactly.
///
/// Read: versions 1.0–3.0, both byte orders, Fortran order (returned in C order). The whole array
/// is one image. Metadata: `version`, `fortran_order`, `descr` (the stored type string).
/// Write: any `NDArray`; no options.
public struct NPYFormat: ImageFormat {
    /// Creates the plugin.
    public init() {}

    public var name: String { "npy" }
    public var extensions: [String] { [".npy"] }
    public var canWrite: Bool { true }
    /// Every dtype, with or without a channel axis, exactly.
    public var writableLayouts: [WritableLayout] { WritableLayout.lossless(DType.allCases, channels: [nil, 1, 3, 4]) }

    public func sniff(_ header: [UInt8]) -> Bool { NPY.hasMagic(header) }

    public func makeReader(_ request: ReadRequest) throws -> any ImageReader {
        try OptionParser(request.options, plugin: name, file: request.displayName).finish()
        let header: NPY.Header
        do {
            header = try request.bytes.withUnsafeBytes { (raw) throws(NPYError) in try NPY.readHeader(raw) }
        } catch .notNPY {
            throw request.error(.unsupportedFormat, "not an NPY file")
        } catch {
            throw ImMetaIOError(Self.code(of: error), error.description, file: request.displayName, underlying: error)
        }
        return NPYReader(request: request, header: header)
    }

    public func makeWriter(_ request: WriteRequest) throws -> any ImageWriter {
        try OptionParser(request.options, plugin: name, file: request.sink.displayName).finish()
        let sink = request.sink
        return SingleImageWriter(sink: sink, formatName: "NPY") { image, _ in
            try sink.write(NPY.encodeHeader(shape: image.shape, dtype: image.dtype))
            try image.withUnsafeBytes { raw in try sink.write(raw) }
        }
    }

    static func code(of error: NPYError) -> ImMetaIOError.Code {
        switch error {
        case .notNPY: .unsupportedFormat
        case .unsupportedDType, .unsupportedVersion: .unsupportedFeature
        case .tooLarge: .limitExceeded
        case .invalidHeader, .truncated: .corruptData
        }
    }
}

final class NPYReader: ImageReader {
    private let request: ReadRequest
    private let header: NPY.Header

    init(request: ReadRequest, header: NPY.Header) {
        self.request = request
        self.header = header
    }

    func imageCount() throws -> Int { 1 }

    func properties(at index: Int) throws -> ImageProperties {
        ImageProperties(shape: header.shape, dtype: header.dtype, imageCount: 1)
    }

    func metadata(at index: Int) throws -> JSONObject {
        let order = header.byteOrder == .bigEndian ? ">" : header.dtype.itemSize == 1 ? "|" : "<"
        return [
            "version": .string("\(header.version.major).\(header.version.minor)"),
            "fortran_order": .bool(header.fortranOrder),
            "descr": .string(order + header.dtype.typestr.dropFirst()),
        ]
    }

    func read(at index: Int) throws -> NDArray {
        // An NPY array has no channel axis to discount: every element counts as a pixel.
        try request.limits.check(
            pixels: NDArray.checkedElementCount(header.shape) ?? .max, shape: header.shape, dtype: header.dtype,
            file: request.displayName)
        do {
            return try request.bytes.withUnsafeBytes { (raw) throws(NPYError) in
                try NPY.decode(raw, maxByteCount: request.limits.maxBytes)
            }
        } catch {
            throw ImMetaIOError(NPYFormat.code(of: error), error.description, file: request.displayName, underlying: error)
        }
    }
}
