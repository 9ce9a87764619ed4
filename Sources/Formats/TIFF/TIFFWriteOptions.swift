import ImMetaIOCore

/// The TIFF writer's options, parsed and checked once when the writer is created.
struct TIFFWriteOptions {
    /// A compression scheme the writer produces, with its TIFF tag value.
    enum Compression: String, CaseIterable {
        case none, deflate, zstd, packbits

        var tagValue: Int {
            switch self {
            case .none: 1
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
    /// Compression level: libdeflate 0…12 (default 1) or Zstandard 1…22 (default 3).
    var level: Int
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
        let levels = compression == .zstd ? 1...22 : 0...12
        // Deflate level 1: on 16-bit microscopy stacks libdeflate's level 1 is within 1 % of level
        // 6's size at three times its speed (BENCHMARKS.md); pass a higher level for smaller files.
        // Deflate level 0 stores blocks uncompressed (zlib's 0, as OMIO's zlib 0–9 offers).
        level = try parser.int("level", default: compression == .zstd ? 3 : 1, in: levels)
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
        let photometric = try parser.string("photometric", default: "", allowed: ["", "minisblack", "rgb"])
        self.photometric = photometric.isEmpty ? nil : photometric
        description = try Self.text(parser.value("description"), key: "description", file: file)
        software = try Self.text(parser.value("software"), key: "software", file: file)
        resolution = try Self.resolution(parser.value("resolution"), file: file)
        resolutionUnit = try Self.unit(parser.value("resolution_unit"), file: file)
        try parser.finish()
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
