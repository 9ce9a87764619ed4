// Fuzzes the FFmpeg video plugin: arbitrary bytes (seeded with small MP4, Matroska, WebM and AVI
// files) must give frames or a typed ImMetaIOError, never a crash, a hang or a leak. FFmpeg itself
// is not instrumented; what is covered is our side: I/O callbacks, seeking, the frame index,
// conversion and every path that frees FFmpeg's handles.
import ImMetaIOVideo
import Logging

/// FFmpeg complains about every damaged input; only crashes matter here.
let quiet: Void = {
    var logger = Logger(label: "immetaio.ffmpeg")
    logger.logLevel = .critical
    VideoFormat.logger = logger
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = quiet
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = DecodeLimits(maxPixels: 1 << 20, maxBytes: 1 << 25)
    do {
        let file = try openImage(.bytes(bytes), format: "ffmpeg", limits: limits, registry: .standardWithVideo)
        _ = try? file.properties()
        _ = try? file.metadata()
        if let count = try? file.imageCount(), count > 0 {
            _ = try? file.read(index: .at(count - 1))
            _ = try? file.read(index: .at(0))
        }
        var frames = try file.frames()
        var decoded = 0
        while try frames.next() != nil, decoded < 64 { decoded += 1 }
    } catch is ImMetaIOError {
        return 0
    } catch {
        preconditionFailure("untyped error: \(error)")
    }
    return 0
}
