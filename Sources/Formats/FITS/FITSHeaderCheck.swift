import Foundation

/// A walk over a FITS file's headers before cfitsio parses them: cfitsio 4.2 divides by a tile
/// size it reads from ZTILEn cards without checking it (SIGFPE on `ZTILE1 = 'BLOCKSIZE'`, found
/// by fuzzing) while merely counting the HDUs, so tile-compressed HDUs are checked here first.
enum FITSHeaderCheck {
    struct Invalid: Error {
        let reason: String
    }

    /// Throws when a tile-compressed HDU has a ZNAXIS, ZNAXISn or ZTILEn card that is not a
    /// positive integer (ZNAXISn may be 0). Stops quietly where the file stops looking like FITS,
    /// leaving the diagnosis of the rest to cfitsio.
    static func validate(_ file: UnsafeRawBufferPointer) throws(Invalid) {
        var offset = 0
        var hdu = 0
        while offset + 2880 <= file.count, hdu < 10_000 {
            guard let header = cards(in: file, from: offset) else { return }
            if header.values["ZIMAGE"]?.first == "T" {
                try checkCompressed(header.values, hdu: hdu)
            }
            guard let dataBytes = dataSize(header.values) else { return }
            let (dataEnd, overflow) = header.end.addingReportingOverflow((dataBytes + 2879) / 2880 * 2880)
            guard !overflow else { return }
            offset = dataEnd
            hdu += 1
        }
    }

    /// The cards of the header starting at `offset` (every value of each keyword, in order) and
    /// the offset after its last block; `nil` without an END card.
    private static func cards(in file: UnsafeRawBufferPointer, from offset: Int) -> (values: [String: [String]], end: Int)? {
        var values: [String: [String]] = [:]
        var position = offset
        while position + 80 <= file.count {
            let card = String(decoding: file[position..<(position + 80)], as: UTF8.self)
            position += 80
            let keyword = card.prefix(8).trimmingCharacters(in: .whitespaces)
            if keyword == "END" { return (values, (position + 2879) / 2880 * 2880) }
            guard card.count >= 10, card.dropFirst(8).hasPrefix("= ") else { continue }
            var value = String(card.dropFirst(10))
            if !value.trimmingCharacters(in: .whitespaces).hasPrefix("'"), let slash = value.firstIndex(of: "/") {
                value = String(value[..<slash])
            }
            values[keyword, default: []].append(value.trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    private static func integer(_ text: String) -> Int? { Int(text) }

    private static func checkCompressed(_ values: [String: [String]], hdu: Int) throws(Invalid) {
        func positive(_ keyword: String, allowZero: Bool = false) throws(Invalid) {
            for text in values[keyword] ?? [] {
                guard let number = integer(text), number > 0 || (allowZero && number == 0) else {
                    throw Invalid(reason: "HDU \(hdu + 1): \(keyword) = \(text) is not a valid size")
                }
            }
        }
        guard let axesText = values["ZNAXIS"]?.first, let axes = integer(axesText), (1...999).contains(axes) else {
            throw Invalid(reason: "HDU \(hdu + 1): ZNAXIS is missing or invalid")
        }
        try positive("ZNAXIS")
        for axis in 1...axes {
            try positive("ZNAXIS\(axis)", allowZero: true)
            try positive("ZTILE\(axis)")
        }
        // Tile cards beyond the axes are read too: any ZTILEn present must be a positive integer.
        for keyword in values.keys where keyword.hasPrefix("ZTILE") { try positive(keyword) }
    }

    /// The data unit's size in bytes from BITPIX, NAXISn, PCOUNT and GCOUNT; `nil` when invalid.
    private static func dataSize(_ values: [String: [String]]) -> Int? {
        guard let bitpix = values["BITPIX"]?.first.flatMap(integer), [8, 16, 32, 64, -32, -64].contains(bitpix),
            let axes = values["NAXIS"]?.first.flatMap(integer), (0...999).contains(axes)
        else { return nil }
        guard axes > 0 else { return 0 }
        var count = 1
        // Random groups (NAXIS1 = 0) count from axis 2.
        for axis in 1...axes {
            guard let extent = values["NAXIS\(axis)"]?.first.flatMap(integer), extent >= 0 else { return nil }
            if axis == 1, extent == 0, axes > 1 { continue }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            guard !overflow else { return nil }
            count = product
        }
        let pcount = values["PCOUNT"]?.first.flatMap(integer) ?? 0
        let gcount = values["GCOUNT"]?.first.flatMap(integer) ?? 1
        guard pcount >= 0, gcount >= 0 else { return nil }
        let (sum, overflowSum) = count.addingReportingOverflow(pcount)
        let (groups, overflowGroups) = sum.multipliedReportingOverflow(by: gcount)
        let (bytes, overflowBytes) = groups.multipliedReportingOverflow(by: abs(bitpix) / 8)
        guard !overflowSum, !overflowGroups, !overflowBytes else { return nil }
        return bytes
    }
}
