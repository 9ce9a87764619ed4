/// Reading and writing numpy's `.npy` format (versions 1.0, 2.0 and 3.0).
///
/// Both byte orders are read (big-endian data is swapped to native order), Fortran-order arrays
/// are transposed to C order, and object, structured, string and complex arrays are refused with
/// ``NPYError/unsupportedDType(_:)``. Writing produces version 1.0 unless the header needs more
/// room, in which case 2.0 is used, as numpy does.
public enum NPY {
    /// The six bytes every NPY file starts with.
    public static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// What an NPY header says about the array that follows it.
    public struct Header: Sendable, Equatable {
        /// The element type.
        public var dtype: DType
        /// The byte order of the stored elements.
        public var byteOrder: ByteOrder
        /// Whether the elements are stored in Fortran (column-major) order.
        public var fortranOrder: Bool
        /// The array shape.
        public var shape: [Int]
        /// The file format version (major, minor).
        public var version: (major: UInt8, minor: UInt8)
        /// Where the element data starts in the file.
        public var dataOffset: Int

        /// The number of data bytes the header announces, or `nil` if it overflows.
        public var dataByteCount: Int? {
            guard let count = NDArray.checkedElementCount(shape) else { return nil }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
            return overflow ? nil : bytes
        }

        public static func == (lhs: Header, rhs: Header) -> Bool {
            lhs.dtype == rhs.dtype && lhs.byteOrder == rhs.byteOrder && lhs.fortranOrder == rhs.fortranOrder
                && lhs.shape == rhs.shape && lhs.version == rhs.version && lhs.dataOffset == rhs.dataOffset
        }
    }

    /// Whether `bytes` start like an NPY file.
    public static func hasMagic(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.starts(with: magic)
    }

    /// Parses the header at the start of `bytes` without touching the data.
    public static func readHeader(_ bytes: UnsafeRawBufferPointer) throws(NPYError) -> Header {
        guard bytes.count >= 10, hasMagic(bytes) else { throw .notNPY }
        let major = bytes[6]
        let minor = bytes[7]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw .truncated(expected: 12, actual: bytes.count) }
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        default:
            throw .unsupportedVersion(major, minor)
        }
        let dataOffset = headerStart + headerLength
        guard bytes.count >= dataOffset else { throw .truncated(expected: dataOffset, actual: bytes.count) }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[headerStart..<dataOffset])
        // Version 1 and 2 headers are latin-1; version 3 is UTF-8. The keys we read are ASCII either way.
        let text = major == 3
            ? String(decoding: headerBytes, as: UTF8.self)
            : String(headerBytes.map { Character(Unicode.Scalar($0)) })
        let literal: PythonLiteral
        do {
            var parser = PythonLiteralParser(text)
            literal = try parser.parse()
        } catch {
            throw .invalidHeader("\(error): \(text.trimmingTrailingWhitespace)")
        }
        guard case .dict(let fields) = literal else { throw .invalidHeader("header is not a dict") }
        guard case .string(let descr)? = fields["descr"] else {
            if let descr = fields["descr"] { throw .unsupportedDType("\(descr)") }
            throw .invalidHeader("missing 'descr'")
        }
        guard case .bool(let fortran)? = fields["fortran_order"] else { throw .invalidHeader("missing 'fortran_order'") }
        guard case .tuple(let extents)? = fields["shape"] else { throw .invalidHeader("missing 'shape'") }
        var shape: [Int] = []
        for extent in extents {
            guard case .int(let value) = extent, value >= 0 else { throw .invalidHeader("invalid shape \(extents)") }
            shape.append(value)
        }
        guard let dtype = DType(descr), descr.first.map({ "<>|=".contains($0) }) ?? true else {
            throw .unsupportedDType(descr)
        }
        let header = Header(
            dtype: dtype, byteOrder: ByteOrder(typestr: descr), fortranOrder: fortran, shape: shape,
            version: (major, minor), dataOffset: dataOffset)
        guard header.dataByteCount != nil else { throw .invalidHeader("shape \(shape) is too large") }
        return header
    }

    /// Decodes a whole NPY file.
    ///
    /// - Parameter maxByteCount: the largest array (in bytes) to allocate; checked before allocation.
    public static func decode(_ bytes: UnsafeRawBufferPointer, maxByteCount: Int = .max) throws(NPYError) -> NDArray {
        let header = try readHeader(bytes)
        guard let byteCount = header.dataByteCount else { throw .invalidHeader("shape too large") }
        guard byteCount <= maxByteCount else { throw .tooLarge(byteCount: byteCount, limit: maxByteCount) }
        let available = bytes.count - header.dataOffset
        guard available >= byteCount else { throw .truncated(expected: header.dataOffset + byteCount, actual: bytes.count) }
        let storedShape = header.fortranOrder ? Array(header.shape.reversed()) : header.shape
        let data = UnsafeRawBufferPointer(rebasing: bytes[header.dataOffset..<header.dataOffset + byteCount])
        var array = NDArray(unsafeUninitializedShape: storedShape, dtype: header.dtype) { destination in
            destination.copyMemory(from: data)
        }
        if header.byteOrder != .native, header.dtype.itemSize > 1 {
            array.withUnsafeMutableBytes { ByteSwap.swapInPlace($0, itemSize: header.dtype.itemSize) }
        }
        if header.fortranOrder, header.shape.count > 1 {
            // Column-major data is the C-order array of the reversed shape; reversing the axes back
            // gives the array numpy returns.
            do {
                array = try array.transposed(Array((0..<storedShape.count).reversed()))
            } catch {
                throw .invalidHeader("\(error)")
            }
        }
        return array
    }

    /// The header bytes numpy would write for an array (version 1.0, or 2.0 when larger than 64 KiB),
    /// padded so that the data starts at a multiple of 64 bytes.
    public static func encodeHeader(shape: [Int], dtype: DType) -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        let dict = "{'descr': '\(dtype.typestr)', 'fortran_order': False, 'shape': \(shapeText), }"
        func build(prefixLength: Int, major: UInt8) -> [UInt8] {
            var headerLength = dict.utf8.count + 1  // + "\n"
            headerLength += (64 - (prefixLength + headerLength) % 64) % 64
            var bytes = magic + [major, 0]
            let lengthBytes = prefixLength == 10 ? 2 : 4
            for i in 0..<lengthBytes { bytes.append(UInt8(truncatingIfNeeded: headerLength >> (8 * i))) }
            bytes += Array(dict.utf8)
            bytes += [UInt8](repeating: 0x20, count: headerLength - dict.utf8.count - 1)
            bytes.append(0x0A)
            return bytes
        }
        let version1 = build(prefixLength: 10, major: 1)
        return version1.count - 10 <= Int(UInt16.max) ? version1 : build(prefixLength: 12, major: 2)
    }

    /// Encodes an array as a complete NPY file.
    public static func encode(_ array: NDArray) -> [UInt8] {
        var bytes = encodeHeader(shape: array.shape, dtype: array.dtype)
        bytes.reserveCapacity(bytes.count + array.byteCount)
        array.withUnsafeBytes { bytes.append(contentsOf: $0) }
        return bytes
    }
}

/// Why an NPY file could not be read.
public enum NPYError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes do not start with the NPY magic.
    case notNPY
    /// A format version other than 1, 2 or 3.
    case unsupportedVersion(UInt8, UInt8)
    /// The header is not the dict numpy writes.
    case invalidHeader(String)
    /// An object, structured, string or complex dtype (only numeric and bool arrays are read).
    case unsupportedDType(String)
    /// The file ends before the header or the data does.
    case truncated(expected: Int, actual: Int)
    /// The array is larger than the caller's limit.
    case tooLarge(byteCount: Int, limit: Int)

    /// A sentence naming the problem.
    public var description: String {
        switch self {
        case .notNPY: "not an NPY file (magic \\x93NUMPY missing)"
        case .unsupportedVersion(let major, let minor): "unsupported NPY format version \(major).\(minor)"
        case .invalidHeader(let detail): "invalid NPY header: \(detail)"
        case .unsupportedDType(let descr):
            descr.contains("O")
                ? "NPY holds an object array (\(descr)); object arrays need pickle and are not read"
                : "unsupported NPY dtype \(descr): only bool, integer and float arrays are read"
        case .truncated(let expected, let actual): "NPY file is truncated: \(actual) bytes, \(expected) expected"
        case .tooLarge(let byteCount, let limit): "NPY array of \(byteCount) bytes exceeds the limit of \(limit) bytes"
        }
    }
}

extension String {
    var trimmingTrailingWhitespace: String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
