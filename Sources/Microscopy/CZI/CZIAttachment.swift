import ImMetaIOCore

/// An attachment listed in a CZI file's attachment directory: thumbnails, the label and preview
/// images, time stamps, event lists, lookup tables.
public struct CZIAttachment: Sendable, Hashable {
    /// The attachment's name (`TimeStamps`, `Thumbnail`, `Label`, `SlidePreview` …).
    public var name: String
    /// Its content type (`CZTIMS`, `JPG`, `CZI`, `CZEVL`, `CZLUT` …).
    public var contentType: String
    /// The offset of its ZISRAWATTACH segment.
    public var filePosition: Int

    static let directoryID = "ZISRAWATTDIR"
    static let segmentID = "ZISRAWATTACH"
    static let entrySize = 128
    /// The fixed parts of the directory's and the attachment segment's data.
    static let directoryHeaderSize = 256
    static let segmentHeaderSize = 256

    /// The entries of the attachment directory at `position`.
    static func directory(at position: Int, source: CZISource) throws(ImMetaIOError) -> [CZIAttachment] {
        let segment = try source.segment(at: position, id: directoryID, what: "attachment directory")
        let reader = source.reader
        guard let count = reader.int32(at: segment.dataOffset) else {
            throw source.error(.corruptData, "the file ends inside the attachment directory's header")
        }
        let first = segment.dataOffset + directoryHeaderSize
        let available = source.size - first
        guard count >= 0, available >= 0, count <= available / entrySize else {
            throw source.error(.corruptData, "the attachment directory claims \(count) entries, more than the file holds")
        }
        var attachments: [CZIAttachment] = []
        for index in 0..<count {
            let offset = first + index * entrySize
            guard reader.text(offset, 2) == "A1", let position = reader.int64(at: offset + 12),
                let type = reader.text(offset + 40, 8), let name = reader.text(offset + 48, 80)
            else {
                throw source.error(.corruptData, "attachment directory entry \(index) is damaged")
            }
            attachments.append(CZIAttachment(name: name, contentType: type, filePosition: position))
        }
        return attachments
    }

    /// The attachment's data.
    func data(_ source: CZISource) throws(ImMetaIOError) -> UnsafeRawBufferPointer {
        let segment = try source.segment(at: filePosition, id: Self.segmentID, what: "attachment \"\(name)\"")
        let reader = source.reader
        guard let size = reader.int64(at: segment.dataOffset), size >= 0,
            let bytes = reader.slice(segment.dataOffset + Self.segmentHeaderSize, size)
        else {
            throw source.error(.corruptData, "the data of attachment \"\(name)\" runs past the end of the file")
        }
        return bytes
    }

    /// The seconds of a `CZTIMS` time-stamp list: a size, a count, then that many doubles.
    static func timeStamps(_ bytes: UnsafeRawBufferPointer) -> [Double]? {
        let reader = CZIByteReader(bytes)
        guard let count = reader.int32(at: 4), count >= 0, count <= (bytes.count - 8) / 8 else { return nil }
        return (0..<count).compactMap { reader.float64(at: 8 + $0 * 8) }
    }
}
