import CGIF
import Foundation
import ImMetaIOCore
import NDArrayModule

/// Writes GIF animations: frames are quantised in parallel in batches, then LZW-coded by giflib
/// in order; the bytes go to the sink after each batch (one batch of frames in memory at a time).
final class GIFWriter: ImageWriter {
    private final class Output {
        var bytes: [UInt8] = []
    }

    private let sink: OutputSink
    private var timing: AnimationTiming
    private let paletteSize: Int
    private let dither: Bool
    private var handle: UnsafeMutablePointer<GifFileType>?
    private let output = Output()
    private var retained: Unmanaged<Output>?
    private var size: (width: Int, height: Int)?
    private var written = 0
    private static let batch = 16
    /// imageio v2's `quantizer` values (Pillow's quantize methods); all map onto our quantiser.
    static let quantizers = [0: "median cut", 1: "maximum coverage", 2: "fast octree"]

    init(_ request: WriteRequest) throws {
        sink = request.sink
        var parser = OptionParser(request.options, plugin: "gif", file: request.sink.displayName)
        timing = try AnimationTiming(&parser, loops: 0...65535, allowsNoLoop: true, maximumDuration: 655_350)
        // imageio v2 spells the palette size `palettesize`; either name, not both.
        let v2Size = try parser.int("palettesize", default: 0, in: 2...256)
        paletteSize = try parser.int("palette_size", default: v2Size == 0 ? 256 : v2Size, in: 2...256)
        if v2Size != 0, request.options["palette_size"] != nil {
            throw parser.invalid("palettesize", "left out when 'palette_size' is given (they are the same option)")
        }
        if let quantizer = parser.value("quantizer"), quantizer.intValue.flatMap({ Self.quantizers[$0] }) == nil {
            let accepted = Self.quantizers.keys.sorted().map { "\($0) (\(Self.quantizers[$0] ?? ""))" }.joined(separator: ", ")
            throw parser.invalid("quantizer", "one of imageio v2's \(accepted), all done by our median-cut quantiser")
        }
        dither = try parser.bool("dither", default: false)
        try parser.finish()
    }

    deinit {
        if let handle {
            var error: Int32 = 0
            EGifCloseFile(handle, &error)
        }
        retained?.release()
    }

    private func fail(_ message: String) -> ImMetaIOError { ImMetaIOError(.io, "GIF encoding failed: \(message)", file: sink.displayName) }

    func append(_ image: NDArray, metadata: JSONObject) throws {
        guard image.dtype == .uint8, image.rank >= 2, image.rank <= 4 else {
            throw ImMetaIOError(.invalidArgument, "GIF frames are uint8 H×W, H×W×3 or H×W×4, not \(image.dtype) \(image.shape)", file: sink.displayName)
        }
        // One frame (H×W or H×W×C) or a batch N×H×W×C (or N×H×W when the last axis is not 3 or 4).
        let isBatch = image.rank == 4 || (image.rank == 3 && ![3, 4].contains(image.shape[2]))
        let frameShape = isBatch ? Array(image.shape.dropFirst()) : image.shape
        let frames = isBatch ? image.shape[0] : 1
        let channels = frameShape.count == 3 ? frameShape[2] : 1
        guard [1, 3, 4].contains(channels), frameShape[0] > 0, frameShape[1] > 0, frameShape[0] <= 65535, frameShape[1] <= 65535 else {
            throw ImMetaIOError(.invalidArgument, "GIF frames are 1…65535 pixels a side with 1, 3 or 4 channels, not \(frameShape)", file: sink.displayName)
        }
        let (height, width) = (frameShape[0], frameShape[1])
        if let size {
            guard size == (width, height) else {
                throw ImMetaIOError(.invalidArgument, "every GIF frame must be \(size.width)×\(size.height), not \(width)×\(height)", file: sink.displayName)
            }
        } else {
            timing.adopt(metadata)
            try open(width: width, height: height)
        }
        let frameBytes = width * height * channels
        try image.withUnsafeBytes { raw in
            // Frames are quantized on every core and encoded in order as they are ready; the
            // encoded bytes go to the sink once per window.
            try ParallelLoop.forEachInOrder(
                frames, workers: ProcessInfo.processInfo.activeProcessorCount, window: Self.batch,
                produce: { (frame: Int, _: Int) -> GIFQuantizer.Result in
                    let pixels = UnsafeRawBufferPointer(rebasing: raw[(frame * frameBytes)..<((frame + 1) * frameBytes)])
                    return GIFQuantizer.quantize(
                        pixels, count: width * height, channels: channels, width: width, paletteSize: paletteSize, dither: dither)
                },
                consume: { (frame: Int, result: GIFQuantizer.Result) throws in
                    try put(result, width: width, height: height)
                    if (frame + 1) % Self.batch == 0 || frame == frames - 1 { try flush() }
                })
        }
    }

    private func open(width: Int, height: Int) throws {
        let retained = Unmanaged.passRetained(output)
        self.retained = retained
        var error: Int32 = 0
        let write: OutputFunc = { gif, data, count in
            guard let gif, let data, count > 0, let user = gif.pointee.UserData else { return 0 }
            Unmanaged<Output>.fromOpaque(user).takeUnretainedValue().bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(count)))
            return count
        }
        guard let handle = EGifOpen(retained.toOpaque(), write, &error) else { throw fail(GIFStream.message(error)) }
        self.handle = handle
        size = (width, height)
        EGifSetGifVersion(handle, true)
        guard EGifPutScreenDesc(handle, Int32(width), Int32(height), 8, 0, nil) == GIF_OK else { throw fail(GIFStream.message(handle.pointee.Error)) }
        if let loop = timing.loop {
            var name = Array("NETSCAPE2.0".utf8)
            var value: [UInt8] = [1, UInt8(loop & 0xFF), UInt8(loop >> 8)]
            guard EGifPutExtensionLeader(handle, APPLICATION_EXT_FUNC_CODE) == GIF_OK,
                EGifPutExtensionBlock(handle, 11, &name) == GIF_OK, EGifPutExtensionBlock(handle, 3, &value) == GIF_OK,
                EGifPutExtensionTrailer(handle) == GIF_OK
            else { throw fail(GIFStream.message(handle.pointee.Error)) }
        }
    }

    private func put(_ frame: GIFQuantizer.Result, width: Int, height: Int) throws {
        guard let handle else { return }
        let delay = Self.centiseconds(timing.duration(ofFrame: written))
        // Frames with transparent pixels are cleared before the next one (disposal 2), so each frame
        // shows exactly itself; opaque frames are left in place (1).
        let flags: UInt8 = frame.transparentIndex == nil ? 1 << 2 : (2 << 2) | 1
        var control: [UInt8] = [flags, UInt8(delay & 0xFF), UInt8(delay >> 8), UInt8(frame.transparentIndex ?? 0)]
        guard EGifPutExtension(handle, GRAPHICS_EXT_FUNC_CODE, 4, &control) == GIF_OK else { throw fail(GIFStream.message(handle.pointee.Error)) }
        let colors = frame.palette.count / 3
        var tableSize = 2
        while tableSize < colors { tableSize *= 2 }
        var entries = [GifColorType](repeating: GifColorType(Red: 0, Green: 0, Blue: 0), count: tableSize)
        for i in 0..<colors { entries[i] = GifColorType(Red: frame.palette[3 * i], Green: frame.palette[3 * i + 1], Blue: frame.palette[3 * i + 2]) }
        guard let map = GifMakeMapObject(Int32(tableSize), &entries) else { throw fail("no colour map") }
        defer { GifFreeMapObject(map) }
        guard EGifPutImageDesc(handle, 0, 0, Int32(width), Int32(height), false, map) == GIF_OK else {
            throw fail(GIFStream.message(handle.pointee.Error))
        }
        var indices = frame.indices
        guard EGifPutLine(handle, &indices, Int32(indices.count)) == GIF_OK else { throw fail(GIFStream.message(handle.pointee.Error)) }
        written += 1
    }

    /// GIF's delay in hundredths of a second: the nearest multiple of 10 ms, halves up (33 ms → 30,
    /// 35 ms → 40), but at least 10 ms for any positive duration (0 stays 0, "as fast as possible").
    static func centiseconds(_ milliseconds: Double) -> Int {
        let rounded = Int((milliseconds / 10).rounded(.toNearestOrAwayFromZero))
        return min(65535, milliseconds > 0 ? max(1, rounded) : 0)
    }

    private func flush() throws {
        if !output.bytes.isEmpty {
            try sink.write(output.bytes)
            output.bytes.removeAll(keepingCapacity: true)
        }
    }

    func finish() throws {
        guard let handle, written > 0 else { throw ImMetaIOError(.invalidArgument, "no image was written", file: sink.displayName) }
        self.handle = nil
        var error: Int32 = 0
        guard EGifCloseFile(handle, &error) == GIF_OK else { throw fail(GIFStream.message(error)) }
        try flush()
    }
}
