import CTIFF
import Foundation
import ImMetaIO

/// Writes TIFF files through libtiff, for the compressions our own writer has no encoder for
/// (CCITT fax, LZMA): the inputs of the libtiff fallback tests.
enum LibTIFFFileWriter {
    /// One page: its samples as libtiff takes them (native byte order, bit-packed rows starting on
    /// a byte, `S` planes one after the other when `planar`).
    struct Page {
        var width: Int
        var height: Int
        var samples = 1
        var bits = 8
        var sampleFormat = 1
        var compression: Int32
        var photometric: Int32 = 1
        var planar = false
        var predictor = 1
        var rowsPerStrip = 8
        /// Tile height and width (multiples of 16); strips when `nil`.
        var tile: (height: Int, width: Int)?
        /// Group 3 options (bit 0: 2-D coding).
        var group3Options: UInt32?
        var data: [UInt8]

        /// Bytes of one row of one plane.
        var rowBytes: Int { (width * (planar ? 1 : samples) * bits + 7) / 8 }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The file's bytes: every page as one directory, in order.
    static func write(_ pages: [Page], bigEndian: Bool = false) throws -> [UInt8] {
        let path = NSTemporaryDirectory() + "immetaio-libtiff-\(UUID().uuidString).tif"
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let tif = TIFFOpen(path, bigEndian ? "wb" : "wl") else { throw Failure(description: "TIFFOpen failed") }
        for page in pages {
            do {
                try write(page, to: tif)
            } catch {
                TIFFClose(tif)
                throw error
            }
        }
        TIFFClose(tif)
        return try Array(Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private static func write(_ page: Page, to tif: OpaquePointer) throws {
        // libtiff reads 16-bit tag values as int (C's promotion) and 32-bit ones as uint32.
        func set(_ tag: Int32, _ value: any CVarArg) throws {
            guard withVaList([value], { TIFFVSetField(tif, UInt32(tag), $0) }) == 1 else {
                throw Failure(description: "TIFFSetField(\(tag)) failed")
            }
        }
        try set(TIFFTAG_IMAGEWIDTH, UInt32(page.width))
        try set(TIFFTAG_IMAGELENGTH, UInt32(page.height))
        try set(TIFFTAG_SAMPLESPERPIXEL, Int32(page.samples))
        try set(TIFFTAG_BITSPERSAMPLE, Int32(page.bits))
        try set(TIFFTAG_SAMPLEFORMAT, Int32(page.sampleFormat))
        try set(TIFFTAG_COMPRESSION, page.compression)
        try set(TIFFTAG_PHOTOMETRIC, page.photometric)
        try set(TIFFTAG_PLANARCONFIG, Int32(page.planar ? PLANARCONFIG_SEPARATE : PLANARCONFIG_CONTIG))
        if page.predictor != 1 { try set(TIFFTAG_PREDICTOR, Int32(page.predictor)) }
        if let options = page.group3Options { try set(TIFFTAG_GROUP3OPTIONS, options) }
        let planes = page.planar ? page.samples : 1
        let rowBytes = page.rowBytes
        var copy = page.data
        if let tile = page.tile {
            try set(TIFFTAG_TILEWIDTH, UInt32(tile.width))
            try set(TIFFTAG_TILELENGTH, UInt32(tile.height))
            let tileRowBytes = (tile.width * (page.planar ? 1 : page.samples) * page.bits + 7) / 8
            for plane in 0..<planes {
                for y in stride(from: 0, to: page.height, by: tile.height) {
                    for x in stride(from: 0, to: page.width, by: tile.width) {
                        var buffer = [UInt8](repeating: 0, count: tileRowBytes * tile.height)
                        let from = x * (page.planar ? 1 : page.samples) * page.bits / 8
                        let count = min(tileRowBytes, rowBytes - from)
                        for row in 0..<min(tile.height, page.height - y) {
                            let source = (plane * page.height + y + row) * rowBytes + from
                            buffer.replaceSubrange((row * tileRowBytes)..<(row * tileRowBytes + count), with: copy[source..<(source + count)])
                        }
                        let index = TIFFComputeTile(tif, UInt32(x), UInt32(y), 0, UInt16(plane))
                        guard TIFFWriteEncodedTile(tif, index, &buffer, tmsize_t(buffer.count)) >= 0 else {
                            throw Failure(description: "TIFFWriteEncodedTile failed")
                        }
                    }
                }
            }
        } else {
            try set(TIFFTAG_ROWSPERSTRIP, UInt32(page.rowsPerStrip))
            for plane in 0..<planes {
                for row in 0..<page.height {
                    let status = copy.withUnsafeMutableBytes { bytes in
                        TIFFWriteScanline(tif, bytes.baseAddress! + (plane * page.height + row) * rowBytes, UInt32(row), UInt16(plane))
                    }
                    guard status == 1 else { throw Failure(description: "TIFFWriteScanline failed") }
                }
            }
        }
        guard TIFFWriteDirectory(tif) == 1 else { throw Failure(description: "TIFFWriteDirectory failed") }
    }

    /// Bit-packs booleans into rows (most significant bit first, rows starting on a byte).
    static func pack(_ bits: [Bool], width: Int) -> [UInt8] {
        let rows = bits.count / width, rowBytes = (width + 7) / 8
        var packed = [UInt8](repeating: 0, count: rows * rowBytes)
        for y in 0..<rows {
            for x in 0..<width where bits[y * width + x] { packed[y * rowBytes + x / 8] |= 0x80 >> UInt8(x % 8) }
        }
        return packed
    }
}
