import ImMetaIOCore
import NDArrayModule

/// A chunk's codecs in order: array→array codecs, one array→bytes codec, bytes→bytes codecs.
struct CodecPipeline: Sendable {
    let arrayToArray: [any ArrayToArrayCodec]
    let arrayToBytes: any ArrayToBytesCodec
    let bytesToBytes: [any BytesToBytesCodec]
    let shape: [Int]
    let context: ChunkContext

    /// Builds the codecs of `specs` for chunks of `shape`.
    /// - Throws: `unsupportedFeature` for codecs this build does not know, `corruptData` for
    ///   an invalid chain or configuration.
    init(_ specs: [ZarrCodecSpec], shape: [Int], context: ChunkContext) throws(ImMetaIOError) {
        var arrayToArray: [any ArrayToArrayCodec] = []
        var arrayToBytes: (any ArrayToBytesCodec)?
        var bytesToBytes: [any BytesToBytesCodec] = []
        var encodedShape = shape
        for spec in specs {
            let configuration = spec.configuration
            switch spec.name {
            case "transpose":
                guard arrayToBytes == nil else { throw corrupt("transpose after the array→bytes codec") }
                let codec = try TransposeCodec(configuration, rank: encodedShape.count)
                encodedShape = codec.encodedShape(encodedShape)
                arrayToArray.append(codec)
            case "bytes", "sharding_indexed":
                guard arrayToBytes == nil else { throw corrupt("more than one array→bytes codec") }
                arrayToBytes = spec.name == "bytes"
                    ? try BytesCodec(configuration, dtype: context.dtype)
                    : try ShardingCodec(configuration, shape: encodedShape, context: context)
            case "gzip", "zstd", "blosc", "crc32c":
                guard arrayToBytes != nil else { throw corrupt("\(spec.name) before the array→bytes codec") }
                switch spec.name {
                case "gzip": bytesToBytes.append(try GzipCodec(configuration))
                case "zstd": bytesToBytes.append(try ZstdCodec(configuration))
                case "blosc": bytesToBytes.append(try BloscCodec(configuration, dtype: context.dtype.itemSize))
                default: bytesToBytes.append(CRC32CCodec())
                }
            default:
                throw ImMetaIOError(.unsupportedFeature, "codec '\(spec.name)' is not supported")
            }
        }
        guard let arrayToBytes else { throw corrupt("the codecs have no array→bytes codec (bytes or sharding_indexed)") }
        self.arrayToArray = arrayToArray
        self.arrayToBytes = arrayToBytes
        self.bytesToBytes = bytesToBytes
        self.shape = shape
        self.context = context
    }

    /// The sharding codec, when it is the only codec that shapes the bytes (so inner chunks can
    /// be read with byte ranges).
    var partialSharding: ShardingCodec? {
        guard arrayToArray.isEmpty, bytesToBytes.isEmpty else { return nil }
        return arrayToBytes as? ShardingCodec
    }

    /// Whether chunks are stored as their own little-endian bytes before any bytes→bytes codec:
    /// then encoding reads, and decoding writes, the caller's memory directly.
    var isDirect: Bool {
        guard arrayToArray.isEmpty, let bytes = arrayToBytes as? BytesCodec else { return false }
        return !bytes.bigEndian
    }

    /// Encodes a chunk given as its raw C-order bytes (``isDirect`` pipelines only).
    func encode(raw: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard let first = bytesToBytes.first else { return [UInt8](raw) }
        var bytes = try first.encode(raw)
        for codec in bytesToBytes.dropFirst() { bytes = try codec.encode(bytes) }
        return bytes
    }

    /// Decodes a chunk given in place (part of a shard, say) straight into `target`; with one
    /// bytes→bytes codec or none, without copying the encoded bytes (``isDirect`` pipelines only).
    func decode(raw encoded: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer) throws {
        guard bytesToBytes.count <= 1 else { return try decode([UInt8](encoded), into: target) }
        try decodeInnermost(encoded, into: target)
    }

    /// Decodes a chunk straight into `target` (its raw C-order bytes; ``isDirect`` pipelines only).
    func decode(_ encoded: [UInt8], into target: UnsafeMutableRawBufferPointer) throws {
        var bytes = encoded
        var sizes: [Int?] = [target.count]
        for codec in bytesToBytes { sizes.append(sizes[sizes.count - 1].flatMap(codec.fixedSize)) }
        for (index, codec) in bytesToBytes.enumerated().dropFirst().reversed() {
            bytes = try codec.decode(bytes, expectedSize: sizes[index])
        }
        try bytes.withUnsafeBytes { try decodeInnermost($0, into: target) }
    }

    /// The last step of a direct decode: the innermost bytes→bytes codec (if any) writes `bytes`
    /// into `target`, through a buffer when it cannot write in place.
    private func decodeInnermost(_ bytes: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer) throws {
        func place(_ decoded: UnsafeRawBufferPointer) throws {
            guard decoded.count == target.count else { throw corrupt("chunk holds \(decoded.count) bytes, expected \(target.count)") }
            if let base = decoded.baseAddress { target.baseAddress?.copyMemory(from: base, byteCount: decoded.count) }
        }
        guard let innermost = bytesToBytes.first else { return try place(bytes) }
        if try innermost.decode(bytes, into: target) { return }
        try innermost.decode(bytes, expectedSize: target.count).withUnsafeBytes { try place($0) }
    }

    func encode(_ chunk: NDArray) throws -> [UInt8] {
        if isDirect { return try chunk.withUnsafeBytes { try encode(raw: $0) } }
        var array = chunk
        for codec in arrayToArray { array = try codec.encode(array) }
        var bytes = try arrayToBytes.encode(array)
        for codec in bytesToBytes { bytes = try codec.encode(bytes) }
        return bytes
    }

    func decode(_ encoded: [UInt8]) throws -> NDArray {
        var shapes = [shape]
        for codec in arrayToArray { shapes.append(codec.encodedShape(shapes[shapes.count - 1])) }
        // Sizes after each bytes codec, when fixed, bound what each decompressor may produce.
        var sizes: [Int?] = [arrayToBytes.fixedSize(shapes[shapes.count - 1])]
        for codec in bytesToBytes { sizes.append(sizes[sizes.count - 1].flatMap(codec.fixedSize)) }
        var bytes = encoded
        for (index, codec) in bytesToBytes.enumerated().reversed() {
            bytes = try codec.decode(bytes, expectedSize: sizes[index])
        }
        var array = try arrayToBytes.decode(bytes, shape: shapes[shapes.count - 1])
        for (index, codec) in arrayToArray.enumerated().reversed() { array = try codec.decode(array, shape: shapes[index]) }
        return array
    }

    /// The encoded size when fixed by the shape (shard indexes).
    var fixedSize: Int? {
        var shapeNow = shape
        for codec in arrayToArray { shapeNow = codec.encodedShape(shapeNow) }
        var size = arrayToBytes.fixedSize(shapeNow)
        for codec in bytesToBytes { size = size.flatMap(codec.fixedSize) }
        return size
    }
}

extension ChunkContext {
    /// A chunk of `shape` filled with the fill value.
    func filledChunk(_ shape: [Int]) -> NDArray {
        let fill = self.fill
        return NDArray(unsafeUninitializedShape: shape, dtype: dtype) { out in
            Self.fill(out, with: fill)
        }
    }

    static func fill(_ out: UnsafeMutableRawBufferPointer, with element: [UInt8]) {
        guard !out.isEmpty else { return }
        if element.allSatisfy({ $0 == element.first }) {
            out.initializeMemory(as: UInt8.self, repeating: element.first ?? 0)
            return
        }
        let size = element.count
        element.withUnsafeBytes { source in
            for offset in stride(from: 0, to: out.count - size + 1, by: size) {
                (out.baseAddress! + offset).copyMemory(from: source.baseAddress!, byteCount: size)
            }
        }
    }

    /// Whether every element of `chunk` equals the fill value (bit for bit).
    func isFill(_ chunk: NDArray) -> Bool { chunk.withUnsafeBytes { isFill($0) } }

    /// Whether every element of `raw` equals the fill value (bit for bit).
    func isFill(_ raw: UnsafeRawBufferPointer) -> Bool {
        let fill = self.fill
        return {
            let size = fill.count
            if fill.allSatisfy({ $0 == fill.first }), let value = fill.first {
                // Eight bytes at a time.
                let pattern = UInt64(value) &* 0x0101_0101_0101_0101
                var i = 0
                while i + 8 <= raw.count {
                    if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) != pattern { return false }
                    i += 8
                }
                while i < raw.count {
                    if raw[i] != value { return false }
                    i += 1
                }
                return true
            }
            for offset in stride(from: 0, to: raw.count, by: size) where !fill.indices.allSatisfy({ raw[offset + $0] == fill[$0] }) {
                return false
            }
            return true
        }()
    }
}
