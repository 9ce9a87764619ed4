import CShims
import CZstd
import Foundation
import Microscopy

/// Helpers shared by the CZI tests: compressors and sample data.
enum CZITestData {
    /// A Zstandard frame of `bytes`.
    static func zstd(_ bytes: [UInt8], level: Int32 = 3) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
        let size = output.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { ZSTD_compress(out.baseAddress, out.count, $0.baseAddress, $0.count, level) }
        }
        precondition(ZSTD_isError(size) == 0)
        return Array(output.prefix(size))
    }

    /// zstd1 data: the header, then the frame; with hi-lo packing, all low bytes precede all high bytes.
    static func zstd1(_ bytes: [UInt8], hiLo: Bool) -> [UInt8] {
        guard hiLo else { return [1] + zstd(bytes) }
        let low = stride(from: 0, to: bytes.count, by: 2).map { bytes[$0] }
        let high = stride(from: 1, to: bytes.count, by: 2).map { bytes[$0] }
        return [3, 1, 1] + zstd(low + high)
    }

    /// A baseline JPEG of 8-bit gray (components 1) or RGB (components 3) pixels.
    static func jpeg(_ pixels: [UInt8], width: Int, height: Int, components: Int) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: 200)
        let status = immetaio_jpeg_encode(
            pixels, Int32(width), Int32(height), Int32(components), 100, 1, 1, 0, 0, &output, &size, &message, message.count)
        precondition(status == 0)
        defer { immetaio_jpeg_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    /// Lossless JPEG XR files made with imagecodecs (`jpegxr_encode(level=1.0)`) of 20×12 images:
    /// 16-bit gray `y * 1000 + x * 37`, 8-bit gray `(y * 13 + x * 7) % 256`, and 8-bit RGB
    /// `(x * 10 % 256, y * 20 % 256, (x + y) * 5 % 256)`.
    static let jpegXRGray16 = Array(Data(base64Encoded: "SUm8ASAAAAAkw91vA07+S7GFPXd2jckLAAAAAAAAAAAIAAG8AQAQAAAACAAAAAK8BAABAAAAAAAAAIC8BAABAAAAFAAAAIG8BAABAAAADAAAAIK8CwABAAAAAADAQoO8CwABAAAAAADAQsC8BAABAAAAhgAAAMG8BAABAAAA6QAAAAAAAABXTVBIT1RPABEAwAIAEwALAACAIAgAAARv/wABAAABAIWj/4+F6rGEzEwqbyGEqwhAABvAAAACAAPDALRhMyAYU8jCAlhhMzCYQEvhgFowmZAMKeRhASwwmZhMICsMJmYTCArsJmQmEBXYTMgMICTsJmTMICT4TMmGAWiMICjCnk7CZkjCAm7CZkghAbCZlCEBsJmUwgIHYTMzCAhdhMzCEBsJmYQgMfdIYOmOQTAAEABwAFgAH98JmRhgFowgJmFPKyieEzIwwC0YQExhTyZRBQlAUBT4TMjDALRhAfQhTyKVhMzCEBKRSA==")!)
    static let jpegXRGray8 = Array(Data(base64Encoded: "SUm8ASAAAAAkw91vA07+S7GFPXd2jckIAAAAAAAAAAAIAAG8AQAQAAAACAAAAAK8BAABAAAAAAAAAIC8BAABAAAAFAAAAIG8BAABAAAADAAAAIK8CwABAAAAAADAQoO8CwABAAAAAADAQsC8BAABAAAAhgAAAMG8BAABAAAA9wAAAAAAAABXTVBIT1RPABEAwAEAEwALAIAgCAAABG//AAEAAAEAbzwiowhczFQzk6gAAABAAHhGphDADKeB4RqYQwAyngeEamEMAMp4HhGphDDMs8XwjUwhhmWeL4RqYQwjLPF8I1MIYRlni+EamEMTLPE+EamEMTLPE+EamEMmWeJhhDJHiYYQynjfCNTCGRlPG+EajCGDKeAwwhmeA7CGTwHWXgksLjMMIaLQZRomCRyIGbWJmDM52i0+EMGEajxlN4QwYRqPGUnBM6IJ8hjDCPRhNOMI+EEfCCRgwiYYSWEEfCCVgwgHhDcJKnBMXmEw0AR8wUHJBM0Qgn+Y")!)
    static let jpegXRRGB = Array(Data(base64Encoded: "SUm8ASAAAAAkw91vA07+S7GFPXd2jckNAAAAAAAAAAAIAAG8AQAQAAAACAAAAAK8BAABAAAAAAAAAIC8BAABAAAAFAAAAIG8BAABAAAADAAAAIK8CwABAAAAAADAQoO8CwABAAAAAADAQsC8BAABAAAAhgAAAMG8BAABAAAACgIAAAAAAABXTVBIT1RPABEAwHEAEwALYADAAAAMAAAAwAAAAAAEb/8AAQAAAQAC0+ADL+ESGBmUq1E8AAAAFwDDhHJBDZilQWBzAAAADwBhwZBApxgRKfgAAABAAHhFpgS0ZDTDhFpgS0ZDTDhFpgS0ZDTDhFpgXTJNdOEWmBdMk104RaYHkZDXVwi0wPIyGurhFowOTJN6uEWjA5Mk3q4RaMDpkmsQYGdQYGXrhFowOjIaUXCLRgYMhpxBgb1WBerBDTCQ8WMx5hghphIeLGYsYYIaYSHixmLGGCGjCQ5aZizpghowkOWmYs6YIaMJDixmPMWCGjCQ4sZjzFghowkOLGYs6sENGEhxYzFnVghowkOLGZzqoIZJ4R0EMk8I8ENGEhxYzcWrBDRhIcWM3FFQQyTwjoIZJ4LwQIYQMScI8ECGEDEnBeCBDCBiTgvBAhhAxJwHggQwgYk4DwQIYQMScbwQIYQMScbwQIYQMScTwQIYQMScvBAhhAxJy6CBSSdBApK8ECGEDEnXggQwgYk66CBSV0ECkramxDnnqes4h4AAwAP4AAVSSQyDgQBwgDAGATcSAAQBBwABAMBtcL/zgaEW1pEgG6wNCLa0iQDdYGhFtaRIBunA+BQQ2hIeYzOKI3CwQ2hIeYzOKI3CwQ2hIeYzOKI3CsEMk44IFQgcTrggVCBxsGCBUIHGwWCBSbA=")!)

    /// 16-bit values that encode their position: `base + y * 100 + x`.
    static func ramp(width: Int, height: Int, base: Int) -> [UInt16] {
        (0..<height).flatMap { y in (0..<width).map { x in UInt16(truncatingIfNeeded: base + y * 100 + x) } }
    }
}

extension CZIFile {
    /// Opens a file built in memory.
    init(_ file: inout CZITestFile, limits: DecodeLimits = .default, selecting: [CZIDimension: Int] = [:]) throws {
        try self.init(bytes: file.bytes(), name: "test.czi", limits: limits, selecting: selecting)
    }
}
