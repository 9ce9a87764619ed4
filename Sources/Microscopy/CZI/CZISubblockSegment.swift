import ImMetaIOCore

/// Where a subblock's pixel data lies in its ZISRAWSUBBLOCK segment: after the segment header, a
/// data header of at least 256 bytes (sizes and a copy of the directory entry) and the subblock's
/// own metadata XML.
struct CZISubblockSegment: Sendable {
    static let segmentID = "ZISRAWSUBBLOCK"
    /// The data header is padded to at least this many bytes.
    static let minimumHeaderSize = 256

    /// The byte range of the pixel data in the file.
    var data: Range<Int>
    /// Bytes of the segment read to find it (segment header and data header).
    var headerBytes: Int

    /// Reads the headers of the subblock segment a directory entry points to. The data's stated
    /// size is kept as is (the decoders crop or zero-fill it to the entry's size); it must lie
    /// inside the file.
    init(_ entry: CZIDirectoryEntry, source: CZISource) throws(ImMetaIOError) {
        let segment = try source.segment(at: entry.filePosition, id: Self.segmentID, what: "subblock \(entry.index)")
        let reader = source.reader
        let base = segment.dataOffset
        guard let metadataSize = reader.int32(at: base), let attachmentSize = reader.int32(at: base + 4),
            let dataSize = reader.int64(at: base + 8), let schema = reader.slice(base + 16, 2)
        else {
            throw source.error(.corruptData, "the file ends inside the header of subblock \(entry.index)")
        }
        var headerSize = Self.minimumHeaderSize
        if schema[0] == UInt8(ascii: "D"), schema[1] == UInt8(ascii: "V") {
            guard let count = reader.int32(at: base + 16 + 28), (0...CZIDirectoryEntry.maxDimensions).contains(count) else {
                throw source.error(.corruptData, "subblock \(entry.index) has a damaged header (dimension count)")
            }
            headerSize = max(headerSize, 16 + CZIDirectoryEntry.fixedSize + count * CZIDirectoryEntry.dimensionSize)
        }
        guard metadataSize >= 0, attachmentSize >= 0, dataSize >= 0 else {
            throw source.error(
                .corruptData,
                "subblock \(entry.index) has negative sizes (metadata \(metadataSize), data \(dataSize), attachments \(attachmentSize))")
        }
        let start = base + headerSize + metadataSize
        guard start <= source.size, dataSize <= source.size - start else {
            throw source.error(
                .corruptData,
                "the data of subblock \(entry.index) (\(dataSize) bytes at offset \(start)) runs past the end of the file (\(source.size) bytes)")
        }
        data = start..<(start + dataSize)
        headerBytes = CZISegmentHeader.size + headerSize
    }
}

/// The ZISRAWMETADATA segment: the document's XML metadata.
struct CZIMetadataSegment {
    static let segmentID = "ZISRAWMETADATA"
    /// The fixed part of the segment's data; the XML follows.
    static let headerSize = 256

    /// The XML's bytes, as stored (UTF-8).
    var xml: UnsafeRawBufferPointer

    init(at position: Int, source: CZISource) throws(ImMetaIOError) {
        let segment = try source.segment(at: position, id: Self.segmentID, what: "metadata")
        let reader = source.reader
        guard let size = reader.int32(at: segment.dataOffset) else {
            throw source.error(.corruptData, "the file ends inside the metadata segment's header")
        }
        guard size >= 0, let bytes = reader.slice(segment.dataOffset + Self.headerSize, size) else {
            throw source.error(.corruptData, "the metadata XML (\(size) bytes at offset \(segment.dataOffset + Self.headerSize)) runs past the end of the file")
        }
        xml = bytes
    }
}
