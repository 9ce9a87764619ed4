import Foundation
import ImMetaIO

/// OpenEXR in memory, for profiling the codec apart from file I/O.
enum EXRBenchmarks {
    static let commands: [String: @Sendable ([String]) throws -> Void] = [
        "exr-codec": codec
    ]

    /// `exr-codec IMAGE.npy FILE.exr REPEATS [COMPRESSION]`: encodes the float image and decodes
    /// FILE.exr (any writer's), in memory, median of REPEATS each; prints JSON with both times (ms).
    static func codec(_ arguments: [String]) throws {
        guard arguments.count >= 3, let repeats = Int(arguments[2]) else {
            throw Failure(description: "usage: exr-codec IMAGE.npy FILE.exr REPEATS [COMPRESSION]")
        }
        let image = try readImage(from: .path(arguments[0]))
        let compression = arguments.count > 3 ? arguments[3] : "piz"
        var encoded: [UInt8] = []
        let encodeMs = try medianMilliseconds(repeats) {
            encoded = try encodeImage(image, as: ".exr", options: ["compression": .string(compression)])
        }
        let file = Array(try Data(contentsOf: URL(fileURLWithPath: arguments[1])))
        let decodeMs = try medianMilliseconds(repeats) { _ = try readImage(from: .bytes(file)) }
        print("{\"encode_ms\": \(encodeMs), \"bytes\": \(encoded.count), \"decode_ms\": \(decodeMs)}")
    }
}
