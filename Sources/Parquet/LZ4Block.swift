/// Decoder for LZ4 blocks (Parquet's LZ4_RAW codec), which pyarrow writes for `compression="lz4"`.
enum LZ4Block {
    static func decompress(_ bytes: [UInt8], range: Range<Int>, size: Int) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(size)
        try decodeBlock(bytes, range: range, into: &output, limit: size)
        guard output.count == size else { throw ParquetError.invalid("LZ4 page does not match its declared size") }
        return output
    }

    /// Hadoop framing: repeated [uncompressed size][compressed size] (big-endian u32) + block.
    static func decompressHadoop(_ bytes: [UInt8], range: Range<Int>, size: Int) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(size)
        var position = range.lowerBound
        while position < range.upperBound {
            guard range.upperBound - position >= 8 else { throw ParquetError.invalid("bad LZ4 frame") }
            let expected = Int(bigEndian32(bytes, position))
            let length = Int(bigEndian32(bytes, position + 4))
            position += 8
            guard length <= range.upperBound - position, expected <= size - output.count else {
                throw ParquetError.invalid("bad LZ4 frame")
            }
            let before = output.count
            try decodeBlock(bytes, range: position..<(position + length), into: &output, limit: size)
            guard output.count - before == expected else { throw ParquetError.invalid("bad LZ4 frame") }
            position += length
        }
        guard output.count == size else { throw ParquetError.invalid("LZ4 page does not match its declared size") }
        return output
    }

    private static func bigEndian32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    private static func decodeBlock(_ bytes: [UInt8], range: Range<Int>, into output: inout [UInt8], limit: Int) throws {
        var p = range.lowerBound
        let end = range.upperBound
        let blockStart = output.count
        func length(_ initial: Int) throws -> Int {
            var total = initial
            if initial == 15 {
                while true {
                    guard p < end else { throw ParquetError.invalid("corrupt LZ4 block") }
                    let byte = bytes[p]
                    p += 1
                    total += Int(byte)
                    guard total <= limit else { throw ParquetError.invalid("corrupt LZ4 block") }
                    if byte != 255 { break }
                }
            }
            return total
        }
        while p < end {
            let token = bytes[p]
            p += 1
            let literals = try length(Int(token >> 4))
            guard literals <= end - p, literals <= limit - output.count else { throw ParquetError.invalid("corrupt LZ4 block") }
            output.append(contentsOf: bytes[p..<(p + literals)])
            p += literals
            if p == end { return }
            guard end - p >= 2 else { throw ParquetError.invalid("corrupt LZ4 block") }
            let offset = Int(bytes[p]) | Int(bytes[p + 1]) << 8
            p += 2
            let match = try length(Int(token & 15)) + 4
            guard offset > 0, offset <= output.count - blockStart, match <= limit - output.count
            else { throw ParquetError.invalid("corrupt LZ4 block") }
            var from = output.count - offset
            for _ in 0..<match {
                output.append(output[from])
                from += 1
            }
        }
    }
}
