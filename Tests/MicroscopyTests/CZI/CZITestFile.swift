/// Builds small CZI files in memory for the tests: a file header, subblock segments, a subblock
/// directory, an XML metadata segment and attachments, laid out as ZEN and libCZI write them.
struct CZITestFile {
    /// One dimension entry of a subblock.
    struct Dimension {
        var letter: Character
        var start: Int32
        var size: Int32 = 1
        var storedSize: Int32 = 1
    }

    /// A subblock: its directory entry fields and its data.
    struct Subblock {
        var pixelType: Int32 = 1
        var compression: Int32 = 0
        var pyramidType: UInt8 = 0
        var dimensions: [Dimension]
        var data: [UInt8]
        /// The segment's own data size field, when it should lie about the data.
        var declaredDataSize: Int?

        /// A subblock at (x, y) of `width`×`height` stored pixels (`storedWidth`×`storedHeight`
        /// when subsampled), with other dimensions as `letter: start`.
        init(
            x: Int32, y: Int32, width: Int32, height: Int32, storedWidth: Int32? = nil, storedHeight: Int32? = nil,
            pixelType: Int32 = 1, compression: Int32 = 0, pyramidType: UInt8 = 0, coordinates: KeyValuePairs<Character, Int32> = [:],
            data: [UInt8]
        ) {
            self.pixelType = pixelType
            self.compression = compression
            self.pyramidType = pyramidType
            dimensions = coordinates.map { Dimension(letter: $0.key, start: $0.value) }
            dimensions.append(Dimension(letter: "X", start: x, size: width, storedSize: storedWidth ?? width))
            dimensions.append(Dimension(letter: "Y", start: y, size: height, storedSize: storedHeight ?? height))
            self.data = data
        }
    }

    /// An attachment: name, content type and data.
    struct Attachment {
        var name: String
        var contentType: String
        var data: [UInt8]
    }

    var subblocks: [Subblock] = []
    var metadataXML: String?
    var attachments: [Attachment] = []
    /// Whether the file header points to the directory (a scan must find the subblocks otherwise).
    var writesDirectoryPosition = true

    /// Offsets of the written segments, for tests that damage them.
    private(set) var subblockPositions: [Int] = []
    private(set) var directoryPosition = 0

    /// The file's bytes.
    mutating func bytes() -> [UInt8] {
        var file: [UInt8] = []
        // File header, filled in at the end.
        appendSegment(&file, id: "ZISRAWFILE", data: [UInt8](repeating: 0, count: 512))
        subblockPositions = []
        var entries: [[UInt8]] = []
        for subblock in subblocks {
            let position = file.count
            subblockPositions.append(position)
            let entry = Self.entry(subblock, position: position)
            entries.append(entry)
            var data: [UInt8] = []
            Self.append(&data, Int32(0))
            Self.append(&data, Int32(0))
            Self.append(&data, Int64(subblock.declaredDataSize ?? subblock.data.count))
            data += entry
            let headerSize = max(256, 16 + entry.count)
            data += [UInt8](repeating: 0, count: headerSize - data.count)
            data += subblock.data
            appendSegment(&file, id: "ZISRAWSUBBLOCK", data: data)
        }
        directoryPosition = file.count
        var directory: [UInt8] = []
        Self.append(&directory, Int32(entries.count))
        directory += [UInt8](repeating: 0, count: 124)
        for entry in entries { directory += entry }
        appendSegment(&file, id: "ZISRAWDIRECTORY", data: directory)

        var metadataPosition = 0
        if let metadataXML {
            metadataPosition = file.count
            let xml = Array(metadataXML.utf8)
            var data: [UInt8] = []
            Self.append(&data, Int32(xml.count))
            data += [UInt8](repeating: 0, count: 252)
            data += xml
            appendSegment(&file, id: "ZISRAWMETADATA", data: data)
        }
        var attachmentDirectoryPosition = 0
        if !attachments.isEmpty {
            var entries: [[UInt8]] = []
            for attachment in attachments {
                let position = file.count
                let entry = Self.attachmentEntry(attachment, position: position)
                entries.append(entry)
                var data: [UInt8] = []
                Self.append(&data, Int64(attachment.data.count))
                data += [UInt8](repeating: 0, count: 8)
                data += entry
                data += [UInt8](repeating: 0, count: 256 - data.count)
                data += attachment.data
                appendSegment(&file, id: "ZISRAWATTACH", data: data)
            }
            attachmentDirectoryPosition = file.count
            var data: [UInt8] = []
            Self.append(&data, Int32(entries.count))
            data += [UInt8](repeating: 0, count: 252)
            for entry in entries { data += entry }
            appendSegment(&file, id: "ZISRAWATTDIR", data: data)
        }

        var header: [UInt8] = []
        Self.append(&header, Int32(1))
        Self.append(&header, Int32(0))
        header += [UInt8](repeating: 0, count: 8)
        header += (0..<16).map { UInt8($0 + 1) }
        header += (0..<16).map { UInt8($0 + 1) }
        Self.append(&header, Int32(0))
        Self.append(&header, Int64(writesDirectoryPosition ? directoryPosition : 0))
        Self.append(&header, Int64(metadataPosition))
        Self.append(&header, Int32(0))
        Self.append(&header, Int64(attachmentDirectoryPosition))
        file.replaceSubrange(32..<(32 + header.count), with: header)
        return file
    }

    static func entry(_ subblock: Subblock, position: Int) -> [UInt8] {
        var entry: [UInt8] = Array("DV".utf8)
        append(&entry, subblock.pixelType)
        append(&entry, Int64(position))
        append(&entry, Int32(0))
        append(&entry, subblock.compression)
        entry += [subblock.pyramidType, 0, 0, 0, 0, 0]
        append(&entry, Int32(subblock.dimensions.count))
        for dimension in subblock.dimensions {
            entry += Array(String(dimension.letter).utf8) + [0, 0, 0]
            append(&entry, dimension.start)
            append(&entry, dimension.size)
            append(&entry, Float(0).bitPattern)
            append(&entry, dimension.storedSize)
        }
        return entry
    }

    static func attachmentEntry(_ attachment: Attachment, position: Int) -> [UInt8] {
        var entry: [UInt8] = Array("A1".utf8) + [UInt8](repeating: 0, count: 10)
        append(&entry, Int64(position))
        append(&entry, Int32(0))
        entry += [UInt8](repeating: 0, count: 16)
        entry += padded(attachment.contentType, 8)
        entry += padded(attachment.name, 80)
        return entry
    }

    static func padded(_ text: String, _ count: Int) -> [UInt8] {
        Array(Array(text.utf8).prefix(count)) + [UInt8](repeating: 0, count: max(0, count - text.utf8.count))
    }

    /// A segment: 16-byte id, allocated and used size, data padded to 32 bytes.
    private func appendSegment(_ file: inout [UInt8], id: String, data: [UInt8]) {
        let allocated = (data.count + 31) / 32 * 32
        file += Self.padded(id, 16)
        Self.append(&file, Int64(allocated))
        Self.append(&file, Int64(data.count))
        file += data
        file += [UInt8](repeating: 0, count: allocated - data.count)
    }

    static func append<T: FixedWidthInteger>(_ bytes: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    /// Little-endian bytes of 16-bit values.
    static func bytes(_ values: [UInt16]) -> [UInt8] {
        values.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
    }
}
