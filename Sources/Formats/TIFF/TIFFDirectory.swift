import ImMetaIOCore

/// The tag directories (IFDs) of a classic or BigTIFF file, parsed in Swift with bounds checks
/// on every offset and count.
struct TIFFDirectory {
    /// One tag's values, widened: integers as `UInt64`, reals as `Double`, ASCII as bytes.
    struct Entry {
        var type: UInt16
        var count: Int
        var integers: [UInt64]
        var reals: [Double]
        var bytes: [UInt8]
    }

    var entries: [UInt16: Entry]
    /// Where the directory starts in the file (libtiff opens a page by it).
    var offset = 0

    func integer(_ tag: UInt16) -> Int? { entries[tag]?.integers.first.map { Int(clamping: $0) } }
    func integers(_ tag: UInt16) -> [Int]? { entries[tag]?.integers.map { Int(clamping: $0) } }
    func real(_ tag: UInt16) -> Double? { entries[tag]?.reals.first }
    func text(_ tag: UInt16) -> String? {
        guard let bytes = entries[tag]?.bytes, entries[tag]?.type == 2 else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// Why a file is not a readable TIFF.
enum TIFFError: Error {
    case notTIFF
    case corrupt(String)
    case unsupported(String)
    /// A refusal whose message says everything (what the file is, why, what would read it).
    case refused(String)

    /// The public error for the file of `request`.
    func error(for request: ReadRequest) -> ImMetaIOError {
        switch self {
        case .notTIFF: request.error(.unsupportedFormat, "not a TIFF file")
        case .corrupt(let message): request.error(.corruptData, "invalid TIFF: \(message)")
        case .unsupported(let message): request.error(.unsupportedFeature, "TIFF \(message) is not supported yet")
        case .refused(let message): request.error(.unsupportedFeature, message)
        }
    }
}

/// Reads the header and every IFD of a TIFF file.
struct TIFFParser {
    let bytes: UnsafeRawBufferPointer
    let littleEndian: Bool
    let bigTIFF: Bool
    let firstIFD: Int

    init(_ bytes: UnsafeRawBufferPointer) throws(TIFFError) {
        self.bytes = bytes
        guard bytes.count >= 8 else { throw .notTIFF }
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: throw .notTIFF
        }
        let magic = Self.read16(bytes, 2, littleEndian)
        switch magic {
        case 42:
            bigTIFF = false
            firstIFD = Int(Self.read32(bytes, 4, littleEndian))
        case 43:
            guard bytes.count >= 16, Self.read16(bytes, 4, littleEndian) == 8 else { throw .corrupt("invalid BigTIFF header") }
            bigTIFF = true
            firstIFD = Int(clamping: Self.read64(bytes, 8, littleEndian))
        default:
            throw .notTIFF
        }
    }

    static func read16(_ b: UnsafeRawBufferPointer, _ at: Int, _ little: Bool) -> UInt16 {
        little ? UInt16(b[at]) | UInt16(b[at + 1]) << 8 : UInt16(b[at]) << 8 | UInt16(b[at + 1])
    }
    static func read32(_ b: UnsafeRawBufferPointer, _ at: Int, _ little: Bool) -> UInt32 {
        let low = UInt32(read16(b, little ? at : at + 2, little)), high = UInt32(read16(b, little ? at + 2 : at, little))
        return high << 16 | low
    }
    static func read64(_ b: UnsafeRawBufferPointer, _ at: Int, _ little: Bool) -> UInt64 {
        let low = UInt64(read32(b, little ? at : at + 4, little)), high = UInt64(read32(b, little ? at + 4 : at, little))
        return high << 32 | low
    }

    /// Every IFD in the main chain (at most 100 000, loops refused).
    func directories() throws(TIFFError) -> [TIFFDirectory] {
        var result: [TIFFDirectory] = []
        var offset = firstIFD
        var seen = Set<Int>()
        while offset != 0 {
            guard seen.insert(offset).inserted, result.count < 100_000 else { throw .corrupt("IFD chain loops") }
            let (directory, next) = try readDirectory(at: offset)
            result.append(directory)
            offset = next
        }
        return result
    }

    func readDirectory(at offset: Int) throws(TIFFError) -> (TIFFDirectory, Int) {
        let countSize = bigTIFF ? 8 : 2, entrySize = bigTIFF ? 20 : 12, pointerSize = bigTIFF ? 8 : 4
        guard offset > 0, offset <= bytes.count - countSize else { throw .corrupt("IFD offset \(offset) outside the file") }
        let count = bigTIFF ? Int(clamping: Self.read64(bytes, offset, littleEndian)) : Int(Self.read16(bytes, offset, littleEndian))
        guard count < 1 << 16 else { throw .corrupt("IFD at \(offset) claims \(count) entries") }
        let end = offset + countSize + count * entrySize
        guard end + pointerSize <= bytes.count else { throw .corrupt("IFD at \(offset) runs past the end") }
        var entries: [UInt16: TIFFDirectory.Entry] = [:]
        for index in 0..<count {
            let at = offset + countSize + index * entrySize
            let tag = Self.read16(bytes, at, littleEndian)
            let type = Self.read16(bytes, at + 2, littleEndian)
            let valueCount = bigTIFF ? Int(clamping: Self.read64(bytes, at + 4, littleEndian)) : Int(Self.read32(bytes, at + 4, littleEndian))
            let size: Int
            switch type {
            case 1, 2, 6, 7: size = 1
            case 3, 8: size = 2
            case 4, 9, 11, 13: size = 4
            case 5, 10, 12, 16, 17, 18: size = 8
            default: continue  // unknown types are skipped, as the specification asks
            }
            guard valueCount >= 0, valueCount < 1 << 28 else { throw .corrupt("tag \(tag) has \(valueCount) values") }
            let total = size * valueCount
            let inline = total <= pointerSize
            let valueOffset = inline
                ? at + (bigTIFF ? 12 : 8)
                : (bigTIFF ? Int(clamping: Self.read64(bytes, at + 12, littleEndian)) : Int(Self.read32(bytes, at + 8, littleEndian)))
            guard valueOffset >= 0, valueOffset <= bytes.count - total else {
                throw .corrupt("tag \(tag) values lie outside the file")
            }
            var entry = TIFFDirectory.Entry(type: type, count: valueCount, integers: [], reals: [], bytes: [])
            switch type {
            case 1, 7: entry.integers = (0..<valueCount).map { UInt64(bytes[valueOffset + $0]) }
            case 2: entry.bytes = Array(bytes[valueOffset..<(valueOffset + total)])
            case 6: entry.integers = (0..<valueCount).map { UInt64(bitPattern: Int64(Int8(bitPattern: bytes[valueOffset + $0]))) }
            case 3: entry.integers = (0..<valueCount).map { UInt64(Self.read16(bytes, valueOffset + 2 * $0, littleEndian)) }
            case 8: entry.integers = (0..<valueCount).map { UInt64(bitPattern: Int64(Int16(bitPattern: Self.read16(bytes, valueOffset + 2 * $0, littleEndian)))) }
            case 4, 13: entry.integers = (0..<valueCount).map { UInt64(Self.read32(bytes, valueOffset + 4 * $0, littleEndian)) }
            case 9: entry.integers = (0..<valueCount).map { UInt64(bitPattern: Int64(Int32(bitPattern: Self.read32(bytes, valueOffset + 4 * $0, littleEndian)))) }
            case 16, 17, 18: entry.integers = (0..<valueCount).map { Self.read64(bytes, valueOffset + 8 * $0, littleEndian) }
            case 5, 10:
                entry.reals = (0..<valueCount).map { k in
                    let n = Self.read32(bytes, valueOffset + 8 * k, littleEndian), d = Self.read32(bytes, valueOffset + 8 * k + 4, littleEndian)
                    let numerator = type == 10 ? Double(Int32(bitPattern: n)) : Double(n)
                    let denominator = type == 10 ? Double(Int32(bitPattern: d)) : Double(d)
                    return denominator == 0 ? 0 : numerator / denominator
                }
            case 11: entry.reals = (0..<valueCount).map { Double(Float(bitPattern: Self.read32(bytes, valueOffset + 4 * $0, littleEndian))) }
            case 12: entry.reals = (0..<valueCount).map { Double(bitPattern: Self.read64(bytes, valueOffset + 8 * $0, littleEndian)) }
            default: break
            }
            if entry.reals.isEmpty { entry.reals = entry.integers.map { Double($0) } }
            entries[tag] = entry
        }
        let next = bigTIFF ? Int(clamping: Self.read64(bytes, end, littleEndian)) : Int(Self.read32(bytes, end, littleEndian))
        return (TIFFDirectory(entries: entries, offset: offset), next)
    }
}
