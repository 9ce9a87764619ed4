import TestSupport
import Foundation
import ImMetaIO
import Testing

@Suite struct FITSFormatTests {
    @Test(arguments: [DType.uint8, .int8, .int16, .uint16, .int32, .uint32, .int64, .float32, .float64])
    func roundTripsEveryDType(dtype: DType) throws {
        let values = (0..<60).map { Double($0 * 37 % 101) - 20 }
        let image = try NDArray(values, shape: [3, 4, 5]).astype(dtype)
        let bytes = try encodeImage(image, as: ".fits", metadata: ["header": ["OBSERVER": "immetaio", "EXPTIME": 1.5]])
        #expect(bytes.count % 2880 == 0)
        let file = try openImage(.bytes(bytes))
        #expect(try file.read() == image)
        let header = try file.metadata()["header"]
        #expect(header?["OBSERVER"] == "immetaio")
        #expect(header?["EXPTIME"] == 1.5)
    }

    /// Unsigned 64-bit data (BITPIX 64 with BZERO 2^63) reads back as uint64, as astropy reads
    /// it, values above 2^63 included.
    @Test func uint64RoundTripsOverItsWholeRange() throws {
        let image = NDArray([0, 1, 1 << 63, UInt64.max - 1, UInt64.max] as [UInt64])
        let bytes = try encodeImage(image, as: ".fits")
        #expect(try readImage(from: .bytes(bytes)) == image)
        #expect(try imageProperties(of: .bytes(bytes)).dtype == .uint64)
        #expect(try readImage(from: .bytes(bytes), options: ["raw": true]).dtype == .int64)
    }

    @Test func rawOptionSkipsScaling() throws {
        let image = NDArray([0, 1, 65535] as [UInt16])
        let bytes = try encodeImage(image, as: ".fits")
        #expect(try readImage(from: .bytes(bytes)) == image)
        let raw = try readImage(from: .bytes(bytes), options: ["raw": true])
        #expect(raw.dtype == .int16)
        #expect(raw.scalars(as: Int16.self) == [-32768, -32767, 32767])
    }

    @Test func badInputIsATypedError() throws {
        let bytes = try encodeImage(NDArray(shape: [10, 10], dtype: .float32), as: ".fits")
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(Array(bytes.prefix(100)))) }
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(bytes), options: ["hdu": 3]) }
        #expect(throws: ImMetaIOError.self) { try encodeImage(NDArray(shape: [2, 2], dtype: .float16), as: ".fits") }
    }
}

/// A tile-compressed HDU whose tile size is not a number: cfitsio divided by it while counting
/// the HDUs (SIGFPE, found by fuzzing); the plugin checks the headers first.
@Test func invalidTileSizeIsATypedError() throws {
    func card(_ text: String) -> String { text.padding(toLength: 80, withPad: " ", startingAt: 0) }
    func block(_ cards: [String]) -> [UInt8] {
        var bytes = Array(cards.map(card).joined().utf8)
        bytes += [UInt8](repeating: 0x20, count: (2880 - bytes.count % 2880) % 2880)
        return bytes
    }
    let primary = block(["SIMPLE  =                    T", "BITPIX  =                   16", "NAXIS   =                    0", "END"])
    func compressed(tile: String) -> [UInt8] {
        let header = block([
            "XTENSION= 'BINTABLE'", "BITPIX  =                    8", "NAXIS   =                    2",
            "NAXIS1  =                    8", "NAXIS2  =                    4", "PCOUNT  =                    0",
            "GCOUNT  =                    1", "TFIELDS =                    1", "TTYPE1  = 'COMPRESSED_DATA'",
            "TFORM1  = '1PB(0)'", "ZIMAGE  =                    T", "ZTILE1  = \(tile)", "ZTILE2  =                    1",
            "ZCMPTYPE= 'RICE_1  '", "ZBITPIX =                   16", "ZNAXIS  =                    2",
            "ZNAXIS1 =                    4", "ZNAXIS2 =                    4", "END",
        ])
        return primary + header + [UInt8](repeating: 0, count: 2880)
    }
    for tile in ["'BLOCKSIZE'", "0", "-3"] {
        let error = #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(compressed(tile: tile)), format: "fits") }
        #expect(error?.code == .corruptData, "ZTILE1 = \(tile)")
    }
}

/// Damaged tile-compressed files must give typed errors: cfitsio 4.2's Rice decoder reads out of
/// bounds on some of them (a fuzzer finding), so the plugin checks every tile first.
@Suite(.enabled(if: Corpus.isAvailable, Corpus.missingNote))
struct FITSDamageTests {
    @Test(arguments: ["comp", "compressed_image", "m13_rice"])
    func damagedRiceTilesAreTypedErrors(name: String) throws {
        let path = try #require(Corpus.root).appendingPathComponent("fits/astropy/\(name).fits").path
        let original = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        var generator = TestImages.Generator(state: 77)
        for _ in 0..<40 {
            var damaged = original
            for _ in 0..<Int(generator.next() % 8 + 1) {
                let index = original.count / 3 + Int(generator.next() % UInt64(original.count - original.count / 3))
                damaged[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            do {
                _ = try readImage(from: .bytes(damaged), format: "fits")
            } catch is ImMetaIOError {
                continue
            }
        }
        // A stream cut short is refused by the tile walk itself.
        var truncated = original
        truncated.removeLast(original.count / 2)
        #expect(throws: ImMetaIOError.self) { try readImage(from: .bytes(truncated), format: "fits") }
        // Cut anywhere: cfitsio's checksum routine read past the end of a data unit cut short (a
        // fuzzer finding under AddressSanitizer); such units are refused before it runs.
        for cut in Swift.stride(from: 2880, to: original.count, by: 1999) {
            do {
                _ = try readImage(from: .bytes(Array(original.prefix(cut))), format: "fits")
            } catch let error as ImMetaIOError {
                #expect(error.code != .invalidArgument, "\(name) cut at \(cut): \(error)")
            }
        }
    }
}
