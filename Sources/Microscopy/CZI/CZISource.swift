import ImMetaIOCore

/// The bytes of an open CZI file with what every stage needs beside them: the name errors give,
/// the decode limits and the read counter. Segment reads go through here, checked against the
/// file's size.
final class CZISource: Sendable {
    /// The file's bytes (mapped, or read when small).
    let bytes: ResourceBytes
    /// The path, or `<bytes>`, for error messages.
    let path: String
    /// Bounds on what one read may allocate.
    let limits: DecodeLimits
    /// Totals of the pixel reads.
    let counter = CZIReadCounter()

    init(bytes: ResourceBytes, path: String, limits: DecodeLimits) {
        self.bytes = bytes
        self.path = path
        self.limits = limits
    }

    /// The file's size in bytes.
    var size: Int { bytes.count }

    /// The whole file, for bounds-checked field reads.
    var reader: CZIByteReader { CZIByteReader(bytes.stableBytes) }

    func error(_ code: ImMetaIOError.Code, _ message: String) -> ImMetaIOError {
        ImMetaIOError(code, message, file: path)
    }

    /// The 32-byte segment header at `offset`, which must carry `id`.
    func segment(at offset: Int, id: String, what: String) throws(ImMetaIOError) -> CZISegmentHeader {
        guard offset >= 0, offset <= size - CZISegmentHeader.size else {
            throw error(.corruptData, "the \(what) at offset \(offset) lies outside the file (\(size) bytes)")
        }
        let header = CZISegmentHeader(reader, at: offset)
        guard header.id == id else {
            throw error(.corruptData, "the \(what) at offset \(offset) is not a \(id) segment (found \"\(header.id.prefix(16))\")")
        }
        return header
    }
}

/// The header every CZI segment starts with: a 16-byte ASCII id and two sizes.
struct CZISegmentHeader: Sendable {
    static let size = 32

    /// Where the segment starts.
    let offset: Int
    /// `ZISRAWSUBBLOCK`, `DELETED` …
    let id: String
    /// Bytes reserved for the segment's data (after the header).
    let allocatedSize: Int
    /// Bytes of the data in use.
    let usedSize: Int

    init(_ reader: CZIByteReader, at offset: Int) {
        self.offset = offset
        id = reader.text(offset, 16) ?? ""
        allocatedSize = reader.int64(at: offset + 16) ?? -1
        usedSize = reader.int64(at: offset + 24) ?? -1
    }

    /// Where the segment's data starts.
    var dataOffset: Int { offset + Self.size }
}
