import CTIFF
import Foundation
import ImMetaIO
import TestSupport
import Testing
import TIFFFormat

/// TIFF compressions our own codecs lack (CCITT fax, LZMA, …) decode through libtiff into the
/// same arrays our reader makes; bad input gives typed errors, never a crash.
@Suite struct LibTIFFInputTests {
    /// Deterministic bytes.
    static func noise(_ count: Int, seed: UInt64) -> [UInt8] {
        var generator = TestImages.Generator(state: seed | 1)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next() >> 24) }
    }

    /// A fax-like bilevel page: runs of black and white of random lengths (what CCITT codes).
    static func faxBits(width: Int, height: Int, seed: UInt64) -> [Bool] {
        var generator = TestImages.Generator(state: seed | 1)
        var bits: [Bool] = []
        var black = false
        while bits.count < width * height {
            bits += repeatElement(black, count: Int(generator.next() % 40) + 1)
            black.toggle()
        }
        return Array(bits.prefix(width * height))
    }

    static func bytes(_ image: NDArray) -> [UInt8] { image.withUnsafeBytes { Array($0) } }

    @Test(arguments: [false, true])
    func lzmaWithHorizontalPredictor(bigEndian: Bool) throws {
        let values = Self.noise(29 * 37, seed: 3).enumerated().map { UInt16($0.offset * 40) &+ UInt16($0.element) }
        let native = values.withUnsafeBytes { Array($0) }
        let file = try LibTIFFFileWriter.write(
            [.init(width: 37, height: 29, bits: 16, compression: COMPRESSION_LZMA, predictor: 2, rowsPerStrip: 8, data: native)],
            bigEndian: bigEndian)
        let image = try readImage(from: .bytes(file))
        #expect(image.shape == [29, 37] && image.dtype == .uint16)
        #expect(image.scalars(as: UInt16.self) == values)
        #expect(try imageMetadata(of: .bytes(file))["compression"] == .int(Int(COMPRESSION_LZMA)))
    }

    @Test func lzmaTiledFloatsWithTheFloatingPointPredictor() throws {
        let values: [Float] = (0..<(37 * 40 * 3)).map { index -> Float in
            let step = Float(index % 97)
            return step * 0.25 - 3
        }
        let file = try LibTIFFFileWriter.write([
            .init(width: 40, height: 37, samples: 3, bits: 32, sampleFormat: 3, compression: COMPRESSION_LZMA, photometric: 2,
                  predictor: 3, tile: (16, 16), data: values.withUnsafeBytes { Array($0) })
        ])
        let image = try readImage(from: .bytes(file))
        #expect(image.shape == [37, 40, 3] && image.dtype == .float32)
        #expect(image.scalars(as: Float.self) == values)
    }

    @Test func lzmaSeparatePlanesAndAWindow() throws {
        let data = Self.noise(3 * 50 * 45, seed: 5)
        let file = try LibTIFFFileWriter.write([
            .init(width: 45, height: 50, samples: 3, compression: COMPRESSION_LZMA, photometric: 2, planar: true, tile: (16, 32), data: data)
        ])
        let image = try readImage(from: .bytes(file))
        #expect(image.shape == [3, 50, 45])
        #expect(Self.bytes(image) == data)
        // A window through the microscopy readers' container: only the tiles it overlaps.
        let container = try TIFFContainer(bytes: ResourceBytes(file), path: "planar.tif")
        let page = try #require(container.pages.first)
        var window = [UInt8](repeating: 0, count: 3 * 20 * 11)
        try window.withUnsafeMutableBytes { try container.decode(page, rows: 13..<33, columns: 30..<41, into: $0) }
        var expected: [UInt8] = []
        for plane in 0..<3 { for y in 13..<33 { expected += data[((plane * 50 + y) * 45 + 30)..<((plane * 50 + y) * 45 + 41)] } }
        #expect(window == expected)
    }

    /// Modified Huffman is decode-only in libtiff; Group 3 (1-D and 2-D) and Group 4 round-trip.
    @Test(arguments: [(COMPRESSION_CCITTFAX3, UInt32(0)), (COMPRESSION_CCITTFAX3, UInt32(1)), (COMPRESSION_CCITTFAX4, nil)])
    func ccittFax(compression: Int32, options: UInt32?) throws {
        let bits = Self.faxBits(width: 203, height: 61, seed: 7)
        let file = try LibTIFFFileWriter.write([
            .init(width: 203, height: 61, bits: 1, compression: compression, photometric: 0, rowsPerStrip: 16, group3Options: options,
                  data: LibTIFFFileWriter.pack(bits, width: 203))
        ])
        let image = try readImage(from: .bytes(file))
        #expect(image.shape == [61, 203] && image.dtype == .bool)
        // Values as stored (min-is-white not inverted), as tifffile returns them.
        #expect(image.scalars(as: Bool.self) == bits)
    }

    @Test func tiledFaxPagesStack() throws {
        let pages = (0..<3).map { Self.faxBits(width: 70, height: 40, seed: 20 + UInt64($0)) }
        let file = try LibTIFFFileWriter.write(pages.map { bits in
            .init(width: 70, height: 40, bits: 1, compression: COMPRESSION_CCITTFAX4, photometric: 0, tile: (16, 32),
                  data: LibTIFFFileWriter.pack(bits, width: 70))
        })
        let stack = try readImage(from: .bytes(file), index: .all)
        #expect(stack.shape == [3, 40, 70])
        #expect(stack.scalars(as: Bool.self) == pages.flatMap { $0 })
        #expect(try readImage(from: .bytes(file), index: .at(2)).scalars(as: Bool.self) == pages[2])
    }

    @Test func limitsAreCheckedBeforeLibTIFFDecodes() throws {
        let file = try LibTIFFFileWriter.write([
            .init(width: 203, height: 61, bits: 1, compression: COMPRESSION_CCITTFAX4, photometric: 0,
                  data: LibTIFFFileWriter.pack(Self.faxBits(width: 203, height: 61, seed: 1), width: 203))
        ])
        let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .bytes(file), limits: DecodeLimits(maxPixels: 1000)) }
        #expect(error.code == .limitExceeded)
    }

    /// libtiff's own message reaches the typed error.
    @Test func damagedDataGivesLibTIFFsMessage() throws {
        var file = try LibTIFFFileWriter.write([
            .init(width: 64, height: 64, compression: COMPRESSION_LZMA, rowsPerStrip: 64, data: Self.noise(64 * 64, seed: 9))
        ])
        // The single strip follows the 8-byte header: damage the xz stream's header.
        for offset in 8..<40 { file[offset] ^= 0x5A }
        let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .bytes(file)) }
        #expect(error.code == .corruptData)
        #expect(error.message.contains("libtiff: "), "\(error.message)")
        #expect(error.message.contains("LZMA"), "\(error.message)")
    }

    @Test func compressionNoDecoderReadsIsRefused() throws {
        var file = TIFFFormatTests.smallTIFF()
        // Compression (tag 259, the fourth entry) 34712: JPEG 2000, which libtiff has no codec for.
        let value = 8 + 2 + 3 * 12 + 8
        file[value] = UInt8(34712 & 0xFF)
        file[value + 1] = UInt8(34712 >> 8)
        let error = try #require(throws: ImMetaIOError.self) { try readImage(from: .bytes(file)) }
        #expect(error.code == .unsupportedFeature)
        #expect(error.message.contains("compression 34712") && error.message.contains("libtiff"), "\(error.message)")
    }

    /// Horizontal differencing of 12-bit samples, decoded by our own reader: sums wrap at 12 bits
    /// (the samples' range), as the predictor's differences were taken.
    @Test func twelveBitHorizontalPredictor() throws {
        // Two rows of 4 samples: 100, +100 ×3; and 4000, +196 (100 − 4000 modulo 4096), +100, +0.
        let rows: [[Int]] = [[100, 100, 100, 100], [4000, 196, 100, 0]]
        var packed: [UInt8] = []
        for row in rows {
            var accumulator = 0, count = 0
            for value in row {
                accumulator = accumulator << 12 | value & 0xFFF
                count += 12
                while count >= 8 {
                    packed.append(UInt8(truncatingIfNeeded: accumulator >> (count - 8)))
                    count -= 8
                }
            }
        }
        func u16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: Int) -> [UInt8] { u16(v & 0xFFFF) + u16(v >> 16) }
        let entries: [(Int, Int, Int)] = [
            (256, 3, 4), (257, 3, 2), (258, 3, 12), (259, 3, 1), (262, 3, 1), (273, 4, 8 + 2 + 10 * 12 + 4), (277, 3, 1),
            (278, 3, 2), (279, 4, packed.count), (317, 3, 2),
        ]
        var file: [UInt8] = [0x49, 0x49, 42, 0] + u32(8) + u16(entries.count)
        for (tag, type, value) in entries { file += u16(tag) + u16(type) + u32(1) + u32(value) }
        file += u32(0) + packed
        let image = try readImage(from: .bytes(file))
        #expect(image.shape == [2, 4] && image.dtype == .uint16)
        #expect(image.scalars(as: UInt16.self) == [100, 200, 300, 400, 4000, 100, 200, 200])
    }

    /// Seeded byte flips of fax, old-style JPEG and LZMA files: every read ends in an image or a
    /// typed error.
    @Test func flippedBytesGiveAnImageOrATypedError() throws {
        var files: [(String, [UInt8])] = [
            ("lzma", try LibTIFFFileWriter.write([
                .init(width: 64, height: 40, bits: 16, compression: COMPRESSION_LZMA, predictor: 2, rowsPerStrip: 8,
                      data: Self.noise(64 * 40 * 2, seed: 4))
            ])),
            ("g4", try LibTIFFFileWriter.write([
                .init(width: 120, height: 50, bits: 1, compression: COMPRESSION_CCITTFAX4, photometric: 0, rowsPerStrip: 16,
                      data: LibTIFFFileWriter.pack(Self.faxBits(width: 120, height: 50, seed: 5), width: 120))
            ])),
        ]
        if let root = Corpus.root {
            for name in ["tiff/image-tiff/seq-1c-1b-fax3-71f6a21a.tiff", "tiff/libtiffpic/fax2d.tif", "tiff/libtiffpic/smallliz.tif",
                         "tiff/libtiffpic/ycbcr-cat.tif"] {
                files.append((name, try Array(Data(contentsOf: root.appendingPathComponent(name)))))
            }
        }
        var generator = TestImages.Generator(state: 2024)
        var outcomes = (images: 0, errors: 0)
        for (name, original) in files {
            for _ in 0..<60 {
                var damaged = original
                for _ in 0..<Int(generator.next() % 4 + 1) {
                    let offset = Int(generator.next() % UInt64(damaged.count))
                    damaged[offset] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
                }
                do {
                    _ = try readImage(from: .bytes(damaged), format: "tiff")
                    outcomes.images += 1
                } catch is ImMetaIOError {
                    outcomes.errors += 1
                } catch {
                    Issue.record("\(name): \(error) is not an ImMetaIOError")
                }
            }
        }
        #expect(outcomes.images + outcomes.errors == files.count * 60)
        #expect(outcomes.errors > 0)
    }
}
