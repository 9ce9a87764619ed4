/// Length-limited canonical Huffman codes for deflate (RFC 1951 §3.2.2), built from symbol
/// frequencies.
struct HuffmanCode {
    /// Code length of each symbol (0: unused).
    var lengths: [UInt8]
    /// Each symbol's code, bit-reversed so it can be written least significant bit first.
    var codes: [UInt16]

    /// Optimal code lengths for `frequencies`, limited to `maxLength` bits, then canonical codes.
    /// A single used symbol still gets a 1-bit code (deflate decoders accept that).
    init(frequencies: [UInt32], maxLength: Int) {
        lengths = HuffmanCode.lengths(frequencies, maxLength: maxLength)
        codes = HuffmanCode.canonicalCodes(lengths)
    }

    /// Codes for given lengths.
    init(lengths: [UInt8]) {
        self.lengths = lengths
        codes = HuffmanCode.canonicalCodes(lengths)
    }

    static func lengths(_ frequencies: [UInt32], maxLength: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: frequencies.count)
        let used = frequencies.indices.filter { frequencies[$0] > 0 }.sorted {
            frequencies[$0] != frequencies[$1] ? frequencies[$0] < frequencies[$1] : $0 < $1
        }
        if used.isEmpty { return result }
        if used.count == 1 {
            result[used[0]] = 1
            return result
        }
        // Huffman's algorithm with two queues over the sorted leaves (Van Leeuwen): nodes are
        // (weight, children); depths come from a walk of the finished tree.
        let leafCount = used.count
        var weights = used.map { UInt64(frequencies[$0]) }
        var parent = [Int](repeating: -1, count: 2 * leafCount - 1)
        weights.reserveCapacity(2 * leafCount - 1)
        var leafNext = 0
        var nodeNext = leafCount
        func takeSmallest() -> Int {
            if leafNext < leafCount, nodeNext >= weights.count || weights[leafNext] <= weights[nodeNext] {
                defer { leafNext += 1 }
                return leafNext
            }
            defer { nodeNext += 1 }
            return nodeNext
        }
        for _ in 0..<(leafCount - 1) {
            let a = takeSmallest()
            let b = takeSmallest()
            weights.append(weights[a] + weights[b])
            parent[a] = weights.count - 1
            parent[b] = weights.count - 1
        }
        var depth = [Int](repeating: 0, count: weights.count)
        for node in stride(from: weights.count - 2, through: 0, by: -1) { depth[node] = depth[parent[node]] + 1 }
        // Limit the lengths: count codes per length, then move overlong leaves up as libjpeg's
        // adjust_bits does (each step keeps the Kraft sum at exactly 1).
        var perLength = [Int](repeating: 0, count: max(maxLength, depth.max() ?? 0) + 2)
        for leaf in 0..<leafCount { perLength[depth[leaf]] += 1 }
        var longest = perLength.count - 1
        while longest > maxLength {
            while perLength[longest] > 0 {
                var shorter = longest - 2
                while perLength[shorter] == 0 { shorter -= 1 }
                perLength[longest] -= 2
                perLength[longest - 1] += 1
                perLength[shorter + 1] += 2
                perLength[shorter] -= 1
            }
            longest -= 1
        }
        // Hand the lengths out again, shortest codes to the most frequent symbols.
        var leaf = leafCount - 1
        for length in 1...maxLength {
            for _ in 0..<perLength[length] {
                result[used[leaf]] = UInt8(length)
                leaf -= 1
            }
        }
        return result
    }

    static func canonicalCodes(_ lengths: [UInt8]) -> [UInt16] {
        var countPerLength = [UInt16](repeating: 0, count: 17)
        for length in lengths where length > 0 { countPerLength[Int(length)] += 1 }
        var next = [UInt16](repeating: 0, count: 17)
        var code: UInt16 = 0
        for bits in 1...16 {
            code = (code &+ countPerLength[bits - 1]) << 1
            next[bits] = code
        }
        var codes = [UInt16](repeating: 0, count: lengths.count)
        for symbol in lengths.indices where lengths[symbol] > 0 {
            let length = Int(lengths[symbol])
            let value = next[length]
            next[length] &+= 1
            var reversed: UInt16 = 0
            for bit in 0..<length where value & (1 << bit) != 0 { reversed |= 1 << (length - 1 - bit) }
            codes[symbol] = reversed
        }
        return codes
    }
}
