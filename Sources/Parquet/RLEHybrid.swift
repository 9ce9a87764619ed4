/// The RLE / bit-packing hybrid encoding of Parquet levels, dictionary indices and booleans.
///
/// A stream is a sequence of runs, each introduced by a varint header whose low bit selects a
/// repeated run (`count << 1`, then the value in `ceil(bitWidth / 8)` bytes) or a bit-packed run
/// (`groups << 1 | 1`, then `groups * 8` values packed least-significant bit first).
enum RLEHybrid {
    /// Bit-packed runs are cut at 63 groups, as common writers do, so headers stay one byte.
    private static let maximumGroupsPerRun = 63

    /// The number of bits needed for values up to `maximum`.
    static func bitWidth(forMaximum maximum: UInt64) -> Int {
        maximum == 0 ? 0 : 64 - maximum.leadingZeroBitCount
    }

    /// Appends the encoding of `values` (each below `1 << bitWidth`) to `output`.
    static func encode<T: FixedWidthInteger & UnsignedInteger>(_ values: ArraySlice<T>, bitWidth: Int, into output: inout [UInt8]) {
        let start = values.startIndex
        let end = values.endIndex
        var literalStart = start
        var i = start
        while i < end {
            let value = values[i]
            var j = i + 1
            while j < end && values[j] == value { j += 1 }
            let run = j - i
            if run >= 8 {
                // Literals must fill whole groups of 8, so borrow from the run to round them up.
                let pending = i - literalStart
                let borrow = (8 - pending % 8) % 8
                if run - borrow >= 8 {
                    appendBitPacked(values[literalStart..<(i + borrow)], bitWidth: bitWidth, into: &output)
                    appendRepeated(UInt64(value), count: run - borrow, bitWidth: bitWidth, into: &output)
                    literalStart = j
                }
            }
            i = j
        }
        appendBitPacked(values[literalStart..<end], bitWidth: bitWidth, into: &output)
    }

    private static func appendRepeated(_ value: UInt64, count: Int, bitWidth: Int, into output: inout [UInt8]) {
        appendVarint(UInt64(count) << 1, into: &output)
        for byte in 0..<((bitWidth + 7) / 8) {
            output.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(byte))))
        }
    }

    /// Bit-packs `values`, padding the last group with zeros (only the stream's last run may be
    /// short, which `encode` guarantees).
    private static func appendBitPacked<T: FixedWidthInteger & UnsignedInteger>(_ values: ArraySlice<T>, bitWidth: Int, into output: inout [UInt8]) {
        var index = values.startIndex
        while index < values.endIndex {
            let groups = min((values.endIndex - index + 7) / 8, maximumGroupsPerRun)
            appendVarint(UInt64(groups) << 1 | 1, into: &output)
            let stop = index + groups * 8
            var accumulator: UInt64 = 0
            var bits = 0
            while index < stop {
                let value = index < values.endIndex ? UInt64(values[index]) : 0
                accumulator |= value << UInt64(bits)
                bits += bitWidth
                while bits >= 8 {
                    output.append(UInt8(truncatingIfNeeded: accumulator))
                    accumulator >>= 8
                    bits -= 8
                }
                index += 1
            }
        }
    }

    static func appendVarint(_ value: UInt64, into output: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        output.append(UInt8(v))
    }

    /// Decodes `count` values of `bitWidth` bits from `bytes[range]`, appending them to `output`.
    ///
    /// Values beyond `count` in the last run are ignored; too few values is an error. `T` must be
    /// wide enough for `bitWidth` (checked).
    static func decode<T: FixedWidthInteger & UnsignedInteger>(
        _ bytes: [UInt8], range: Range<Int>, bitWidth: Int, count: Int, into output: inout [T]
    ) throws {
        guard bitWidth >= 0, bitWidth <= min(32, T.bitWidth) else {
            throw ParquetError.invalid("RLE bit width \(bitWidth) out of range")
        }
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else {
            throw ParquetError.invalid("RLE data outside its page")
        }
        var position = range.lowerBound
        let end = range.upperBound
        var remaining = count
        output.reserveCapacity(output.count + count)
        let valueBytes = (bitWidth + 7) / 8
        let mask: UInt64 = bitWidth == 64 ? .max : (1 << UInt64(bitWidth)) - 1
        while remaining > 0 {
            guard position < end else { throw ParquetError.invalid("RLE data ends before its values") }
            let header = try readVarint(bytes, &position, end)
            if header & 1 == 0 {
                let runLength = header >> 1
                guard end - position >= valueBytes else { throw ParquetError.invalid("RLE run ends early") }
                var value: UInt64 = 0
                for byte in 0..<valueBytes { value |= UInt64(bytes[position + byte]) << (8 * UInt64(byte)) }
                position += valueBytes
                guard value <= mask else { throw ParquetError.invalid("RLE value wider than its bit width") }
                let take = runLength < UInt64(remaining) ? Int(runLength) : remaining
                output.append(contentsOf: repeatElement(T(truncatingIfNeeded: value), count: take))
                remaining -= take
            } else {
                let groups = header >> 1
                // A run may promise more groups than the page holds; decode what we need only.
                let promised = groups > UInt64(Int.max / 8) ? Int.max : Int(groups) * 8
                let take = min(promised, remaining)
                let available = end - position
                if bitWidth > 0 && take > available / bitWidth * 8 + 8 {
                    throw ParquetError.invalid("bit-packed run ends early")
                }
                let needed = (take * bitWidth + 7) / 8
                guard needed <= available else { throw ParquetError.invalid("bit-packed run ends early") }
                var accumulator: UInt64 = 0
                var bits = 0
                var p = position
                for _ in 0..<take {
                    while bits < bitWidth {
                        accumulator |= UInt64(bytes[p]) << UInt64(bits)
                        p += 1
                        bits += 8
                    }
                    output.append(T(truncatingIfNeeded: accumulator & mask))
                    accumulator = bitWidth == 64 ? 0 : accumulator >> UInt64(bitWidth)
                    bits -= bitWidth
                }
                remaining -= take
                let runBytes = groups > UInt64(available) ? available : Int(groups) * bitWidth
                position += min(runBytes, available)
            }
        }
    }

    static func readVarint(_ bytes: [UInt8], _ position: inout Int, _ end: Int) throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end, shift < 64 else { throw ParquetError.invalid("bad varint") }
            let byte = bytes[position]
            position += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }
}
