import CFFmpeg
import ImMetaIOCore

/// The metadata a video reader reports: stream and container properties read from headers,
/// without decoding.
enum VideoMetadata {
    static func describe(_ decoder: VideoDecoder) -> JSONObject {
        let stream = decoder.stream
        let parameters = stream.pointee.codecpar.pointee
        var metadata: JSONObject = [:]
        metadata["codec"] = .string(String(cString: avcodec_get_name(parameters.codec_id)))
        metadata["pixel_format"] = .string(pixelFormatName(AVPixelFormat(rawValue: parameters.format)))
        metadata["width"] = .int(Int(parameters.width))
        metadata["height"] = .int(Int(parameters.height))
        let rate = av_guess_frame_rate(decoder.format, stream, nil)
        let fps = rate.den > 0 && rate.num > 0 ? av_q2d(rate) : nil
        metadata["fps"] = fps.map(JSONValue.double) ?? .null
        let duration = durationInSeconds(decoder)
        metadata["duration"] = duration.map(JSONValue.double) ?? .null
        let listed = Int(stream.pointee.nb_frames)
        metadata["frame_count"] = listed > 0 ? .int(listed) : .null
        if listed <= 0, let fps, let duration {
            metadata["frame_count_estimate"] = .int(Int((fps * duration).rounded()))
        }
        if parameters.bit_rate > 0 { metadata["bit_rate"] = .int(Int(parameters.bit_rate)) }
        if let container = decoder.format?.pointee.iformat?.pointee.name {
            metadata["container"] = .string(String(cString: container))
        }
        metadata["time_base"] = .array([.int(Int(stream.pointee.time_base.num)), .int(Int(stream.pointee.time_base.den))])
        var tags = entries(of: decoder.format?.pointee.metadata)
        for (key, value) in entries(of: stream.pointee.metadata) where tags[key] == nil { tags[key] = value }
        if !tags.isEmpty { metadata["tags"] = .object(tags) }
        return metadata
    }

    /// The stream's duration, or the container's when the stream does not say.
    private static func durationInSeconds(_ decoder: VideoDecoder) -> Double? {
        let stream = decoder.stream.pointee
        if stream.duration != FFmpeg.noTimestamp, stream.duration > 0 {
            return Double(stream.duration) * av_q2d(stream.time_base)
        }
        if let format = decoder.format?.pointee, format.duration != FFmpeg.noTimestamp, format.duration > 0 {
            return Double(format.duration) / Double(AV_TIME_BASE)
        }
        return nil
    }

    /// The key/value pairs of an FFmpeg dictionary, as strings.
    static func entries(of dictionary: OpaquePointer?) -> JSONObject {
        var result: JSONObject = [:]
        var entry: UnsafeMutablePointer<AVDictionaryEntry>? = nil
        while let next = av_dict_get(dictionary, "", entry, AV_DICT_IGNORE_SUFFIX) {
            entry = next
            if let key = next.pointee.key, let value = next.pointee.value {
                result[String(cString: key)] = .string(String(cString: value))
            }
        }
        return result
    }
}
