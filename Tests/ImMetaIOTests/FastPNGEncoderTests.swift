import ImMetaIO
import Testing

/// The fast 8-bit PNG encoder: every output is a strictly valid PNG that decodes bit-exactly.
@Suite struct FastPNGEncoderTests {
    enum Content: CaseIterable { case constant, noise, gradient, stripes, sparse }

    static func image(height: Int, width: Int, channels: Int, content: Content, seed: UInt64) throws -> NDArray {
        var generator = TestImages.Generator(state: seed | 1)
        let depth = max(channels, 1)
        var values = [UInt8](repeating: 0, count: height * width * depth)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<depth {
                    let i = (y * width + x) * depth + c
                    switch content {
                    case .constant: values[i] = UInt8(truncatingIfNeeded: seed &* 31 &+ UInt64(c))
                    case .noise: values[i] = UInt8(truncatingIfNeeded: generator.next())
                    case .gradient: values[i] = UInt8(truncatingIfNeeded: x + 2 * y + 40 * c)
                    case .stripes: values[i] = (x / 7 + y / 5) % 2 == 0 ? 0 : 255
                    case .sparse: values[i] = generator.next() % 50 == 0 ? UInt8(truncatingIfNeeded: generator.next()) : 0
                    }
                }
            }
        }
        let shape = channels == 0 ? [height, width] : [height, width, channels]
        return try NDArray(values, shape: shape)
    }

    static func check(_ image: NDArray, options: JSONObject = [:]) throws {
        let bytes = try encodeImage(image, as: ".png", options: options)
        try StrictPNG.validate(bytes)
        let decoded = try readImage(from: .bytes(bytes))
        let expected = image.rank == 3 && image.shape[2] == 1 ? try image.reshaped([image.shape[0], image.shape[1]]) : image
        #expect(decoded == expected, "\(image.shape) \(options)")
    }

    @Test(arguments: [0, 1, 2, 3, 4], Content.allCases)
    func everyLayoutAndContent(channels: Int, content: Content) throws {
        for (height, width) in [(1, 1), (1, 37), (29, 1), (17, 33), (64, 100)] {
            try Self.check(Self.image(height: height, width: width, channels: channels, content: content, seed: 7))
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func bandsJoinIntoOneValidStream(threads: Int) throws {
        for channels in [0, 2, 3, 4] {
            for content in [Content.constant, .noise, .gradient] {
                let image = try Self.image(height: 300, width: 71, channels: channels, content: content, seed: 3)
                try Self.check(image, options: ["threads": .int(threads)])
            }
        }
    }

    @Test func randomShapesAndContents() throws {
        var generator = TestImages.Generator(state: 12345)
        for _ in 0..<60 {
            let height = Int(generator.next() % 90) + 1
            let width = Int(generator.next() % 300) + 1
            let channels = Int(generator.next() % 5)
            let content = Content.allCases[Int(generator.next() % 5)]
            let image = try Self.image(height: height, width: width, channels: channels, content: content, seed: generator.next())
            try Self.check(image, options: ["threads": .int(Int(generator.next() % 3) + 1)])
        }
    }

    @Test func longRunsAcrossMatchLimits() throws {
        // Runs longer than 258 bytes are split; 1- and 2-byte pixels leave short literal tails.
        for channels in [0, 2, 3, 4] {
            for width in [86, 87, 129, 130, 259, 1000] {
                try Self.check(Self.image(height: 3, width: width, channels: channels, content: .constant, seed: 1))
            }
        }
    }

    /// Runs of grey pixels of every length up to 300 (coded as byte runs at distance 1), after
    /// grey and coloured pixels, after other runs, at row starts and ends, on every layout.
    @Test(arguments: [2, 3, 4])
    func greyRunsOfEveryLength(channels: Int) throws {
        let height = 24, width = 700
        var values = [UInt8](repeating: 0, count: height * width * channels)
        for y in 0..<height {
            var x = 0, segment = 0
            while x < width {
                let length = (y * 37 + segment * 13) % 300 + 1
                let grey = segment % 3 != 2
                let value = UInt8(truncatingIfNeeded: segment * 29 + y)
                for i in x..<min(width, x + length) {
                    for c in 0..<channels { values[(y * width + i) * channels + c] = grey ? value : value &+ UInt8(c) }
                }
                x += length
                segment += 1
            }
        }
        try Self.check(try NDArray(values, shape: [height, width, channels]))
    }
    /// A sparse image: a background stepping every few rows, a disc whose edges move from row to
    /// row, a motif of random pixels that moves 7 pixels a row, and every 17th row noise after
    /// its first 30 pixels (a dense row after sparse ones, entered by a copy that runs into it).
    static func sparseScene(height: Int, width: Int, channels: Int, seed: UInt64) throws -> NDArray {
        var generator = TestImages.Generator(state: seed | 1)
        let depth = max(channels, 1)
        let motif = (0..<13 * depth).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        var values = [UInt8](repeating: 0, count: height * width * depth)
        for y in 0..<height {
            let motifStart = (y * 7) % max(1, width - 13)
            for x in 0..<width {
                let dx = x - width / 2, dy = y - height / 2
                let inDisc = dx * dx + dy * dy < (height * height) / 5
                for c in 0..<depth {
                    var value = UInt8(truncatingIfNeeded: 40 + y / 9 + 30 * c)
                    if inDisc { value = UInt8(truncatingIfNeeded: 200 - y / 5 + c) }
                    if x >= motifStart, x < motifStart + 13 { value = motif[(x - motifStart) * depth + c] }
                    if y % 17 == 5, x >= 30 { value = UInt8(truncatingIfNeeded: generator.next()) }
                    values[(y * width + x) * depth + c] = value
                }
            }
        }
        let shape = channels == 0 ? [height, width] : [height, width, channels]
        return try NDArray(values, shape: shape)
    }

    /// Rows of sparse content are matched against deflate's whole window (rows above shifted,
    /// earlier in the row) and runs to a row's end hand their last piece to a copy of the row
    /// above that runs into the next row: every layout, widths around 258-byte pieces and past
    /// the 32 KiB window (no copies from the row above there), one band and several.
    @Test(arguments: [0, 1, 2, 3, 4])
    func sparseRowsCopyFromEarlierRows(channels: Int) throws {
        for (height, width) in [(40, 14), (37, 86), (60, 300), (45, 1031), (12, 9000)] {
            for threads in [1, 2] {
                let image = try Self.sparseScene(height: height, width: width, channels: channels, seed: UInt64(width))
                try Self.check(image, options: ["threads": .int(threads)])
            }
        }
    }

    /// Bands with a quarter million literals and more write them in pairs (one lookup per two
    /// codes): every layout, with literal spans of every length modulo 4 between runs.
    @Test(arguments: [0, 2, 3, 4])
    func literalPairsOnEveryLayout(channels: Int) throws {
        let image = try Self.image(height: 300, width: 1001, channels: channels, content: .noise, seed: 11)
        try Self.check(image)
        var values = [UInt8](repeating: 0, count: 300 * 1001 * max(1, channels))
        var generator = TestImages.Generator(state: 17)
        for i in values.indices { values[i] = generator.next() % 9 == 0 && i > 0 ? values[i - 1] : UInt8(truncatingIfNeeded: generator.next()) }
        let shape = channels == 0 ? [300, 1001] : [300, 1001, channels]
        try Self.check(try NDArray(values, shape: shape), options: ["threads": 1])
    }

    /// Bands of 256 KiB and more count the literals of dense rows in one row in four only:
    /// noise rows at several phases (so some have dense rows only where they are counted,
    /// others also where they are not) still get codes for every byte.
    @Test(arguments: 0..<8)
    func sampledLiteralCountsCoverEveryRow(phase: Int) throws {
        var generator = TestImages.Generator(state: UInt64(phase) + 5)
        let height = 120, width = 1024
        var values = [UInt8](repeating: 0, count: height * width * 3)
        for y in 0..<height where y % 8 == phase || (phase > 3 && y % 8 == phase - 4) {
            for i in 0..<width * 3 { values[y * width * 3 + i] = UInt8(truncatingIfNeeded: generator.next()) }
        }
        let image = try NDArray(values, shape: [height, width, 3])
        for threads in [1, 2] { try Self.check(image, options: ["threads": .int(threads)]) }
        // Sparse rows only: the band's first row, always scanned for runs and counted, holds
        // the only literals that are not counted exactly.
        var sparse = [UInt8](repeating: 0, count: height * width * 3)
        for i in 0..<40 + phase { sparse[i] = UInt8(truncatingIfNeeded: generator.next()) }
        try Self.check(try NDArray(sparse, shape: [height, width, 3]))
        // Every row dense: a photograph-like band, each row's values drawn from its own range.
        for i in values.indices { values[i] = UInt8(truncatingIfNeeded: generator.next() % UInt64(2 + (i / (width * 3)) % 4 * 60)) }
        try Self.check(try NDArray(values, shape: [height, width, 3]))
    }

    /// Copies from earlier rows are what keeps a moving motif cheap: without them every row
    /// would code its 2 × 13 pixels of differences as literals (5.5 KB here instead of under 2 KB).
    @Test func movingMotifCostsAFewBytesPerRow() throws {
        var generator = TestImages.Generator(state: 99)
        let height = 100, width = 1000
        let motif = (0..<39).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        var values = [UInt8](repeating: 0, count: height * width * 3)
        for y in 0..<height {
            let start = (y * 7) % 900
            for i in 0..<39 { values[(y * width + start) * 3 + i] = motif[i] }
        }
        let image = try NDArray(values, shape: [height, width, 3])
        try Self.check(image)
        let bytes = try encodeImage(image, as: ".png")
        #expect(bytes.count < 2_000, "\(bytes.count) bytes")
    }
}
