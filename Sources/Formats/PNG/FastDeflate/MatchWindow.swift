/// Finds where bytes of a band's filtered stream occurred before, within deflate's 32 KiB
/// window: rows above shifted by a few pixels, or a shape's other edge earlier in the row.
///
/// Positions are byte offsets into the band's filtered stream (one filter byte, then the row's
/// "up"-filtered bytes, row after row). Earlier rows are not kept: their filtered bytes are
/// computed from the image when a candidate is compared. Keeping them in a buffer cost more
/// than the matching itself on a 1080p render (every row stored once more, through the cache).
/// Candidates come from a hash table of the first four bytes at positions the caller inserts.
struct MatchWindow {
    /// Deflate's window: the farthest a match may reach back.
    static let reach = 32_768
    /// Matches found through the hash table start with four equal bytes.
    static let shortestMatch = 4
    private static let hashBits = 12

    /// The image's first byte (nil for an empty image: then nothing matches), its bytes per row,
    /// and the image row of the band's first row.
    private let pixels: UnsafePointer<UInt8>?
    private let rowBytes: Int
    private let firstRow: Int
    private var stride: Int { rowBytes + 1 }
    /// Two positions per hash bucket, the most recent first; -1 when empty.
    private let heads: UnsafeMutablePointer<Int>

    init(pixels: UnsafeBufferPointer<UInt8>, rowBytes: Int, firstRow: Int) {
        self.pixels = pixels.baseAddress
        self.rowBytes = rowBytes
        self.firstRow = firstRow
        heads = .allocate(capacity: 2 << Self.hashBits)
        heads.initialize(repeating: -1, count: 2 << Self.hashBits)
    }

    func release() { heads.deallocate() }

    /// A read position in the band's filtered stream, whose bytes come from the image.
    private struct Cursor {
        let window: MatchWindow
        let pixels: UnsafePointer<UInt8>
        /// The image row and the offset in its filtered row (0: the filter byte).
        var y: Int
        var offset: Int

        init(_ window: MatchWindow, pixels: UnsafePointer<UInt8>, at position: Int) {
            self.window = window
            self.pixels = pixels
            let (row, offset) = position.quotientAndRemainder(dividingBy: window.stride)
            y = window.firstRow + row
            self.offset = offset
        }

        /// Whether eight bytes from here lie in one row's pixels.
        var eightInRow: Bool { offset >= 1 && offset &+ 8 <= window.stride }

        /// The next eight bytes, in memory order; only when ``eightInRow``.
        @inline(__always)
        func eight() -> UInt64 {
            let current = pixels + y * window.rowBytes + offset - 1
            var word = UnsafeRawPointer(current).loadUnaligned(as: SIMD8<UInt8>.self)
            if y > 0 { word &-= UnsafeRawPointer(current - window.rowBytes).loadUnaligned(as: SIMD8<UInt8>.self) }
            return unsafeBitCast(word, to: UInt64.self)
        }

        /// The next byte: the filter byte (none on the image's first row, up on the others) or a filtered pixel byte.
        @inline(__always)
        func one() -> UInt8 {
            if offset == 0 { return y == 0 ? 0 : 2 }
            let current = pixels + y * window.rowBytes + offset - 1
            return y == 0 ? current[0] : current[0] &- current[-window.rowBytes]
        }

        @inline(__always)
        mutating func advance(_ count: Int) {
            offset &+= count
            if offset == window.stride {
                y += 1
                offset = 0
            }
        }
    }

    /// How many bytes from `bytes` equal the filtered bytes from stream position `earlier`, up
    /// to `limit`: eight at a time inside a row, one at a time across a row's start.
    @inline(__always)
    private func commonLength(_ bytes: UnsafeMutablePointer<UInt8>, earlier: Int, limit: Int) -> Int {
        guard let pixels else { return 0 }
        var cursor = Cursor(self, pixels: pixels, at: earlier)
        var n = 0
        while n < limit {
            if n &+ 8 <= limit, cursor.eightInRow {
                let difference = UnsafeRawPointer(bytes + n).loadUnaligned(as: UInt64.self) ^ cursor.eight()
                if difference != 0 { return n &+ UInt64(littleEndian: difference).trailingZeroBitCount >> 3 }
                n &+= 8
                cursor.advance(8)
            } else {
                guard bytes[n] == cursor.one() else { return n }
                n &+= 1
                cursor.advance(1)
            }
        }
        return n
    }

    /// How many filtered bytes from stream `position` equal those one row earlier, up to
    /// `limit`; both sides may run into later rows of the band, which need not be filtered yet.
    func lengthAsRowAbove(at position: Int, limit: Int) -> Int {
        guard let pixels, position >= stride else { return 0 }
        var here = Cursor(self, pixels: pixels, at: position)
        var above = Cursor(self, pixels: pixels, at: position - stride)
        var n = 0
        while n < limit {
            if n &+ 8 <= limit, here.eightInRow {
                let difference = here.eight() ^ above.eight()
                if difference != 0 { return n &+ UInt64(littleEndian: difference).trailingZeroBitCount >> 3 }
                n &+= 8
                here.advance(8)
                above.advance(8)
            } else {
                guard here.one() == above.one() else { return n }
                n &+= 1
                here.advance(1)
                above.advance(1)
            }
        }
        return n
    }

    /// The longest earlier occurrence (at least ``shortestMatch`` bytes, more than four bytes
    /// back, within ``reach``) of the filtered bytes `bytes` at stream `position`, among the two
    /// latest positions with the same first four bytes' hash; at most `limit` bytes (`bytes` has
    /// that many). Length 0 when there is none.
    @inline(__always)
    func longestEarlierMatch(of bytes: UnsafeMutablePointer<UInt8>, at position: Int, limit: Int) -> (length: Int, distance: Int) {
        guard limit >= Self.shortestMatch else { return (0, 0) }
        let bucket = 2 * Self.bucket(bytes)
        var best = (length: 0, distance: 0)
        for slot in bucket..<bucket + 2 {
            let earlier = heads[slot]
            let distance = position - earlier
            guard earlier >= 0, distance > 4, distance <= Self.reach else { continue }
            let length = commonLength(bytes, earlier: earlier, limit: limit)
            if length >= Self.shortestMatch, length > best.length {
                best = (length, distance)
                if length == limit { break }  // nothing can be longer
            }
        }
        return best
    }

    /// Records stream `position`, whose filtered bytes (four at least) are `bytes`, as the latest with its hash.
    @inline(__always)
    func insert(_ bytes: UnsafeMutablePointer<UInt8>, at position: Int) {
        let bucket = 2 * Self.bucket(bytes)
        guard heads[bucket] != position else { return }
        heads[bucket + 1] = heads[bucket]
        heads[bucket] = position
    }

    @inline(__always)
    private static func bucket(_ bytes: UnsafeMutablePointer<UInt8>) -> Int {
        let key = UInt32(littleEndian: UnsafeRawPointer(bytes).loadUnaligned(as: UInt32.self))
        return Int((key &* 2_654_435_761) >> UInt32(32 - hashBits))
    }

    /// How many bytes from `a` equal those from `b`, up to `limit`, eight at a time.
    @inline(__always)
    static func commonLength(_ a: UnsafeMutablePointer<UInt8>, _ b: UnsafeMutablePointer<UInt8>, limit: Int) -> Int {
        var n = 0
        while n &+ 8 <= limit {
            let difference = UnsafeRawPointer(a + n).loadUnaligned(as: UInt64.self)
                ^ UnsafeRawPointer(b + n).loadUnaligned(as: UInt64.self)
            if difference != 0 { return n &+ UInt64(littleEndian: difference).trailingZeroBitCount >> 3 }
            n &+= 8
        }
        while n < limit, a[n] == b[n] { n &+= 1 }
        return n
    }

    /// In a filtered row: a run at `offset` of bytes equal to the byte one back, or if that is
    /// short (under eight bytes), the longer of it and the run of bytes equal to those one pixel
    /// back; within the row, at most `limit` bytes. Distance 1 wins ties: its code is the most
    /// frequent.
    @inline(__always)
    static func longestRun(
        in row: UnsafeMutablePointer<UInt8>, at offset: Int, bytesPerPixel: Int, limit: Int
    ) -> (length: Int, distance: Int) {
        guard offset >= 1 else { return (0, 0) }
        let here = row + offset
        let byteRun = commonLength(here, here - 1, limit: limit)
        // A long run of equal bytes is rarely beaten, and scanning it twice would double the cost.
        if bytesPerPixel == 1 || byteRun >= 8 || byteRun == limit || offset < bytesPerPixel { return (byteRun, 1) }
        let pixelRun = commonLength(here, here - bytesPerPixel, limit: limit)
        return pixelRun > byteRun ? (pixelRun, bytesPerPixel) : (byteRun, 1)
    }
}
