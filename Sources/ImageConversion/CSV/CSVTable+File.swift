extension CSVTable {
    /// The default limit of ``init(contentsOf:maximumFileSize:textColumns:)``, 2 GiB: far above any metadata
    /// table, and low enough to fail fast on a wrong path (a video, an image stack) instead of
    /// filling memory.
    public static let defaultMaximumFileSize = 2 << 30

    /// Reads the CSV file at `path`.
    ///
    /// - Parameters:
    ///   - path: the file; errors name it as given.
    ///   - maximumFileSize: the largest file accepted, in bytes; a larger file is refused before
    ///     any of it is read.
    ///   - textColumns: columns kept as text whatever they hold.
    /// - Throws: ``CSVError`` (only) when the file cannot be read, is too large, or is not valid
    ///   CSV (see ``init(bytes:fileName:textColumns:)``).
    public init(contentsOf path: String, maximumFileSize: Int = CSVTable.defaultMaximumFileSize, textColumns: Set<String> = []) throws {
        let bytes = try CSVFileReader.contents(ofFile: path, maximumSize: maximumFileSize)
        try self.init(bytes: bytes, fileName: path, textColumns: textColumns)
    }
}
