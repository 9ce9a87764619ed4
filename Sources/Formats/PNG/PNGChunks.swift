import CDeflate

/// The chunk layer of PNG: walking the chunks of a file and writing new ones.
enum PNGChunks {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// One chunk: its type as four ASCII letters and the range of its data in the file.
    struct Chunk {
        var type: String
        var data: Range<Int>
    }

    /// The chunks of a file in order, up to and including `IEND` (CRCs are not checked here:
    /// libspng checks them when it decodes).
    static func list(_ bytes: UnsafeRawBufferPointer) throws(PNGError) -> [Chunk] {
        guard bytes.count >= 8, bytes.starts(with: signature) else { throw .notPNG }
        var chunks: [Chunk] = []
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(readUInt32(bytes, offset))
            guard length <= Int(Int32.max), offset + 12 + length <= bytes.count else {
                throw .corrupt("chunk at byte \(offset) runs past the end of the file")
            }
            let typeBytes = bytes[(offset + 4)..<(offset + 8)]
            guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw .corrupt("invalid chunk type at byte \(offset + 4)")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            chunks.append(Chunk(type: type, data: (offset + 8)..<(offset + 8 + length)))
            offset += 12 + length
            if type == "IEND" { break }
        }
        return chunks
    }

    static func readUInt32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 << 8 | UInt32(bytes[offset + $1]) }
    }

    static func readUInt16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    static func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    /// A complete chunk (length, type, data, CRC).
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12 + data.count)
        appendUInt32(UInt32(data.count), to: &bytes)
        bytes += Array(type.utf8)
        bytes += data
        let crc = bytes[4...].withUnsafeBytes { libdeflate_crc32(0, $0.baseAddress, $0.count) }
        appendUInt32(crc, to: &bytes)
        return bytes
    }
}

/// Failures of the PNG plugin's own parsing (the decoder's errors come from libspng).
enum PNGError: Error, Equatable {
    case notPNG
    case corrupt(String)
}
