import Foundation
import ImMetaIOVideo

/// Issue 4's video benchmarks: 1080p encode and decode throughput, and the peak memory of
/// streaming a long video frame by frame.
enum VideoBenchmarks {
    static let commands: [String: @Sendable ([String]) throws -> Void] = [
        "video-write": write, "video-read": read, "video-make": make, "video-stream": stream,
    ]

    static let registry = FormatRegistry.standardWithVideo

    /// `video-write FRAMES.npy OUT.mp4 REPEATS [KEY=VALUE…]`: encodes the N×H×W×3 frames with
    /// the default settings (libx264, CRF 23, preset medium, yuv420p) at 30 fps, plus any write
    /// options given (values as JSON); prints the median time and the size.
    static func write(_ arguments: [String]) throws {
        guard arguments.count >= 3, let repeats = Int(arguments[2]) else {
            throw Failure(description: "usage: video-write FRAMES.npy OUT.mp4 REPEATS [KEY=VALUE…]")
        }
        var options: JSONObject = ["fps": 30]
        for pair in arguments.dropFirst(3) {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw Failure(description: "options are KEY=VALUE, not \(pair)") }
            options[parts[0]] = (try? JSONParser.parse(parts[1])) ?? .string(parts[1])
        }
        let frames = try readImage(from: .path(arguments[0]), limits: .unlimited)
        let ms = try medianMilliseconds(repeats) {
            try writeImage(frames, to: arguments[1], options: options, registry: registry)
        }
        let size = try FileManager.default.attributesOfItem(atPath: arguments[1])[.size] as? Int ?? 0
        print("{\"ms\": \(ms), \"bytes\": \(size)}")
    }

    /// `video-read FILE REPEATS`: decodes every frame to RGB in order (the sequential reader);
    /// prints the median time and the frame count.
    static func read(_ arguments: [String]) throws {
        guard arguments.count == 2, let repeats = Int(arguments[1]) else {
            throw Failure(description: "usage: video-read FILE REPEATS")
        }
        var count = 0
        let ms = try medianMilliseconds(repeats) {
            count = 0
            var frames = try imageFrames(of: .path(arguments[0]), registry: registry)
            while try frames.next() != nil { count += 1 }
        }
        print("{\"ms\": \(ms), \"frames\": \(count)}")
    }

    /// `video-make OUT.mp4 FRAMES WIDTH HEIGHT`: writes a long test video (a moving synthetic
    /// scene, x264 preset veryfast) frame by frame, never holding more than one frame.
    static func make(_ arguments: [String]) throws {
        guard arguments.count == 4, let count = Int(arguments[1]), let width = Int(arguments[2]), let height = Int(arguments[3]) else {
            throw Failure(description: "usage: video-make OUT.mp4 FRAMES WIDTH HEIGHT")
        }
        let writer = try ImageFileWriter(path: arguments[0], options: ["fps": 30, "preset": "veryfast"], registry: registry)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for t in 0..<count {
            for y in 0..<height {
                for x in 0..<width {
                    let offset = (y * width + x) * 3
                    pixels[offset] = UInt8(truncatingIfNeeded: x + 4 * t)
                    pixels[offset + 1] = UInt8(truncatingIfNeeded: y + 2 * t)
                    pixels[offset + 2] = UInt8(truncatingIfNeeded: (x ^ y) &+ t)
                }
            }
            try writer.append(try NDArray(pixels, shape: [height, width, 3]))
        }
        try writer.finish()
    }

    /// `video-stream FILE`: reads every frame with the sequential reader, touching each; prints
    /// the frame count, the time, and the process's resident memory before opening the file and
    /// at its peak (MB; VmRSS and VmHWM: `getrusage` would report the parent's peak, which Linux
    /// carries across exec).
    static func stream(_ arguments: [String]) throws {
        guard arguments.count == 1 else { throw Failure(description: "usage: video-stream FILE") }
        let startRSS = processMemoryMegabytes("VmRSS")
        var count = 0
        var checksum = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var frames = try imageFrames(of: .path(arguments[0]), registry: registry)
        while let frame = try frames.next() {
            count += 1
            frame.withUnsafeBytes { checksum &+= Int($0[$0.count / 2]) }
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        print(
            "{\"frames\": \(count), \"start_rss_mb\": \(startRSS), \"peak_rss_mb\": \(processMemoryMegabytes("VmHWM")), "
                + "\"ms\": \(ms), \"checksum\": \(checksum)}")
    }
}
