import CFFmpeg
import CFFmpegShims
import Foundation
import ImMetaIOCore

/// One demuxer and decoder over a video's bytes: opens the container, picks the best video
/// stream and hands out decoded frames in presentation order. The reader keeps one for random
/// access; every sequential pass gets its own, so the two never disturb each other.
final class VideoDecoder {
    let displayName: String
    private let input: AVIOInput
    private var io: UnsafeMutablePointer<AVIOContext>?
    private(set) var format: UnsafeMutablePointer<AVFormatContext>?
    private var codec: UnsafeMutablePointer<AVCodecContext>?
    private var frame: UnsafeMutablePointer<AVFrame>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private(set) var streamIndex: Int32 = -1
    private var draining = false
    /// Whether `packet` holds the stream's first packet, read before opening the decoder and not yet sent.
    private var packetPending = false
    private var ended = false

    /// Opens `bytes`. Throws `unsupportedFormat` when FFmpeg does not recognise a container (so
    /// the registry can try other plugins), `corruptData` for damaged files. With `decode` false
    /// only the demuxer is opened (for counting packets).
    init(_ bytes: ResourceBytes, displayName: String, decode: Bool = true) throws(ImMetaIOError) {
        _ = FFmpeg.routeLogging
        self.displayName = displayName
        input = AVIOInput(bytes)
        // Every handle is stored as soon as it exists, so deinit frees it whatever fails next.
        frame = av_frame_alloc()
        packet = av_packet_alloc()
        io = try input.makeContext()
        format = avformat_alloc_context()
        guard frame != nil, packet != nil, let allocated = format else {
            throw ImMetaIOError(.limitExceeded, "out of memory for FFmpeg's demuxer", file: displayName)
        }
        allocated.pointee.pb = io
        allocated.pointee.flags |= AVFMT_FLAG_CUSTOM_IO
        // On failure avformat_open_input frees the context and sets `format` to nil.
        let opened = avformat_open_input(&format, nil, nil, nil)
        guard opened >= 0, let format else {
            // A file that starts like a video container is damaged; anything else is not ours.
            let looksLikeVideo = VideoFormat().sniff(bytes.prefix(64))
            throw ImMetaIOError(
                looksLikeVideo ? .corruptData : .unsupportedFormat,
                "FFmpeg cannot open it: \(FFmpeg.describe(opened))", file: displayName)
        }
        let probed = avformat_find_stream_info(format, nil)
        guard probed >= 0 else {
            throw ImMetaIOError(FFmpeg.code(for: probed), "cannot read the streams: \(FFmpeg.describe(probed))", file: displayName)
        }
        var decoder: UnsafePointer<AVCodec>?
        let best = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0)
        guard best >= 0 else {
            if best == immetaio_averror_decoder_not_found() {
                throw ImMetaIOError(.unsupportedFeature, "FFmpeg has no decoder for its video stream", file: displayName)
            }
            throw ImMetaIOError(.unsupportedFormat, "the file has no video stream", file: displayName)
        }
        streamIndex = best
        // Other streams (audio, subtitles) are skipped by the demuxer instead of read and dropped.
        for index in 0..<Int(format.pointee.nb_streams) where index != Int(best) {
            format.pointee.streams[index]?.pointee.discard = AVDISCARD_ALL
        }
        guard decode else { return }
        guard let decoder, let codec = avcodec_alloc_context3(decoder) else {
            throw ImMetaIOError(.unsupportedFeature, "FFmpeg has no decoder for its video stream", file: displayName)
        }
        self.codec = codec
        let stream = self.stream
        let parameters = stream.pointee.codecpar.pointee
        var status = avcodec_parameters_to_context(codec, stream.pointee.codecpar)
        guard status >= 0 else {
            throw ImMetaIOError(.corruptData, "bad codec parameters: \(FFmpeg.describe(status))", file: displayName)
        }
        codec.pointee.pkt_timebase = stream.pointee.time_base
        // One thread per core. FFmpeg's automatic count is one more than the cores, which only
        // adds a frame thread's buffers (about 10 MB at 1080p) without decoding faster.
        codec.pointee.thread_count = Int32(min(16, ProcessInfo.processInfo.activeProcessorCount))
        // FFmpeg threads either frames or slices, never both: frames by default, slices when an
        // H.264 stream has a slice per thread (PyAV and x264's sliced-threads mode write such
        // files), where slice threads decode them about 20 % faster here.
        codec.pointee.thread_type = FF_THREAD_FRAME
        if parameters.codec_id == AV_CODEC_ID_H264, let first = try nextPacket() {
            packetPending = true
            let extradata = UnsafeRawBufferPointer(start: parameters.extradata, count: Int(max(0, parameters.extradata_size)))
            let slices = H264SliceCount.count(
                in: UnsafeRawBufferPointer(start: first.pointee.data, count: Int(first.pointee.size)), extradata: extradata)
            if slices >= Int(codec.pointee.thread_count) { codec.pointee.thread_type = FF_THREAD_SLICE }
        }
        status = avcodec_open2(codec, decoder, nil)
        guard status >= 0 else {
            throw ImMetaIOError(
                FFmpeg.code(for: status), "cannot open the \(String(cString: decoder.pointee.name)) decoder: \(FFmpeg.describe(status))",
                file: displayName)
        }
    }

    deinit {
        avcodec_free_context(&codec)
        avformat_close_input(&format)
        freeContext(io)
        av_frame_free(&frame)
        av_packet_free(&packet)
    }

    /// The chosen video stream.
    var stream: UnsafeMutablePointer<AVStream> {
        // Valid by construction: streamIndex came from av_find_best_stream on this context.
        format!.pointee.streams[Int(streamIndex)]!
    }

    /// The next packet of the video stream, or `nil` at the end; the caller unreferences it.
    func nextPacket() throws(ImMetaIOError) -> UnsafeMutablePointer<AVPacket>? {
        guard let packet else { return nil }
        while true {
            let status = av_read_frame(format, packet)
            if status == FFmpeg.endOfFile { return nil }
            guard status >= 0 else {
                throw ImMetaIOError(FFmpeg.code(for: status), "cannot read the video: \(FFmpeg.describe(status))", file: displayName)
            }
            if packet.pointee.stream_index == streamIndex { return packet }
            av_packet_unref(packet)
        }
    }

    /// Unreferences the packet ``nextPacket()`` returned.
    func releasePacket() { if let packet { av_packet_unref(packet) } }

    /// The next decoded frame in presentation order, or `nil` after the last. The frame is
    /// valid until the next call.
    func nextFrame() throws(ImMetaIOError) -> UnsafeMutablePointer<AVFrame>? {
        guard let codec, let frame, !ended else { return nil }
        while true {
            let received = avcodec_receive_frame(codec, frame)
            if received >= 0 { return frame }
            if received == FFmpeg.endOfFile {
                ended = true
                return nil
            }
            guard received == FFmpeg.tryAgain, !draining else {
                throw ImMetaIOError(.corruptData, "cannot decode a frame: \(FFmpeg.describe(received))", file: displayName)
            }
            let next: UnsafeMutablePointer<AVPacket>?
            if packetPending, let packet {
                packetPending = false
                next = packet
            } else {
                next = try nextPacket()
            }
            guard let packet = next else {
                draining = true
                avcodec_send_packet(codec, nil)
                continue
            }
            let sent = avcodec_send_packet(codec, packet)
            av_packet_unref(packet)
            guard sent >= 0 || sent == FFmpeg.tryAgain else {
                throw ImMetaIOError(.corruptData, "cannot decode a packet: \(FFmpeg.describe(sent))", file: displayName)
            }
        }
    }

    /// Moves to the last key frame at or before `timestamp` (in the stream's time base) and
    /// resets the decoder; the next frames decoded start there.
    func seek(toTimestamp timestamp: Int64) throws(ImMetaIOError) {
        let status = av_seek_frame(format, streamIndex, timestamp, AVSEEK_FLAG_BACKWARD)
        guard status >= 0 else {
            throw ImMetaIOError(.corruptData, "cannot seek: \(FFmpeg.describe(status))", file: displayName)
        }
        if let codec { avcodec_flush_buffers(codec) }
        if packetPending, let packet { av_packet_unref(packet) }
        packetPending = false
        draining = false
        ended = false
    }

    /// A frame's presentation time in stream time-base units (best effort), or `nil` if unknown.
    static func timestamp(of frame: UnsafeMutablePointer<AVFrame>) -> Int64? {
        let value = frame.pointee.best_effort_timestamp
        return value == FFmpeg.noTimestamp ? nil : value
    }
}
