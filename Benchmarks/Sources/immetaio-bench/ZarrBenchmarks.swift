import Foundation
import ImMetaIO

/// Issue 6's Zarr benchmarks: write and read whole arrays, and single images at random.
enum ZarrBenchmarks {
    static let commands: [String: @Sendable ([String]) throws -> Void] = [
        "zarr": run, "zarr-read": readAll,
    ]

    /// `zarr DATA.npy STORE CODECS.json CHUNKS SHARDS REPEATS INDICES [file|memory]`: writes DATA
    /// as a Zarr array (CODECS for chunks, inner chunks when SHARDS is not `-`), reads it back whole,
    /// then reads the images at INDICES (comma-separated, along axis 0) one by one. Prints JSON:
    /// median write and read seconds, random-read milliseconds for all indices, stored bytes.
    /// `memory` writes each time into a fresh ``MemoryStore`` instead of the folder STORE.
    static func run(_ arguments: [String]) throws {
        guard arguments.count == 7 || arguments.count == 8, let repeats = Int(arguments[5]),
            arguments.count == 7 || ["file", "memory"].contains(arguments[7])
        else {
            throw Failure(description: "usage: zarr DATA.npy STORE CODECS.json CHUNKS SHARDS REPEATS INDICES [file|memory]")
        }
        let inMemory = arguments.count == 8 && arguments[7] == "memory"
        let (data, metadata, indices) = try layout(arguments)
        let storePath = arguments[1]
        var store: any ZarrStore = inMemory ? MemoryStore() : FileSystemStore(path: storePath)
        var result: [String: Double] = [:]
        // Each write goes to a fresh store; removing the previous one is not timed (as for the peers).
        let fresh: () -> Void = {
            if inMemory { store = MemoryStore() } else { _ = try? FileManager.default.removeItem(atPath: storePath) }
        }
        result["write_s"] = try medianMilliseconds(repeats, setup: fresh) {
            let array = try ZarrArray.create(in: store, metadata: metadata)
            try array.write(data)
        } / 1000
        if !inMemory { sync() }  // reads come from a clean page cache, not racing the writes' flush (as for the peers)
        let array = try ZarrArray.open(in: store)
        var back = data
        result["read_s"] = try medianMilliseconds(repeats) {
            // The previous result goes first, as the peers' results do (each read's array is dropped
            // before the next): holding it would make every read fault in fresh pages.
            back = NDArray(shape: [0], dtype: .uint8)
            back = try array.read()
        } / 1000
        guard back == data else { throw Failure(description: "the Zarr array reads back differently") }
        let imageShape = [1] + data.shape.dropFirst()
        result["random_ms"] = try medianMilliseconds(repeats) {
            for index in indices {
                _ = try array.read(start: [index] + imageShape.dropFirst().map { _ in 0 }, shape: imageShape)
            }
        }
        result["bytes"] = Double(try array.storedBytes())
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// The data, the array's metadata and the random indices of a `zarr` or `s3-zarr` command:
    /// `DATA.npy STORE CODECS.json CHUNKS SHARDS REPEATS INDICES`.
    static func layout(_ arguments: [String]) throws -> (data: NDArray, metadata: ZarrArrayMetadata, indices: [Int]) {
        let data = try readImage(from: .path(arguments[0]))
        guard let codecList = try JSONParser.parse(String(contentsOfFile: arguments[2], encoding: .utf8)).arrayValue else {
            throw Failure(description: "CODECS must be a JSON list")
        }
        let codecs = codecList.map { ZarrCodecSpec(name: $0["name"]?.stringValue ?? "", configuration: $0["configuration"]?.objectValue ?? [:]) }
        let chunks = arguments[3].split(separator: ",").compactMap { Int($0) }
        let shards = arguments[4] == "-" ? nil : arguments[4].split(separator: ",").compactMap { Int($0) }
        let indices = arguments[6].split(separator: ",").compactMap { Int($0) }
        let metadata = ZarrArrayMetadata(
            shape: data.shape, dtype: data.dtype, chunkShape: shards ?? chunks,
            codecs: shards == nil ? codecs : [.sharding(chunkShape: chunks, codecs: codecs)])
        return (data, metadata, indices)
    }

    /// `zarr-read STORE REPEATS`: reads the array at STORE whole, median of REPEATS; prints JSON
    /// with the time (s).
    static func readAll(_ arguments: [String]) throws {
        guard arguments.count == 2, let repeats = Int(arguments[1]) else { throw Failure(description: "usage: zarr-read STORE REPEATS") }
        let array = try ZarrArray.open(in: FileSystemStore(path: arguments[0]))
        let seconds = try medianMilliseconds(repeats) { _ = try array.read() } / 1000
        print("{\"read_s\": \(seconds)}")
    }
}
