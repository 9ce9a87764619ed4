import Foundation
import ImMetaIO

/// Benchmarks of save/load with sidecars: many frames saved non-blocking and waited for, and a
/// folder loaded back. Each prints one JSON object for Benchmarks/run.py.
enum SaveBenchmarks {
    static let commands: [String: @Sendable ([String]) throws -> Void] = [
        "save-frames": saveFrames,
        "load-folder": loadFolder,
    ]

    /// `save-frames BASES.npy COUNT OUTDIR [EXTENSION]`: frame i is base i mod B rolled right by
    /// 7·i pixels (a fresh array, as a capture loop produces), saved non-blocking with a sidecar
    /// as OUTDIR/i; then waits. Reports throughput, bytes, peak RSS and the caller's time per call.
    static func saveFrames(_ arguments: [String]) throws {
        guard arguments.count >= 3, let count = Int(arguments[1]) else {
            throw Failure(description: "usage: save-frames BASES.npy COUNT OUTDIR [EXTENSION]")
        }
        let bases = try readImage(from: .path(arguments[0]))
        let folder = arguments[2]
        let suffix = arguments.count > 3 ? arguments[3] : ""
        let baseCount = bases.shape[0]
        let frameShape = Array(bases.shape.dropFirst())
        let frameBytes = bases.byteCount / baseCount
        let rowBytes = frameBytes / frameShape[0]
        let pixelBytes = rowBytes / frameShape[1]
        var callTimes: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        for index in 0..<count {
            let shift = (7 * index) % frameShape[1]
            let frame = bases.withUnsafeBytes { all in
                NDArray(unsafeUninitializedShape: frameShape, dtype: bases.dtype) { out in
                    guard let source = all.baseAddress, let target = out.baseAddress else { return }
                    let base = source + (index % baseCount) * frameBytes
                    for row in 0..<frameShape[0] {
                        // Roll the row right by `shift` pixels.
                        let from = base + row * rowBytes, to = target + row * rowBytes
                        let tail = shift * pixelBytes
                        to.copyMemory(from: from + (rowBytes - tail), byteCount: tail)
                        (to + tail).copyMemory(from: from, byteCount: rowBytes - tail)
                    }
                }
            }
            let metadata: JSONObject = [
                "frame": .int(index), "exposure_time": 0.01,
                "camera_matrix": [[1000, 0, 960], [0, 1000, 540], [0, 0, 1]], "timestamp": "2026-11-24T12:00:00",
            ]
            let callStart = DispatchTime.now().uptimeNanoseconds
            try save(frame, to: "\(folder)/\(index)\(suffix)", metadata: metadata, nonblocking: true)
            callTimes.append(Double(DispatchTime.now().uptimeNanoseconds - callStart) / 1e6)
        }
        try waitSaves()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        callTimes.sort()
        print(JSONText.encode([
            "seconds": .double(seconds), "frames_per_second": .double(Double(count) / seconds),
            "bytes": .int(folderBytes(folder)), "peak_rss_mb": .double(peakResidentMegabytes()),
            "median_call_ms": .double(callTimes[callTimes.count / 2]),
        ], indent: nil))
    }

    /// `load-folder DIR`: loads every image and sidecar of DIR.
    static func loadFolder(_ arguments: [String]) throws {
        guard let folder = arguments.first else { throw Failure(description: "usage: load-folder DIR") }
        let start = DispatchTime.now().uptimeNanoseconds
        let batch = try load(folder: folder)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print(JSONText.encode(["seconds": .double(seconds), "images": .int(batch.images.count)], indent: nil))
    }

    static func folderBytes(_ folder: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.reduce(0) { total, name in
            let attributes = try? FileManager.default.attributesOfItem(atPath: "\(folder)/\(name)")
            return total + ((attributes?[.size] as? Int) ?? 0)
        }
    }

    /// Peak resident set size of this process in MB (see ``processMemoryMegabytes(_:)``).
    static func peakResidentMegabytes() -> Double { processMemoryMegabytes("VmHWM") }
}
