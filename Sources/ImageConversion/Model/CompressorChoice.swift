import ImMetaIOCore
import Zarr

/// The compressor of a conversion by the names images_to_zarr users type (`--compressor`,
/// `--clevel`), mapped onto the Zarr engine's codecs with the level checked against the codec's
/// whole range: never capped, never swapped for another codec.
public struct CompressorChoice: Sendable, Hashable, CustomStringConvertible {
    /// The name as given (lower-cased).
    public let name: String
    /// The compression level.
    public let level: Int
    /// The Zarr codec (`nil` for `none`).
    public let codec: ZarrCodecSpec?

    /// Every name accepted, with what it means.
    public static let names: [(name: String, meaning: String, levels: ClosedRange<Int>)] = [
        ("lz4", "Blosc with LZ4, byte shuffle (as images_to_zarr)", 0...9),
        ("lz4hc", "Blosc with LZ4HC, byte shuffle", 0...9),
        ("blosclz", "Blosc with BloscLZ, byte shuffle", 0...9),
        ("snappy", "Blosc with Snappy, byte shuffle", 0...9),
        ("blosc", "Blosc with LZ4, byte shuffle (as images_to_zarr)", 0...9),
        ("blosc-zstd", "Blosc with Zstandard, byte shuffle", 0...9),
        ("blosc-zlib", "Blosc with zlib, byte shuffle", 0...9),
        ("zstd", "Zstandard", -131072...22),
        ("gzip", "gzip", 0...9),
        ("zlib", "gzip (Zarr v3 has no raw zlib codec; as images_to_zarr)", 0...9),
        ("none", "no compression", 0...0),
    ]

    /// A compressor by name and level.
    /// - Parameters:
    ///   - name: one of the names listed above, in any case.
    ///   - level: the codec's compression level, within its range.
    ///   - itemSize: the array's element size (Blosc's shuffle works on elements).
    /// - Throws: `invalidArgument` for an unknown name (the message lists the known ones) or a
    ///   level outside the codec's range.
    public init(name: String, level: Int, itemSize: Int) throws(ImMetaIOError) {
        let key = name.lowercased()
        guard let entry = Self.names.first(where: { $0.name == key }) else {
            let known = Self.names.map(\.name).joined(separator: ", ")
            let hint = ["bz2", "lzma", "xz"].contains(key) ? " (\(key) is not a Zarr v3 codec zarr-python reads)" : ""
            throw ImMetaIOError(.invalidArgument, "unknown compressor '\(name)'\(hint); known: \(known)")
        }
        let level = key == "none" ? 0 : level
        guard entry.levels.contains(level) else {
            throw ImMetaIOError(
                .invalidArgument, "compression level \(level) is outside \(key)'s range \(entry.levels.lowerBound)…\(entry.levels.upperBound)")
        }
        self.name = key
        self.level = level
        let typesize = max(1, min(255, itemSize))
        switch key {
        case "lz4", "blosc": codec = .blosc(cname: "lz4", clevel: level, shuffle: "shuffle", typesize: typesize)
        case "lz4hc", "blosclz", "snappy": codec = .blosc(cname: key, clevel: level, shuffle: "shuffle", typesize: typesize)
        case "blosc-zstd": codec = .blosc(cname: "zstd", clevel: level, shuffle: "shuffle", typesize: typesize)
        case "blosc-zlib": codec = .blosc(cname: "zlib", clevel: level, shuffle: "shuffle", typesize: typesize)
        case "zstd": codec = .zstd(level: level)
        case "gzip", "zlib": codec = .gzip(level: level)
        default: codec = nil
        }
    }

    public var description: String { "\(name) (level \(level))" }
}
