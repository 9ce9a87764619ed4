// Fuzzes every decoder through the registry: arbitrary bytes must give an image or a typed
// ImMetaIOError, never a crash, a hang or an allocation beyond the small limits set here.
import ImMetaIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = DecodeLimits(maxPixels: 1 << 22, maxBytes: 1 << 26)
    for format in ["png", "jpeg", "exr", "webp", "fits", "tiff", "bmp", "gif", "npy"] {
        do {
            let file = try openImage(.bytes(bytes), format: format, limits: limits)
            _ = try? file.properties()
            _ = try? file.metadata()
            _ = try file.read(index: .all)
        } catch is ImMetaIOError {
            continue
        } catch {
            preconditionFailure("untyped error from \(format): \(error)")
        }
    }
    return 0
}
