/// The tags of one page being written, serialised as a classic or a BigTIFF directory once the
/// writer knows which the file needs.
struct TIFFDirectoryBuilder {
    /// One tag's values, kept typed until the layout is chosen.
    enum Values {
        case short([UInt16])
        case long([UInt32])
        /// Offsets and byte counts: LONG in classic TIFF, LONG8 in BigTIFF.
        case offsets([UInt64])
        case ascii(String)
        case rational([(UInt32, UInt32)])

        /// TIFF field type and value count for the layout.
        func typeAndCount(bigTIFF: Bool) -> (type: UInt16, count: Int) {
            switch self {
            case .short(let values): (3, values.count)
            case .long(let values): (4, values.count)
            case .offsets(let values): (bigTIFF ? 16 : 4, values.count)
            case .ascii(let text): (2, text.utf8.count + 1)
            case .rational(let values): (5, values.count)
            }
        }

        /// The values' little-endian bytes.
        func bytes(bigTIFF: Bool) -> [UInt8] {
            var out: [UInt8] = []
            switch self {
            case .short(let values): for value in values { out.appendLittleEndian(value) }
            case .long(let values): for value in values { out.appendLittleEndian(value) }
            case .offsets(let values):
                for value in values {
                    if bigTIFF { out.appendLittleEndian(value) } else { out.appendLittleEndian(UInt32(truncatingIfNeeded: value)) }
                }
            case .ascii(let text): out = Array(text.utf8) + [0]
            case .rational(let values):
                for (numerator, denominator) in values {
                    out.appendLittleEndian(numerator)
                    out.appendLittleEndian(denominator)
                }
            }
            return out
        }
    }

    private(set) var tags: [UInt16: Values] = [:]

    subscript(tag: UInt16) -> Values? {
        get { tags[tag] }
        set { tags[tag] = newValue }
    }

    /// Bytes the directory and its out-of-line values take in the layout.
    func size(bigTIFF: Bool) -> Int {
        let inline = bigTIFF ? 8 : 4
        var total = (bigTIFF ? 8 : 2) + tags.count * (bigTIFF ? 20 : 12) + (bigTIFF ? 8 : 4)
        for values in tags.values {
            let length = values.bytes(bigTIFF: bigTIFF).count
            if length > inline { total += (length + 1) & ~1 }
        }
        return total
    }

    /// The directory placed at `offset`, pointing to the next one at `next` (0 for the last).
    func serialized(at offset: Int, next: Int, bigTIFF: Bool) -> [UInt8] {
        let inline = bigTIFF ? 8 : 4
        let sorted = tags.sorted { $0.key < $1.key }
        var head: [UInt8] = []
        var extra: [UInt8] = []
        let extraStart = offset + (bigTIFF ? 8 : 2) + sorted.count * (bigTIFF ? 20 : 12) + (bigTIFF ? 8 : 4)
        if bigTIFF { head.appendLittleEndian(UInt64(sorted.count)) } else { head.appendLittleEndian(UInt16(sorted.count)) }
        for (tag, values) in sorted {
            let (type, count) = values.typeAndCount(bigTIFF: bigTIFF)
            var bytes = values.bytes(bigTIFF: bigTIFF)
            head.appendLittleEndian(tag)
            head.appendLittleEndian(type)
            if bigTIFF { head.appendLittleEndian(UInt64(count)) } else { head.appendLittleEndian(UInt32(count)) }
            if bytes.count <= inline {
                bytes += [UInt8](repeating: 0, count: inline - bytes.count)
                head += bytes
            } else {
                let at = extraStart + extra.count
                if bigTIFF { head.appendLittleEndian(UInt64(at)) } else { head.appendLittleEndian(UInt32(at)) }
                extra += bytes
                if extra.count % 2 == 1 { extra.append(0) }  // values start on word boundaries
            }
        }
        if bigTIFF { head.appendLittleEndian(UInt64(next)) } else { head.appendLittleEndian(UInt32(next)) }
        return head + extra
    }
}

extension [UInt8] {
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}
