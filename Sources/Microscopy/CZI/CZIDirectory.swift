import ImMetaIOCore

/// The subblock directory of a CZI file: one entry per subblock, in the directory's order.
///
/// Read from the ZISRAWDIRECTORY segment the file header points to. A file whose header points
/// nowhere (position 0, left so by an interrupted writer) is scanned segment by segment instead,
/// collecting the entry copy each subblock segment carries.
struct CZIDirectory: Sendable {
    var entries: [CZIDirectoryEntry]
    /// Whether the entries came from a scan of the segments rather than a directory segment.
    var scanned: Bool
    /// The metadata segment found by the scan (when the header did not give one).
    var scannedMetadataPosition: Int?

    static let segmentID = "ZISRAWDIRECTORY"
    /// The fixed part of the directory segment's data; the entries follow.
    static let fixedSize = 128
    /// The smallest DV entry with X and Y.
    static let smallestEntry = CZIDirectoryEntry.fixedSize + 2 * CZIDirectoryEntry.dimensionSize

    init(_ source: CZISource, header: CZIFileHeader) throws(ImMetaIOError) {
        guard header.directoryPosition != 0 else {
            self = try Self.scan(source)
            return
        }
        let segment = try source.segment(at: header.directoryPosition, id: Self.segmentID, what: "subblock directory")
        let reader = source.reader
        guard let count = reader.int32(at: segment.dataOffset) else {
            throw source.error(.corruptData, "the file ends inside the subblock directory header")
        }
        let first = segment.dataOffset + Self.fixedSize
        let available = source.size - first
        guard count >= 0, available >= 0, count <= available / Self.smallestEntry else {
            throw source.error(
                .corruptData, "the subblock directory claims \(count) entries, more than its \(max(0, available)) bytes can hold")
        }
        var entries: [CZIDirectoryEntry] = []
        entries.reserveCapacity(count)
        var offset = first
        for index in 0..<count {
            let (entry, size) = try CZIDirectoryEntry.parse(reader, at: offset, index: index, source: source)
            entries.append(entry)
            offset += size
        }
        self.entries = entries
        scanned = false
        scannedMetadataPosition = nil
    }

    /// Walks the segments from the file header on (each is 32 bytes of header plus its allocated
    /// size), keeping the directory entry copy of every subblock segment.
    private static func scan(_ source: CZISource) throws(ImMetaIOError) -> CZIDirectory {
        let reader = source.reader
        var entries: [CZIDirectoryEntry] = []
        var metadata: Int?
        var offset = 0
        while offset <= source.size - CZISegmentHeader.size {
            let header = CZISegmentHeader(reader, at: offset)
            guard header.allocatedSize >= 0, header.allocatedSize <= source.size - header.dataOffset else { break }
            switch header.id {
            case CZISubblockSegment.segmentID:
                // The copy starts after the subblock's metadata, attachment and data sizes.
                let (entry, _) = try CZIDirectoryEntry.parse(reader, at: header.dataOffset + 16, index: entries.count, source: source)
                var placed = entry
                placed.filePosition = offset
                entries.append(placed)
            case CZIMetadataSegment.segmentID:
                if metadata == nil { metadata = offset }
            case "ZISRAWFILE", "ZISRAWDIRECTORY", "ZISRAWATTDIR", "ZISRAWATTACH", "DELETED":
                break
            default:
                // Not a segment: the rest of the file cannot be walked.
                offset = source.size
                continue
            }
            offset = header.dataOffset + header.allocatedSize
        }
        return CZIDirectory(entries: entries, scanned: true, scannedMetadataPosition: metadata)
    }

    private init(entries: [CZIDirectoryEntry], scanned: Bool, scannedMetadataPosition: Int?) {
        self.entries = entries
        self.scanned = scanned
        self.scannedMetadataPosition = scannedMetadataPosition
    }
}
