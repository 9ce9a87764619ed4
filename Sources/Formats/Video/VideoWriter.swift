import CFFmpeg
import CFFmpegShims
import Foundation
import ImMetaIOCore
import NDArrayModule

/// Encodes frames one at a time into a container through FFmpeg; nothing but the current frame
/// and the encoder's own look-ahead is held in memory.
final class VideoWriter: ImageWriter {
    private let request: WriteRequest
    private let settings: VideoWriteSettings
    private let output: AVIOOutput
    private var io: UnsafeMutablePointer<AVIOContext>?
    private var muxer: UnsafeMutablePointer<AVFormatContext>?
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private var stream: UnsafeMutablePointer<AVStream>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private let converter = FrameConverter()
    /// Shape and layout of the first frame; every later frame must match.
    private var frameShape: [Int]?
    private var layout: PixelLayout = .rgb24
    private var framesWritten: Int64 = 0

    init(_ request: WriteRequest) throws {
        _ = FFmpeg.routeLogging
        self.request = request
        settings = try VideoWriteSettings(request)
        output = AVIOOutput(request.sink)
    }

    deinit {
        avcodec_free_context(&encoder)
        if let muxer { avformat_free_context(muxer) }
        freeContext(io)
        av_frame_free(&frame)
        av_packet_free(&packet)
    }

    func append(_ image: NDArray, metadata: JSONObject) throws {
        guard image.dtype == .uint8 else {
            throw request.error(.invalidArgument, "video frames must be uint8, not \(image.dtype)")
        }
        // N×H×W×C, or N×H×W once the first frame was H×W: a batch of frames.
        if image.rank == (frameShape.map { $0.count } ?? 3) + 1 {
            let frameCount = image.shape[0]
            let shape = Array(image.shape.dropFirst())
            let frameBytes = shape.reduce(1, *)
            try image.withUnsafeBytes { bytes in
                for index in 0..<frameCount {
                    try encode(UnsafeRawBufferPointer(rebasing: bytes[(index * frameBytes)..<((index + 1) * frameBytes)]), shape: shape)
                }
            }
            return
        }
        try image.withUnsafeBytes { try encode($0, shape: image.shape) }
    }

    func finish() throws {
        guard framesWritten > 0, let encoder else {
            throw request.error(.invalidArgument, "no frames to write: a video needs at least one")
        }
        try check(avcodec_send_frame(encoder, nil), "flushing the encoder")
        try drainPackets()
        try check(av_write_trailer(muxer), "finishing the container")
        if let io { avio_flush(io) }
        if let failure = output.failure { throw failure }
    }

    private func encode(_ pixels: UnsafeRawBufferPointer, shape: [Int]) throws {
        if let frameShape {
            guard shape == frameShape else {
                throw request.error(.invalidArgument, "frame \(framesWritten) has shape \(shape); the video's frames are \(frameShape)")
            }
        } else {
            guard let layout = PixelLayout(arrayShape: shape), shape[0] > 0, shape[1] > 0 else {
                throw request.error(.invalidArgument, "a video frame must be uint8 H×W, H×W×3 or H×W×4, not \(shape)")
            }
            self.layout = layout
            try open(width: shape[1], height: shape[0])
            frameShape = shape
        }
        guard let encoder, let frame else { return }
        try check(av_frame_make_writable(frame), "preparing a frame")
        try converter.fill(frame, from: pixels, as: layout, file: request.sink.displayName)
        frame.pointee.pts = framesWritten
        framesWritten += 1
        try check(avcodec_send_frame(encoder, frame), "encoding frame \(framesWritten - 1)")
        try drainPackets()
    }

    /// Writes every packet the encoder has ready. Each gets a duration of one frame when the
    /// encoder leaves it at zero: MP4 muxing otherwise gives the last frame no duration, and
    /// players (and FFmpeg's own demuxer) drop it.
    private func drainPackets() throws {
        guard let encoder, let packet, let stream else { return }
        while true {
            let status = avcodec_receive_packet(encoder, packet)
            if status == FFmpeg.tryAgain || status == FFmpeg.endOfFile { return }
            try check(status, "encoding")
            packet.pointee.stream_index = stream.pointee.index
            if packet.pointee.duration <= 0 { packet.pointee.duration = 1 }
            av_packet_rescale_ts(packet, encoder.pointee.time_base, stream.pointee.time_base)
            try check(av_interleaved_write_frame(muxer, packet), "writing a packet")
        }
    }

    /// Opens the encoder and the container once the first frame gives the size.
    private func open(width: Int, height: Int) throws {
        let codec = try settings.encoder()
        let pixelFormat = try settings.pixelFormat(for: codec, width: width, height: height)
        guard width <= 16384, height <= 16384 else {
            throw request.error(.invalidArgument, "frames of \(width)×\(height) are larger than video encoders take (16384)")
        }
        guard let container = settings.container else { throw request.error(.invalidArgument, "no container") }
        if avformat_query_codec(container, codec.pointee.id, FF_COMPLIANCE_NORMAL) == 0 {
            throw request.error(
                .invalidArgument, "a \(String(cString: container.pointee.name)) file cannot hold \(settings.codecName) video")
        }
        var muxer: UnsafeMutablePointer<AVFormatContext>?
        try check(avformat_alloc_output_context2(&muxer, container, nil, nil), "creating the container")
        self.muxer = muxer
        packet = av_packet_alloc()
        frame = av_frame_alloc()
        encoder = avcodec_alloc_context3(codec)
        guard let muxer, let encoder, let frame, packet != nil, let stream = avformat_new_stream(muxer, nil) else {
            throw request.error(.limitExceeded, "out of memory for the encoder")
        }
        self.stream = stream
        encoder.pointee.width = Int32(width)
        encoder.pointee.height = Int32(height)
        encoder.pointee.pix_fmt = pixelFormat
        encoder.pointee.framerate = settings.frameRate
        encoder.pointee.time_base = av_inv_q(settings.frameRate)
        encoder.pointee.thread_count = Int32(settings.threads)
        // Slice threads on up to four cores (x264's sliced threads: 1080p H.264 encoded 15–20 %
        // faster than with frame threads on two cores here, files 0.6 % larger, and they decode
        // on slice threads too); frame threads beyond, where they scale further.
        encoder.pointee.thread_type = ProcessInfo.processInfo.activeProcessorCount <= 4 ? FF_THREAD_SLICE : FF_THREAD_FRAME
        // Frames are converted with the BT.601 matrix in the range the codec takes; say so in the stream.
        let range = settings.colorRange(for: pixelFormat)
        encoder.pointee.colorspace = AVCOL_SPC_SMPTE170M
        encoder.pointee.color_range = range
        if let bitRate = settings.bitRate { encoder.pointee.bit_rate = Int64(bitRate) }
        if let scale = settings.quantizer {
            encoder.pointee.flags |= AV_CODEC_FLAG_QSCALE
            encoder.pointee.global_quality = Int32(scale) * FF_QP2LAMBDA
        }
        if container.pointee.flags & AVFMT_GLOBALHEADER != 0 {
            encoder.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
        }
        var options: OpaquePointer? = nil
        defer { av_dict_free(&options) }
        for (key, value) in settings.codecOptions { av_dict_set(&options, key, value, 0) }
        let opened = avcodec_open2(encoder, codec, &options)
        guard opened >= 0 else {
            throw request.error(
                .invalidArgument,
                "the \(settings.codecName) encoder refuses these settings (\(width)×\(height) \(pixelFormatName(pixelFormat))): "
                    + FFmpeg.describe(opened))
        }
        let unused = VideoMetadata.entries(of: options).keys
        guard unused.isEmpty else {
            throw request.error(
                .invalidArgument, "the \(settings.codecName) encoder has no option \(unused.map { "'\($0)'" }.joined(separator: ", "))")
        }
        try check(avcodec_parameters_from_context(stream.pointee.codecpar, encoder), "describing the stream")
        stream.pointee.time_base = encoder.pointee.time_base
        stream.pointee.avg_frame_rate = settings.frameRate
        frame.pointee.format = pixelFormat.rawValue
        frame.pointee.width = Int32(width)
        frame.pointee.height = Int32(height)
        frame.pointee.colorspace = AVCOL_SPC_SMPTE170M
        frame.pointee.color_range = range
        try check(av_frame_get_buffer(frame, 0), "allocating a frame")
        io = try output.makeContext()
        muxer.pointee.pb = io
        muxer.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        try check(avformat_write_header(muxer, nil), "writing the container header")
    }

    /// Throws for a negative FFmpeg status: the sink's own error when writing failed, else FFmpeg's.
    private func check(_ status: Int32, _ action: String) throws {
        guard status < 0 else { return }
        if let failure = output.failure { throw failure }
        throw request.error(status == immetaio_averror_enomem() ? .limitExceeded : .io, "\(action) failed: \(FFmpeg.describe(status))")
    }
}
