import Foundation
import ImMetaIOCore
import NDArrayModule

/// What to do with an image that cannot be decoded (or whose header cannot be read).
public enum DecodeErrorPolicy: String, Sendable, Hashable, CaseIterable {
    /// Leave it out of the array; list it in the report (the default).
    case skip
    /// Store zeros in its place (images_to_zarr's behaviour), flagged in its table row.
    case zeros
    /// Stop the conversion with the error.
    case fail
}

/// A FITS HDU: by index (0 is the primary HDU) or by `EXTNAME`.
public enum FITSExtension: Sendable, Hashable, CustomStringConvertible {
    /// The HDU at this index.
    case index(Int)
    /// The HDU with this `EXTNAME`.
    case name(String)

    /// An index when `text` is an integer, else a name (as images_to_zarr's `--fits-ext`).
    public init(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        self = Int(trimmed).map(FITSExtension.index) ?? .name(trimmed)
    }

    var option: JSONValue {
        switch self {
        case .index(let index): .int(index)
        case .name(let name): .string(name)
        }
    }

    public var description: String {
        switch self {
        case .index(let index): String(index)
        case .name(let name): name
        }
    }
}

/// Everything a conversion can be told; the defaults are images_to_zarr's (LZ4 at level 1,
/// 8 workers, no recursion) and one image per inner chunk in shards of about 64 MiB.
public struct ConversionOptions: Sendable {
    /// The store (`….zarr`) or the folder that receives `<name>.zarr`.
    public var output: String
    /// A CSV with a `filename` column to join onto the table.
    public var metadataCSV: String?
    /// Whether sub-folders are searched too.
    public var recursive = false
    /// Threads decoding images.
    public var workers = 8
    /// FITS HDUs to read: none for the first image HDU, one, or several stacked as channels.
    public var fitsExtensions: [FITSExtension] = []
    /// Inner chunk shape: N,H,W or N,C,H,W (default: one whole image).
    public var chunkShape: [Int]?
    /// Shard shape: N, N,H,W or N,C,H,W (default: whole images, about 64 MiB uncompressed).
    public var shardShape: [Int]?
    /// Compressor name (see ``CompressorChoice/names``).
    public var compressor = "lz4"
    /// Compression level, checked against the compressor's range.
    public var compressionLevel = 1
    /// Resize every image to height × width.
    public var resize: [Int]?
    /// Spline order of the resize, 0 (nearest) … 5 (quintic).
    public var interpolationOrder = 1
    /// Replace an existing store.
    public var overwrite = false
    /// Add to an existing store.
    public var append = false
    /// The stored dtype (default: the promotion of every input's dtype).
    public var dtype: DType?
    /// What a file that fails to decode does.
    public var onError = DecodeErrorPolicy.skip
    /// Finish an interrupted conversion into `output`.
    public var resume = false
    /// File extensions taken from folders (lower case, with the dot).
    public var extensions = ConversionOptions.defaultExtensions
    /// Called from worker threads as images are stored (at most a few times a second).
    public var progress: (@Sendable (ConversionProgress) -> Void)?
    /// Shard rows open at once (each holds only the compressed images waiting for their turn).
    public var slabsInFlight = 2
    /// Seconds between checkpoints, where the table and `zarr.json` are committed together.
    public var checkpointInterval = 10.0

    /// Tests: stop with an error after this many slabs are journaled, as a crash would.
    var interruptAfterSlabs: Int?

    /// images_to_zarr's extensions plus every other still-image format we read.
    public static let defaultExtensions: Set<String> = [
        ".fits", ".fit", ".fts", ".fits.gz", ".tif", ".tiff", ".png", ".jpg", ".jpeg", ".bmp", ".webp", ".exr", ".npy",
    ]

    /// Options writing into `output` with every default.
    public init(output: String) { self.output = output }
}

/// How far a conversion is.
public struct ConversionProgress: Sendable {
    /// Images handled (stored, skipped or zero-filled).
    public var done: Int
    /// Images to handle.
    public var total: Int
    /// Seconds since the conversion started.
    public var elapsed: Double
}
