import ImMetaIO
import Testing
@testable import ImageConversion

@Suite struct ConversionRuleTests {
    /// numpy.result_type for every pair (checked against numpy 2.4).
    @Test func promotionFollowsNumpy() {
        let cases: [(DType, DType, DType)] = [
            (.uint8, .uint8, .uint8), (.uint8, .uint16, .uint16), (.uint8, .int8, .int16), (.uint8, .int16, .int16),
            (.uint16, .int16, .int32), (.uint32, .int32, .int64), (.uint64, .int64, .float64), (.uint64, .int8, .float64),
            (.uint8, .float32, .float32), (.int16, .float32, .float32), (.int32, .float32, .float64), (.uint16, .float16, .float32),
            (.uint8, .float16, .float16), (.float32, .float64, .float64), (.bool, .uint8, .uint8), (.bool, .float32, .float32),
            (.int8, .int64, .int64), (.uint32, .int64, .int64),
        ]
        for (a, b, expected) in cases {
            #expect(PromotionRule.promote(a, b) == expected, "\(a) + \(b)")
            #expect(PromotionRule.promote(b, a) == expected, "\(b) + \(a)")
        }
    }

    @Test func layoutsFollowImagesToZarr() throws {
        #expect(try ImageLayout(shape: [32, 48]).chw == [1, 32, 48])
        #expect(try ImageLayout(shape: [32, 48, 3]).order == .channelsLast)
        #expect(try ImageLayout(shape: [32, 48, 4]).chw == [4, 32, 48])
        // A last axis over 4: already C×H×W.
        #expect(try ImageLayout(shape: [3, 32, 48]).order == .channelsFirst)
        #expect(try ImageLayout(shape: [1, 2, 32, 48]).chw == [2, 32, 48])
        #expect(throws: ImMetaIOError.self) { try ImageLayout(shape: [2, 2, 32, 48]) }
        #expect(PromotionRule.canWiden(1, to: 3) && PromotionRule.canWiden(3, to: 4) && PromotionRule.canWiden(2, to: 4))
        #expect(!PromotionRule.canWiden(2, to: 3) && !PromotionRule.canWiden(5, to: 3))
    }

    @Test func compressorsKeepTheirWholeLevelRange() throws {
        let zstd = try CompressorChoice(name: "zstd", level: 22, itemSize: 1)
        #expect(zstd.codec?.configuration["level"] == 22)
        let gzip = try CompressorChoice(name: "GZIP", level: 9, itemSize: 1)
        #expect(gzip.codec?.name == "gzip" && gzip.level == 9)
        let lz4 = try CompressorChoice(name: "lz4", level: 9, itemSize: 2)
        #expect(lz4.codec?.configuration["cname"] == "lz4" && lz4.codec?.configuration["clevel"] == 9)
        #expect(try CompressorChoice(name: "none", level: 5, itemSize: 1).codec == nil)
        do {
            _ = try CompressorChoice(name: "bz2", level: 1, itemSize: 1)
            Issue.record("bz2 accepted")
        } catch {
            #expect(error.message.contains("lz4") && error.message.contains("zstd") && error.message.contains("bz2"))
        }
        #expect(throws: ImMetaIOError.self) { try CompressorChoice(name: "gzip", level: 10, itemSize: 1) }
        #expect(throws: ImMetaIOError.self) { try CompressorChoice(name: "lz4", level: -1, itemSize: 1) }
    }

    @Test func pathsFollowImagesToZarr() {
        let plain = ConversionPaths(output: "out")
        #expect(plain.store == "out/images.zarr" && plain.table == "out/images_metadata.parquet")
        let named = ConversionPaths(output: "out/", metadataCSV: "/data/catalogue.csv")
        #expect(named.store == "out/catalogue.zarr" && named.table == "out/catalogue_metadata.parquet")
        let direct = ConversionPaths(output: "/x/survey.zarr")
        #expect(direct.store == "/x/survey.zarr" && direct.table == "/x/survey_metadata.parquet" && direct.report == "/x/survey_report.json")
    }

    @Test func statisticsIgnoreNaN() {
        let values: [Float] = [1, 2, .nan, 3]
        let stats = NDArray(values).withUnsafeBytes { ImageStatistics.of($0, dtype: .float32) }
        #expect(stats.minimum == 1 && stats.maximum == 3 && stats.mean == 2)
        #expect(abs(stats.standardDeviation - (2.0 / 3).squareRoot()) < 1e-12)
        let bytes: [UInt16] = [0, 65535, 65535, 0]
        let wide = NDArray(bytes).withUnsafeBytes { ImageStatistics.of($0, dtype: .uint16) }
        #expect(wide.mean == 32767.5 && wide.standardDeviation == 32767.5)
    }

    @Test func randomSamplesAreDistinctAndRepeatable() {
        let first = SampleSheet.randomIndices(count: 10, below: 1_000_000, seed: 7)
        #expect(first == SampleSheet.randomIndices(count: 10, below: 1_000_000, seed: 7))
        #expect(Set(first).count == 10 && first == first.sorted())
        #expect(SampleSheet.randomIndices(count: 5, below: 5, seed: 1) == [0, 1, 2, 3, 4])
    }
}
