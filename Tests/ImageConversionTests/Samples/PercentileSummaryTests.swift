@testable import ImageConversion
import Testing

@Suite struct PercentileSummaryTests {
    /// NumPy-style linear percentiles of an array, through the public window API.
    private func window<T: DisplayScalar>(_ values: [T], low: Double, high: Double) throws -> DisplayWindow? {
        let normalization = DisplayNormalization(bounds: .percentiles(low: low, high: high))
        return try normalization.windows(values, channels: 1, height: 1, width: values.count).first ?? nil
    }

    @Test func matchesHandComputedValuesOnZeroToTen() throws {
        // Sorted 0…10: position (n − 1)·p/100 = p/10, so the percentile equals p/10.
        let values: [Double] = [7, 3, 10, 0, 5, 1, 9, 2, 8, 6, 4]
        #expect(try window(values, low: 10, high: 95) == DisplayWindow(low: 1, high: 9.5))
        let standard = try #require(try window(values, low: 0.5, high: 99.5))
        #expect(abs(standard.low - 0.05) < 1e-12)
        #expect(abs(standard.high - 9.95) < 1e-12)
        #expect(try window(values, low: 0, high: 100) == DisplayWindow(low: 0, high: 10))
    }

    @Test func interpolatesBetweenUnevenNeighbours() throws {
        // Sorted [-100, -50, 0, 50, 400]: p = 25 → position 1 → −50; p = 87.5 → position 3.5 → 50 + 0.5·350.
        let values: [Double] = [400, -50, 0, -100, 50]
        #expect(try window(values, low: 25, high: 87.5) == DisplayWindow(low: -50, high: 225))
    }

    @Test func histogramPathAgreesWithSelectionPath() throws {
        let bytes: [UInt8] = [7, 3, 10, 0, 5, 1, 9, 2, 8, 6, 4]
        #expect(try window(bytes, low: 10, high: 95) == DisplayWindow(low: 1, high: 9.5))
        let shorts: [Int16] = [400, -50, 0, -100, 50]
        #expect(try window(shorts, low: 25, high: 87.5) == DisplayWindow(low: -50, high: 225))
        let signedBytes: [Int8] = [-128, 127, 0, 0]
        #expect(try window(signedBytes, low: 0, high: 100) == DisplayWindow(low: -128, high: 127))
        let unsigned: [UInt16] = [65535, 0, 1000]
        #expect(try window(unsigned, low: 50, high: 100) == DisplayWindow(low: 1000, high: 65535))
    }

    @Test func selectionMatchesSortingOnRandomDataWithDuplicates() {
        var random = SplitMix64(seed: 42)
        for count in [1, 2, 3, 5, 17, 100, 1001, 4096] {
            // Few distinct values, so runs of equal values exercise the three-way partition.
            let values = (0..<count).map { _ in Double(random.next() % 7) - 3 + (random.next() % 5 == 0 ? 0.5 : 0) }
            let sorted = values.sorted()
            for (low, high) in [(0.5, 99.5), (0.0, 100.0), (25.0, 75.0), (90.0, 10.0), (50.0, 50.0)] {
                let expectedLow = reference(sorted, low)
                let expectedHigh = reference(sorted, high)
                let summary = values.withUnsafeBufferPointer {
                    PercentileSummary.compute($0, range: 0..<count, low: low, high: high, sampleLimit: 1 << 22)
                }
                #expect(summary?.low == expectedLow, "count \(count) p \(low)")
                #expect(summary?.high == expectedHigh, "count \(count) p \(high)")
                #expect(summary?.minimum == sorted.first)
                #expect(summary?.maximum == sorted.last)
            }
        }
    }

    @Test func selectionSurvivesSortedAndConstantInput() {
        for values in [Array(0..<50_000).map(Double.init), Array((0..<50_000).reversed()).map(Double.init),
                       [Double](repeating: 1, count: 50_000)] {
            let summary = values.withUnsafeBufferPointer {
                PercentileSummary.compute($0, range: 0..<$0.count, low: 50, high: 100, sampleLimit: 1 << 22)
            }
            let sorted = values.sorted()
            #expect(summary?.low == reference(sorted, 50))
            #expect(summary?.high == sorted.last)
        }
    }

    @Test func subsamplesLargeScopesButKeepsExactExtremes() {
        let values = (0..<10_000).map { Double($0) }
        let summary = values.withUnsafeBufferPointer {
            PercentileSummary.compute($0, range: 0..<$0.count, low: 50, high: 100, sampleLimit: 100)
        }
        #expect(summary?.minimum == 0)
        #expect(summary?.maximum == 9999)
        // Every 100th value is sampled: 0, 100, …, 9900, whose median is 4950.
        #expect(summary?.low == 4950)
        #expect(summary?.high == 9900)
    }

    @Test func nanPercentilesMeanTheExtremes() throws {
        #expect(try window([1.0, 2, 3], low: .nan, high: .nan) == DisplayWindow(low: 1, high: 3))
        #expect(try window([1.0, 2, 3], low: -10, high: 1000) == DisplayWindow(low: 1, high: 3))
    }

    /// NumPy's "linear" percentile on sorted data, the definition under test.
    private func reference(_ sorted: [Double], _ p: Double) -> Double {
        let h = Double(sorted.count - 1) * p / 100
        let index = Int(h.rounded(.down))
        let fraction = h - Double(index)
        guard index + 1 < sorted.count, fraction > 0, sorted[index] != sorted[index + 1] else { return sorted[index] }
        return sorted[index] + (sorted[index + 1] - sorted[index]) * fraction
    }
}
