import ImMetaIOCore

/// The `ZISRAWFILE` segment at the start of every CZI file: the format version, the file's
/// identity and where its directories and metadata are.
public struct CZIFileHeader: Sendable, Hashable {
    /// The format's major version (1).
    public var majorVersion: Int
    /// The format's minor version (0).
    public var minorVersion: Int
    /// The GUID shared by all parts of a multi-part file.
    public var primaryFileGUID: String
    /// This file's GUID.
    public var fileGUID: String
    /// This file's part number (0 for the first or only part).
    public var filePart: Int
    /// The offset of the subblock directory segment (0: none).
    public var directoryPosition: Int
    /// The offset of the metadata segment (0: none).
    public var metadataPosition: Int
    /// The offset of the attachment directory segment (0: none).
    public var attachmentDirectoryPosition: Int
    /// Whether a writer was interrupted while updating the file (its directories may be stale).
    public var updatePending: Bool

    /// The magic id of the first segment.
    static let segmentID = "ZISRAWFILE"

    /// Whether bytes start like a CZI file.
    static func matches(_ prefix: some Collection<UInt8>) -> Bool {
        let magic = Array(segmentID.utf8) + [UInt8](repeating: 0, count: 16 - segmentID.utf8.count)
        return prefix.count >= 16 && Array(prefix.prefix(16)) == magic
    }

    /// Reads the file header segment at offset 0.
    init(_ source: CZISource) throws(ImMetaIOError) {
        guard source.size >= 16, Self.matches(UnsafeRawBufferPointer(rebasing: source.bytes.stableBytes.prefix(16))) else {
            throw source.error(.unsupportedFormat, "not a CZI file: it does not start with a ZISRAWFILE segment")
        }
        let segment = try source.segment(at: 0, id: Self.segmentID, what: "file header")
        let reader = source.reader
        let data = segment.dataOffset
        guard let major = reader.int32(at: data), let minor = reader.int32(at: data + 4),
            let primary = reader.guid(at: data + 16), let guid = reader.guid(at: data + 32),
            let part = reader.int32(at: data + 48), let directory = reader.int64(at: data + 52),
            let metadata = reader.int64(at: data + 60), let pending = reader.int32(at: data + 68),
            let attachments = reader.int64(at: data + 72)
        else {
            throw source.error(.corruptData, "the file ends inside its ZISRAWFILE header (\(source.size) bytes)")
        }
        majorVersion = major
        minorVersion = minor
        primaryFileGUID = primary
        fileGUID = guid
        filePart = part
        directoryPosition = directory
        metadataPosition = metadata
        attachmentDirectoryPosition = attachments
        updatePending = pending != 0
        for (name, position) in [("subblock directory", directory), ("metadata", metadata), ("attachment directory", attachments)]
        where position != 0 && (position < 0 || position > source.size - CZISegmentHeader.size) {
            throw source.error(.corruptData, "the \(name) position \(position) lies outside the file (\(source.size) bytes)")
        }
    }
}
