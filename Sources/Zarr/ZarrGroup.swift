import ImMetaIOCore

/// A Zarr v3 group: a node with attributes whose children are arrays and groups below its path.
public struct ZarrGroup: Sendable {
    /// The store holding the group.
    public let store: any ZarrStore
    /// The group's path (`""` for the root).
    public let path: String
    /// User attributes.
    public private(set) var attributes: JSONObject

    /// Creates a group (writing its `zarr.json`); an existing group's attributes are replaced.
    public static func create(in store: any ZarrStore, path: String = "", attributes: JSONObject = [:]) throws -> ZarrGroup {
        let group = ZarrGroup(store: store, path: path, attributes: attributes)
        let json: JSONValue = ["zarr_format": 3, "node_type": "group", "attributes": .object(attributes)]
        try store.set(ZarrArray.prefix(path) + "zarr.json", Array(JSONText.encode(json).utf8))
        return group
    }

    /// Opens an existing group.
    public static func open(in store: any ZarrStore, path: String = "") throws -> ZarrGroup {
        let json = try ZarrNode.metadata(in: store, path: path)
        guard json["node_type"]?.stringValue == "group" else {
            throw ImMetaIOError(.invalidArgument, "not a group", file: ZarrArray.describe(store, path))
        }
        return ZarrGroup(store: store, path: path, attributes: json["attributes"]?.objectValue ?? [:])
    }

    /// Names of the direct children (arrays and groups), sorted.
    public func children() throws -> [String] {
        // One level only: listing every key below would walk every chunk of every child array.
        let prefix = ZarrArray.prefix(path)
        var names: [String] = []
        for child in try store.listDirectory(prefix: prefix).prefixes where try store.contains(child + "zarr.json") {
            names.append(String(child.dropFirst(prefix.count).dropLast()))
        }
        return names.sorted()
    }
}

/// An array or a group, opened from its `zarr.json`.
public enum ZarrNode: Sendable {
    /// An array.
    case array(ZarrArray)
    /// A group.
    case group(ZarrGroup)

    /// Opens whatever node is at `path`.
    public static func open(in store: any ZarrStore, path: String = "") throws -> ZarrNode {
        let json = try metadata(in: store, path: path)
        switch json["node_type"]?.stringValue {
        case "array"?: return .array(try ZarrArray.open(in: store, path: path))
        case "group"?: return .group(try ZarrGroup.open(in: store, path: path))
        default:
            throw ImMetaIOError(.corruptData, "zarr.json has no valid node_type", file: ZarrArray.describe(store, path))
        }
    }

    static func metadata(in store: any ZarrStore, path: String) throws -> JSONValue {
        let name = ZarrArray.describe(store, path)
        guard let bytes = try store.get(ZarrArray.prefix(path) + "zarr.json") else {
            throw ImMetaIOError(.missingFile, "no zarr.json", file: name)
        }
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw ImMetaIOError(.corruptData, "zarr.json is not valid JSON", file: name) }
        guard json["zarr_format"]?.intValue == 3 else {
            throw ImMetaIOError(.unsupportedFormat, "not a Zarr v3 node (zarr_format is not 3)", file: name)
        }
        return json
    }

    /// A human-readable tree of the hierarchy under `path`: node names, shapes, data types,
    /// chunk and shard shapes, codecs and stored bytes.
    public static func describeTree(in store: any ZarrStore, path: String = "") throws -> String {
        var lines: [String] = []
        func visit(_ path: String, depth: Int) throws {
            let indent = String(repeating: "  ", count: depth)
            let label = path.isEmpty ? "/" : String(path.split(separator: "/").last ?? "")
            switch try open(in: store, path: path) {
            case .group(let group):
                lines.append("\(indent)\(label) (group\(group.attributes.isEmpty ? "" : ", \(group.attributes.count) attributes"))")
                for child in try group.children() { try visit(ZarrArray.prefix(path) + child, depth: depth + 1) }
            case .array(let array):
                let meta = array.metadata
                var text = "\(indent)\(label) (array) shape \(meta.shape) \(ZarrDataType.name(meta.dtype))"
                if let sharding = array.pipeline.arrayToBytes as? ShardingCodec {
                    text += ", shards \(meta.chunkShape), chunks \(sharding.innerShape)"
                    text += ", codecs \(meta.codecs.map(\.name)) inner \(innerNames(meta))"
                } else {
                    text += ", chunks \(meta.chunkShape), codecs \(meta.codecs.map(\.name))"
                }
                if let names = meta.dimensionNames { text += ", dimensions \(names.map { $0 ?? "-" })" }
                text += ", fill \(meta.fillValue), \(try array.storedBytes()) bytes stored"
                lines.append(text)
            }
        }
        try visit(path, depth: 0)
        return lines.joined(separator: "\n")
    }

    /// The tree of ``describeTree(in:path:)`` as JSON: each node's `path` and `node_type`; arrays
    /// add `shape`, `data_type`, `chunk_shape` (the inner chunks), `shard_shape` (or null), `codecs`,
    /// `dimension_names`, `fill_value` and `stored_bytes`; groups add `attributes` and `children`.
    public static func treeJSON(in store: any ZarrStore, path: String = "") throws -> JSONValue {
        switch try open(in: store, path: path) {
        case .group(let group):
            let children = try group.children().map { try treeJSON(in: store, path: ZarrArray.prefix(path) + $0) }
            return [
                "path": .string(path), "node_type": "group", "attributes": .object(group.attributes), "children": .array(children),
            ]
        case .array(let array):
            let meta = array.metadata
            let sharding = array.pipeline.arrayToBytes as? ShardingCodec
            return [
                "path": .string(path), "node_type": "array", "shape": .array(meta.shape.map(JSONValue.int)),
                "data_type": .string(ZarrDataType.name(meta.dtype)),
                "chunk_shape": .array((sharding?.innerShape ?? meta.chunkShape).map(JSONValue.int)),
                "shard_shape": sharding == nil ? .null : .array(meta.chunkShape.map(JSONValue.int)),
                "codecs": .array(meta.codecs.map(\.name).map(JSONValue.string)),
                "dimension_names": meta.dimensionNames.map { .array($0.map { $0.map(JSONValue.string) ?? .null }) } ?? .null,
                "fill_value": meta.fillValue, "stored_bytes": .int(try array.storedBytes()),
            ]
        }
    }

    private static func innerNames(_ metadata: ZarrArrayMetadata) -> [String] {
        let inner = metadata.codecs.first { $0.name == "sharding_indexed" }?.configuration["codecs"]?.arrayValue ?? []
        return inner.compactMap { $0["name"]?.stringValue ?? $0.stringValue }
    }
}
