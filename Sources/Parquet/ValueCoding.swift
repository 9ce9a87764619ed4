/// Decoding and encoding helpers shared by the `PhysicalValue` conformances.
enum ValueCoding {
    /// Little-endian fixed-width values; `count` is checked against the bytes available.
    static func readFixed<T: FixedWidthInteger>(_ bytes: [UInt8], _ range: Range<Int>, count: Int, as: T.Type) throws -> [T] {
        let size = MemoryLayout<T>.size
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { throw ParquetError.invalid("values outside their page") }
        guard count >= 0, count <= range.count / size else { throw ParquetError.invalid("page has fewer values than it declares") }
        return bytes.withUnsafeBytes { raw in
            var values = [T]()
            values.reserveCapacity(count)
            var offset = range.lowerBound
            for _ in 0..<count {
                values.append(T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self)))
                offset += size
            }
            return values
        }
    }

    static func writeFixed<T: FixedWidthInteger>(_ values: some Collection<T>, into output: inout [UInt8]) {
        let size = MemoryLayout<T>.size
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: values.count * size))
        output.withUnsafeMutableBytes { raw in
            var offset = start
            for value in values {
                raw.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
                offset += size
            }
        }
    }

    /// The u32 little-endian length before each PLAIN byte array.
    static func appendLength(_ length: Int, to output: inout [UInt8]) {
        let value = UInt32(truncatingIfNeeded: length)
        output.append(UInt8(truncatingIfNeeded: value))
        output.append(UInt8(truncatingIfNeeded: value >> 8))
        output.append(UInt8(truncatingIfNeeded: value >> 16))
        output.append(UInt8(truncatingIfNeeded: value >> 24))
    }

    /// BYTE_STREAM_SPLIT: byte k of value i is at `k * count + i`.
    static func readByteStreamSplit<T: FixedWidthInteger>(_ bytes: [UInt8], _ range: Range<Int>, count: Int, as: T.Type) throws -> [T] {
        let width = MemoryLayout<T>.size
        guard count >= 0, count <= range.count / width else { throw ParquetError.invalid("page has fewer values than it declares") }
        var values = [T](repeating: 0, count: count)
        for k in 0..<width {
            let stream = range.lowerBound + k * count
            for i in 0..<count { values[i] |= T(bytes[stream + i]) << (8 * k) }
        }
        return values
    }

    /// Byte arrays, PLAIN (u32 length prefix) or fixed length, each handed to `make`.
    static func readByteArrays<T>(
        _ bytes: [UInt8], _ range: Range<Int>, count: Int, fixedLength: Int?, _ make: (UnsafeBufferPointer<UInt8>) -> T
    ) throws -> [T] {
        guard count >= 0 else { throw ParquetError.invalid("negative value count") }
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { throw ParquetError.invalid("values outside their page") }
        if let fixedLength {
            guard fixedLength >= 0, fixedLength == 0 || count <= range.count / fixedLength else {
                throw ParquetError.invalid("page has fewer values than it declares")
            }
        } else {
            guard count <= range.count / 4 else { throw ParquetError.invalid("page has fewer values than it declares") }
        }
        return try bytes.withUnsafeBufferPointer { all in
            var values = [T]()
            values.reserveCapacity(count)
            var p = range.lowerBound
            let end = range.upperBound
            for _ in 0..<count {
                let length: Int
                if let fixedLength {
                    length = fixedLength
                } else {
                    guard end - p >= 4 else { throw ParquetError.invalid("byte array page ends early") }
                    length = Int(UInt32(all[p]) | UInt32(all[p + 1]) << 8 | UInt32(all[p + 2]) << 16 | UInt32(all[p + 3]) << 24)
                    p += 4
                }
                guard length <= end - p else { throw ParquetError.invalid("byte array longer than its page") }
                values.append(make(UnsafeBufferPointer(rebasing: all[p..<(p + length)])))
                p += length
            }
            return values
        }
    }

    /// DELTA_BINARY_PACKED integers from `position`, which is left after the last miniblock used.
    static func readDeltaBinaryPacked(_ bytes: [UInt8], _ position: inout Int, end: Int, count: Int) throws -> [Int64] {
        let blockSize = try RLEHybrid.readVarint(bytes, &position, end)
        let miniblockCount = try RLEHybrid.readVarint(bytes, &position, end)
        let total = try RLEHybrid.readVarint(bytes, &position, end)
        let firstRaw = try RLEHybrid.readVarint(bytes, &position, end)
        guard blockSize > 0, blockSize % 128 == 0, blockSize <= 1 << 16, miniblockCount > 0, blockSize % miniblockCount == 0,
            (blockSize / miniblockCount) % 32 == 0
        else { throw ParquetError.invalid("bad DELTA_BINARY_PACKED header") }
        guard total == UInt64(count) else { throw ParquetError.invalid("DELTA_BINARY_PACKED count does not match the page") }
        var values = [Int64]()
        if count == 0 { return values }
        values.reserveCapacity(count)
        var last = Int64(bitPattern: (firstRaw >> 1) ^ (0 &- (firstRaw & 1)))
        values.append(last)
        let perMiniblock = Int(blockSize / miniblockCount)
        let miniblocks = Int(miniblockCount)
        while values.count < count {
            let minRaw = try RLEHybrid.readVarint(bytes, &position, end)
            let minDelta = Int64(bitPattern: (minRaw >> 1) ^ (0 &- (minRaw & 1)))
            guard end - position >= miniblocks else { throw ParquetError.invalid("DELTA_BINARY_PACKED block ends early") }
            let widthsStart = position
            position += miniblocks
            for m in 0..<miniblocks where values.count < count {
                let width = Int(bytes[widthsStart + m])
                guard width <= 64 else { throw ParquetError.invalid("DELTA_BINARY_PACKED bit width \(width)") }
                let length = perMiniblock * width / 8
                guard length <= end - position else { throw ParquetError.invalid("DELTA_BINARY_PACKED miniblock ends early") }
                let take = min(perMiniblock, count - values.count)
                var bit = 0
                for _ in 0..<take {
                    var raw: UInt64 = 0
                    var got = 0
                    while got < width {
                        let byte = UInt64(bytes[position + (bit >> 3)])
                        let offset = bit & 7
                        let n = min(8 - offset, width - got)
                        raw |= ((byte >> UInt64(offset)) & ((1 << UInt64(n)) - 1)) << UInt64(got)
                        got += n
                        bit += n
                    }
                    last = last &+ minDelta &+ Int64(bitPattern: raw)
                    values.append(last)
                }
                position += length
            }
        }
        return values
    }

    /// DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY values as byte arrays.
    static func readDeltaByteArrays(_ encoding: Int32, _ bytes: [UInt8], _ range: Range<Int>, count: Int, maximumBytes: Int) throws -> [[UInt8]] {
        var position = range.lowerBound
        var prefixes: [Int64] = []
        if encoding == Encoding.deltaByteArray {
            prefixes = try readDeltaBinaryPacked(bytes, &position, end: range.upperBound, count: count)
        }
        let lengths = try readDeltaBinaryPacked(bytes, &position, end: range.upperBound, count: count)
        var values = [[UInt8]]()
        values.reserveCapacity(count)
        var previous: [UInt8] = []
        var produced = 0
        for i in 0..<count {
            let length = lengths[i]
            guard length >= 0, length <= Int64(range.upperBound - position) else { throw ParquetError.invalid("byte array longer than its page") }
            let suffix = bytes[position..<(position + Int(length))]
            position += Int(length)
            var value: [UInt8]
            if encoding == Encoding.deltaByteArray {
                let prefix = prefixes[i]
                guard prefix >= 0, prefix <= Int64(previous.count) else { throw ParquetError.invalid("DELTA_BYTE_ARRAY prefix too long") }
                value = Array(previous[0..<Int(prefix)])
                value.append(contentsOf: suffix)
            } else {
                value = Array(suffix)
            }
            produced += value.count
            guard produced <= maximumBytes else { throw ParquetError.invalid("DELTA_BYTE_ARRAY page expands beyond the page size limit") }
            previous = value
            values.append(value)
        }
        return values
    }

    static func unsupported(_ encoding: Int32, _ type: PhysicalType) -> ParquetError {
        ParquetError.unsupported("\(Encoding.name(encoding)) encoding for \(type) values")
    }
}
