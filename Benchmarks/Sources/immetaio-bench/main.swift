// immetaio-bench: times immetaio's codecs on one image and prints JSON for Benchmarks/run.py,
// which runs the Python peers in the same session and writes BENCHMARKS.md.
//
// Usage: immetaio-bench IMAGE.npy PEER.png PEER.jpg OUTDIR [REPEATS]
//   IMAGE.npy  the raw H×W×3 uint8 frame to encode
//   PEER.png   a PNG written by Pillow, decoded by every tool
//   PEER.jpg   a JPEG written by Pillow (q90, 4:2:0), decoded by every tool
import CTurboJPEG
import Foundation
import ImMetaIO

struct Failure: Error, CustomStringConvertible { var description: String }

func medianMilliseconds(_ repeats: Int, setup: () throws -> Void = {}, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<repeats {
        try setup()
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    times.sort()
    return times[times.count / 2]
}

/// User plus system CPU seconds this process has used so far, every thread together.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// A memory figure of this process in MB from /proc/self/status (`VmRSS`, `VmHWM`), or from
/// `getrusage` elsewhere. On Linux `getrusage`'s peak carries the parent's across exec, so a child
/// of the Python harness would report the harness's peak.
func processMemoryMegabytes(_ field: String) -> Double {
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    {
        return kilobytes / 1024
    }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

let arguments = CommandLine.arguments
/// Subcommands of the sections that run in their own process (`immetaio-bench NAME ARGS…`).
let commands = [SaveBenchmarks.commands, EXRBenchmarks.commands, TIFFBenchmarks.commands, ZarrBenchmarks.commands, S3Benchmarks.commands, GIFBenchmarks.commands, VideoBenchmarks.commands, ConversionBenchmarks.commands, MicroscopyBenchmarks.commands]
    .reduce(into: [String: @Sendable ([String]) throws -> Void]()) { $0.merge($1) { first, _ in first } }
if arguments.count >= 2, let command = commands[arguments[1]] {
    do {
        try command(Array(arguments.dropFirst(2)))
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
    }
}
// `immetaio-bench png-encode FRAME.npy REPEATS [KEY=VALUE…]`: our PNG encoder alone on one frame,
// with the given write options; prints {"ms": median, "bytes": n}.
if arguments.count >= 4, arguments[1] == "png-encode" {
    let frame = try readImage(from: .path(arguments[2]))
    var options = JSONObject()
    for pair in arguments.dropFirst(4) {
        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
        options[parts[0]] = Int(parts[1]).map(JSONValue.int) ?? .string(parts[1])
    }
    var encoded: [UInt8] = []
    let ms = try medianMilliseconds(Int(arguments[3]) ?? 5) { encoded = try encodeImage(frame, as: ".png", options: options) }
    print(JSONText.encode(["ms": .double(ms), "bytes": .int(encoded.count)], indent: nil))
    exit(0)
}
guard arguments.count >= 5 else {
    FileHandle.standardError.write(Data("usage: immetaio-bench IMAGE.npy PEER.png PEER.jpg OUTDIR [REPEATS]\n".utf8))
    exit(2)
}
let repeats = arguments.count > 5 ? Int(arguments[5]) ?? 5 : 5
let image = try readImage(from: .path(arguments[1]))
let peerPNG = Array(try Data(contentsOf: URL(fileURLWithPath: arguments[2])))
let peerJPEG = Array(try Data(contentsOf: URL(fileURLWithPath: arguments[3])))
let outputFolder = arguments[4]
guard image.dtype == .uint8, image.rank == 3, image.shape[2] == 3 else { throw Failure(description: "need H×W×3 uint8") }
let height = image.shape[0], width = image.shape[1]

var results: [String: JSONValue] = [:]

// PNG: default options, and the smallest setting.
var pngDefault: [UInt8] = []
results["png_encode_default_ms"] = .double(try medianMilliseconds(repeats) { pngDefault = try encodeImage(image, as: ".png") })
results["png_encode_default_bytes"] = .int(pngDefault.count)
try Data(pngDefault).write(to: URL(fileURLWithPath: "\(outputFolder)/immetaio-default.png"))
var pngSmall: [UInt8] = []
results["png_encode_smallest_ms"] = .double(try medianMilliseconds(max(1, repeats / 2)) {
    pngSmall = try encodeImage(image, as: ".png", options: ["compression": 12, "filter": "adaptive"])
})
results["png_encode_smallest_bytes"] = .int(pngSmall.count)
results["png_decode_peer_file_ms"] = .double(try medianMilliseconds(repeats) {
    let decoded = try readImage(from: .bytes(peerPNG))
    guard decoded.shape == image.shape else { throw Failure(description: "PNG decode shape") }
})
results["png_decode_own_file_ms"] = .double(try medianMilliseconds(repeats) { _ = try readImage(from: .bytes(pngDefault)) })

// JPEG through immetaio (libjpeg API via the C shim).
var jpeg: [UInt8] = []
results["jpeg_encode_ms"] = .double(try medianMilliseconds(repeats) {
    jpeg = try encodeImage(image, as: ".jpg", options: ["quality": 90, "subsampling": "4:2:0"])
})
results["jpeg_encode_bytes"] = .int(jpeg.count)
results["jpeg_decode_ms"] = .double(try medianMilliseconds(repeats) {
    let decoded = try readImage(from: .bytes(peerJPEG))
    guard decoded.shape == image.shape else { throw Failure(description: "JPEG decode shape") }
})

// The same work through TurboJPEG called directly (allocating its output each time, as we do).
results["turbojpeg_encode_ms"] = .double(try medianMilliseconds(repeats) {
    guard let handle = tjInitCompress() else { throw Failure(description: "tjInitCompress") }
    defer { tjDestroy(handle) }
    var output: UnsafeMutablePointer<UInt8>?
    var size: UInt = 0
    let status = image.withUnsafeBytes { raw in
        tjCompress2(
            handle, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(width), 0, Int32(height),
            Int32(TJPF_RGB.rawValue), &output, &size, Int32(TJSAMP_420.rawValue), 90, 0)
    }
    tjFree(output)
    if status != 0 { throw Failure(description: "tjCompress2") }
})
results["turbojpeg_decode_ms"] = .double(try medianMilliseconds(repeats) {
    guard let handle = tjInitDecompress() else { throw Failure(description: "tjInitDecompress") }
    defer { tjDestroy(handle) }
    let pixels = UnsafeMutablePointer<UInt8>.allocate(capacity: width * height * 3)
    defer { pixels.deallocate() }
    let status = peerJPEG.withUnsafeBufferPointer { source in
        tjDecompress2(handle, source.baseAddress, UInt(source.count), pixels, Int32(width), 0, Int32(height), Int32(TJPF_RGB.rawValue), 0)
    }
    if status != 0 { throw Failure(description: "tjDecompress2") }
})

// OpenEXR, PIZ: the frame as linear float32 RGB.
let linear = image.astype(.float32).withUnsafeBufferPointer(of: Float.self) { values in
    NDArray(values.map { powf($0 / 255, 2.2) })
}
let floatFrame = try linear.reshaped(image.shape)
var exr: [UInt8] = []
results["exr_encode_ms"] = .double(try medianMilliseconds(repeats) {
    exr = try encodeImage(floatFrame, as: ".exr", options: ["compression": "piz"])
})
results["exr_encode_bytes"] = .int(exr.count)
let peerEXR = Array(try Data(contentsOf: URL(fileURLWithPath: "\(outputFolder)/peer.exr")))
results["exr_decode_ms"] = .double(try medianMilliseconds(repeats) {
    let decoded = try readImage(from: .bytes(peerEXR))
    guard decoded.shape == image.shape else { throw Failure(description: "EXR decode shape \(decoded.shape)") }
})

print(JSONText.encode(.object(JSONObject(results.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })), indent: nil))
