/// How ``OMEZarrWriter`` lays out, compresses and downsamples an image.
///
/// Shapes are given in OME-Zarr's axis order `t, c, z, y, x` (five entries). Every level uses
/// the same chunk and shard shape, clipped to the level's shape.
///
/// ```swift
/// var options = OMEZarrWriteOptions()
/// options.chunkShape = [1, 1, 1, 512, 512]
/// options.compression = .zstd(level: 5)
/// options.levelCount = 4
/// try OMEZarrWriter(options: options).write(image, to: "stack.ome.zarr")
/// ```
public struct OMEZarrWriteOptions: Sendable, Hashable {
    /// The inner chunk shape (`t, c, z, y, x`): the unit a reader decompresses.
    public var chunkShape: [Int]
    /// The shard shape (`t, c, z, y, x`), a whole multiple of ``chunkShape`` on every axis, or
    /// `nil` for ``defaultShardShape(chunkShape:)``. A shard is one stored object holding many
    /// chunks; it is also the unit the writer works in (a few per core in memory).
    public var shardShape: [Int]?
    /// Whether chunks are grouped into shards (Zarr's `sharding_indexed` codec); when `false`,
    /// each chunk is its own stored object and ``shardShape`` is ignored.
    public var sharded: Bool
    /// The compressor of every chunk.
    public var compression: OMEZarrCompression
    /// The number of pyramid levels, full resolution included; `nil` halves until a level fits
    /// in one chunk in `y` and `x` (at most 10 levels).
    public var levelCount: Int?
    /// Whether lower levels halve `z` as well as `y` and `x`. Off by default: stacks are usually
    /// anisotropic (few, widely spaced planes), and viewers page through `z` at every level.
    public var downsamplesZ: Bool
    /// How a lower level's pixel is computed from the level above.
    public var downsampling: OMEZarrDownsampling
    /// Replace an OME-Zarr image (or any Zarr node) already at the destination.
    public var overwrite: Bool

    /// Options with the defaults: chunks `1×1×1×256×256`, shards of 8×8 chunks in `y` and `x`,
    /// zstd level 3, automatic level count, `y`/`x` averaging.
    public init(
        chunkShape: [Int] = [1, 1, 1, 256, 256], shardShape: [Int]? = nil, sharded: Bool = true,
        compression: OMEZarrCompression = .zstd(level: 3), levelCount: Int? = nil, downsamplesZ: Bool = false,
        downsampling: OMEZarrDownsampling = .mean, overwrite: Bool = false
    ) {
        self.chunkShape = chunkShape
        self.shardShape = shardShape
        self.sharded = sharded
        self.compression = compression
        self.levelCount = levelCount
        self.downsamplesZ = downsamplesZ
        self.downsampling = downsampling
        self.overwrite = overwrite
    }

    /// The shard shape used when ``shardShape`` is `nil`: 8×8 chunks in `y` and `x`, one chunk
    /// along `t`, `c` and `z` (so a shard holds one plane's tile of 64 chunks).
    public static func defaultShardShape(chunkShape: [Int]) -> [Int] {
        chunkShape.enumerated().map { $0.offset >= 3 ? $0.element * 8 : $0.element }
    }
}

/// The compressor of an OME-Zarr image's chunks.
public enum OMEZarrCompression: Sendable, Hashable {
    /// Stored as is.
    case none
    /// Zstandard at `level` (1…22; 3 is zstd's default).
    case zstd(level: Int)
    /// gzip (deflate) at `level` (0…9).
    case gzip(level: Int)
    /// Blosc with one of its compressors (`lz4`, `lz4hc`, `blosclz`, `zstd`, `zlib`), a level
    /// (0…9) and byte shuffling, which groups the bytes of multi-byte pixels.
    case blosc(compressor: String, level: Int, shuffle: Bool)
}

/// How a pixel of a lower pyramid level is computed from its block of the level above (2×2 in
/// `y` and `x`, 2×2×2 when `z` is halved too).
public enum OMEZarrDownsampling: Sendable, Hashable {
    /// The mean of the block. Blocks at an odd edge average the pixels there are (a level has
    /// `⌈n/2⌉` pixels along a halved axis, so no pixel is dropped). Integers are rounded to the
    /// nearest value, halves upwards; floats are averaged in double precision; `bool` takes the
    /// top-left pixel.
    ///
    /// The peers choose differently: ome-zarr-py 0.18 (`resize`, its default) smooths and
    /// interpolates with scikit-image and truncates to the dtype; ngff-zarr 0.50 smooths with a
    /// Gaussian by default (its bin-shrink method averages blocks); both give `⌊n/2⌋` pixels, dropping
    /// the last row or column of an odd level. A plain block mean keeps every pixel's weight
    /// equal and is exact to recompute (`check_ome_zarr.py` does, with numpy).
    case mean
    /// The block's top-left pixel: no new values appear (for label images).
    case nearest
}
