import ImMetaIOCore
import NDArrayModule

/// A codec as named in `zarr.json`: its name and configuration.
public struct ZarrCodecSpec: Sendable, Hashable {
    /// The codec's registered name (`bytes`, `zstd`, `sharding_indexed`, …).
    public var name: String
    /// Its configuration object.
    public var configuration: JSONObject

    /// A codec by name and configuration.
    public init(name: String, configuration: JSONObject = [:]) {
        self.name = name
        self.configuration = configuration
    }

    /// `bytes`: elements in the given byte order (`little` or `big`).
    public static func bytes(endian: String = "little") -> ZarrCodecSpec {
        ZarrCodecSpec(name: "bytes", configuration: ["endian": .string(endian)])
    }
    /// `transpose`: the chunk stored with its axes permuted (`order[i]` is the source axis of axis `i`).
    public static func transpose(order: [Int]) -> ZarrCodecSpec {
        ZarrCodecSpec(name: "transpose", configuration: ["order": .array(order.map(JSONValue.int))])
    }
    /// `gzip` at `level` (0…9).
    public static func gzip(level: Int = 5) -> ZarrCodecSpec { ZarrCodecSpec(name: "gzip", configuration: ["level": .int(level)]) }
    /// `zstd` at `level`, with or without Zstandard's content checksum.
    public static func zstd(level: Int = 3, checksum: Bool = false) -> ZarrCodecSpec {
        ZarrCodecSpec(name: "zstd", configuration: ["level": .int(level), "checksum": .bool(checksum)])
    }
    /// `blosc` with a compressor (`lz4`, `lz4hc`, `blosclz`, `zstd`, `zlib`, `snappy`), level,
    /// shuffle (`noshuffle`, `shuffle`, `bitshuffle`), type size and block size (0: automatic).
    public static func blosc(
        cname: String = "lz4", clevel: Int = 5, shuffle: String = "shuffle", typesize: Int = 1, blocksize: Int = 0
    ) -> ZarrCodecSpec {
        ZarrCodecSpec(
            name: "blosc",
            configuration: [
                "cname": .string(cname), "clevel": .int(clevel), "shuffle": .string(shuffle), "typesize": .int(typesize),
                "blocksize": .int(blocksize),
            ])
    }
    /// `crc32c`: a CRC-32C checksum appended to the bytes.
    public static let crc32c = ZarrCodecSpec(name: "crc32c")
    /// `sharding_indexed`: shards of inner chunks of `chunkShape`, each encoded with `codecs`, and
    /// an index encoded with `indexCodecs` at the `start` or `end` of the shard.
    public static func sharding(
        chunkShape: [Int], codecs: [ZarrCodecSpec] = [.bytes()], indexCodecs: [ZarrCodecSpec] = [.bytes(), .crc32c],
        indexLocation: String = "end"
    ) -> ZarrCodecSpec {
        ZarrCodecSpec(
            name: "sharding_indexed",
            configuration: [
                "chunk_shape": .array(chunkShape.map(JSONValue.int)), "codecs": .array(codecs.map(\.json)),
                "index_codecs": .array(indexCodecs.map(\.json)), "index_location": .string(indexLocation),
            ])
    }

    /// The spec with every configuration field spelt out (defaults filled in), as readers such as
    /// zarr-python expect; nested sharding codecs too.
    func normalized(itemSize: Int) -> ZarrCodecSpec {
        var configuration = self.configuration
        func setDefault(_ key: String, _ value: JSONValue) { if configuration[key] == nil { configuration[key] = value } }
        switch name {
        case "bytes": setDefault("endian", "little")
        case "gzip": setDefault("level", 5)
        case "zstd":
            setDefault("level", 0)
            setDefault("checksum", false)
        case "blosc":
            setDefault("cname", "zstd")
            setDefault("clevel", 5)
            setDefault("shuffle", "shuffle")
            setDefault("typesize", .int(itemSize))
            setDefault("blocksize", 0)
        case "sharding_indexed":
            for key in ["codecs", "index_codecs"] {
                let list = configuration[key]?.arrayValue ?? (key == "codecs" ? [ZarrCodecSpec.bytes().json] : [
                    ZarrCodecSpec.bytes().json, ZarrCodecSpec.crc32c.json,
                ])
                configuration[key] = .array(list.map { entry in
                    (try? ZarrCodecSpec(json: entry)).map { $0.normalized(itemSize: key == "codecs" ? itemSize : 8).json } ?? entry
                })
            }
            setDefault("index_location", "end")
        default: break
        }
        return ZarrCodecSpec(name: name, configuration: configuration)
    }

    /// The `{"name": …, "configuration": …}` object.
    public var json: JSONValue {
        configuration.isEmpty ? ["name": .string(name)] : ["name": .string(name), "configuration": .object(configuration)]
    }

    /// Parses a codec entry: an object with `name` and optional `configuration`, or a bare name.
    init(json: JSONValue) throws(ImMetaIOError) {
        if let name = json.stringValue {
            self.init(name: name)
            return
        }
        guard let name = json["name"]?.stringValue else {
            throw ImMetaIOError(.corruptData, "a codec entry has no name: \(json)")
        }
        let configuration = json["configuration"]
        guard configuration == nil || configuration?.objectValue != nil else {
            throw ImMetaIOError(.corruptData, "codec \(name) has a configuration that is not an object")
        }
        self.init(name: name, configuration: configuration?.objectValue ?? [:])
    }
}

/// What every codec of a chunk needs to know about the array.
struct ChunkContext: Sendable {
    let dtype: DType
    /// One element holding the fill value, native byte order.
    let fill: [UInt8]
    /// Whether chunks equal to the fill value are stored anyway.
    let writeEmptyChunks: Bool
}

/// Transforms arrays into arrays (`transpose`).
protocol ArrayToArrayCodec: Sendable {
    func encodedShape(_ shape: [Int]) -> [Int]
    func encode(_ array: NDArray) throws -> NDArray
    func decode(_ array: NDArray, shape: [Int]) throws -> NDArray
}

/// Serialises arrays (`bytes`, `sharding_indexed`).
protocol ArrayToBytesCodec: Sendable {
    func encode(_ array: NDArray) throws -> [UInt8]
    func decode(_ bytes: [UInt8], shape: [Int]) throws -> NDArray
    /// The encoded size when it depends only on the shape (for shard index sizes).
    func fixedSize(_ shape: [Int]) -> Int?
}

/// Transforms bytes (`gzip`, `zstd`, `blosc`, `crc32c`).
protocol BytesToBytesCodec: Sendable {
    func encode(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8]
    /// `expectedSize` bounds the output (decompression bombs are refused).
    func decode(_ bytes: UnsafeRawBufferPointer, expectedSize: Int?) throws -> [UInt8]
    /// Decodes straight into `target`, which must be filled exactly; `false` when this codec
    /// cannot (the caller then decodes through a buffer).
    func decode(_ bytes: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer) throws -> Bool
    /// Encoded size for a given input size when fixed (`crc32c`: +4), else `nil`.
    func fixedSize(_ size: Int) -> Int?
}

extension BytesToBytesCodec {
    func encode(_ bytes: [UInt8]) throws -> [UInt8] { try bytes.withUnsafeBytes { try encode($0) } }
    func decode(_ bytes: [UInt8], expectedSize: Int?) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try decode($0, expectedSize: expectedSize) }
    }
    func decode(_ bytes: UnsafeRawBufferPointer, into target: UnsafeMutableRawBufferPointer) throws -> Bool { false }
}

func corrupt(_ message: String) -> ImMetaIOError { ImMetaIOError(.corruptData, message) }
