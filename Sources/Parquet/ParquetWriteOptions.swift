/// The compression applied to each page written.
public enum ParquetCompression: Sendable, Hashable {
    /// Pages are stored as encoded.
    case none
    /// Snappy: fast, moderate ratio; pyarrow's default and readable by every Parquet reader.
    case snappy
    /// Zstandard at `level` (1…22; 3 is zstd's own default); smaller files, still fast.
    case zstd(level: Int = 3)
    /// Gzip at `level` (1…12, libdeflate's scale); the widest reader support, slowest to write.
    case gzip(level: Int = 6)
}

/// How a ``ParquetFileWriter`` lays out and compresses what it writes.
public struct ParquetWriteOptions: Sendable, Hashable {
    /// The compression applied to every page. The default is ``ParquetCompression/snappy``, as in
    /// pyarrow, so files made here and by the Python tool look alike and any reader opens them.
    public var compression: ParquetCompression
    /// The number of rows per row group when writing a whole table (readers load whole row
    /// groups, so this bounds their memory). Defaults to 1,048,576 rows, pyarrow's default.
    public var rowGroupSize: Int
    /// The target size in bytes of each data page before compression. Defaults to 1 MiB.
    public var dataPageSize: Int
    /// Whether string and binary columns may be dictionary-encoded. When on, a column chunk is
    /// dictionary-encoded only if that is smaller than plain encoding and its dictionary stays
    /// within ``dictionaryPageSizeLimit``; other types are always written plain.
    public var dictionaryEncoding: Bool
    /// The largest dictionary, in plain-encoded bytes, before a column chunk falls back to plain
    /// encoding. Defaults to 1 MiB, as in pyarrow.
    public var dictionaryPageSizeLimit: Int

    /// Creates options; every parameter has the default described on its property.
    public init(
        compression: ParquetCompression = .snappy, rowGroupSize: Int = 1 << 20, dataPageSize: Int = 1 << 20,
        dictionaryEncoding: Bool = true, dictionaryPageSizeLimit: Int = 1 << 20
    ) {
        self.compression = compression
        self.rowGroupSize = rowGroupSize
        self.dataPageSize = dataPageSize
        self.dictionaryEncoding = dictionaryEncoding
        self.dictionaryPageSizeLimit = dictionaryPageSizeLimit
    }
}
