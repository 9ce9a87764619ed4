import ImMetaIOCore

/// One subblock as the directory lists it (a "DV" entry): pixel type, compression, where its
/// segment is, and its coordinates. The directory's word is final: a subblock's data is placed and
/// sized by this entry, whatever the segment itself says.
struct CZIDirectoryEntry: Sendable {
    /// The entry's position in the directory.
    var index: Int
    var pixelType: CZIPixelType
    var compression: CZICompression
    /// The offset of the subblock's ZISRAWSUBBLOCK segment.
    var filePosition: Int
    var filePart: Int
    /// 0 none, 1 single subblock, 2 multi-subblock: the writer's note that this is a pyramid tile.
    var pyramidType: UInt8
    /// The logical rectangle in the file's pixel coordinates (level-0 pixels).
    var x: Int
    var y: Int
    var width: Int
    var height: Int
    /// The stored size: smaller than the logical one for a pyramid (subsampled) subblock.
    var storedWidth: Int
    var storedHeight: Int
    /// Start index of each non-spatial dimension, by ``CZIDimension/slot``.
    var starts: SIMD16<Int32>
    /// Bit `slot` is set when the entry has that dimension.
    var present: UInt16

    /// The start index of a non-spatial dimension, or `nil` when the entry does not have it.
    func start(_ dimension: CZIDimension) -> Int? {
        guard let slot = dimension.slot, present & (1 << slot) != 0 else { return nil }
        return Int(starts[slot])
    }

    /// The most dimension entries a DV entry may have (libCZI's limit).
    static let maxDimensions = 40
    /// The fixed part of a DV entry; 20 bytes per dimension follow.
    static let fixedSize = 32
    static let dimensionSize = 20

    /// Parses the DV entry at `offset` of `reader`'s window and returns it with its size in bytes.
    static func parse(_ reader: CZIByteReader, at offset: Int, index: Int, source: CZISource) throws(ImMetaIOError) -> (CZIDirectoryEntry, Int) {
        guard let schema = reader.slice(offset, 2), let pixelType = reader.int32(at: offset + 2),
            let position = reader.int64(at: offset + 6), let part = reader.int32(at: offset + 14),
            let compression = reader.int32(at: offset + 18), let pyramid = reader.byte(at: offset + 22),
            let count = reader.int32(at: offset + 28)
        else {
            throw source.error(.corruptData, "directory entry \(index) runs past the end of its segment")
        }
        if schema[0] == UInt8(ascii: "D"), schema[1] == UInt8(ascii: "E") {
            throw source.error(.unsupportedFeature, "directory entry \(index) uses the old \"DE\" schema, which is not supported")
        }
        guard schema[0] == UInt8(ascii: "D"), schema[1] == UInt8(ascii: "V") else {
            throw source.error(.corruptData, "directory entry \(index) has no \"DV\" schema mark")
        }
        guard (1...maxDimensions).contains(count) else {
            throw source.error(.corruptData, "directory entry \(index) claims \(count) dimensions (1 to \(maxDimensions) allowed)")
        }
        var entry = CZIDirectoryEntry(
            index: index, pixelType: CZIPixelType(rawValue: Int32(truncatingIfNeeded: pixelType)),
            compression: CZICompression(rawValue: Int32(truncatingIfNeeded: compression)), filePosition: position, filePart: part,
            pyramidType: pyramid, x: 0, y: 0, width: 0, height: 0, storedWidth: 0, storedHeight: 0,
            starts: SIMD16(repeating: 0), present: 0)
        var sawX = false, sawY = false
        for d in 0..<count {
            let field = offset + fixedSize + d * dimensionSize
            guard let letter = reader.byte(at: field), let start = reader.int32(at: field + 4), let size = reader.int32(at: field + 8),
                let stored = reader.int32(at: field + 16)
            else {
                throw source.error(.corruptData, "directory entry \(index) runs past the end of its segment")
            }
            switch CZIDimension(field: letter) {
            case .x?:
                guard size > 0, stored > 0 else { throw badSize("X", size, stored, index, source) }
                (entry.x, entry.width, entry.storedWidth, sawX) = (start, size, stored, true)
            case .y?:
                guard size > 0, stored > 0 else { throw badSize("Y", size, stored, index, source) }
                (entry.y, entry.height, entry.storedHeight, sawY) = (start, size, stored, true)
            case let dimension?:
                if let slot = dimension.slot {
                    entry.starts[slot] = Int32(truncatingIfNeeded: start)
                    entry.present |= 1 << slot
                }
            case nil:
                // A dimension this reader does not know: it cannot place the subblock differently.
                break
            }
        }
        guard sawX, sawY else {
            throw source.error(.corruptData, "directory entry \(index) has no \(sawX ? "Y" : "X") dimension")
        }
        return (entry, fixedSize + count * dimensionSize)
    }

    private static func badSize(_ axis: String, _ size: Int, _ stored: Int, _ index: Int, _ source: CZISource) -> ImMetaIOError {
        source.error(.corruptData, "directory entry \(index) has \(axis) size \(size) (stored \(stored)); both must be positive")
    }
}
