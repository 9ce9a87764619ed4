import Foundation
import ImMetaIOVideo
import Testing

/// Every plugin of the standard registry and the video plugin, held to what it declares
/// (``ImageFormat/writableLayouts``): each declared layout comes back as declared (exactly, or
/// within its RMS error), properties agree with the decode, every cut of a valid file is a typed
/// error or a valid read, and limits smaller than the image are refused with `limitExceeded`.
/// A new plugin registered in `FormatRegistry.standard` is covered without changes here.
@Suite("Plugin conformance") struct PluginConformanceTests {
    /// The registry under test (FFmpeg's log kept quiet).
    static var registry: FormatRegistry { VideoFormatTests.registry }
    static let names = FormatRegistry.standardWithVideo.formats.map(\.name)

    static func format(_ name: String) throws -> any ImageFormat {
        try #require(registry.format(named: name), "no plugin \(name)")
    }

    /// A smooth image of `layout` (with a little deterministic noise when the layout is lossless,
    /// so that exactness means something; nearly opaque alpha when it is lossy: GIF keeps one bit
    /// of alpha). Lossy layouts get even sizes (video's 4:2:0), lossless ones odd sizes (partial
    /// strips, tiles and blocks at the edges).
    static func sample(_ layout: WritableLayout) throws -> NDArray {
        let (height, width) = layout.isLossless ? (37, 53) : (48, 64)
        let depth = layout.channels ?? 1
        let alpha = depth == 4 || depth == 2 ? depth - 1 : nil
        var generator = TestImages.Generator(state: 0x9E37_79B9)
        var values = [Double](repeating: 0, count: height * width * depth)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<depth {
                    var unit = Double(x) / Double(width - 1) * 0.6 + Double(y) / Double(height - 1) * 0.3 + Double(c) * 0.03
                    if layout.isLossless { unit += Double(generator.next() % 16) / 255 }
                    // Alpha of lossy layouts: opaque but for every 7th pixel, so that a
                    // format which drops an all-opaque alpha (WebP) keeps it.
                    if c == alpha, !layout.isLossless { unit = (y * width + x) % 7 == 0 ? 0.94 : 1 }
                    values[(y * width + x) * depth + c] = scaled(min(unit, 1), layout.dtype)
                }
            }
        }
        let shape = layout.channels.map { [height, width, $0] } ?? [height, width]
        return try NDArray(values, shape: shape).astype(layout.dtype)
    }

    /// A value in 0…1 spread over a range the dtype holds exactly, negative values included where
    /// the dtype has them.
    static func scaled(_ unit: Double, _ dtype: DType) -> Double {
        switch dtype {
        case .bool: unit > 0.5 ? 1 : 0
        case .uint8: (unit * 255).rounded()
        case .uint16: (unit * 65535).rounded()
        case .uint32, .uint64: (unit * 4_000_000).rounded()
        case .int8: (unit * 255).rounded() - 128
        case .int16: (unit * 65535).rounded() - 32768
        case .int32, .int64: (unit * 4_000_000).rounded() - 2_000_000
        case .float16, .float32, .float64: unit * 3 - 1
        }
    }

    /// The largest value of an integer dtype, 1 for floats: what an added alpha channel holds.
    static func opaque(_ dtype: DType) -> Double {
        switch dtype {
        case .uint8: 255
        case .uint16: 65535
        default: 1
        }
    }

    /// What the reader should return for `image` written as `layout`, per the layout's read
    /// channels: gray repeated into colour, an added alpha opaque, dropped channels gone.
    static func expectedReadBack(_ image: NDArray, _ layout: WritableLayout) throws -> NDArray {
        guard layout.readChannels != layout.channels else { return image }
        let written = layout.channels ?? 1, read = layout.readChannels ?? 1
        let pixels = image.count / written
        let source = image.astype(.float64).scalars(as: Double.self)
        var values = [Double](repeating: 0, count: pixels * read)
        for pixel in 0..<pixels {
            for c in 0..<read {
                let value: Double
                if written <= 2, read >= 3 {
                    // Gray (and gray+alpha) read as colour.
                    value = c < 3 ? source[pixel * written] : written == 2 ? source[pixel * written + 1] : opaque(layout.dtype)
                } else {
                    value = c < written ? source[pixel * written + c] : opaque(layout.dtype)
                }
                values[pixel * read + c] = value
            }
        }
        let shape = Array(image.shape.prefix(2)) + (layout.readChannels.map { [$0] } ?? [])
        return try NDArray(values, shape: shape).astype(layout.dtype)
    }

    static func rmsError(_ a: NDArray, _ b: NDArray) -> Double {
        let x = a.astype(.float64).scalars(as: Double.self), y = b.astype(.float64).scalars(as: Double.self)
        guard !x.isEmpty, x.count == y.count else { return .infinity }
        let sum = zip(x, y).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return (sum / Double(x.count)).squareRoot()
    }

    /// `image` encoded by the plugin with the default options, under its canonical extension.
    static func encode(_ image: NDArray, _ format: any ImageFormat) throws -> [UInt8] {
        try encodeImage(image, as: try #require(format.extensions.first), registry: registry)
    }

    /// A sample of every layout the plugin declares, and its file.
    static func samples(_ format: any ImageFormat) throws -> [(layout: WritableLayout, image: NDArray, bytes: [UInt8])] {
        try format.writableLayouts.map { layout in
            let image = try sample(layout)
            return (layout, image, try encode(image, format))
        }
    }

    @Test("declares what it writes", arguments: names)
    func declaresItsLayouts(_ name: String) throws {
        let format = try Self.format(name)
        let layouts = format.writableLayouts
        #expect(format.canWrite == !layouts.isEmpty, "a writing plugin lists its layouts; a read-only one none")
        #expect(Set(layouts).count == layouts.count, "layouts listed twice")
        for layout in layouts {
            #expect(layout.maximumRMSError >= 0 && layout.maximumRMSError.isFinite, "\(layout)")
            #expect([layout.channels, layout.readChannels].allSatisfy { $0 == nil || (1...4).contains($0 ?? 0) }, "\(layout)")
        }
    }

    @Test("round trips every declared layout; properties agree with the decode", arguments: names)
    func roundTripsEveryLayout(_ name: String) throws {
        for (layout, image, bytes) in try Self.samples(try Self.format(name)) {
            let back = try readImage(from: .bytes(bytes), index: 0, format: name, registry: Self.registry)
            let expected = try Self.expectedReadBack(image, layout)
            #expect(back.dtype == expected.dtype && back.shape == expected.shape, "\(name) \(layout): read \(back.dtype) \(back.shape)")
            if layout.isLossless {
                #expect(back == expected, "\(name) \(layout): not exact")
            } else {
                let error = Self.rmsError(back, expected)
                #expect(error <= layout.maximumRMSError, "\(name) \(layout): RMS error \(error)")
            }
            let properties = try imageProperties(of: .bytes(bytes), index: 0, format: name, registry: Self.registry)
            #expect(properties.shape == back.shape && properties.dtype == back.dtype, "\(name) \(layout): properties \(properties)")
        }
    }

    /// Every prefix of a valid file, cut at several points, is refused with an `ImMetaIOError` or
    /// read as a valid image; nothing crashes or throws another error type.
    @Test("cut files are typed errors or valid reads", arguments: names)
    func truncatedFilesAreTypedErrors(_ name: String) throws {
        let format = try Self.format(name)
        let layouts = format.writableLayouts
        for layout in Set([layouts.first, layouts.last].compactMap { $0 }) {
            let bytes = try Self.encode(try Self.sample(layout), format)
            let count = bytes.count
            let cuts = Set([0, 1, 2, 4, 8, 12, 16, 24, 32, 64, 100, 200, count / 8, count / 4, count / 3, count / 2, 2 * count / 3,
                3 * count / 4, 7 * count / 8, count - 16, count - 4, count - 1].filter { $0 >= 0 && $0 < count })
            for cut in cuts.sorted() {
                let prefix = Array(bytes.prefix(cut))
                do {
                    let file = try openImage(.bytes(prefix), format: name, registry: Self.registry)
                    let image = try file.read(index: 0)
                    let properties = try file.properties(index: 0)
                    #expect(image.count == image.shape.reduce(1, *), "\(name) \(layout) cut at \(cut)")
                    #expect(properties.dtype == image.dtype, "\(name) \(layout) cut at \(cut)")
                } catch is ImMetaIOError {
                } catch {
                    Issue.record("\(name) \(layout) cut at \(cut) of \(count): \(type(of: error)) \(error), not an ImMetaIOError")
                }
            }
        }
    }

    /// Limits one pixel or one byte short of the image are refused with `limitExceeded`.
    @Test("limits smaller than the image are refused", arguments: names)
    func limitsAreEnforced(_ name: String) throws {
        for (layout, image, bytes) in try Self.samples(try Self.format(name)) {
            let pixels = image.shape[0] * image.shape[1]
            let decoded = try readImage(from: .bytes(bytes), index: 0, format: name, registry: Self.registry)
            let decodedBytes = decoded.count * decoded.dtype.itemSize
            for limits in [DecodeLimits(maxPixels: pixels - 1), DecodeLimits(maxBytes: decodedBytes - 1)] {
                let error = try #require(throws: ImMetaIOError.self, "\(name) \(layout) with \(limits)") {
                    try readImage(from: .bytes(bytes), index: 0, format: name, limits: limits, registry: Self.registry)
                }
                #expect(error.code == .limitExceeded, "\(name) \(layout) with \(limits): \(error)")
            }
            // Exactly the image's bytes are allowed (pixels are not compared: formats without a
            // channel axis, NPY and FITS, count every element as a pixel).
            let exact = DecodeLimits(maxBytes: decodedBytes)
            #expect(throws: Never.self, "\(name) \(layout)") {
                try readImage(from: .bytes(bytes), index: 0, format: name, limits: exact, registry: Self.registry)
            }
        }
    }
}
