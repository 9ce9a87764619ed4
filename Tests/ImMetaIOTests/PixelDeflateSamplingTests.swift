import ImMetaIO
import Testing

@testable import PNGFormat

/// The fast PNG encoder's sampled literal counts (one dense row in four, spread by the golden
/// ratio) cost little against counting every literal, also on content whose rows alternate in kind.
@Suite struct PixelDeflateSamplingTests {
    /// Bytes of the zlib stream for `pixels` (height × width × 3), in one band.
    static func compressedSize(_ pixels: [UInt8], height: Int, width: Int, sampled: Bool) -> Int {
        var encoder = PixelDeflate(width: width, height: height, bytesPerPixel: 3)
        encoder.samplesLiteralCounts = sampled
        var total = 0
        pixels.withUnsafeBytes { raw in
            encoder.compress(raw, bands: 1) { pieces in total = pieces.reduce(0) { $0 + $1.bytes.count } }
        }
        return total
    }

    /// Noise whose amplitude depends on the row: every row the same (a photograph's grain), or
    /// strong in one row of every `period` (interlaced fields, a line pattern).
    static func rowNoise(height: Int, width: Int, period: Int, seed: UInt64) -> [UInt8] {
        var generator = TestImages.Generator(state: seed)
        var pixels = [UInt8](repeating: 0, count: height * width * 3)
        for y in 0..<height {
            let spread = period == 1 || y % period == 0 ? 61 : 5
            for i in 0..<width * 3 {
                pixels[y * width * 3 + i] = UInt8(128 - spread / 2 + Int(generator.next() % UInt64(spread)))
            }
        }
        return pixels
    }

    /// Byte values that only rows outside the sample hold still get codes: the sampled rows'
    /// filtered bytes are all under 100, the others' take every value.
    @Test func bytesOutsideTheSampleGetCodes() throws {
        let height = 128, width = 1024, rowBytes = width * 3
        var generator = TestImages.Generator(state: 41)
        var pixels = [UInt8](repeating: 0, count: height * rowBytes)
        for y in 0..<height {
            let limit: UInt64 = PixelDeflate.isSampled(row: y) ? 100 : 256
            for i in 0..<rowBytes {
                // The "up" filter's difference is what is counted: build each row from the one above.
                let above = y > 0 ? pixels[(y - 1) * rowBytes + i] : 0
                pixels[y * rowBytes + i] = above &+ UInt8(generator.next() % limit)
            }
        }
        #expect((0..<height).contains { !PixelDeflate.isSampled(row: $0) } && (0..<height).contains { PixelDeflate.isSampled(row: $0) })
        try FastPNGEncoderTests.check(try NDArray(pixels, shape: [height, width, 3]))
    }

    /// Within 0.5 % of counting everything when rows repeat every 1–4 rows; within 3 % when
    /// they alternate every 8 or 16 rows, which this band's 64 sampled rows catch less evenly.
    /// (Sampling every fourth row, a 1080p frame with one noisy row in four was 18 % larger.)
    @Test(arguments: [(1, 1.005), (2, 1.005), (3, 1.005), (4, 1.005), (8, 1.03), (16, 1.03)])
    func sampledCountsCostLittle(period: Int, bound: Double) {
        let height = 256, width = 1024
        let pixels = Self.rowNoise(height: height, width: width, period: period, seed: UInt64(period) + 3)
        let exact = Self.compressedSize(pixels, height: height, width: width, sampled: false)
        let sampled = Self.compressedSize(pixels, height: height, width: width, sampled: true)
        #expect(Double(sampled) <= Double(exact) * bound, "period \(period): \(sampled) bytes sampled, \(exact) counted")
        #expect(sampled > 0 && exact > 0)
    }
}
