import Foundation
import ImMetaIO

/// Issue 3's TIFF benchmark: a uint16 stack written and read, uncompressed and with Deflate.
enum TIFFBenchmarks {
    static let commands: [String: @Sendable ([String]) throws -> Void] = [
        "tiff-stack": stack, "tiff-read": read, "tiff-write": write,
    ]

    /// `tiff-stack STACK.npy OUTDIR REPEATS`: writes the stack as a multi-page TIFF (uncompressed,
    /// Deflate at the default level, Deflate level 6) and reads it back, medians of REPEATS; prints JSON with times (ms)
    /// and file sizes. Every read is checked against the input.
    static func stack(_ arguments: [String]) throws {
        guard arguments.count == 3, let repeats = Int(arguments[2]) else {
            throw Failure(description: "usage: tiff-stack STACK.npy OUTDIR REPEATS")
        }
        let stack = try readImage(from: .path(arguments[0]))
        var result: [String: Double] = [:]
        for (name, options) in [("none", [:] as JSONObject), ("deflate", ["compression": "deflate"]), ("deflate6", ["compression": "deflate", "level": 6])] {
            let path = "\(arguments[1])/immetaio-\(name).tif"
            result["write_\(name)_ms"] = try medianMilliseconds(repeats) {
                try writeImage(stack, to: path, options: options)
            }
            var back = NDArray(shape: [0], dtype: .uint8)
            sync()  // reads come from a clean page cache, not racing the writes' flush (as for tifffile)
            result["read_\(name)_ms"] = try medianMilliseconds(repeats) { back = try readImage(from: .path(path)) }
            guard back == stack else { throw Failure(description: "the \(name) TIFF reads back differently") }
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            result["\(name)_bytes"] = Double(size)
        }
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// `tiff-read FILE REPEATS`: reads a TIFF whole, median of REPEATS; prints JSON with the time (ms).
    static func read(_ arguments: [String]) throws {
        guard arguments.count == 2, let repeats = Int(arguments[1]) else { throw Failure(description: "usage: tiff-read FILE REPEATS") }
        var shape: [Int] = []
        let ms = try medianMilliseconds(repeats) { shape = try readImage(from: .path(arguments[0])).shape }
        print("{\"ms\": \(ms), \"shape\": \(shape)}")
    }

    /// `tiff-write STACK.npy OUT.tif REPEATS`: writes the stack uncompressed, median of REPEATS;
    /// prints JSON with the time (ms).
    static func write(_ arguments: [String]) throws {
        guard arguments.count == 3, let repeats = Int(arguments[2]) else {
            throw Failure(description: "usage: tiff-write STACK.npy OUT.tif REPEATS")
        }
        let stack = try readImage(from: .path(arguments[0]))
        let ms = try medianMilliseconds(repeats) { try writeImage(stack, to: arguments[1]) }
        print("{\"ms\": \(ms)}")
    }
}
