/// Writes deflate's least-significant-bit-first bit stream into a growable buffer, eight bytes
/// at a time.
struct BitWriter {
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var count = 0
    private var accumulator: UInt64 = 0
    private var bitCount = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        buffer = .allocate(capacity: self.capacity)
    }

    /// Appends the low `length` bits of `bits` (at most 56 bits per call; higher bits of `bits`
    /// must be zero).
    @inline(__always)
    mutating func write(_ bits: UInt64, _ length: Int) {
        // After a flush at most 7 bits wait, so 56 more always fit in the 64-bit accumulator.
        if bitCount + length > 64 { flush() }
        accumulator |= bits << UInt64(bitCount)
        bitCount += length
    }

    @inline(__always)
    private mutating func flush() {
        if count + 8 > capacity { grow() }
        UnsafeMutableRawPointer(buffer + count).storeBytes(of: accumulator.littleEndian, as: UInt64.self)
        let bytes = bitCount >> 3
        count += bytes
        accumulator = bytes == 8 ? 0 : accumulator >> UInt64(bytes * 8)
        bitCount &= 7
    }

    @inline(never)
    private mutating func grow() {
        let bigger = capacity * 2
        let new = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        new.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = new
        capacity = bigger
    }

    /// The free bytes ``writeLiterals(_:count:codes:)`` wants before writing `count` literals:
    /// 16 bits each plus the 8-byte store overhang, checked once per span.
    static func headroom(literals count: Int) -> Int { count * 2 + 16 }

    /// Writes `count` bytes as literals with `codes`, four codes per 64-bit store, looked up in
    /// pairs if `codes` has a pair table. The hot loop of the fast PNG encoder.
    @inline(__always)
    mutating func writeLiterals(_ bytes: UnsafeMutablePointer<UInt8>, count n: Int, codes: LiteralCodes) {
        guard n > 0 else { return }
        while self.count + Self.headroom(literals: n) > capacity { grow() }
        if bitCount >= 8 { flush() }
        var out = buffer + self.count
        var bits = accumulator
        var used = UInt64(bitCount)
        var i = 0
        let table = codes.single
        @inline(__always) func add(_ byte: UInt8) {
            let entry = table[Int(byte)]
            bits |= UInt64(entry & 0xFFFF) &<< used
            used &+= UInt64(entry &>> 16)
        }
        @inline(__always) func store() {
            // At most 7 + 4 × 13 = 59 bits are pending, so fewer than 8 whole bytes leave.
            UnsafeMutableRawPointer(out).storeBytes(of: bits.littleEndian, as: UInt64.self)
            let whole = used &>> 3
            out += Int(whole)
            bits = bits &>> (whole &<< 3)
            used &= 7
        }
        if let pairs = codes.pairs {
            @inline(__always) func add(pair index: UInt32) {
                let entry = pairs[Int(index)]
                bits |= UInt64(entry &>> 5) &<< used
                used &+= UInt64(entry & 31)
            }
            while i + 4 <= n {
                // Big-endian, so that each pair's first byte is the high byte of its index.
                let word = UnsafeRawPointer(bytes + i).loadUnaligned(as: UInt32.self).bigEndian
                add(pair: word &>> 16)
                add(pair: word & 0xFFFF)
                store()
                i += 4
            }
        } else {
            while i + 4 <= n {
                add(bytes[i]); add(bytes[i + 1]); add(bytes[i + 2]); add(bytes[i + 3])
                store()
                i += 4
            }
        }
        while i < n {
            add(bytes[i])
            store()
            i += 1
        }
        self.count = out - buffer
        accumulator = bits
        bitCount = Int(used)
    }

    /// Pads with zero bits to the next byte boundary and moves every pending byte into the buffer.
    mutating func alignToByte() {
        bitCount = (bitCount + 7) & ~7
        flush()
    }

    /// Appends whole bytes (the writer must be byte-aligned).
    mutating func writeBytes(_ bytes: [UInt8]) {
        for byte in bytes { write(UInt64(byte), 8) }
    }

    /// The bytes moved into the buffer so far (call ``alignToByte()`` first to include all).
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: buffer, count: count))
    }

    /// Frees the buffer; the writer must not be used afterwards.
    mutating func release() {
        buffer.deallocate()
        capacity = 0
        count = 0
    }
}
