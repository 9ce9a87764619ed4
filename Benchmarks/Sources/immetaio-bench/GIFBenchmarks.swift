import Foundation
import ImMetaIO

/// Issue 3's GIF benchmark: an animation written from RGB frames.
enum GIFBenchmarks {
    static let commands: [String: @Sendable ([String]) throws -> Void] = [
        "gif-write": write
    ]

    /// `gif-write FRAMES.npy OUT.gif REPEATS`: writes the N×H×W×3 frames as an animation (40 ms per
    /// frame, looping), median of REPEATS; prints JSON with the time (ms) and the file's size.
    static func write(_ arguments: [String]) throws {
        guard arguments.count == 3, let repeats = Int(arguments[2]) else {
            throw Failure(description: "usage: gif-write FRAMES.npy OUT.gif REPEATS")
        }
        let frames = try readImage(from: .path(arguments[0]))
        let ms = try medianMilliseconds(repeats) {
            try writeImage(frames, to: arguments[1], options: ["duration": 40, "loop": 0])
        }
        let size = try FileManager.default.attributesOfItem(atPath: arguments[1])[.size] as? Int ?? 0
        print("{\"ms\": \(ms), \"bytes\": \(size)}")
    }
}
