import ImMetaIOCore
import NDArrayModule

/// How chunk indices become store keys.
public enum ChunkKeyEncoding: Sendable, Hashable {
    /// `c/1/2` (or `c.1.2` with `.`): Zarr v3's default.
    case `default`(separator: Character)
    /// `1.2` (or `1/2`): Zarr v2's layout.
    case v2(separator: Character)

    /// The key of the chunk at `index` (relative to the array's path).
    func key(_ index: [Int]) -> String {
        switch self {
        case .default(let separator):
            return index.isEmpty ? "c" : "c" + String(separator) + index.map(String.init).joined(separator: String(separator))
        case .v2(let separator):
            return index.isEmpty ? "0" : index.map(String.init).joined(separator: String(separator))
        }
    }

    var json: JSONValue {
        switch self {
        case .default(let separator): ["name": "default", "configuration": ["separator": .string(String(separator))]]
        case .v2(let separator): ["name": "v2", "configuration": ["separator": .string(String(separator))]]
        }
    }

    init(json: JSONValue?) throws(ImMetaIOError) {
        guard let json else {
            self = .default(separator: "/")
            return
        }
        let name = json["name"]?.stringValue ?? json.stringValue
        let separator = json["configuration"]?["separator"]?.stringValue
        guard separator == nil || separator == "/" || separator == "." else {
            throw corrupt("chunk key separator must be '/' or '.', not '\(separator ?? "")'")
        }
        switch name {
        case "default": self = .default(separator: Character(separator ?? "/"))
        case "v2": self = .v2(separator: Character(separator ?? "."))
        default: throw ImMetaIOError(.unsupportedFeature, "chunk key encoding '\(name ?? "?")' is not supported")
        }
    }
}

/// An array's `zarr.json`: shape, data type, chunk grid, key encoding, fill value, codecs,
/// dimension names and attributes (Zarr v3.0).
public struct ZarrArrayMetadata: Sendable {
    /// The array's shape.
    public var shape: [Int]
    /// Element type.
    public var dtype: DType
    /// The regular chunk grid's chunk shape (the shard shape for sharded arrays).
    public var chunkShape: [Int]
    /// How chunk keys are spelt.
    public var chunkKeyEncoding: ChunkKeyEncoding
    /// The fill value, as stored in `zarr.json`.
    public var fillValue: JSONValue
    /// The codecs, in encoding order.
    public var codecs: [ZarrCodecSpec]
    /// Names of the axes (`nil` entries for unnamed ones).
    public var dimensionNames: [String?]?
    /// User attributes.
    public var attributes: JSONObject
    /// Extension fields marked `"must_understand": false`, kept so they survive a rewrite.
    var extensions: JSONObject = [:]

    /// Creates metadata.
    public init(
        shape: [Int], dtype: DType, chunkShape: [Int], chunkKeyEncoding: ChunkKeyEncoding = .default(separator: "/"),
        fillValue: JSONValue = 0, codecs: [ZarrCodecSpec] = [.bytes()], dimensionNames: [String?]? = nil,
        attributes: JSONObject = [:]
    ) {
        self.shape = shape
        self.dtype = dtype
        self.chunkShape = chunkShape
        self.chunkKeyEncoding = chunkKeyEncoding
        self.fillValue = fillValue
        self.codecs = codecs
        self.dimensionNames = dimensionNames
        self.attributes = attributes
    }

    static let knownKeys: Set<String> = [
        "zarr_format", "node_type", "shape", "data_type", "chunk_grid", "chunk_key_encoding", "fill_value", "codecs",
        "dimension_names", "attributes", "storage_transformers",
    ]

    /// Parses and checks a `zarr.json` object of an array.
    public init(json: JSONValue) throws(ImMetaIOError) {
        guard json["zarr_format"]?.intValue == 3 else { throw corrupt("zarr_format must be 3") }
        guard json["node_type"]?.stringValue == "array" else { throw corrupt("node_type is not 'array'") }
        guard let shape = json["shape"]?.arrayValue?.compactMap(\.intValue), shape.count == json["shape"]?.arrayValue?.count,
            shape.allSatisfy({ $0 >= 0 })
        else { throw corrupt("shape must be a list of non-negative integers") }
        guard let typeName = json["data_type"]?.stringValue else { throw corrupt("data_type must be a string") }
        guard let dtype = ZarrDataType.dtype(typeName) else {
            throw ImMetaIOError(.unsupportedFeature, "data type '\(typeName)' is not supported")
        }
        guard json["chunk_grid"]?["name"]?.stringValue == "regular",
            let chunks = json["chunk_grid"]?["configuration"]?["chunk_shape"]?.arrayValue?.compactMap(\.intValue),
            chunks.count == shape.count, chunks.allSatisfy({ $0 > 0 })
        else { throw corrupt("chunk_grid must be regular with one positive chunk size per axis") }
        // Chunks are decoded whole: their size must be one this engine can allocate.
        guard let chunkElements = NDArray.checkedElementCount(chunks),
            case let (chunkBytes, overflow) = chunkElements.multipliedReportingOverflow(by: dtype.itemSize), !overflow,
            chunkBytes <= Self.maximumChunkBytes
        else { throw corrupt("chunk shape \(chunks) exceeds the \(Self.maximumChunkBytes >> 30) GiB a chunk may hold") }
        guard NDArray.checkedElementCount(shape) != nil else { throw corrupt("shape \(shape) is impossibly large") }
        guard let codecList = json["codecs"]?.arrayValue, !codecList.isEmpty else { throw corrupt("codecs must be a non-empty list") }
        var codecs: [ZarrCodecSpec] = []
        for entry in codecList {
            let spec = try ZarrCodecSpec(json: entry)
            if entry["must_understand"]?.boolValue == false, !Self.supportedCodecs.contains(spec.name) { continue }
            codecs.append(spec)
        }
        if let transformers = json["storage_transformers"]?.arrayValue, !transformers.isEmpty {
            throw ImMetaIOError(.unsupportedFeature, "storage transformers are not supported")
        }
        var dimensionNames: [String?]?
        if let names = json["dimension_names"], names != .null {
            guard let list = names.arrayValue, list.count == shape.count,
                list.allSatisfy({ $0 == .null || $0.stringValue != nil })
            else { throw corrupt("dimension_names must list one name or null per axis") }
            dimensionNames = list.map(\.stringValue)
        }
        guard let fillValue = json["fill_value"] else { throw corrupt("fill_value is missing") }
        _ = try ZarrDataType.fillBytes(fillValue, dtype: dtype)
        let attributes = json["attributes"]?.objectValue ?? [:]
        self.init(
            shape: shape, dtype: dtype, chunkShape: chunks, chunkKeyEncoding: try ChunkKeyEncoding(json: json["chunk_key_encoding"]),
            fillValue: fillValue, codecs: codecs, dimensionNames: dimensionNames, attributes: attributes)
        // Unknown top-level fields are extensions: refused unless marked as safe to ignore.
        for (key, value) in json.objectValue ?? [:] where !Self.knownKeys.contains(key) {
            guard value["must_understand"]?.boolValue == false else {
                throw ImMetaIOError(.unsupportedFeature, "extension '\(key)' must be understood and is not supported")
            }
            extensions[key] = value
        }
    }

    /// The largest chunk (or shard) this engine decodes: 2 GiB.
    static let maximumChunkBytes = 1 << 31

    static let supportedCodecs: Set<String> = ["bytes", "transpose", "gzip", "zstd", "blosc", "crc32c", "sharding_indexed"]

    /// The `zarr.json` object.
    public var json: JSONValue {
        var object: JSONObject = [
            "zarr_format": 3, "node_type": "array", "shape": .array(shape.map(JSONValue.int)),
            "data_type": .string(ZarrDataType.name(dtype)),
            "chunk_grid": ["name": "regular", "configuration": ["chunk_shape": .array(chunkShape.map(JSONValue.int))]],
            "chunk_key_encoding": chunkKeyEncoding.json, "fill_value": fillValue,
            "codecs": .array(codecs.map(\.json)), "attributes": .object(attributes),
        ]
        if let dimensionNames { object["dimension_names"] = .array(dimensionNames.map { $0.map(JSONValue.string) ?? .null }) }
        for (key, value) in extensions { object[key] = value }
        return .object(object)
    }
}
