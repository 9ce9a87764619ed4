import Foundation
import ImMetaIO
import S3

/// Issue 19's Zarr-on-S3 benchmark: the arrays of the Zarr section written to, read whole from
/// and read image by image from an S3 server, through ``S3Store`` and the arrays' async API.
enum S3Benchmarks {
    static let commands: [String: @Sendable ([String]) throws -> Void] = ["s3-zarr": run, "s3-objects": objects]

    /// `s3-zarr DATA.npy s3://BUCKET/PREFIX CODECS.json CHUNKS SHARDS REPEATS INDICES [PHASES]`: as
    /// `zarr`, with the store at the S3 URL (region, endpoint and keys from the environment, as
    /// the AWS SDKs read them). Each write goes to an emptied prefix; emptying it is not timed.
    /// PHASES (default `write,read,random`) picks what runs, for profiling one of them; without
    /// `write` the array must be there already. Prints JSON: median write and read seconds,
    /// random-read milliseconds for all indices, and this process's CPU seconds per phase
    /// (`write_cpu_s`, `read_cpu_s`, `random_cpu_s`; means over the repeats).
    static func run(_ arguments: [String]) throws {
        guard arguments.count == 7 || arguments.count == 8, let repeats = Int(arguments[5]) else {
            throw Failure(description: "usage: s3-zarr DATA.npy s3://BUCKET/PREFIX CODECS.json CHUNKS SHARDS REPEATS INDICES [PHASES]")
        }
        let phases = Set((arguments.count == 8 ? arguments[7] : "write,read,random").split(separator: ",").map(String.init))
        let (data, metadata, indices) = try ZarrBenchmarks.layout(arguments)
        let store = try S3Store(url: arguments[1])
        let empty = {
            try BlockingWait.run {
                let keys = try await store.list(prefix: "").map { store.prefix + $0 }
                try await store.client.deleteObjects(keys)
            }
        }
        // Untimed: the connection pool filled (one HEAD per connection the store uses at once), as
        // the peers' pools are from their earlier rounds in the same process.
        try BlockingWait.run {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<store.preferredConcurrency { group.addTask { _ = try await store.get("zarr.json", range: .range(offset: 0, length: 0)) } }
                try await group.waitForAll()
            }
        }
        var result: [String: Double] = [:]
        if phases.contains("write") {
            let cpu = processCPUSeconds()
            defer { result["write_cpu_s"] = (processCPUSeconds() - cpu) / Double(repeats) }
            result["write_s"] = try medianMilliseconds(repeats, setup: empty) {
                try BlockingWait.run {
                    let array = try await ZarrArray.create(in: store, metadata: metadata)
                    try await array.write(data)
                }
            } / 1000
        }
        let array = try BlockingWait.run { try await ZarrArray.open(in: store) }
        if phases.contains("read") {
            var back = data
            let cpu = processCPUSeconds()
            result["read_s"] = try medianMilliseconds(repeats) {
                back = NDArray(shape: [0], dtype: .uint8)  // dropped first, as in `zarr`
                back = try BlockingWait.run { try await array.read() }
            } / 1000
            result["read_cpu_s"] = (processCPUSeconds() - cpu) / Double(repeats)
            guard back == data else { throw Failure(description: "the Zarr array on S3 reads back differently") }
        }
        if phases.contains("random") {
            let imageShape = [1] + data.shape.dropFirst()
            let origin = imageShape.dropFirst().map { _ in 0 }
            let cpu = processCPUSeconds()
            defer { result["random_cpu_s"] = (processCPUSeconds() - cpu) / Double(repeats) }
            result["random_ms"] = try medianMilliseconds(repeats) {
                try BlockingWait.run {
                    for index in indices { _ = try await array.read(start: [index] + origin, shape: imageShape) }
                }
            }
        }
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    /// `s3-objects s3://BUCKET/PREFIX COUNT SIZE`: PUTs COUNT objects of SIZE pseudo-random bytes
    /// under the prefix with the store's requests in flight, GETs them back, deletes them; prints
    /// JSON with the PUT and GET seconds. The client and server alone, without codecs.
    static func objects(_ arguments: [String]) throws {
        guard arguments.count == 3, let count = Int(arguments[1]), let size = Int(arguments[2]) else {
            throw Failure(description: "usage: s3-objects s3://BUCKET/PREFIX COUNT SIZE")
        }
        let store = try S3Store(url: arguments[0])
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let payload = (0..<size).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let keys = (0..<count).map { "o/\($0)" }
        func each(_ body: @escaping @Sendable (String) async throws -> Void) throws -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try BlockingWait.run {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    var pending = keys[...]
                    for _ in 0..<min(store.preferredConcurrency, count) {
                        if let key = pending.popFirst() { group.addTask { try await body(key) } }
                    }
                    while try await group.next() != nil {
                        if let key = pending.popFirst() { group.addTask { try await body(key) } }
                    }
                }
            }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        let put = try each { try await store.set($0, payload) }
        let get = try each { key in
            guard try await store.get(key, range: nil)?.count == size else { throw Failure(description: "\(key) reads back short") }
        }
        try BlockingWait.run { try await store.client.deleteObjects(keys.map { store.prefix + $0 }) }
        print("{\"put_s\": \(put), \"get_s\": \(get)}")
    }
}
