import CFFmpeg
import ImMetaIOCore
import NDArrayModule

/// Reads a video's frames: all of them (the default index), one by index with seeking, or one at
/// a time in order.
final class VideoReader: ImageReader {
    private let request: ReadRequest
    private let layout: PixelLayout
    /// The demuxer behind properties, metadata and the frame index (no decoder: opening one
    /// allocates its threads' frames, which a sequential pass would then hold twice).
    private let demuxer: VideoDecoder
    /// The decoder for reads by index, opened by the first; sequential passes open their own.
    private var randomAccess: VideoDecoder?
    private let converter = FrameConverter()
    private let width: Int, height: Int
    /// Presentation timestamps of every frame, sorted: the frame index, built from the packets
    /// (demuxed, not decoded) on the first call that needs the exact count or a position.
    private var index: [Int64]?
    /// Whether every packet carried a timestamp; without them, reads by index decode from the start.
    private var indexHasTimestamps = true
    /// The index of the frame ``randomAccess`` returns next, when known (0 for a new decoder).
    private var nextIndex: Int? = 0
    /// Decoding forward at most this many frames is preferred to seeking.
    private let seekDistance = 48

    var defaultIndex: ImageIndex { .all }

    init(_ request: ReadRequest) throws {
        self.request = request
        var parser = OptionParser(request.options, plugin: "video", file: request.displayName)
        let layoutName = try parser.string("pixel_format", default: "rgb24", allowed: PixelLayout.allCases.map(\.rawValue))
        layout = PixelLayout(rawValue: layoutName) ?? .rgb24
        try parser.finish()
        demuxer = try VideoDecoder(request.bytes, displayName: request.displayName, decode: false)
        let parameters = demuxer.stream.pointee.codecpar.pointee
        width = Int(parameters.width)
        height = Int(parameters.height)
        guard width > 0, height > 0 else {
            throw request.error(.corruptData, "the video stream has no frame size (\(width)×\(height))")
        }
        try request.limits.check(
            imageShape: layout.shape(width: width, height: height), dtype: .uint8, hasChannelAxis: layout.channels > 1,
            file: request.displayName)
    }

    private var frameShape: [Int] { layout.shape(width: width, height: height) }

    func imageCount() throws -> Int { try frameIndex().count }

    func properties(at index: Int) throws -> ImageProperties {
        let listed = Int(demuxer.stream.pointee.nb_frames)
        return ImageProperties(shape: frameShape, dtype: .uint8, imageCount: self.index?.count ?? (listed > 0 ? listed : nil))
    }

    func metadata(at index: Int) throws -> JSONObject {
        var metadata = VideoMetadata.describe(demuxer)
        if let timestamps = self.index, indexHasTimestamps, timestamps.indices.contains(index) {
            let timeBase = demuxer.stream.pointee.time_base
            let start = demuxer.stream.pointee.start_time
            let origin = start == FFmpeg.noTimestamp ? timestamps[0] : start
            metadata["timestamp"] = .double(Double(timestamps[index] - origin) * av_q2d(timeBase))
        }
        return metadata
    }

    func read(at position: Int) throws -> NDArray {
        let timestamps = try frameIndex()
        guard timestamps.indices.contains(position) else {
            throw request.error(.invalidArgument, "frame \(position) is out of range: the video has \(timestamps.count) frames")
        }
        var decoder = try randomAccess ?? VideoDecoder(request.bytes, displayName: request.displayName)
        if let next = nextIndex, position >= next, position - next <= seekDistance {
            // Close ahead: decoding forward is cheaper than seeking.
        } else if indexHasTimestamps {
            try decoder.seek(toTimestamp: timestamps[position])
            nextIndex = nil
        } else {
            // Without timestamps there is nothing to seek to: start again from the first frame.
            decoder = try VideoDecoder(request.bytes, displayName: request.displayName)
            nextIndex = 0
        }
        randomAccess = decoder
        while let frame = try decoder.nextFrame() {
            let current: Int
            if let next = nextIndex {
                current = next
            } else if let time = VideoDecoder.timestamp(of: frame) {
                current = Self.position(of: time, in: timestamps)
            } else {
                throw request.error(.corruptData, "a frame after seeking has no timestamp")
            }
            nextIndex = current + 1
            if current >= position {
                try Self.checkSize(frame, width: width, height: height, file: request.displayName)
                return try converter.array(from: frame, as: layout, file: request.displayName)
            }
        }
        nextIndex = nil
        throw request.error(.corruptData, "the video ends before frame \(position) (its container lists \(timestamps.count))")
    }

    func readAll() throws -> NDArray {
        let count = try imageCount()
        let shape = [count] + frameShape
        try request.limits.check(
            pixels: NDArray.checkedElementCount([count, height, width]) ?? .max, shape: shape, dtype: .uint8,
            file: request.displayName)
        let frameBytes = frameShape.reduce(1, *)
        let sequential = try VideoDecoder(request.bytes, displayName: request.displayName)
        var decoded = 0
        var stack = try NDArray(unsafeUninitializedShape: shape, dtype: .uint8) { bytes in
            while let frame = try sequential.nextFrame() {
                guard decoded < count else {
                    throw request.error(.corruptData, "the video decodes to more frames than its container lists (\(count))")
                }
                let slot = UnsafeMutableRawBufferPointer(rebasing: bytes[(decoded * frameBytes)..<((decoded + 1) * frameBytes)])
                try converter.convert(frame, as: layout, into: slot, file: request.displayName)
                decoded += 1
            }
            // Frames the decoder dropped (damaged data) leave the rest of the stack undefined: trimmed below.
        }
        if decoded < count {
            guard decoded > 0 else { throw request.error(.corruptData, "no frame of the video could be decoded") }
            stack = trimmed(stack, to: decoded, frameBytes: frameBytes)
        }
        return stack
    }

    func makeFrameIterator() throws -> ImageFrameIterator {
        let sequential = try VideoDecoder(request.bytes, displayName: request.displayName)
        let converter = FrameConverter()
        let layout = self.layout, name = request.displayName, width = width, height = height
        // The previous frame's array is reused when the caller has let go of it (the usual
        // `while let frame = try frames.next()` loop): no 6 MB allocation and page faults per
        // 1080p frame. When the caller still holds it, writing makes a fresh copy first (CoW).
        var previous: NDArray?
        return ImageFrameIterator {
            guard let frame = try sequential.nextFrame() else {
                previous = nil
                return nil
            }
            try Self.checkSize(frame, width: width, height: height, file: name)
            if var array = previous {
                previous = nil  // so that `array` is the only reference when the caller dropped theirs
                let outcome = array.withUnsafeMutableBytes { bytes in
                    Result { () throws(ImMetaIOError) in try converter.convert(frame, as: layout, into: bytes, file: name) }
                }
                try outcome.get()
                previous = array
                return array
            }
            let array = try converter.array(from: frame, as: layout, file: name)
            previous = array
            return array
        }
    }

    /// The sorted presentation timestamps of every frame, from one pass over the packets.
    private func frameIndex() throws(ImMetaIOError) -> [Int64] {
        if let index { return index }
        // One pass of the metadata demuxer over the packets; it is not read from again.
        var timestamps: [Int64] = []
        var previous: Int64 = -1
        while let packet = try demuxer.nextPacket() {
            defer { demuxer.releasePacket() }
            // Packets the demuxer marks for discarding (edit lists) never become frames.
            if packet.pointee.flags & AV_PKT_FLAG_DISCARD != 0 { continue }
            var time = packet.pointee.pts
            if time == FFmpeg.noTimestamp { time = packet.pointee.dts }
            if time == FFmpeg.noTimestamp {
                indexHasTimestamps = false
                time = previous + 1
            }
            previous = time
            timestamps.append(time)
            guard timestamps.count <= 50_000_000 else { throw request.error(.limitExceeded, "more than 50 million frames") }
        }
        timestamps.sort()
        guard !timestamps.isEmpty else { throw request.error(.corruptData, "the video stream holds no frames") }
        index = timestamps
        return timestamps
    }

    /// Frames must keep the stream's size (checked against the decode limits when the file was
    /// opened); a stream that changes it midway is refused rather than allocated for unchecked.
    private static func checkSize(_ frame: UnsafeMutablePointer<AVFrame>, width: Int, height: Int, file: String) throws(ImMetaIOError) {
        guard Int(frame.pointee.width) == width, Int(frame.pointee.height) == height else {
            throw ImMetaIOError(
                .unsupportedFeature,
                "the video changes its frame size midway (\(width)×\(height) to \(frame.pointee.width)×\(frame.pointee.height))",
                file: file)
        }
    }

    /// The frame index of a decoded timestamp: the first listed timestamp at or after it.
    private static func position(of time: Int64, in timestamps: [Int64]) -> Int {
        var low = 0, high = timestamps.count
        while low < high {
            let middle = (low + high) / 2
            if timestamps[middle] < time { low = middle + 1 } else { high = middle }
        }
        return min(low, timestamps.count - 1)
    }

    private func trimmed(_ stack: NDArray, to frames: Int, frameBytes: Int) -> NDArray {
        NDArray(unsafeUninitializedShape: [frames] + frameShape, dtype: .uint8) { target in
            stack.withUnsafeBytes { source in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source.prefix(frames * frameBytes)))
            }
        }
    }
}
