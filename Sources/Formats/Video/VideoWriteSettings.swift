import CFFmpeg
import Foundation
import ImMetaIOCore

/// The writer's options, checked before any frame arrives (see ``VideoFormat`` for the list).
struct VideoWriteSettings {
    let container: UnsafePointer<AVOutputFormat>?
    let codecName: String
    let frameRate: AVRational
    let bitRate: Int?
    /// A fixed quantiser (`quality` on codecs without a CRF mode), in the codec's qscale units.
    let quantizer: Int?
    let requestedPixelFormat: String?
    let threads: Int
    /// Private options passed to the encoder (`preset`, `crf`, `codec_options`).
    let codecOptions: [(String, String)]
    private let file: String

    init(_ request: WriteRequest) throws {
        let file = request.sink.displayName
        self.file = file
        var parser = OptionParser(request.options, plugin: "video", file: file)
        let containerName = parser.value("container")?.stringValue
        if let given = parser.value("container"), containerName == nil {
            throw ImMetaIOError(.invalidArgument, "video option 'container' must be a string, not \(given)", file: file)
        }
        // The muxer: named, or guessed from the extension ("x.mp4" → mp4).
        let guessName = containerName == nil ? request.fileExtension.map { "output\($0)" } : nil
        let container = containerName.flatMap { av_guess_format($0, nil, nil) } ?? guessName.flatMap { av_guess_format(nil, $0, nil) }
        guard let container else {
            throw ImMetaIOError(
                .invalidArgument,
                containerName.map { "FFmpeg has no '\($0)' container" }
                    ?? "cannot tell the video container: name the file with an extension (.mp4, .mkv, .webm, .avi, .mov) "
                    + "or give the 'container' option", file: file)
        }
        self.container = container
        let muxerName = String(cString: container.pointee.name)
        let defaultCodec = muxerName.contains("webm") ? "libvpx-vp9" : muxerName == "avi" ? "mpeg4" : "libx264"
        let codecName = try parser.value("codec").map { value throws(ImMetaIOError) in
            guard let name = value.stringValue else { throw Self.invalid("codec", "a string", value, file: file) }
            return name
        } ?? defaultCodec
        self.codecName = codecName

        let fpsValue = parser.value("fps") ?? .int(24)
        guard let fps = fpsValue.doubleValue, fps > 0, fps <= 1000 else { throw Self.invalid("fps", "a number in (0, 1000]", fpsValue, file: file) }
        frameRate = av_d2q(fps, 1_000_000)

        bitRate = try parser.value("bitrate").map { value throws(ImMetaIOError) in
            guard let rate = Self.bitRate(value), rate > 0 else {
                throw Self.invalid("bitrate", "bits per second as a number or a string like \"4M\" or \"800k\"", value, file: file)
            }
            return rate
        }
        var options: [(String, String)] = []
        var quantizer: Int?
        if let value = parser.value("quality") {
            guard let quality = value.doubleValue, (0...10).contains(quality) else {
                throw Self.invalid("quality", "a number from 0 (worst) to 10 (best)", value, file: file)
            }
            // imageio's scale: 10 is the best. CRF codecs get a CRF over their range, others a quantiser.
            let loss = 1 - quality / 10
            switch codecName {
            case "libx264", "libx264rgb", "libx265": options.append(("crf", String(Int((loss * 51).rounded()))))
            case "libvpx", "libvpx-vp9", "libaom-av1", "libsvtav1": options.append(("crf", String(Int((loss * 63).rounded()))))
            default: quantizer = 1 + Int((loss * 30).rounded())
            }
        }
        self.quantizer = quantizer
        if let value = parser.value("crf") {
            guard let crf = value.intValue, (0...63).contains(crf) else { throw Self.invalid("crf", "an integer in 0...63", value, file: file) }
            options.append(("crf", String(crf)))
        }
        if let value = parser.value("preset") {
            guard let preset = value.stringValue else { throw Self.invalid("preset", "a string such as \"fast\"", value, file: file) }
            options.append(("preset", preset))
        }
        // libvpx is unusably slow at its default speed (cpu-used 0); VP8/VP9 CRF also needs a bitrate of 0.
        if codecName.hasPrefix("libvpx") {
            if !options.contains(where: { $0.0 == "crf" }), bitRate == nil { options.append(("crf", "32")) }
            options.append(("cpu-used", "4"))
            options.append(("deadline", "good"))
            if codecName == "libvpx-vp9" { options.append(("row-mt", "1")) }
            if bitRate == nil { options.append(("b", "0")) }
        }
        if let value = parser.value("codec_options") {
            guard let object = value.objectValue else {
                throw Self.invalid("codec_options", "an object of encoder options ({\"tune\": \"film\"})", value, file: file)
            }
            for (key, option) in object {
                let text: String
                switch option {
                case .string(let string): text = string
                case .int(let number): text = String(number)
                case .double(let number): text = String(number)
                case .bool(let flag): text = flag ? "1" : "0"
                default: throw Self.invalid("codec_options", "an object of strings and numbers", value, file: file)
                }
                options.removeAll { $0.0 == key }
                options.append((key, text))
            }
        }
        codecOptions = options
        if let value = parser.value("pixel_format") {
            guard let name = value.stringValue else { throw Self.invalid("pixel_format", "a pixel format name such as \"yuv420p\"", value, file: file) }
            requestedPixelFormat = name
        } else {
            requestedPixelFormat = nil
        }
        threads = try parser.int("threads", default: 0, in: 0...64)
        try parser.finish()
    }

    /// The encoder named by `codec`.
    func encoder() throws(ImMetaIOError) -> UnsafePointer<AVCodec> {
        guard let codec = avcodec_find_encoder_by_name(codecName) else {
            throw ImMetaIOError(
                .unsupportedFeature,
                "this FFmpeg has no '\(codecName)' encoder (video encoders here: \(Self.videoEncoderNames().joined(separator: ", ")))",
                file: file)
        }
        guard codec.pointee.type == AVMEDIA_TYPE_VIDEO else {
            throw ImMetaIOError(.invalidArgument, "'\(codecName)' is not a video encoder", file: file)
        }
        return codec
    }

    /// The output pixel format: the requested one, else yuv420p when the encoder takes it (what
    /// players expect), else the encoder's first. Checks that the frame size suits its chroma
    /// subsampling: yuv420p needs even widths and heights.
    func pixelFormat(for codec: UnsafePointer<AVCodec>, width: Int, height: Int) throws(ImMetaIOError) -> AVPixelFormat {
        var supported: [AVPixelFormat] = []
        if var cursor = codec.pointee.pix_fmts {
            while cursor.pointee != AV_PIX_FMT_NONE {
                supported.append(cursor.pointee)
                cursor += 1
            }
        }
        let format: AVPixelFormat
        if let name = requestedPixelFormat {
            format = av_get_pix_fmt(name)
            guard format != AV_PIX_FMT_NONE else {
                throw ImMetaIOError(.invalidArgument, "FFmpeg has no pixel format '\(name)'", file: file)
            }
            guard supported.isEmpty || supported.contains(format) else {
                throw ImMetaIOError(
                    .invalidArgument,
                    "the \(codecName) encoder cannot write \(name) (it takes \(supported.map(pixelFormatName).joined(separator: ", ")))",
                    file: file)
            }
        } else {
            format = supported.isEmpty || supported.contains(AV_PIX_FMT_YUV420P) ? AV_PIX_FMT_YUV420P : supported[0]
        }
        if let descriptor = av_pix_fmt_desc_get(format) {
            let across = 1 << Int(descriptor.pointee.log2_chroma_w), down = 1 << Int(descriptor.pointee.log2_chroma_h)
            if width % across != 0 || height % down != 0 {
                throw ImMetaIOError(
                    .invalidArgument,
                    "frames of \(width)×\(height) do not fit \(pixelFormatName(format)), whose colour planes are subsampled "
                        + "\(across)×\(down): crop or pad to a multiple of \(across) wide and \(down) high, or write "
                        + "pixel_format \"yuv444p\"", file: file)
            }
        }
        return format
    }

    /// The YUV range frames are written in: full (JPEG) range for the JPEG-based codecs, whose
    /// standard it is (FFmpeg's MJPEG encoder refuses limited range unless compliance is relaxed)
    /// and for the `yuvj` pixel formats, which mean it; limited (MPEG) range, what players assume
    /// for video, otherwise.
    func colorRange(for format: AVPixelFormat) -> AVColorRange {
        let fullRangeCodecs: Set = ["mjpeg", "ljpeg", "amv", "jpegls"]
        return fullRangeCodecs.contains(codecName) || pixelFormatName(format).hasPrefix("yuvj") ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG
    }

    private static func videoEncoderNames() -> [String] {
        var names: [String] = []
        var state: UnsafeMutableRawPointer?
        while let codec = av_codec_iterate(&state) {
            if codec.pointee.type == AVMEDIA_TYPE_VIDEO, av_codec_is_encoder(codec) != 0, let name = codec.pointee.name {
                let text = String(cString: name)
                if text.hasPrefix("lib") || ["mpeg4", "ffv1", "prores", "mjpeg", "png", "rawvideo", "huffyuv"].contains(text) {
                    names.append(text)
                }
            }
        }
        return names.sorted()
    }

    /// Bits per second from a number or a string with an SI suffix ("4M", "800k", "1.5M").
    static func bitRate(_ value: JSONValue) -> Int? {
        if let number = value.doubleValue { return number.isFinite && number < 1e12 ? Int(number) : nil }
        guard var text = value.stringValue?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        var scale = 1.0
        switch text.last {
        case "k", "K": scale = 1e3
        case "m", "M": scale = 1e6
        case "g", "G": scale = 1e9
        default: break
        }
        if scale != 1 { text.removeLast() }
        guard let number = Double(text), number.isFinite, number > 0, number * scale < 1e12 else { return nil }
        return Int(number * scale)
    }

    private static func invalid(_ key: String, _ expectation: String, _ value: JSONValue, file: String) -> ImMetaIOError {
        ImMetaIOError(.invalidArgument, "video option '\(key)' must be \(expectation), not \(value)", file: file)
    }
}
