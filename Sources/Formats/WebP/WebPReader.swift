import CWebP
import ImMetaIOCore
import NDArrayModule

/// Reads a WebP still or animation from the request's bytes.
final class WebPReader: ImageReader {
    private let request: ReadRequest
    private let features: WebPBitstreamFeatures
    private let animation: (frames: Int, loop: Int, width: Int, height: Int, durations: [Int])?

    init(_ request: ReadRequest) throws {
        self.request = request
        let bytes = request.bytes.stableBytes
        var features = WebPBitstreamFeatures()
        let status = WebPGetFeaturesInternal(
            bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &features, WEBP_DECODER_ABI_VERSION)
        guard status == VP8_STATUS_OK, features.width > 0, features.height > 0 else {
            throw request.error(.corruptData, "invalid WebP header (libwebp status \(status.rawValue))")
        }
        self.features = features
        if features.has_animation != 0 {
            animation = try Self.scanAnimation(bytes, request: request)
        } else {
            animation = nil
        }
    }

    /// Frame count, loop count and per-frame durations, from the animation decoder's timestamps.
    private static func scanAnimation(
        _ bytes: UnsafeRawBufferPointer, request: ReadRequest
    ) throws -> (frames: Int, loop: Int, width: Int, height: Int, durations: [Int]) {
        let decoder = try AnimationDecoder(bytes, request: request, decodePixels: false)
        return (decoder.frameCount, decoder.loopCount, decoder.width, decoder.height, decoder.durations)
    }

    var defaultIndex: ImageIndex { animation == nil ? .at(0) : .all }

    func imageCount() throws -> Int { animation?.frames ?? 1 }

    private var stillChannels: Int { features.has_alpha != 0 ? 4 : 3 }

    func properties(at index: Int) throws -> ImageProperties {
        if let animation {
            return ImageProperties(shape: [animation.height, animation.width, 4], dtype: .uint8, imageCount: animation.frames)
        }
        return ImageProperties(shape: [Int(features.height), Int(features.width), stillChannels], dtype: .uint8, imageCount: 1)
    }

    func metadata(at index: Int) throws -> JSONObject {
        var meta: JSONObject = [
            "width": .int(Int(features.width)), "height": .int(Int(features.height)),
            "has_alpha": .bool(features.has_alpha != 0), "animated": .bool(animation != nil),
            "compression": .string(["mixed", "lossy", "lossless"][min(Int(features.format), 2)]),
        ]
        if let animation {
            meta["frame_count"] = .int(animation.frames)
            meta["loop"] = .int(animation.loop)
            meta["durations"] = .array(animation.durations.map(JSONValue.int))
            meta["duration"] = .int(animation.durations[min(index, animation.durations.count - 1)])
        }
        return meta
    }

    func read(at index: Int) throws -> NDArray {
        if animation != nil {
            var frames = try makeFrameIterator()
            var frame: NDArray?
            for _ in 0...index { frame = try frames.next() }
            guard let frame else { throw request.error(.invalidArgument, "no frame \(index)") }
            return frame
        }
        let shape = [Int(features.height), Int(features.width), stillChannels]
        try request.limits.check(imageShape: shape, dtype: .uint8, hasChannelAxis: true, file: request.displayName)
        let bytes = request.bytes.stableBytes
        let source = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var decoded = true
        let image = NDArray(unsafeUninitializedShape: shape, dtype: .uint8) { out in
            let target = out.baseAddress?.assumingMemoryBound(to: UInt8.self)
            let stride = Int32(shape[1] * shape[2])
            let result = shape[2] == 4
                ? WebPDecodeRGBAInto(source, bytes.count, target, out.count, stride)
                : WebPDecodeRGBInto(source, bytes.count, target, out.count, stride)
            if result == nil {
                decoded = false
                out.initializeMemory(as: UInt8.self, repeating: 0)
            }
        }
        guard decoded else { throw request.error(.corruptData, "WebP decode failed (damaged or truncated data)") }
        return image
    }

    func readAll() throws -> NDArray {
        if let animation {
            try request.limits.check(
                pixels: animation.frames * animation.width * animation.height,
                shape: [animation.frames, animation.height, animation.width, 4], dtype: .uint8, file: request.displayName)
        }
        return try readFramesStacked()
    }

    func makeFrameIterator() throws -> ImageFrameIterator {
        guard let animation else { return .reading(1, with: read(at:)) }
        try request.limits.check(
            imageShape: [animation.height, animation.width, 4], dtype: .uint8, hasChannelAxis: true, file: request.displayName)
        let decoder = try AnimationDecoder(request.bytes.stableBytes, request: request, decodePixels: true)
        return ImageFrameIterator { try decoder.next() }
    }
}

/// libwebp's animation decoder: composites frames onto the canvas, one per ``next()``.
final class AnimationDecoder {
    private let handle: OpaquePointer
    private let request: ReadRequest
    private var data: WebPData
    let width: Int
    let height: Int
    let frameCount: Int
    let loopCount: Int
    private(set) var durations: [Int] = []

    init(_ bytes: UnsafeRawBufferPointer, request: ReadRequest, decodePixels: Bool) throws {
        self.request = request
        data = WebPData(bytes: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), size: bytes.count)
        var options = WebPAnimDecoderOptions()
        guard WebPAnimDecoderOptionsInitInternal(&options, WEBP_DEMUX_ABI_VERSION) != 0 else {
            throw request.error(.io, "libwebp's animation decoder does not match its headers")
        }
        options.color_mode = MODE_RGBA
        options.use_threads = 0
        guard let handle = WebPAnimDecoderNewInternal(&data, &options, WEBP_DEMUX_ABI_VERSION) else {
            throw request.error(.corruptData, "invalid WebP animation")
        }
        self.handle = handle
        var info = WebPAnimInfo()
        guard WebPAnimDecoderGetInfo(handle, &info) != 0, info.canvas_width > 0, info.canvas_height > 0 else {
            // Not every stored property is set yet, so deinit will not run: free the decoder here.
            WebPAnimDecoderDelete(handle)
            throw request.error(.corruptData, "invalid WebP animation header")
        }
        width = Int(info.canvas_width)
        height = Int(info.canvas_height)
        frameCount = Int(info.frame_count)
        loopCount = Int(info.loop_count)
        if !decodePixels {
            // Durations come from the timestamps, which needs every frame decoded once.
            var previous: Int32 = 0
            var pixels: UnsafeMutablePointer<UInt8>?
            var timestamp: Int32 = 0
            while WebPAnimDecoderHasMoreFrames(handle) != 0 {
                guard WebPAnimDecoderGetNext(handle, &pixels, &timestamp) != 0 else {
                    // Every stored property is set by now, so deinit runs and frees the decoder
                    // (freeing it here too was a double free, found by fuzzing).
                    throw request.error(.corruptData, "WebP animation frame \(durations.count) is damaged")
                }
                durations.append(Int(timestamp - previous))
                previous = timestamp
            }
            WebPAnimDecoderReset(handle)
        }
    }

    deinit { WebPAnimDecoderDelete(handle) }

    /// The next composited frame (H×W×4 uint8), or `nil` after the last one.
    func next() throws -> NDArray? {
        guard WebPAnimDecoderHasMoreFrames(handle) != 0 else { return nil }
        var pixels: UnsafeMutablePointer<UInt8>?
        var timestamp: Int32 = 0
        guard WebPAnimDecoderGetNext(handle, &pixels, &timestamp) != 0, let pixels else {
            throw request.error(.corruptData, "WebP animation frame is damaged")
        }
        let count = width * height * 4
        return NDArray(unsafeUninitializedShape: [height, width, 4], dtype: .uint8) { out in
            out.copyMemory(from: UnsafeRawBufferPointer(start: pixels, count: count))
        }
    }
}
