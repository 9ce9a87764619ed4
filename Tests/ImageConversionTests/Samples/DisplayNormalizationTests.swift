@testable import ImageConversion
import Testing

@Suite struct DisplayNormalizationTests {
    private let fullRange = DisplayNormalization(bounds: .percentiles(low: 0, high: 100))

    /// The red components of a rendered image, row-major.
    private func reds(_ image: RGB8Image) -> [UInt8] {
        stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] }
    }

    @Test func mapsWindowLinearlyWithRoundingAndClamping() throws {
        let image = try DisplayNormalization(bounds: .fixed(low: 0, high: 10))
            .render([-5.0, 0, 1, 5, 9.99, 10, 20], channels: 1, height: 1, width: 7)
        // 255·v/10: 1 → 25.5 → 26, 5 → 127.5 → 128, 9.99 → 254.7 → 255.
        #expect(reds(image) == [0, 0, 26, 128, 255, 255, 255])
    }

    @Test func ignoresNonFiniteValuesAndDrawsThemBlack() throws {
        let values: [Double] = [.nan, 0, 1, 2, .infinity, -.infinity]
        #expect(try fullRange.windows(values, channels: 1, height: 2, width: 3) == [DisplayWindow(low: 0, high: 2)])
        let image = try fullRange.render(values, channels: 1, height: 2, width: 3)
        #expect(reds(image) == [0, 0, 128, 255, 0, 0])
        let floats: [Float] = [.nan, .nan]
        #expect(try fullRange.windows(floats, channels: 1, height: 1, width: 2) == [nil])
        let black = try fullRange.render(floats, channels: 1, height: 1, width: 2)
        #expect(black.pixels == [UInt8](repeating: 0, count: 6))
    }

    @Test func defaultPercentilesClipOutliers() throws {
        // 1000 values 0…999 plus one huge outlier: 99.5th percentile stays near 995, not 1e9.
        let values = (0..<1000).map(Double.init) + [1e9]
        let window = try #require(try DisplayNormalization().windows(values, channels: 1, height: 1, width: 1001)[0])
        #expect(abs(window.low - 5) < 1e-9)  // (1001 − 1)·0.005 = 5
        #expect(abs(window.high - 995) < 1e-9)  // 1000·0.995 = 995
    }

    @Test func constantImageIsMidGrey() throws {
        let image = try DisplayNormalization()
            .render([Int32](repeating: -7, count: 6), channels: 1, height: 2, width: 3)
        #expect(image.pixels == [UInt8](repeating: 128, count: 18))
        let withNaN = try DisplayNormalization().render([3.0, .nan], channels: 1, height: 1, width: 2)
        #expect(withNaN.pixels == [128, 128, 128, 0, 0, 0])
        #expect(DisplayWindow(low: 3, high: 3).byte(for: 3) == 128)
    }

    @Test func flatPercentilesWidenToMinimumAndMaximum() throws {
        // A dark frame with one bright source: both percentiles are 0, the source must still show.
        var values = [UInt16](repeating: 0, count: 1000)
        values[500] = 40
        let image = try DisplayNormalization().render(values, channels: 1, height: 10, width: 100)
        #expect(try DisplayNormalization().windows(values, channels: 1, height: 10, width: 100)
            == [DisplayWindow(low: 0, high: 40)])
        #expect(image.pixel(x: 0, y: 5) == .white)  // element 500
        #expect(image.pixel(x: 1, y: 5) == .black)
        #expect(image.pixels.filter { $0 != 0 }.count == 3)
    }

    @Test func greyIsReplicatedAndTwoChannelsShowTheFirst() throws {
        let grey = try fullRange.render([0.0, 1, 2], channels: 1, height: 1, width: 3)
        #expect(grey.pixels == [0, 0, 0, 128, 128, 128, 255, 255, 255])
        // The second channel (here a would-be alpha of huge values) neither shows nor shifts the window.
        let two = try fullRange.render([0.0, 1, 2, 1000, 5000, 9000], channels: 2, height: 1, width: 3)
        #expect(two.pixels == grey.pixels)
    }

    @Test func threeChannelsShareOneWindowByDefault() throws {
        // Red plane 0…10, green plane 0…5, blue constant 0: joint window 0…10.
        let planes: [Double] = [0, 10, 0, 5, 0, 0]
        let joint = try fullRange.render(planes, channels: 3, height: 1, width: 2)
        #expect(joint.pixel(x: 0, y: 0) == RGB8Color(red: 0, green: 0, blue: 0))
        #expect(joint.pixel(x: 1, y: 0) == RGB8Color(red: 255, green: 128, blue: 0))
        var perChannel = fullRange
        perChannel.scope = .perChannel
        #expect(try perChannel.windows(planes, channels: 3, height: 1, width: 2)
            == [DisplayWindow(low: 0, high: 10), DisplayWindow(low: 0, high: 5), DisplayWindow(low: 0, high: 0)])
        let separate = try perChannel.render(planes, channels: 3, height: 1, width: 2)
        // Green is stretched to its own range; the constant blue plane is mid-grey.
        #expect(separate.pixel(x: 1, y: 0) == RGB8Color(red: 255, green: 255, blue: 128))
    }

    @Test func fourOrMoreChannelsShowTheFirstThree() throws {
        let rgba: [UInt8] = [0, 255, 0, 0, 0, 255, 7, 7]
        let image = try fullRange.render(rgba, channels: 4, height: 1, width: 2)
        #expect(image.pixel(x: 0, y: 0) == RGB8Color(red: 0, green: 0, blue: 0))
        #expect(image.pixel(x: 1, y: 0) == RGB8Color(red: 255, green: 0, blue: 255))
        #expect(DisplayNormalization.displayedChannels(of: 7) == 3)
        #expect(DisplayNormalization.displayedChannels(of: 2) == 1)
    }

    @Test func zeroChannelsAndZeroSizesGiveBlackOrEmptyImages() throws {
        let none = try fullRange.render([Double](), channels: 0, height: 2, width: 3)
        #expect(none.width == 3 && none.height == 2 && none.pixels == [UInt8](repeating: 0, count: 18))
        let empty = try fullRange.render([Double](), channels: 1, height: 0, width: 0)
        #expect(empty.isEmpty && empty.pixels.isEmpty)
        let tall = try fullRange.render([Float](repeating: 1, count: 0), channels: 3, height: 5, width: 0)
        #expect(tall.width == 0 && tall.height == 5)
    }

    @Test func rejectsShapesThatContradictTheData() {
        #expect(throws: SampleRenderingError.countMismatch(expected: 6, actual: 5)) {
            try DisplayNormalization().render([Double](repeating: 0, count: 5), channels: 1, height: 2, width: 3)
        }
        #expect(throws: SampleRenderingError.self) {
            try DisplayNormalization().render([Double](), channels: -1, height: 2, width: 3)
        }
        #expect(throws: SampleRenderingError.self) {
            try DisplayNormalization().render([Double](), channels: 1, height: Int.max, width: 3)
        }
    }

    @Test func flipsAndReducesOnRequest() throws {
        let flipped = try DisplayNormalization(bounds: .fixed(low: 0, high: 1), flipVertically: true)
            .render([0.0, 1], channels: 1, height: 2, width: 1)
        #expect(reds(flipped) == [255, 0])
        // A 1×10000 strip reduced to a 256-pixel line; ends keep their values.
        let ramp = (0..<10000).map { Int32($0) }
        let reduced = try DisplayNormalization(bounds: .fixed(low: 0, high: 9999), maximumOutputSide: 256)
            .render(ramp, channels: 1, height: 1, width: 10000)
        #expect(reduced.width == 256 && reduced.height == 1)
        // Output column 255 samples element 9980: 255 · 9980/9999 = 254.5 → 255.
        #expect(reds(reduced).first == 0 && reds(reduced).last == 255)
        #expect(DisplayNormalization.reducedSize(width: 300, height: 100, maximumSide: 256) == (256, 85))
        #expect(DisplayNormalization.reducedSize(width: 1, height: 10000, maximumSide: 256) == (1, 256))
        #expect(DisplayNormalization.reducedSize(width: 30, height: 10, maximumSide: nil) == (30, 10))
    }

    @Test func degenerateAndExtremeWindowsDoNotMisbehave() {
        #expect(DisplayWindow(low: -1e308, high: 1e308).byte(for: 0) == 128)
        #expect(DisplayWindow(low: 10, high: 0).byte(for: 0) == 255)  // inverted ramp
        #expect(DisplayWindow(low: 0, high: .leastNonzeroMagnitude).byte(for: .leastNonzeroMagnitude) == 255)
        #expect(DisplayWindow(low: .nan, high: 1).byte(for: 0.5) == 128)
        #expect(DisplayWindow(low: 0, high: 1).byte(for: .nan) == 0)
    }
}
