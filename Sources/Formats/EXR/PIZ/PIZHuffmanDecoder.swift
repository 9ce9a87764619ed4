/// Decodes the Huffman stream of a PIZ chunk (see ``PIZHuffman``) with table lookups: codes up
/// to 12 bits resolve in one 4,096-entry table, longer ones through a second table per 12-bit
/// prefix. Float images code their low mantissa words with 14 to 17 bits, where the
/// reference decoder falls back to a linear search. Every length, count and bit position comes
/// from the file, so each is checked before use.
struct PIZHuffmanDecoder {
    struct Corrupt: Error { let reason: String }

    private static let primaryBits = 12
    /// Codes longer than this (only hand-made files have them) use the slow canonical search.
    private static let tableLimit = 28
    private static let subtableEntryLimit = 1 << 20

    /// Decodes exactly `count` words from `input` into `output`.
    static func decompress(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt16>, count: Int, scratch: PIZScratch
    ) throws(Corrupt) {
        guard input.count >= PIZHuffman.headerSize else {
            if count == 0 { return }
            throw Corrupt(reason: "Huffman header cut short")
        }
        func word(_ offset: Int) -> Int { Int(UInt32(littleEndian: input.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
        let lowest = word(0), runSymbol = word(4), bitCount = word(12)
        guard lowest < PIZHuffman.symbolSpace, runSymbol < PIZHuffman.symbolSpace, lowest <= runSymbol else {
            throw Corrupt(reason: "Huffman symbol range \(lowest)…\(runSymbol) is invalid")
        }
        let lengths = scratch.lengths
        lengths.initialize(repeating: 0, count: PIZHuffman.symbolSpace)
        let tableBytes = try unpackLengths(
            UnsafeRawBufferPointer(rebasing: input[PIZHuffman.headerSize...]), lowest: lowest, highest: runSymbol, into: lengths)
        let dataStart = PIZHuffman.headerSize + tableBytes
        let dataBytes = (bitCount + 7) / 8
        guard dataBytes <= input.count - dataStart else {
            throw Corrupt(reason: "Huffman data of \(bitCount) bits runs past the chunk")
        }
        // The coded bits, padded so that 8-byte loads never leave the buffer.
        scratch.reserveBytes(dataBytes + 16)
        let padded = scratch.bytes
        if dataBytes > 0 { padded.copyMemory(from: input.baseAddress! + dataStart, byteCount: dataBytes) }
        (padded + dataBytes).initializeMemory(as: UInt8.self, repeating: 0, count: 16)
        let decoder = try PIZHuffmanDecoder(lengths: lengths, lowest: lowest, highest: runSymbol, codes: scratch.codes)
        try decoder.decode(UnsafeRawPointer(padded), bitCount: bitCount, runSymbol: runSymbol, into: output, count: count)
    }

    /// Reads the six-bit lengths and zero runs; returns the bytes they take.
    private static func unpackLengths(
        _ table: UnsafeRawBufferPointer, lowest: Int, highest: Int, into lengths: UnsafeMutablePointer<UInt8>
    ) throws(Corrupt) -> Int {
        var accumulator: UInt64 = 0
        var pending = 0
        var consumed = 0
        func read(_ bits: Int) throws(Corrupt) -> Int {
            while pending < bits {
                guard consumed < table.count else { throw Corrupt(reason: "Huffman code table cut short") }
                accumulator = accumulator << 8 | UInt64(table[consumed])
                consumed += 1
                pending += 8
            }
            pending -= bits
            return Int((accumulator >> UInt64(pending)) & ((1 << UInt64(bits)) - 1))
        }
        var symbol = lowest
        while symbol <= highest {
            let token = try read(6)
            var zeros = 0
            if token == Int(PIZHuffman.longZeroRun) {
                zeros = try read(8) + PIZHuffman.shortestLongRun
            } else if token >= Int(PIZHuffman.shortZeroRun) {
                zeros = token - Int(PIZHuffman.shortZeroRun) + 2
            } else {
                lengths[symbol] = UInt8(token)
                symbol += 1
                continue
            }
            guard symbol + zeros <= highest + 1 else { throw Corrupt(reason: "Huffman code table run past its symbols") }
            symbol += zeros  // already zero
        }
        return consumed
    }

    // MARK: - Tables

    /// Primary entries: symbol << 8 | length, or subtable offset << 8 | 0x80 | index bits.
    /// Subtable entries: symbol << 8 | length. Length 0 marks a bit pattern no code has.
    private var primary: [UInt32]
    private var secondary: [UInt32] = []
    private let useTables: Bool
    /// For the canonical search: per length, the first code and where its symbols start in `sorted`.
    private var firstCode = [UInt64](repeating: 0, count: PIZHuffman.longestCode + 1)
    private var codeCount = [Int](repeating: 0, count: PIZHuffman.longestCode + 1)
    private var firstIndex = [Int](repeating: 0, count: PIZHuffman.longestCode + 1)
    private var sorted: [UInt32] = []

    private init(lengths: UnsafePointer<UInt8>, lowest: Int, highest: Int, codes: UnsafeMutablePointer<UInt64>) throws(Corrupt) {
        // A prefix code needs Kraft's sum at most 1; anything else is not a code.
        var kraft: UInt64 = 0
        var longest = 0
        for symbol in lowest...highest where lengths[symbol] > 0 {
            let length = Int(lengths[symbol])
            guard length <= PIZHuffman.longestCode else { throw Corrupt(reason: "Huffman code longer than 58 bits") }
            kraft += 1 << UInt64(PIZHuffman.longestCode - length)
            guard kraft <= 1 << UInt64(PIZHuffman.longestCode) else {
                throw Corrupt(reason: "Huffman code lengths overfill the code space")
            }
            codeCount[length] += 1
            longest = max(longest, length)
        }
        PIZHuffman.canonicalCodes(lengths, lowest: lowest, highest: highest, into: codes)
        // Canonical search tables: symbols grouped by length, in symbol order.
        var start = 0
        for length in 1...PIZHuffman.longestCode {
            firstIndex[length] = start
            start += codeCount[length]
        }
        sorted = [UInt32](repeating: 0, count: start)
        var fill = firstIndex
        for symbol in lowest...highest {
            let length = Int(lengths[symbol])
            guard length > 0 else { continue }
            if fill[length] == firstIndex[length] { firstCode[length] = codes[symbol] }
            sorted[fill[length]] = UInt32(symbol)
            fill[length] += 1
        }

        let bits = Self.primaryBits
        primary = [UInt32](repeating: 0, count: 1 << bits)
        // Subtable sizes per 12-bit prefix: enough index bits for its longest code.
        var prefixBits = [UInt8](repeating: 0, count: 1 << bits)
        if longest > bits {
            for symbol in lowest...highest {
                let length = Int(lengths[symbol])
                guard length > bits else { continue }
                let prefix = Int(codes[symbol] >> UInt64(length - bits))
                prefixBits[prefix] = max(prefixBits[prefix], UInt8(length - bits))
            }
        }
        var secondarySize = 0
        for extra in prefixBits where extra > 0 { secondarySize += 1 << Int(extra) }
        useTables = longest <= Self.tableLimit && secondarySize <= Self.subtableEntryLimit
        guard useTables else { return }
        secondary = [UInt32](repeating: 0, count: secondarySize)
        var offsets = [Int](repeating: 0, count: 1 << bits)
        var next = 0
        for prefix in 0..<(1 << bits) where prefixBits[prefix] > 0 {
            offsets[prefix] = next
            primary[prefix] = UInt32(next) << 8 | 0x80 | UInt32(prefixBits[prefix])
            next += 1 << Int(prefixBits[prefix])
        }
        for symbol in lowest...highest {
            let length = Int(lengths[symbol])
            guard length > 0 else { continue }
            let code = codes[symbol]
            let entry = UInt32(symbol) << 8 | UInt32(length)
            if length <= bits {
                let first = Int(code) << (bits - length)
                for slot in first..<(first + (1 << (bits - length))) { primary[slot] = entry }
            } else {
                let prefix = Int(code >> UInt64(length - bits))
                let extra = Int(prefixBits[prefix])
                let rest = Int(code & ((1 << UInt64(length - bits)) - 1))
                let first = offsets[prefix] + (rest << (extra - (length - bits)))
                for slot in first..<(first + (1 << (extra - (length - bits)))) { secondary[slot] = entry }
            }
        }
    }

    // MARK: - Decoding

    private func decode(
        _ data: UnsafeRawPointer, bitCount: Int, runSymbol: Int, into output: UnsafeMutablePointer<UInt16>, count: Int
    ) throws(Corrupt) {
        let dataBytes = (bitCount + 7) / 8
        var out = 0
        var consumed: Int
        if useTables {
            consumed = try primary.withUnsafeBufferPointer { primary throws(Corrupt) in
                try secondary.withUnsafeBufferPointer { secondary throws(Corrupt) in
                    try Self.decodeWithTables(
                        data, dataBytes: dataBytes, primary: primary.baseAddress!, secondary: secondary.baseAddress,
                        runSymbol: runSymbol, into: output, count: count, out: &out)
                }
            }
        } else {
            consumed = 0
            while consumed < bitCount && out < count {
                let (symbol, length) = try searchCode(data, at: consumed)
                consumed += length
                if symbol == runSymbol {
                    let byte = consumed >> 3, shift = UInt64(consumed & 7)
                    let bits = UInt64(bigEndian: data.loadUnaligned(fromByteOffset: byte, as: UInt64.self)) << shift
                    consumed += 8
                    try Self.repeatLast(Int(bits >> 56), output, count: count, out: &out)
                } else {
                    output[out] = UInt16(truncatingIfNeeded: symbol)
                    out += 1
                }
            }
        }
        guard out == count, consumed == bitCount else {
            throw Corrupt(reason: "Huffman data decode to \(out) of \(count) values (\(consumed) of \(bitCount) bits)")
        }
    }

    @inline(__always)
    private static func repeatLast(_ repeats: Int, _ output: UnsafeMutablePointer<UInt16>, count: Int, out: inout Int) throws(Corrupt) {
        guard out > 0 else { throw Corrupt(reason: "Huffman run before any value") }
        guard repeats <= count - out else { throw Corrupt(reason: "Huffman run past the chunk") }
        let value = output[out - 1]
        (output + out).initialize(repeating: value, count: repeats)
        out += repeats
    }

    /// The table decoder. Bits sit left-aligned in a 64-bit buffer refilled a whole word at a
    /// time (at least 56 bits after a refill), so several codes decode between refills and each
    /// step waits only on one table load and a shift. Returns the bits consumed.
    private static func decodeWithTables(
        _ data: UnsafeRawPointer, dataBytes: Int, primary: UnsafePointer<UInt32>, secondary: UnsafePointer<UInt32>?,
        runSymbol: Int, into output: UnsafeMutablePointer<UInt16>, count: Int, out: inout Int
    ) throws(Corrupt) -> Int {
        var buffer: UInt64 = 0
        var available = 0
        var next = 0  // the byte after the buffered bits
        let run = UInt32(runSymbol)
        while out < count {
            // The input is padded by 16 bytes; past the data plus 8, the stream is garbage.
            guard next <= dataBytes + 8 else { throw Corrupt(reason: "Huffman data ends before its values") }
            // Masking shifts throughout: every amount is below 64, and checked shifts cost a compare each.
            buffer |= UInt64(bigEndian: data.loadUnaligned(fromByteOffset: next, as: UInt64.self)) &>> UInt64(available)
            next += (63 - available) >> 3
            available |= 56
            // A code takes at most 28 bits and a run count 8 more.
            while available >= 36 && out < count {
                var entry = primary[Int(buffer &>> 52)]
                if entry & 0x80 != 0 {
                    let extra = UInt64(entry & 0x3F)
                    entry = secondary.unsafelyUnwrapped[Int(entry &>> 8) &+ Int((buffer &<< 12) &>> (64 &- extra))]
                }
                let length = Int(entry & 0x3F)
                guard length != 0 else { throw Corrupt(reason: "invalid Huffman code") }
                buffer &<<= UInt64(length)
                available &-= length
                let symbol = entry &>> 8
                if symbol == run {
                    let repeats = Int(buffer &>> 56)
                    buffer &<<= 8
                    available &-= 8
                    try repeatLast(repeats, output, count: count, out: &out)
                } else {
                    output[out] = UInt16(truncatingIfNeeded: symbol)
                    out &+= 1
                }
            }
        }
        return next * 8 - available
    }

    /// The canonical-code search for tables too large to build: codes of each length form one
    /// interval, and shorter codes rank above longer ones.
    private func searchCode(_ data: UnsafeRawPointer, at position: Int) throws(Corrupt) -> (Int, Int) {
        let byte = position >> 3, shift = UInt64(position & 7)
        var bits = UInt64(bigEndian: data.loadUnaligned(fromByteOffset: byte, as: UInt64.self)) << shift
        if shift > 0 { bits |= UInt64(data.load(fromByteOffset: byte + 8, as: UInt8.self)) >> (8 - shift) }
        for length in 1...PIZHuffman.longestCode where codeCount[length] > 0 {
            let value = bits >> UInt64(64 - length)
            if value >= firstCode[length] {
                let index = value - firstCode[length]
                guard index < UInt64(codeCount[length]) else { break }
                return (Int(sorted[firstIndex[length] + Int(index)]), length)
            }
        }
        throw Corrupt(reason: "invalid Huffman code")
    }
}
