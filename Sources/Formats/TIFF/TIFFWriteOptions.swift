import ImMetaIOCore

/// The TIFF writer's options, parsed and checked once when the writer is created.
struct TIFFWriteOptions {
    /// A compression scheme the writer produces, with its TIFF tag value.
    enum Compression: String, CaseIterable {
        case none, deflate, zstd, packbits, lzw, jpeg

        var tagValue: Int {
            switch self {
            case .none: 1
            case .lzw: 5
            case .jpeg: 7
            case .deflate: 8
            case .zstd: 50000
            case .packbits: 32773
            }
        }
    }

    /// How samples are transformed before compression.
    enum Predictor: String {
        case none, horizontal, floatingpoint
    }

    var compression: Compression
    /// Compression level: libdeflate 0…12 (default 1), Zstandard 1…22 (default 3), or JPEG
    /// quality 1…100 (default 90, as the JPEG plugin's).
    var level: Int
    /// JPEG's chroma subsampling (horizontal, vertical) for YCbCr.
    var subsampling: (horizontal: Int, vertical: Int)
    /// `nil` chooses per image: horizontal for integers, floating-point for floats, when asked with `true`.
    var predictor: Predictor?
    var tile: (height: Int, width: Int)?
    var rowsPerStrip: Int?
    var bigTIFF: Bool
    var photometric: String?
    var description: String?
    var software: String?
    var resolution: (x: Double, y: Double)?
    var resolutionUnit: Int?

    init(_ options: JSONObject, file: String) throws(ImMetaIOError) {
        var parser = OptionParser(options, plugin: "tiff", file: file)
        let name = try parser.string(
            "compression", default: "none", allowed: Compression.allCases.map(\.rawValue) + ["zlib", "adobe_deflate"])
        compression = Compression(rawValue: name) ?? .deflate
        switch compression {
        case .jpeg:
            // JPEG's quality: tifffile passes it as the level (compressionargs={'level': 90}), the
            // JPEG plugin as `quality`; either name, not both.
            let quality = try parser.int("quality", default: 90, in: 1...100)
            level = try parser.int("level", default: quality, in: 1...100)
            if options["quality"] != nil, options["level"] != nil {
                throw parser.invalid("level", "left out when 'quality' is given (for JPEG they are the same option)")
            }
        case .lzw:
            // LZW has no level: one given is a mistake, not something to ignore.
            if options["level"] != nil { throw parser.invalid("level", "left out: LZW compression has no level") }
            level = 0
        default:
            let levels = compression == .zstd ? 1...22 : 0...12
            // Deflate level 1: on 16-bit microscopy stacks libdeflate's level 1 is within 1 % of level
            // 6's size at three times its speed (BENCHMARKS.md); pass a higher level for smaller files.
            // Deflate level 0 stores blocks uncompressed (zlib's 0, as OMIO's zlib 0–9 offers).
            level = try parser.int("level", default: compression == .zstd ? 3 : 1, in: levels)
        }
        subsampling = try Self.subsampling(parser.value("subsampling"), file: file)
        if options["subsampling"] != nil, compression != .jpeg {
            throw parser.invalid("subsampling", "left out: it applies to JPEG compression only")
        }
        switch parser.value("predictor") {
        case nil, .bool(false): predictor = Predictor.none
        case .bool(true): predictor = nil
        case .string(let text) where Predictor(rawValue: text) != nil: predictor = Predictor(rawValue: text)
        case let other?:
            throw ImMetaIOError(
                .invalidArgument, "tiff option 'predictor' must be true, false, 'none', 'horizontal' or 'floatingpoint', not \(other)",
                file: file)
        }
        switch parser.value("tile") {
        case nil: tile = nil
        case .array(let values) where values.count == 2:
            guard let height = values[0].intValue, let width = values[1].intValue, height > 0, width > 0,
                height % 16 == 0, width % 16 == 0, height <= 1 << 16, width <= 1 << 16
            else { throw ImMetaIOError(.invalidArgument, "tiff option 'tile' must be [height, width], multiples of 16", file: file) }
            tile = (height, width)
        case let other?:
            throw ImMetaIOError(.invalidArgument, "tiff option 'tile' must be [height, width], not \(other)", file: file)
        }
        let rows = try parser.int("rows_per_strip", default: 0, in: 0...(1 << 31 - 1))
        rowsPerStrip = rows > 0 ? rows : nil
        bigTIFF = try parser.bool("bigtiff", default: false)
        let photometric = try parser.string("photometric", default: "", allowed: ["", "minisblack", "rgb", "ycbcr"])
        if photometric == "ycbcr", compression != .jpeg {
            throw parser.invalid("photometric", "'minisblack' or 'rgb' without JPEG compression ('ycbcr' is for JPEG)")
        }
        self.photometric = photometric.isEmpty ? nil : photometric
        description = try Self.text(parser.value("description"), key: "description", file: file)
        software = try Self.text(parser.value("software"), key: "software", file: file)
        resolution = try Self.resolution(parser.value("resolution"), file: file)
        resolutionUnit = try Self.unit(parser.value("resolution_unit"), file: file)
        try parser.finish()
    }

    /// JPEG chroma subsampling as tifffile takes it, `[horizontal, vertical]` ([1, 1], [2, 1],
    /// [2, 2] or [4, 1]; default [2, 2]), or as the JPEG plugin names it (`4:4:4`, `4:2:2`, `4:2:0`).
    static func subsampling(_ value: JSONValue?, file: String) throws(ImMetaIOError) -> (horizontal: Int, vertical: Int) {
        switch value {
        case nil, .string("4:2:0")?: return (2, 2)
        case .string("4:4:4")?: return (1, 1)
        case .string("4:2:2")?: return (2, 1)
        case .array(let pair)? where pair.count == 2:
            if let h = pair[0].intValue, let v = pair[1].intValue, [[1, 1], [2, 1], [2, 2], [4, 1]].contains([h, v]) { return (h, v) }
        default: break
        }
        throw ImMetaIOError(
            .invalidArgument,
            "tiff option 'subsampling' must be [1, 1], [2, 1], [2, 2] or [4, 1] (or '4:4:4', '4:2:2', '4:2:0'), not \(value.map { "\($0)" } ?? "")",
            file: file)
    }

    static func text(_ value: JSONValue?, key: String, file: String) throws(ImMetaIOError) -> String? {
        guard let value else { return nil }
        guard let text = value.stringValue else {
            throw ImMetaIOError(.invalidArgument, "tiff option '\(key)' must be a string, not \(value)", file: file)
        }
        return text
    }

    /// Pixels per unit along x and y: one number for both, or `[x, y]`.
    static func resolution(_ value: JSONValue?, file: String) throws(ImMetaIOError) -> (x: Double, y: Double)? {
        switch value {
        case nil: return nil
        case let number? where number.doubleValue.map({ $0 > 0 && $0.isFinite }) == true:
            return (number.doubleValue ?? 1, number.doubleValue ?? 1)
        case .array(let pair)? where pair.count == 2:
            if let x = pair[0].doubleValue, let y = pair[1].doubleValue, x > 0, y > 0, x.isFinite, y.isFinite { return (x, y) }
        default: break
        }
        throw ImMetaIOError(.invalidArgument, "tiff option 'resolution' must be a positive number or [x, y]", file: file)
    }

    /// TIFF ResolutionUnit: 1 none, 2 inch, 3 centimeter (names or numbers).
    static func unit(_ value: JSONValue?, file: String) throws(ImMetaIOError) -> Int? {
        switch value {
        case nil: return nil
        case .string("none")?: return 1
        case .string("inch")?: return 2
        case .string("centimeter")?, .string("cm")?: return 3
        case let number? where [1, 2, 3].contains(number.intValue ?? 0): return number.intValue
        default:
            throw ImMetaIOError(
                .invalidArgument, "tiff option 'resolution_unit' must be 'none', 'inch' or 'centimeter'", file: file)
        }
    }
}
