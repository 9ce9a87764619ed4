import CWebP
import ImMetaIOCore
import NDArrayModule

/// Encodes an animated WebP with libwebp's animation encoder (libwebpmux), which codes each frame
/// as the sub-rectangle that changed, choosing blending and disposal itself. Frames are encoded
/// as they arrive; libwebp keeps the encoded frames until ``finish()`` assembles the file.
///
/// Durations are whole milliseconds (fractions rounded): each frame's timestamp is the sum of the
/// durations before it. libwebp merges a frame identical to the one before it into that frame,
/// adding the durations (as Pillow's WebP writer, which uses the same encoder, does).
final class WebPAnimationEncoder: AnimationEncoder {
    private let handle: OpaquePointer
    private var config: WebPConfig
    private let timing: AnimationTiming
    private let sink: OutputSink
    private var timestamp = 0
    private var frames = 0

    init(width: Int, height: Int, encoder: WebPEncoder, timing: AnimationTiming, sink: OutputSink) throws {
        self.timing = timing
        self.sink = sink
        config = try encoder.configuration(file: sink.displayName)
        var options = WebPAnimEncoderOptions()
        guard WebPAnimEncoderOptionsInitInternal(&options, WEBP_MUX_ABI_VERSION) != 0 else {
            throw ImMetaIOError(.io, "libwebp's animation encoder does not match its headers", file: sink.displayName)
        }
        options.anim_params.loop_count = Int32(timing.loop ?? 0)
        guard let handle = WebPAnimEncoderNewInternal(Int32(width), Int32(height), &options, WEBP_MUX_ABI_VERSION) else {
            throw ImMetaIOError(.limitExceeded, "out of memory for a \(width)×\(height) WebP animation", file: sink.displayName)
        }
        self.handle = handle
    }

    deinit { WebPAnimEncoderDelete(handle) }

    private func failure(_ action: String) -> ImMetaIOError {
        let detail = WebPAnimEncoderGetError(handle).map { String(cString: $0) } ?? ""
        return ImMetaIOError(.io, "WebP animation \(action) failed" + (detail.isEmpty ? "" : ": \(detail)"), file: sink.displayName)
    }

    func add(_ frame: NDArray) throws {
        let image = try WebPEncoder.prepared(frame, file: sink.displayName)
        let added = try WebPEncoder.withPicture(image, file: sink.displayName) { picture in
            WebPAnimEncoderAdd(handle, &picture, Int32(timestamp), &config)
        }
        guard added != 0 else { throw failure("encoding of frame \(frames)") }
        timestamp += Int(timing.duration(ofFrame: frames).rounded())
        frames += 1
        guard timestamp <= Int(Int32.max) else {
            throw ImMetaIOError(.invalidArgument, "a WebP animation lasts at most \(Int32.max) ms", file: sink.displayName)
        }
    }

    func finish() throws {
        guard WebPAnimEncoderAdd(handle, nil, Int32(timestamp), nil) != 0 else { throw failure("encoding") }
        var data = WebPData()
        WebPDataInit(&data)
        defer { WebPDataClear(&data) }
        guard WebPAnimEncoderAssemble(handle, &data) != 0, let bytes = data.bytes else { throw failure("assembly") }
        try sink.write(UnsafeRawBufferPointer(start: bytes, count: data.size))
    }
}
