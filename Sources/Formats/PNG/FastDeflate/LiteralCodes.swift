/// A Huffman code's literal codes laid out for ``BitWriter/writeLiterals(_:count:codes:)``: per
/// byte value and, for bands with many literals, per pair of byte values, so that two literals
/// cost one table lookup.
///
/// Codes must be at most ``maximumLength`` bits: a pair's two codes and their total length then
/// fit one 32-bit entry, and four codes with the 7 bits a writer may hold back fit 64 bits.
struct LiteralCodes {
    /// The longest literal/length code this layout takes.
    static let maximumLength = 13

    /// Per byte value: code | length << 16.
    let single: UnsafeMutablePointer<UInt32>
    /// Per pair of byte values (index: first << 8 | second): the first's code, then the second's,
    /// shifted left by 5, | the total length; nil when not built.
    let pairs: UnsafeMutablePointer<UInt32>?

    /// The tables of `code`'s symbols 0…255; the pair table only if `withPairs` (building it
    /// costs about as much as writing a few hundred thousand literals one by one).
    init(_ code: HuffmanCode, withPairs: Bool) {
        precondition(code.lengths[0..<256].allSatisfy { $0 <= Self.maximumLength }, "literal codes too long for LiteralCodes")
        let codes = (0..<256).map { UInt32(code.codes[$0]) }
        let lengths = (0..<256).map { UInt32(code.lengths[$0]) }
        single = .allocate(capacity: 256)
        for symbol in 0..<256 { single[symbol] = codes[symbol] | lengths[symbol] << 16 }
        guard withPairs else {
            pairs = nil
            return
        }
        let pairs = UnsafeMutablePointer<UInt32>.allocate(capacity: 65536)
        codes.withUnsafeBufferPointer { codes in
            lengths.withUnsafeBufferPointer { lengths in
                for first in 0..<256 {
                    let code = codes[first], length = lengths[first]
                    let entries = pairs + first << 8
                    for second in 0..<256 {
                        entries[second] = (code | codes[second] &<< length) &<< 5 | (length &+ lengths[second])
                    }
                }
            }
        }
        self.pairs = pairs
    }

    /// Frees the tables; the value must not be used afterwards.
    func release() {
        single.deallocate()
        pairs?.deallocate()
    }
}
