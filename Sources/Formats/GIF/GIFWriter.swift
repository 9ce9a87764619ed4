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
    private let durations: [Int]
    private let loop: Int?
    private let paletteSize: Int
    private let dither: Bool
    private var handle: UnsafeMutablePointer<GifFileType>?
    private let output = Output()
    private var retained: Unmanaged<Output>?
    private var size: (width: Int, height: Int)?
    private var written = 0
    private static let batch = 16

    init(_ request: WriteRequest) throws {
        sink = request.sink
        var parser = OptionParser(request.options, plugin: "gif", file: request.sink.displayName)
        switch parser.value("duration") {
        case nil: durations = [100]
        case .array(let list)? where !list.isEmpty && list.allSatisfy({ ($0.doubleValue ?? -1) >= 0 }):
            durations = list.map { Int(($0.doubleValue ?? 0).rounded()) }
        case let value? where (value.doubleValue ?? -1) >= 0: durations = [Int((value.doubleValue ?? 0).rounded())]
        case let value?:
            throw ImMetaIOError(.invalidArgument, "gif option 'duration' must be milliseconds or a list of them, not \(value)", file: sink.displayName)
        }
        switch parser.value("loop") {
        case nil: loop = 0
        case .null?: loop = nil
        case let value? where (0...65535).contains(value.intValue ?? -1): loop = value.intValue
        case let value?:
            throw ImMetaIOError(.invalidArgument, "gif option 'loop' must be 0…65535 or null, not \(value)", file: sink.displayName)
        }
        paletteSize = try parser.int("palette_size", default: 256, in: 2...256)
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
        if let loop {
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
        let duration = durations[min(written, durations.count - 1)]
        let delay = min(65535, (duration + 5) / 10)
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
