import CFITSIO

/// Checks every Rice-compressed tile of a tile-compressed image before cfitsio decodes it.
///
/// cfitsio 4.2's Rice decoder reads past its buffer on damaged tiles (found by our fuzzer), so
/// each tile's bit stream is walked here first with bounds checks: the tile table and heap are
/// located from the header, each tile's descriptor must point inside the file, and its stream
/// must hold every pixel the tile needs. Files with other compressions pass unchecked.
enum RiceValidator {
    struct Invalid: Error { var reason: String }

    static func check(_ file: UnsafeMutablePointer<fitsfile>, bytes: UnsafeRawBufferPointer) throws(Invalid) {
        func string(_ key: String) -> String? {
            var status: Int32 = 0
            var value = [CChar](repeating: 0, count: 81)
            ffgkys(file, key, &value, nil, &status)
            if status != 0 {
                ffcmsg()
                return nil
            }
            return String(decoding: value.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        func integer(_ key: String) -> Int? {
            var status: Int32 = 0
            var value: Int64 = 0
            ffgkyjj(file, key, &value, nil, &status)
            if status != 0 {
                ffcmsg()
                return nil
            }
            return Int(value)
        }
        guard let type = string("ZCMPTYPE")?.uppercased(), type == "RICE_1" || type == "RICE_ONE" else { return }
        guard let rowBytes = integer("NAXIS1"), let rows = integer("NAXIS2"), let fields = integer("TFIELDS"),
            rowBytes >= 0, rows >= 0, (1...999).contains(fields)
        else { throw Invalid(reason: "invalid tile table header") }
        // Locate the COMPRESSED_DATA column and its byte offset in a row.
        var columnOffset = 0
        var descriptorSize = 0
        for column in 1...fields {
            guard let form = string("TFORM\(column)")?.uppercased() else { throw Invalid(reason: "missing TFORM\(column)") }
            let width = try fieldWidth(form)
            if string("TTYPE\(column)")?.uppercased() == "COMPRESSED_DATA" {
                guard form.contains("P") || form.contains("Q") else { throw Invalid(reason: "COMPRESSED_DATA is not a variable-length column") }
                descriptorSize = form.contains("Q") ? 16 : 8
                break
            }
            columnOffset += width
        }
        guard descriptorSize > 0, columnOffset + descriptorSize <= rowBytes else { throw Invalid(reason: "no COMPRESSED_DATA column") }
        var status: Int32 = 0
        var headerStart: Int64 = 0, dataStart: Int64 = 0, dataEnd: Int64 = 0
        ffghadll(file, &headerStart, &dataStart, &dataEnd, &status)
        guard status == 0, dataStart >= 0 else {
            ffcmsg()
            throw Invalid(reason: "cannot locate the tile table")
        }
        let heap = Int(dataStart) + (integer("THEAP") ?? rowBytes * rows)
        // Tiles: ZTILEn (default: rows of ZNAXIS1), clipped at the image edges.
        guard let axes = integer("ZNAXIS"), (1...9).contains(axes) else { throw Invalid(reason: "invalid ZNAXIS") }
        var sizes: [Int] = []
        var tiles: [Int] = []
        for axis in 1...axes {
            guard let size = integer("ZNAXIS\(axis)"), size >= 0 else { throw Invalid(reason: "invalid ZNAXIS\(axis)") }
            let tile = integer("ZTILE\(axis)") ?? (axis == 1 ? size : 1)
            guard tile > 0 else { throw Invalid(reason: "invalid ZTILE\(axis)") }
            sizes.append(size)
            tiles.append(tile)
        }
        let blockSize = integer("ZVAL1") ?? 32
        let bytePix = integer("ZVAL2") ?? 4
        guard blockSize > 0, [1, 2, 4].contains(bytePix) else { throw Invalid(reason: "invalid Rice parameters") }
        let counts = zip(sizes, tiles).map { ($0 + $1 - 1) / $1 }
        guard counts.reduce(1, *) == rows else { throw Invalid(reason: "the tile table has \(rows) rows for \(counts.reduce(1, *)) tiles") }
        for row in 0..<rows {
            // This tile's pixel count, from its position in the tile grid.
            var remainder = row
            var pixels = 1
            for axis in 0..<axes {
                let index = remainder % counts[axis]
                remainder /= counts[axis]
                pixels *= min(tiles[axis], sizes[axis] - index * tiles[axis])
            }
            let at = Int(dataStart) + row * rowBytes + columnOffset
            guard at + descriptorSize <= bytes.count else { throw Invalid(reason: "tile table past the end of the file") }
            let length = descriptorSize == 8 ? Int(read32(bytes, at)) : Int(clamping: read64(bytes, at))
            let offset = descriptorSize == 8 ? Int(read32(bytes, at + 4)) : Int(clamping: read64(bytes, at + 8))
            if length == 0 { continue }  // stored in another column (uncompressed or gzip)
            let start = heap + offset
            guard length > 0, offset >= 0, start >= 0, start + length <= bytes.count else {
                throw Invalid(reason: "tile \(row) lies outside the file")
            }
            try walk(UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)]), pixels: pixels, blockSize: blockSize, bytePix: bytePix)
        }
    }

    /// Width in bytes of a binary-table field from its TFORM (`1PB(120)`, `2J`, `1QB`, …).
    static func fieldWidth(_ form: String) throws(Invalid) -> Int {
        let digits = form.prefix { $0.isNumber }
        let repeatCount = Int(digits) ?? 1
        guard let code = form.dropFirst(digits.count).first else { throw Invalid(reason: "invalid TFORM \(form)") }
        switch code {
        case "L", "B", "A": return repeatCount
        case "X": return (repeatCount + 7) / 8
        case "I": return 2 * repeatCount
        case "J", "E": return 4 * repeatCount
        case "K", "D", "C": return 8 * repeatCount
        case "M": return 16 * repeatCount
        case "P": return 8 * repeatCount
        case "Q": return 16 * repeatCount
        default: throw Invalid(reason: "unknown TFORM \(form)")
        }
    }

    /// Walks one tile's Rice stream, checking that every read stays inside it.
    static func walk(_ data: UnsafeRawBufferPointer, pixels: Int, blockSize: Int, bytePix: Int) throws(Invalid) {
        let (fsBits, fsMax): (Int, Int) = switch bytePix {
        case 1: (3, 6)
        case 2: (4, 14)
        default: (5, 25)
        }
        let valueBits = 8 * bytePix
        var bit = 8 * bytePix  // the first value is stored whole
        let totalBits = 8 * data.count
        guard bit <= totalBits else { throw Invalid(reason: "Rice tile shorter than its first value") }
        func read(_ count: Int) throws(Invalid) -> Int {
            guard bit + count <= totalBits else { throw Invalid(reason: "Rice tile ends early") }
            var value = 0
            for _ in 0..<count {
                value = value << 1 | Int((data[bit >> 3] >> (7 - UInt8(bit & 7))) & 1)
                bit += 1
            }
            return value
        }
        var done = 0
        while done < pixels {
            let block = min(blockSize, pixels - done)
            let fs = try read(fsBits) - 1
            if fs < 0 {
                // All differences zero.
            } else if fs == fsMax {
                guard bit + block * valueBits <= totalBits else { throw Invalid(reason: "Rice tile ends early") }
                bit += block * valueBits
            } else if fs > fsMax {
                throw Invalid(reason: "invalid Rice split \(fs)")
            } else {
                for _ in 0..<block {
                    // A run of zero bits ended by a one, then fs low bits.
                    while true {
                        guard bit < totalBits else { throw Invalid(reason: "Rice tile ends early") }
                        let one = (data[bit >> 3] >> (7 - UInt8(bit & 7))) & 1
                        bit += 1
                        if one == 1 { break }
                    }
                    guard bit + fs <= totalBits else { throw Invalid(reason: "Rice tile ends early") }
                    bit += fs
                }
            }
            done += block
        }
    }

    static func read32(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 << 8 | UInt32(b[at + $1]) }
    }

    static func read64(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 << 8 | UInt64(b[at + $1]) }
    }
}
