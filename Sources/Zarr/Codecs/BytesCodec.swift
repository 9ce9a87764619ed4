import ImMetaIOCore
import NDArrayModule

/// `bytes`: the chunk's elements in C order, little- or big-endian.
struct BytesCodec: ArrayToBytesCodec {
    let dtype: DType
    let bigEndian: Bool

    init(_ configuration: JSONObject, dtype: DType) throws(ImMetaIOError) {
        self.dtype = dtype
        switch configuration["endian"]?.stringValue {
        // The specification requires `endian` for multi-byte types; a missing one is read as
        // little-endian, which every writer we know produces.
        case "little"?, nil: bigEndian = false
        case "big"?: bigEndian = true
        case let other?: throw corrupt("bytes codec endian must be 'little' or 'big', not '\(other)'")
        }
    }

    func encode(_ array: NDArray) throws -> [UInt8] {
        var bytes = array.withUnsafeBytes { Array($0) }
        if bigEndian { bytes.withUnsafeMutableBytes { ByteSwap.swapInPlace($0, itemSize: dtype.itemSize) } }
        return bytes
    }

    func decode(_ bytes: [UInt8], shape: [Int]) throws -> NDArray {
        let expected = shape.reduce(1, *) * dtype.itemSize
        guard bytes.count == expected else { throw corrupt("chunk holds \(bytes.count) bytes, expected \(expected)") }
        let swap = bigEndian
        let itemSize = dtype.itemSize
        return NDArray(unsafeUninitializedShape: shape, dtype: dtype) { out in
            bytes.withUnsafeBytes { out.copyMemory(from: $0) }
            if swap { ByteSwap.swapInPlace(out, itemSize: itemSize) }
        }
    }

    func fixedSize(_ shape: [Int]) -> Int? { shape.reduce(1, *) * dtype.itemSize }
}

/// `transpose`: stores the chunk with its axes permuted.
struct TransposeCodec: ArrayToArrayCodec {
    let order: [Int]
    let inverse: [Int]

    init(_ configuration: JSONObject, rank: Int) throws(ImMetaIOError) {
        guard let order = configuration["order"]?.arrayValue?.compactMap(\.intValue), order.count == rank,
            Set(order) == Set(0..<rank)
        else { throw corrupt("transpose order must be a permutation of 0..<\(rank)") }
        self.order = order
        var inverse = [Int](repeating: 0, count: rank)
        for (position, axis) in order.enumerated() { inverse[axis] = position }
        self.inverse = inverse
    }

    func encodedShape(_ shape: [Int]) -> [Int] { order.map { shape[$0] } }
    func encode(_ array: NDArray) throws -> NDArray { try array.transposed(order) }
    func decode(_ array: NDArray, shape: [Int]) throws -> NDArray {
        guard array.shape == encodedShape(shape) else { throw corrupt("transposed chunk has shape \(array.shape)") }
        return try array.transposed(inverse)
    }
}

/// `crc32c`: appends the CRC-32C (Castagnoli) of the bytes, little-endian, and checks it on read.
struct CRC32CCodec: BytesToBytesCodec {
    func encode(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] {
        var out = [UInt8](bytes)
        let crc = CRC32C.checksum(bytes)
        withUnsafeBytes(of: crc.littleEndian) { out.append(contentsOf: $0) }
        return out
    }

    func decode(_ bytes: UnsafeRawBufferPointer, expectedSize: Int?) throws -> [UInt8] {
        [UInt8](try verified(bytes))
    }

    func decode(_ bytes: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer) throws -> Bool {
        let body = try verified(bytes)
        guard body.count == target.count else { throw corrupt("crc32c: \(body.count) bytes, expected \(target.count)") }
        if let base = body.baseAddress, let out = target.baseAddress { out.copyMemory(from: base, byteCount: body.count) }
        return true
    }

    /// The data without its checksum, once the checksum matches.
    private func verified(_ bytes: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer {
        guard bytes.count >= 4 else { throw corrupt("crc32c: data shorter than its checksum") }
        let body = UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - 4)])
        let stored = bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self).littleEndian
        guard CRC32C.checksum(body) == stored else { throw corrupt("crc32c checksum mismatch") }
        return body
    }

    func fixedSize(_ size: Int) -> Int? { size + 4 }
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), eight bytes per step.
enum CRC32C {
    /// Eight 256-entry tables, one after another: entry `256 · k + b` is the CRC of byte `b`
    /// followed by `k` zero bytes.
    private static let table: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            table[byte] = crc
        }
        for k in 1..<8 {
            for byte in 0..<256 {
                let previous = table[256 * (k - 1) + byte]
                table[256 * k + byte] = (previous >> 8) ^ table[Int(previous & 0xFF)]
            }
        }
        return table
    }()

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        table.withUnsafeBufferPointer { t in
            var crc: UInt32 = 0xFFFF_FFFF
            var i = 0
            while i + 8 <= bytes.count {
                let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian
                let low = UInt32(truncatingIfNeeded: word) ^ crc, high = UInt32(truncatingIfNeeded: word >> 32)
                crc = t[0x700 + Int(low & 0xFF)] ^ t[0x600 + Int((low >> 8) & 0xFF)] ^ t[0x500 + Int((low >> 16) & 0xFF)]
                    ^ t[0x400 + Int(low >> 24)] ^ t[0x300 + Int(high & 0xFF)] ^ t[0x200 + Int((high >> 8) & 0xFF)]
                    ^ t[0x100 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                i += 8
            }
            while i < bytes.count {
                crc = (crc >> 8) ^ t[Int((crc ^ UInt32(bytes[i])) & 0xFF)]
                i += 1
            }
            return ~crc
        }
    }
}
