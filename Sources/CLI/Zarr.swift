import ArgumentParser
import Foundation
import ImMetaIOVideo

extension ImMetaIOCommand {
    /// `immetaio zarr info|write|read`: Zarr v3 stores.
    struct Zarr: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Inspect, write and read Zarr v3 stores.", subcommands: [Info.self, Write.self, Read.self])

        /// `immetaio zarr info STORE`: the hierarchy's tree.
        struct Info: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print a store's tree: shapes, data types, chunk and shard shapes, codecs, stored bytes.")

            @Argument(help: "The store's folder.")
            var store: String
            @Option(help: "A node inside the store.")
            var path = ""
            @Flag(help: "Print the tree as JSON.")
            var json = false

            func run() throws {
                try reportingErrors {
                    let folder = try ZarrStoreLocation.store(for: store)
                    if json {
                        StandardOutput.printJSON(try ZarrNode.treeJSON(in: folder, path: path))
                    } else {
                        print(try ZarrNode.describeTree(in: folder, path: path))
                    }
                }
            }
        }

        /// `immetaio zarr write SRC STORE --chunks …`: an image or array file as a Zarr array.
        struct Write: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Write an image (any readable file, .npy included) as a Zarr v3 array.")

            @Argument(help: "The image or .npy file.")
            var source: String
            @Argument(help: "The store's folder.")
            var store: String
            @Option(help: "The array's path inside the store.")
            var path = ""
            @Option(help: "Chunk shape, comma-separated (inner chunks when --shards is given).")
            var chunks: String
            @Option(help: "Shard shape, comma-separated: shards the array with sharding_indexed.")
            var shards: String?
            @Option(help: "Chunk codecs as JSON, e.g. '[{\"name\": \"bytes\"}, {\"name\": \"zstd\"}]' (default: bytes).")
            var codecs: String?
            @Option(help: "Where the shard index goes: start or end.")
            var indexLocation = "end"
            @Option(help: "The fill value as JSON (0, \"NaN\", true).")
            var fill = "0"
            @Option(help: "Axis names, comma-separated.")
            var dimensionNames: String?
            @Flag(help: "Store chunks equal to the fill value too.")
            var writeEmptyChunks = false
            @Flag(help: "Replace an existing node.")
            var overwrite = false
            @Flag(help: "Print a JSON report instead of text.")
            var json = false

            func validate() throws {
                _ = try Arguments.integers(chunks, flag: "--chunks", in: 1...Int.max)
                if let shards { _ = try Arguments.integers(shards, flag: "--shards", in: 1...Int.max) }
                _ = try Arguments.choice(indexLocation, flag: "--index-location", from: ["start", "end"])
                do { _ = try JSONParser.parse(fill) } catch { throw ValidationError("--fill takes a JSON value (0, 1.5, \"NaN\", true), not '\(fill)'") }
                if let codecs, (try? JSONParser.parse(codecs))?.arrayValue == nil {
                    throw ValidationError("--codecs takes a JSON list, e.g. '[{\"name\": \"zstd\"}]', not '\(codecs)'")
                }
            }

            func run() throws {
                try reportingErrors {
                    let image = try readImage(from: .path(source), registry: registry)
                    func shape(_ text: String) throws -> [Int] {
                        try Arguments.integers(text, flag: text == chunks ? "--chunks" : "--shards", in: 1...Int.max, count: image.rank)
                    }
                    var chunkCodecs: [ZarrCodecSpec] = [.bytes()]
                    if let codecs {
                        guard let list = (try? JSONParser.parse(codecs))?.arrayValue else {
                            throw ImMetaIOError(.invalidArgument, "--codecs must be a JSON list")
                        }
                        chunkCodecs = try list.map { entry in
                            guard let name = entry["name"]?.stringValue else { throw ImMetaIOError(.invalidArgument, "codec without a name") }
                            return ZarrCodecSpec(name: name, configuration: entry["configuration"]?.objectValue ?? [:])
                        }
                    }
                    let inner = try shape(chunks)
                    let metadata = ZarrArrayMetadata(
                        shape: image.shape, dtype: image.dtype, chunkShape: try shards.map(shape) ?? inner,
                        fillValue: try JSONParser.parse(fill),
                        codecs: shards == nil
                            ? chunkCodecs : [.sharding(chunkShape: inner, codecs: chunkCodecs, indexLocation: indexLocation)],
                        dimensionNames: dimensionNames.map { $0.split(separator: ",").map { String($0) } })
                    let array = try ZarrArray.create(
                        in: try ZarrStoreLocation.store(for: store), path: path, metadata: metadata, overwrite: overwrite,
                        writeEmptyChunks: writeEmptyChunks)
                    try array.write(image)
                    if json {
                        StandardOutput.printJSON([
                            "source": .string(source), "store": .string(store), "path": .string(path),
                            "shape": .array(image.shape.map(JSONValue.int)), "dtype": .string(image.dtype.rawValue),
                        ])
                    } else {
                        print("\(source) -> \(store)\(path.isEmpty ? "" : "/" + path): \(image.shape) \(image.dtype)")
                    }
                }
            }
        }

        /// `immetaio zarr read STORE DST [--start …] [--shape …]`: an array or a region of it, written as any format.
        struct Read: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Read a Zarr v3 array (or a region) into a file (.npy keeps it exactly).")

            @Argument(help: "The store's folder.")
            var store: String
            @Argument(help: "The output file; its extension names the format.")
            var destination: String
            @Option(help: "The array's path inside the store.")
            var path = ""
            @Option(help: "Region start, comma-separated.")
            var start: String?
            @Option(help: "Region shape, comma-separated.")
            var shape: String?
            @Flag(help: "Print a JSON report instead of text.")
            var json = false

            func validate() throws {
                if let start { _ = try Arguments.integers(start, flag: "--start", in: 0...Int.max) }
                if let shape { _ = try Arguments.integers(shape, flag: "--shape", in: 0...Int.max) }
            }

            func run() throws {
                try reportingErrors {
                    let array = try ZarrArray.open(in: try ZarrStoreLocation.store(for: store), path: path)
                    let rank = array.shape.count
                    let origin = try start.map { try Arguments.integers($0, flag: "--start", in: 0...Int.max, count: rank) } ?? array.shape.map { _ in 0 }
                    let extent = try shape.map { try Arguments.integers($0, flag: "--shape", in: 0...Int.max, count: rank) }
                        ?? zip(array.shape, origin).map { $0 - $1 }
                    let data = try array.read(start: origin, shape: extent)
                    try writeImage(data, to: destination, registry: registry)
                    if json {
                        StandardOutput.printJSON([
                            "store": .string(store), "path": .string(path), "destination": .string(destination),
                            "shape": .array(data.shape.map(JSONValue.int)), "dtype": .string(data.dtype.rawValue),
                        ])
                    } else {
                        print("\(store)\(path.isEmpty ? "" : "/" + path) -> \(destination): \(data.shape) \(data.dtype)")
                    }
                }
            }
        }
    }
}
