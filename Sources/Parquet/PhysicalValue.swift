#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What decoding a page needs to know beyond its bytes.
struct DecodeContext {
    /// The byte length of FIXED_LEN_BYTE_ARRAY values; nil for every other physical type.
    var fixedLength: Int?
    /// A cap on bytes materialised by encodings that can expand (DELTA_BYTE_ARRAY prefixes).
    var maximumBytes: Int
}

/// A Swift type that stores the values of one Parquet physical type: how it is PLAIN-encoded,
/// decoded in each encoding a reader may meet, and ordered for statistics.
protocol PhysicalValue {
    static var physicalType: PhysicalType { get }
    /// Appends the PLAIN encoding of `values`.
    static func encodePlain(_ values: ArraySlice<Self>, into output: inout [UInt8])
    /// The PLAIN size of one value, used to size pages.
    static func plainSize(of value: Self) -> Int
    /// `value` as written in `Statistics.min_value`/`max_value` (PLAIN, no length prefix).
    static func statisticsBytes(of value: Self) -> [UInt8]
    /// The column order Parquet defines for the type (signed for integers, unsigned bytes for
    /// strings, false before true); NaN never reaches it.
    static func precedes(_ a: Self, _ b: Self) -> Bool
    /// Whether statistics must leave the value out (NaN).
    static func isNaN(_ value: Self) -> Bool
    /// Decodes `count` values encoded with `encoding` (never a dictionary encoding) from
    /// `bytes[range]`, appending them to `output`.
    static func decode(_ encoding: Int32, _ bytes: [UInt8], _ range: Range<Int>, count: Int, context: DecodeContext, into output: inout [Self]) throws
}

extension PhysicalValue {
    static func isNaN(_ value: Self) -> Bool { false }
}

// MARK: - Conformances

extension Bool: PhysicalValue {
    static var physicalType: PhysicalType { .boolean }

    static func encodePlain(_ values: ArraySlice<Bool>, into output: inout [UInt8]) {
        var byte: UInt8 = 0
        var bit = 0
        for value in values {
            if value { byte |= 1 << UInt8(bit) }
            bit += 1
            if bit == 8 {
                output.append(byte)
                byte = 0
                bit = 0
            }
        }
        if bit > 0 { output.append(byte) }
    }

    static func plainSize(of value: Bool) -> Int { 1 }
    static func statisticsBytes(of value: Bool) -> [UInt8] { [value ? 1 : 0] }
    static func precedes(_ a: Bool, _ b: Bool) -> Bool { !a && b }

    static func decode(_ encoding: Int32, _ bytes: [UInt8], _ range: Range<Int>, count: Int, context: DecodeContext, into output: inout [Bool]) throws {
        switch encoding {
        case Encoding.plain:
            guard count >= 0, (count + 7) / 8 <= range.count else { throw ParquetError.invalid("page has fewer values than it declares") }
            output.reserveCapacity(output.count + count)
            for i in 0..<count { output.append(bytes[range.lowerBound + i >> 3] >> UInt8(i & 7) & 1 == 1) }
        case Encoding.rle:
            guard range.count >= 4 else { throw ParquetError.invalid("RLE boolean page ends early") }
            let p = range.lowerBound
            let length = Int(UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24)
            guard length <= range.count - 4 else { throw ParquetError.invalid("RLE boolean page ends early") }
            var bits: [UInt8] = []
            try RLEHybrid.decode(bytes, range: (p + 4)..<(p + 4 + length), bitWidth: 1, count: count, into: &bits)
            output.append(contentsOf: bits.lazy.map { $0 == 1 })
        default:
            throw ValueCoding.unsupported(encoding, .boolean)
        }
    }
}

extension Int32: PhysicalValue {
    static var physicalType: PhysicalType { .int32 }
    static func encodePlain(_ values: ArraySlice<Int32>, into output: inout [UInt8]) { ValueCoding.writeFixed(values, into: &output) }
    static func plainSize(of value: Int32) -> Int { 4 }
    static func statisticsBytes(of value: Int32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    static func precedes(_ a: Int32, _ b: Int32) -> Bool { a < b }

    static func decode(_ encoding: Int32, _ bytes: [UInt8], _ range: Range<Int>, count: Int, context: DecodeContext, into output: inout [Int32]) throws {
        switch encoding {
        case Encoding.plain:
            output.append(contentsOf: try ValueCoding.readFixed(bytes, range, count: count, as: Int32.self))
        case Encoding.deltaBinaryPacked:
            var position = range.lowerBound
            let values = try ValueCoding.readDeltaBinaryPacked(bytes, &position, end: range.upperBound, count: count)
            output.append(contentsOf: values.lazy.map { Int32(truncatingIfNeeded: $0) })
        case Encoding.byteStreamSplit:
            output.append(contentsOf: try ValueCoding.readByteStreamSplit(bytes, range, count: count, as: Int32.self))
        default:
            throw ValueCoding.unsupported(encoding, .int32)
        }
    }
}

extension Int64: PhysicalValue {
    static var physicalType: PhysicalType { .int64 }
    static func encodePlain(_ values: ArraySlice<Int64>, into output: inout [UInt8]) { ValueCoding.writeFixed(values, into: &output) }
    static func plainSize(of value: Int64) -> Int { 8 }
    static func statisticsBytes(of value: Int64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    static func precedes(_ a: Int64, _ b: Int64) -> Bool { a < b }

    static func decode(_ encoding: Int32, _ bytes: [UInt8], _ range: Range<Int>, count: Int, context: DecodeContext, into output: inout [Int64]) throws {
        switch encoding {
        case Encoding.plain:
            output.append(contentsOf: try ValueCoding.readFixed(bytes, range, count: count, as: Int64.self))
        case Encoding.deltaBinaryPacked:
            var position = range.lowerBound
            output.append(contentsOf: try ValueCoding.readDeltaBinaryPacked(bytes, &position, end: range.upperBound, count: count))
        case Encoding.byteStreamSplit:
            output.append(contentsOf: try ValueCoding.readByteStreamSplit(bytes, range, count: count, as: Int64.self))
        default:
            throw ValueCoding.unsupported(encoding, .int64)
        }
    }
}

extension Float: PhysicalValue {
    static var physicalType: PhysicalType { .float }
    static func encodePlain(_ values: ArraySlice<Float>, into output: inout [UInt8]) {
        ValueCoding.writeFixed(values.lazy.map(\.bitPattern), into: &output)
    }
    static func plainSize(of value: Float) -> Int { 4 }
    static func statisticsBytes(of value: Float) -> [UInt8] { withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    static func precedes(_ a: Float, _ b: Float) -> Bool { a < b }
    static func isNaN(_ value: Float) -> Bool { value.isNaN }

    static func decode(_ encoding: Int32, _ bytes: [UInt8], _ range: Range<Int>, count: Int, context: DecodeContext, into output: inout [Float]) throws {
        switch encoding {
        case Encoding.plain:
            output.append(contentsOf: try ValueCoding.readFixed(bytes, range, count: count, as: UInt32.self).lazy.map(Float.init(bitPattern:)))
        case Encoding.byteStreamSplit:
            output.append(contentsOf: try ValueCoding.readByteStreamSplit(bytes, range, count: count, as: UInt32.self).lazy.map(Float.init(bitPattern:)))
        default:
            throw ValueCoding.unsupported(encoding, .float)
        }
    }
}

extension Double: PhysicalValue {
    static var physicalType: PhysicalType { .double }
    static func encodePlain(_ values: ArraySlice<Double>, into output: inout [UInt8]) {
        ValueCoding.writeFixed(values.lazy.map(\.bitPattern), into: &output)
    }
    static func plainSize(of value: Double) -> Int { 8 }
    static func statisticsBytes(of value: Double) -> [UInt8] { withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
    static func precedes(_ a: Double, _ b: Double) -> Bool { a < b }
    static func isNaN(_ value: Double) -> Bool { value.isNaN }

    static func decode(_ encoding: Int32, _ bytes: [UInt8], _ range: Range<Int>, count: Int, context: DecodeContext, into output: inout [Double]) throws {
        switch encoding {
        case Encoding.plain:
            output.append(contentsOf: try ValueCoding.readFixed(bytes, range, count: count, as: UInt64.self).lazy.map(Double.init(bitPattern:)))
        case Encoding.byteStreamSplit:
            output.append(contentsOf: try ValueCoding.readByteStreamSplit(bytes, range, count: count, as: UInt64.self).lazy.map(Double.init(bitPattern:)))
        default:
            throw ValueCoding.unsupported(encoding, .double)
        }
    }
}

/// Compares UTF-8 or raw bytes as unsigned bytes, the order Parquet defines for BYTE_ARRAY.
func byteOrderPrecedes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    let common = min(a.count, b.count)
    if common > 0, let x = a.baseAddress, let y = b.baseAddress {
        let order = memcmp(x, y, common)
        if order != 0 { return order < 0 }
    }
    return a.count < b.count
}

extension String {
    /// Calls `body` with the string's UTF-8 bytes, without copying native strings.
    func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
        return try Array(utf8).withUnsafeBufferPointer(body)
    }
}

extension String: PhysicalValue {
    static var physicalType: PhysicalType { .byteArray }

    static func encodePlain(_ values: ArraySlice<String>, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + values.reduce(0) { $0 + 4 + $1.utf8.count })
        for value in values {
            value.withUTF8Bytes { utf8 in
                ValueCoding.appendLength(utf8.count, to: &output)
                output.append(contentsOf: utf8)
            }
        }
    }

    static func plainSize(of value: String) -> Int { 4 + value.utf8.count }
    static func statisticsBytes(of value: String) -> [UInt8] { Array(value.utf8) }
    static func precedes(_ a: String, _ b: String) -> Bool {
        a.withUTF8Bytes { a in b.withUTF8Bytes { b in byteOrderPrecedes(a, b) } }
    }

    static func decode(_ encoding: Int32, _ bytes: [UInt8], _ range: Range<Int>, count: Int, context: DecodeContext, into output: inout [String]) throws {
        switch encoding {
        case Encoding.plain:
            output.append(contentsOf: try ValueCoding.readByteArrays(bytes, range, count: count, fixedLength: context.fixedLength) {
                String(decoding: $0, as: UTF8.self)
            })
        case Encoding.deltaLengthByteArray, Encoding.deltaByteArray:
            let values = try ValueCoding.readDeltaByteArrays(encoding, bytes, range, count: count, maximumBytes: context.maximumBytes)
            output.append(contentsOf: values.lazy.map { String(decoding: $0, as: UTF8.self) })
        default:
            throw ValueCoding.unsupported(encoding, .byteArray)
        }
    }
}

extension Array: PhysicalValue where Element == UInt8 {
    static var physicalType: PhysicalType { .byteArray }

    static func encodePlain(_ values: ArraySlice<[UInt8]>, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + values.reduce(0) { $0 + 4 + $1.count })
        for value in values {
            ValueCoding.appendLength(value.count, to: &output)
            output.append(contentsOf: value)
        }
    }

    static func plainSize(of value: [UInt8]) -> Int { 4 + value.count }
    static func statisticsBytes(of value: [UInt8]) -> [UInt8] { value }
    static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in byteOrderPrecedes(a, b) } }
    }

    static func decode(_ encoding: Int32, _ bytes: [UInt8], _ range: Range<Int>, count: Int, context: DecodeContext, into output: inout [[UInt8]]) throws {
        switch encoding {
        case Encoding.plain:
            output.append(contentsOf: try ValueCoding.readByteArrays(bytes, range, count: count, fixedLength: context.fixedLength) { Array($0) })
        case Encoding.deltaLengthByteArray, Encoding.deltaByteArray:
            output.append(contentsOf: try ValueCoding.readDeltaByteArrays(encoding, bytes, range, count: count, maximumBytes: context.maximumBytes))
        case Encoding.byteStreamSplit:
            guard let width = context.fixedLength, width > 0, count <= range.count / width else {
                throw ValueCoding.unsupported(encoding, .byteArray)
            }
            for i in 0..<count {
                output.append((0..<width).map { k in bytes[range.lowerBound + k * count + i] })
            }
        default:
            throw ValueCoding.unsupported(encoding, .byteArray)
        }
    }
}
