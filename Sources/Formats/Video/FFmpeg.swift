import CFFmpeg
import CFFmpegShims
import Foundation
import ImMetaIOCore
import Logging

/// Process-wide FFmpeg set-up and error translation shared by the video reader and writer.
enum FFmpeg {
    /// Where FFmpeg's own messages go; see ``VideoFormat/logger``. Guarded by a lock: FFmpeg logs
    /// from its codec threads.
    private static let loggerLock = NSLock()
    nonisolated(unsafe) private static var currentLogger = Logger(label: "immetaio.ffmpeg")

    static var logger: Logger {
        get { loggerLock.withLock { currentLogger } }
        set { loggerLock.withLock { currentLogger = newValue } }
    }

    /// Routes FFmpeg's logging to ``logger`` instead of stderr; evaluated before any FFmpeg call.
    /// FFmpeg has one log callback per process, so this replaces any other handler.
    static let routeLogging: Void = {
        immetaio_av_log_install(forwardLogLine, AV_LOG_INFO)
    }()

    static let endOfFile = immetaio_averror_eof()
    static let tryAgain = immetaio_averror_eagain()
    static let invalidData = immetaio_averror_invaliddata()
    static let noTimestamp = immetaio_av_nopts_value()

    /// FFmpeg's text for an error code.
    static func describe(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        if av_strerror(code, &buffer, buffer.count) < 0 { return "FFmpeg error \(code)" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The code for failures of the data itself (damaged or cut-short files), else `io` for
    /// system errors and `corruptData` for the rest.
    static func code(for status: Int32) -> ImMetaIOError.Code {
        status == immetaio_averror_eio() ? .io : status == immetaio_averror_enomem() ? .limitExceeded : .corruptData
    }
}

/// FFmpeg → swift-log. A C function (no captures): FFmpeg calls it from any thread.
private func forwardLogLine(_ level: Int32, _ line: UnsafePointer<CChar>?) {
    guard let line else { return }
    var text = String(cString: line)
    while text.last == "\n" { text.removeLast() }
    guard !text.isEmpty else { return }
    let swiftLevel: Logger.Level =
        switch level {
        case ...AV_LOG_ERROR: .error
        case ...AV_LOG_WARNING: .warning
        case ...AV_LOG_INFO: .debug
        default: .trace
        }
    FFmpeg.logger.log(level: swiftLevel, "\(text)")
}
