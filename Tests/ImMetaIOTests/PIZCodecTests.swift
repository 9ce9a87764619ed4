import Foundation
import Testing

@testable import EXRFormat
@testable import ImMetaIO

/// Our PIZ codec (wavelet + Huffman in Swift) against itself and against OpenEXRCore's.
@Suite struct PIZCodecTests {
    typealias Plane = PIZCodec.Plane

    /// A packed chunk: per line, per channel, `width × wordsPerSample` little-endian words.
    static func chunk(_ planes: [Plane], seed: UInt64, kind: Int) -> [UInt8] {
        var generator = TestImages.Generator(state: seed)
        let words = planes.reduce(0) { $0 + $1.wordCount }
        var values = [UInt16](repeating: 0, count: words)
        for index in values.indices {
            switch kind {
            case 0: values[index] = 0  // constant zero
            case 1: values[index] = 0x3C00  // constant one (half)
            case 2: values[index] = UInt16(truncatingIfNeeded: generator.next())  // full 16-bit noise: modulo wavelet
            case 3: values[index] = UInt16(generator.next() % 5000)  // 14-bit wavelet, many values
            case 4: values[index] = generator.next() % 7 == 0 ? UInt16(generator.next() % 40) : 0  // runs
            default:
                // Smooth ramps with a little noise, like image data.
                values[index] = UInt16(truncatingIfNeeded: 15_000 + index / 3 + Int(generator.next() % 9))
            }
        }
        return values.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    static func roundTrip(_ raw: [UInt8], _ planes: [Plane]) throws -> (compressed: Int?, back: [UInt8]) {
        var compressed = [UInt8](repeating: 0, count: raw.count)
        let size = raw.withUnsafeBytes { source in
            compressed.withUnsafeMutableBytes { PIZCodec.compress(source, into: $0, planes: planes) }
        }
        guard let size else { return (nil, raw) }
        var back = [UInt8](repeating: 0xAA, count: raw.count)
        try compressed[..<size].withUnsafeBytes { source in
            try back.withUnsafeMutableBytes { try PIZCodec.decompress(source, into: $0, planes: planes) }
        }
        return (size, back)
    }

    @Test(arguments: [(1, 1), (1, 9), (9, 1), (2, 2), (3, 5), (17, 3), (64, 32), (127, 33), (300, 16)])
    func everyShapeAndContentRoundTrips(width: Int, height: Int) throws {
        let layouts: [[Plane]] = [
            [Plane(width: width, height: height, wordsPerSample: 1)],
            [Plane(width: width, height: height, wordsPerSample: 2)],
            (0..<3).map { _ in Plane(width: width, height: height, wordsPerSample: 2) },
            [1, 2, 1, 2].map { Plane(width: width, height: height, wordsPerSample: $0) },
        ]
        for (layoutIndex, planes) in layouts.enumerated() {
            for kind in 0...5 {
                let raw = Self.chunk(planes, seed: UInt64(width * 1000 + height * 10 + kind), kind: kind)
                let (size, back) = try Self.roundTrip(raw, planes)
                #expect(back == raw, "layout \(layoutIndex), content \(kind), \(width)×\(height)")
                if kind <= 1 && raw.count >= 64 {
                    #expect(size != nil, "a constant chunk of \(raw.count) bytes compresses")
                }
            }
        }
    }

    @Test func randomChunksRoundTrip() throws {
        var generator = TestImages.Generator(state: 99)
        for round in 0..<60 {
            let width = Int(generator.next() % 200) + 1, height = Int(generator.next() % 40) + 1
            let planes = (0..<Int(generator.next() % 4 + 1)).map { _ in
                Plane(width: width, height: height, wordsPerSample: generator.next() % 2 == 0 ? 1 : 2)
            }
            let raw = Self.chunk(planes, seed: UInt64(round), kind: Int(generator.next() % 6))
            #expect(try Self.roundTrip(raw, planes).back == raw, "round \(round)")
        }
    }

    /// Damaged PIZ chunks fail with an error, never a crash or a read outside the chunk.
    @Test func damagedChunksAreErrors() throws {
        let planes = [Plane(width: 61, height: 32, wordsPerSample: 2), Plane(width: 61, height: 32, wordsPerSample: 1)]
        let raw = Self.chunk(planes, seed: 4, kind: 4)
        var compressed = [UInt8](repeating: 0, count: raw.count)
        let size = try #require(raw.withUnsafeBytes { source in
            compressed.withUnsafeMutableBytes { PIZCodec.compress(source, into: $0, planes: planes) }
        })
        compressed.removeSubrange(size...)
        var generator = TestImages.Generator(state: 12)
        var failures = 0
        for trial in 0..<400 {
            var damaged = compressed
            if trial < 100 {
                damaged.removeSubrange((size * trial / 100)...)  // cut short
            } else {
                for _ in 0..<(1 + trial % 4) {
                    let position = Int(generator.next() % UInt64(damaged.count))
                    damaged[position] ^= UInt8(1 << (generator.next() % 8))
                }
            }
            var back = [UInt8](repeating: 0, count: raw.count)
            do {
                try damaged.withUnsafeBytes { source in
                    try back.withUnsafeMutableBytes { try PIZCodec.decompress(source, into: $0, planes: planes) }
                }
            } catch {
                failures += 1
            }
        }
        #expect(failures >= 100, "every truncated chunk fails; flipped bits mostly do")
    }

    /// Files compressed by OpenEXRCore's PIZ decode identically with ours, and the other way round.
    @Test(arguments: [DType.float16, .float32, .uint32], [1, 3, 4])
    func matchesOpenEXRCoreBothWays(dtype: DType, channels: Int) throws {
        let image: NDArray
        if dtype == .uint32 {
            var generator = TestImages.Generator(state: 3)
            let count = 45 * 70 * channels
            image = try NDArray((0..<count).map { _ in UInt32(truncatingIfNeeded: generator.next()) % 70_000 })
                .reshaped(channels == 1 ? [45, 70] : [45, 70, channels])
        } else {
            image = try EXRFormatTests.image(channels: channels, dtype: dtype, height: 45, width: 70)
        }
        func encode(library: Bool) throws -> [UInt8] {
            let names = channels == 1 ? ["Y"] : Array(["R", "G", "B", "A"].prefix(channels))
            var encoder = EXREncoder(compression: .piz, zipLevel: -1, dwaLevel: -1, channelNames: names)
            encoder.libraryPIZ = library
            let sink = OutputSink()
            try encoder.encode(image, to: sink)
            return try sink.commit()
        }
        func decode(_ bytes: [UInt8], library: Bool) throws -> NDArray {
            let request = ReadRequest(bytes: ResourceBytes(bytes), displayName: "<piz>")
            return try EXRReader(request, libraryPIZ: library).read(at: 0)
        }
        let ours = try encode(library: false), theirs = try encode(library: true)
        for (file, name) in [(ours, "ours"), (theirs, "OpenEXRCore's")] {
            for library in [false, true] {
                let decoded = try decode(file, library: library)
                #expect(decoded == image, "\(name) file, \(library ? "OpenEXRCore's" : "our") decoder")
            }
        }
        // Same method, so nearly the same size (code lengths may differ where frequencies tie).
        let ratio = Double(ours.count) / Double(theirs.count)
        #expect(ratio > 0.97 && ratio < 1.03, "sizes \(ours.count) and \(theirs.count)")
    }
}
