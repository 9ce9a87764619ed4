/// The Huffman coder of OpenEXR's PIZ compression: 16-bit symbols, a run-length pseudo-symbol,
/// code lengths packed six bits each, codes written most significant bit first.
///
/// Any valid prefix code reads back in every OpenEXR decoder, because the stream carries only
/// code lengths and both sides derive the codes from them by the same canonical rule. So the
/// lengths come from a linear-time minimum-redundancy construction over the symbols sorted by
/// frequency (Moffat and Katajainen) instead of the reference's pointer heap, which rebuilt
/// for every chunk costs more than the coding itself.
enum PIZHuffman {
    /// Symbols are 16-bit words; one more slot holds the run-length pseudo-symbol.
    static let symbolSpace = 65_537
    /// Code lengths are stored in six bits, and values 59…63 mean runs of unused symbols.
    static let longestCode = 58
    static let shortZeroRun: UInt64 = 59
    static let longZeroRun: UInt64 = 63
    static let shortestLongRun = 6
    static let longestLongRun = 255 + 6
    static let headerSize = 20

    /// Compresses `count` words into `output`; returns the bytes written, or nil when the result
    /// would not fit in `capacity` bytes (the caller then stores the chunk uncompressed).
    static func compress(
        _ words: UnsafePointer<UInt16>, count: Int, into output: UnsafeMutablePointer<UInt8>, capacity: Int, scratch: PIZScratch
    ) -> Int? {
        guard count > 0 else { return 0 }
        let frequencies = scratch.frequencies
        countFrequencies(words, count: count, into: frequencies, tables: scratch.counts)
        var lowest = 0
        while frequencies[lowest] == 0 { lowest += 1 }
        var highest = symbolSpace - 2
        while frequencies[highest] == 0 { highest -= 1 }
        // The pseudo-symbol just above the largest word announces a run of the previous word.
        let runSymbol = highest + 1
        frequencies[runSymbol] = 1

        let lengths = scratch.lengths
        lengths.initialize(repeating: 0, count: symbolSpace)
        guard buildLengths(frequencies, lowest: lowest, highest: runSymbol, into: lengths) else { return nil }
        // Worst-case size: every word coded alone (runs only ever shorten the stream).
        var bits: UInt64 = 0
        for symbol in lowest...runSymbol where lengths[symbol] != 0 {
            bits &+= frequencies[symbol] &* UInt64(lengths[symbol])
        }
        bits &+= UInt64(lengths[runSymbol])
        let tableBound = (runSymbol - lowest + 1) * 6 / 8 + 2
        guard bits < UInt64(UInt32.max) - 64 else { return nil }
        let bound = headerSize + tableBound + Int(bits / 8) + 16
        // Runs often make the stream far smaller than the bound: when the bound does not fit,
        // code into scratch memory and copy what fits.
        let target = bound <= capacity ? output : { scratch.reserveBytes(bound); return scratch.bytes.assumingMemoryBound(to: UInt8.self) }()

        let codes = scratch.codes
        canonicalCodes(lengths, lowest: lowest, highest: runSymbol, into: codes)

        var writer = WordBitWriter(target + headerSize)
        packLengths(lengths, lowest: lowest, highest: runSymbol, into: &writer)
        let tableLength = (writer.finish() + 7) / 8
        let dataBits = encode(
            words, count: count, codes: codes, lengths: lengths, lowest: lowest, runSymbol: runSymbol,
            into: target + headerSize + tableLength)
        let size = headerSize + tableLength + (dataBits + 7) / 8
        if target != output {
            guard size <= capacity else { return nil }
            output.update(from: target, count: size)
        }
        storeLittleEndian(UInt32(lowest), at: output)
        storeLittleEndian(UInt32(runSymbol), at: output + 4)
        storeLittleEndian(UInt32(tableLength), at: output + 8)
        storeLittleEndian(UInt32(dataBits), at: output + 12)
        storeLittleEndian(0, at: output + 16)
        return size
    }

    /// Counts each word, in four interleaved tables so that runs of one value do not wait on
    /// their own increments.
    private static func countFrequencies(
        _ words: UnsafePointer<UInt16>, count: Int, into frequencies: UnsafeMutablePointer<UInt64>,
        tables: UnsafeMutablePointer<UInt32>
    ) {
        tables.initialize(repeating: 0, count: 4 * 65_536)
        var index = 0
        while index + 4 <= count {
            tables[Int(words[index])] &+= 1
            tables[65_536 + Int(words[index + 1])] &+= 1
            tables[2 * 65_536 + Int(words[index + 2])] &+= 1
            tables[3 * 65_536 + Int(words[index + 3])] &+= 1
            index += 4
        }
        while index < count {
            tables[Int(words[index])] &+= 1
            index += 1
        }
        for symbol in 0..<65_536 {
            frequencies[symbol] =
                UInt64(tables[symbol]) &+ UInt64(tables[65_536 + symbol]) &+ UInt64(tables[2 * 65_536 + symbol])
                &+ UInt64(tables[3 * 65_536 + symbol])
        }
        frequencies[65_536] = 0
    }

    /// Minimum-redundancy code lengths for the symbols in `lowest...highest` with a nonzero
    /// frequency; false if a code would exceed 56 bits (impossible below 2^32 words).
    private static func buildLengths(
        _ frequencies: UnsafePointer<UInt64>, lowest: Int, highest: Int, into lengths: UnsafeMutablePointer<UInt8>
    ) -> Bool {
        var symbols: [UInt32] = []
        symbols.reserveCapacity(highest - lowest + 1)
        for symbol in lowest...highest where frequencies[symbol] != 0 { symbols.append(UInt32(symbol)) }
        let n = symbols.count
        if n == 1 {
            lengths[Int(symbols[0])] = 1
            return true
        }
        sortByFrequency(&symbols, frequencies)
        // Moffat & Katajainen, "In-place calculation of minimum-redundancy codes" (1995):
        // weights in ascending order become parent links, then internal depths, then leaf depths.
        var a = symbols.map { frequencies[Int($0)] }
        a.withUnsafeMutableBufferPointer { a in
            a[0] = a[0] &+ a[1]
            var root = 0, leaf = 2
            for next in 1..<(n - 1) {
                if leaf >= n || a[root] < a[leaf] {
                    a[next] = a[root]
                    a[root] = UInt64(next)
                    root += 1
                } else {
                    a[next] = a[leaf]
                    leaf += 1
                }
                if leaf >= n || (root < next && a[root] < a[leaf]) {
                    a[next] = a[next] &+ a[root]
                    a[root] = UInt64(next)
                    root += 1
                } else {
                    a[next] = a[next] &+ a[leaf]
                    leaf += 1
                }
            }
            a[n - 2] = 0
            if n >= 3 {
                for next in stride(from: n - 3, through: 0, by: -1) { a[next] = a[Int(a[next])] &+ 1 }
            }
            var available = 1, used = 0, depth: UInt64 = 0
            var internalNode = n - 2, next = n - 1
            while available > 0 {
                while internalNode >= 0 && a[internalNode] == depth {
                    used += 1
                    internalNode -= 1
                }
                while available > used {
                    a[next] = depth
                    next -= 1
                    available -= 1
                }
                available = 2 * used
                depth += 1
                used = 0
            }
        }
        for (position, symbol) in symbols.enumerated() {
            // The writer takes codes of up to 56 bits; Huffman depths stay below 50 for fewer than 2^32 words.
            guard a[position] >= 1, a[position] <= 56 else { return false }
            lengths[Int(symbol)] = UInt8(a[position])
        }
        return true
    }

    /// Sorts symbols by ascending frequency (ties by symbol), with a radix sort: chunks have up
    /// to 65,537 distinct symbols and a comparison sort of that many per chunk shows up in profiles.
    private static func sortByFrequency(_ symbols: inout [UInt32], _ frequencies: UnsafePointer<UInt64>) {
        if symbols.count < 64 {
            symbols.sort { (frequencies[Int($0)], $0) < (frequencies[Int($1)], $1) }
            return
        }
        var maxFrequency: UInt64 = 0
        for symbol in symbols { maxFrequency = max(maxFrequency, frequencies[Int(symbol)]) }
        var scratch = symbols
        var shift: UInt64 = 0
        var counts = [Int](repeating: 0, count: 2049)
        while shift < 64 && (maxFrequency >> shift) != 0 {
            for i in counts.indices { counts[i] = 0 }
            for symbol in symbols { counts[Int((frequencies[Int(symbol)] >> shift) & 2047) + 1] += 1 }
            for i in 1..<counts.count { counts[i] += counts[i - 1] }
            for symbol in symbols {
                let digit = Int((frequencies[Int(symbol)] >> shift) & 2047)
                scratch[counts[digit]] = symbol
                counts[digit] += 1
            }
            swap(&symbols, &scratch)
            shift += 11
        }
    }

    /// OpenEXR's canonical code assignment: per length, codes count up in symbol order, and
    /// shorter codes (left-aligned) rank above longer ones. Shared with the decoder.
    static func canonicalCodes(
        _ lengths: UnsafePointer<UInt8>, lowest: Int, highest: Int, into codes: UnsafeMutablePointer<UInt64>
    ) {
        var next = [UInt64](repeating: 0, count: longestCode + 1)
        for symbol in lowest...highest { next[Int(lengths[symbol])] += 1 }
        var code: UInt64 = 0
        for length in stride(from: longestCode, through: 1, by: -1) {
            let following = (code &+ next[length]) >> 1
            next[length] = code
            code = following
        }
        for symbol in lowest...highest {
            let length = Int(lengths[symbol])
            if length > 0 {
                codes[symbol] = next[length]
                next[length] &+= 1
            } else {
                codes[symbol] = 0
            }
        }
    }

    /// Code lengths six bits each; runs of unused symbols as one or two short tokens.
    private static func packLengths(_ lengths: UnsafePointer<UInt8>, lowest: Int, highest: Int, into writer: inout WordBitWriter) {
        var symbol = lowest
        while symbol <= highest {
            let length = lengths[symbol]
            if length == 0 {
                var run = 1
                while symbol < highest && run < longestLongRun && lengths[symbol + 1] == 0 {
                    symbol += 1
                    run += 1
                }
                if run >= shortestLongRun {
                    writer.put(longZeroRun << 6 | 6)
                    writer.put(UInt64(run - shortestLongRun) << 6 | 8)
                } else if run >= 2 {
                    writer.put((shortZeroRun + UInt64(run - 2)) << 6 | 6)
                } else {
                    writer.put(6)  // length 0
                }
            } else {
                writer.put(UInt64(length) << 6 | 6)
            }
            symbol += 1
        }
    }

    /// Writes every word's code; a run of up to 255 repeats becomes word, run code and an 8-bit
    /// count whenever that is shorter (the reference's rule, so sizes match it). Returns the bits
    /// written. Codes and lengths share one table entry (code << 6 | length), and bits collect
    /// left-aligned in a 64-bit register stored whole after every code: no branch per bit count.
    private static func encode(
        _ words: UnsafePointer<UInt16>, count: Int, codes: UnsafeMutablePointer<UInt64>, lengths: UnsafePointer<UInt8>,
        lowest: Int, runSymbol: Int, into output: UnsafeMutablePointer<UInt8>
    ) -> Int {
        for symbol in lowest...runSymbol { codes[symbol] = codes[symbol] << 6 | UInt64(lengths[symbol]) }
        let runEntry = codes[runSymbol], runLength = Int(runEntry & 63)
        var writer = WordBitWriter(output)
        var current = Int(words[0])
        var repeats = 0
        var index = 1
        while true {
            let word = index < count ? Int(words[index]) : -1
            if word == current && repeats < 255 {
                repeats &+= 1
            } else {
                let entry = codes[current], length = Int(entry & 63)
                if length + runLength + 8 < length * repeats {
                    writer.put(entry)
                    writer.put(runEntry)
                    writer.put(UInt64(repeats) << 6 | 8)
                } else {
                    writer.put(entry)
                    for _ in 0..<repeats { writer.put(entry) }
                }
                if word < 0 { break }
                repeats = 0
                current = word
            }
            index &+= 1
        }
        return writer.finish()
    }

    @inline(__always)
    static func storeLittleEndian(_ value: UInt32, at pointer: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value.littleEndian, as: UInt32.self)
    }
}

/// Writes Huffman table entries (code << 6 | length) most significant bit first: bits collect
/// left-aligned in a register that is stored whole (8 bytes) after every code, then advanced by
/// the whole bytes, so no branch depends on the bit count. The caller guarantees 8 bytes of room
/// past the last code.
struct WordBitWriter {
    private let start: UnsafeMutableRawPointer
    private var out: UnsafeMutableRawPointer
    private var register: UInt64 = 0
    private var pending = 0

    init(_ start: UnsafeMutablePointer<UInt8>) {
        self.start = UnsafeMutableRawPointer(start)
        self.out = self.start
    }

    /// Appends one entry's code; codes are at most 56 bits (``PIZHuffman`` never builds longer).
    @inline(__always)
    mutating func put(_ entry: UInt64) {
        let length = Int(entry & 63)
        // Masking shifts: every amount is below 64 here, and the checked ones cost a compare each.
        register |= (entry &>> 6) &<< UInt64(64 &- pending &- length)
        pending &+= length
        out.storeBytes(of: register.bigEndian, as: UInt64.self)
        out += pending &>> 3
        register &<<= UInt64(pending & ~7)
        pending &= 7
    }

    /// Stores the last partial byte; returns the bits written.
    mutating func finish() -> Int {
        if pending > 0 { out.storeBytes(of: register.bigEndian, as: UInt64.self) }
        return (out - start) * 8 + pending
    }
}
