import CDeflate
import ImMetaIO

/// A strict structural check of a PNG file, stricter than decoders that stop once the pixels are
/// in: every chunk CRC, one complete zlib stream across the IDAT chunks (Adler-32 included,
/// nothing after it) of exactly the size the header announces.
enum StrictPNG {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func validate(_ bytes: [UInt8]) throws {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.starts(with: signature) else { throw Failure(description: "no PNG signature") }
        func u32(_ at: Int) -> Int { (0..<4).reduce(0) { $0 << 8 | Int(bytes[at + $1]) } }
        var offset = 8
        var idat: [UInt8] = []
        var width = 0, height = 0, bitDepth = 0, colorType = 0
        var sawEnd = false
        while offset + 12 <= bytes.count {
            let length = u32(offset)
            guard offset + 12 + length <= bytes.count else { throw Failure(description: "chunk past the end") }
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let crc = bytes[(offset + 4)..<(offset + 8 + length)].withUnsafeBytes { libdeflate_crc32(0, $0.baseAddress, $0.count) }
            guard UInt32(u32(offset + 8 + length)) == crc else { throw Failure(description: "\(type) CRC mismatch") }
            let data = Array(bytes[(offset + 8)..<(offset + 8 + length)])
            switch type {
            case "IHDR":
                width = data.prefix(4).reduce(0) { $0 << 8 | Int($1) }
                height = data[4..<8].reduce(0) { $0 << 8 | Int($1) }
                bitDepth = Int(data[8])
                colorType = Int(data[9])
            case "IDAT": idat += data
            case "IEND": sawEnd = true
            default: break
            }
            offset += 12 + length
        }
        guard sawEnd, offset == bytes.count else { throw Failure(description: "missing IEND or trailing bytes") }
        let channels = [0: 1, 2: 3, 4: 2, 6: 4][colorType] ?? 0
        let expected = height * (1 + width * channels * bitDepth / 8)
        var output = [UInt8](repeating: 0, count: expected)
        var inputUsed = 0, produced = 0
        guard let decompressor = libdeflate_alloc_decompressor() else { throw Failure(description: "no decompressor") }
        defer { libdeflate_free_decompressor(decompressor) }
        let result = idat.withUnsafeBytes { input in
            output.withUnsafeMutableBytes { out in
                libdeflate_zlib_decompress_ex(
                    decompressor, input.baseAddress, input.count, out.baseAddress, out.count, &inputUsed, &produced)
            }
        }
        guard result == LIBDEFLATE_SUCCESS else { throw Failure(description: "zlib stream invalid (\(result))") }
        guard produced == expected, inputUsed == idat.count else {
            throw Failure(description: "zlib stream has \(produced) of \(expected) bytes, \(idat.count - inputUsed) bytes left over")
        }
    }
}
