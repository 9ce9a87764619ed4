import CShims
import ImMetaIOCore
import NDArrayModule

/// Encodes one image with libjpeg through the C shim.
struct JPEGEncoder {
    struct Settings {
        var quality: Int
        var subsampling: String
        var progressive: Bool
        var optimize: Bool
    }

    let settings: Settings

    func encode(_ image: NDArray, to sink: OutputSink) throws {
        let shape = image.shape
        let channels = shape.count == 2 ? 1 : shape.count == 3 ? shape[2] : 0
        guard image.dtype == .uint8, channels == 1 || channels == 3, shape[0] > 0, shape[1] > 0,
            shape[0] <= 65500, shape[1] <= 65500
        else {
            throw ImMetaIOError(
                .invalidArgument,
                "JPEG stores uint8 H×W or H×W×3 images of at most 65500×65500, not \(image.dtype) \(shape)",
                file: sink.displayName)
        }
        let (h, v): (Int32, Int32) = switch settings.subsampling {
        case "4:4:4": (1, 1)
        case "4:2:2": (2, 1)
        default: (2, 2)
        }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = image.withUnsafeBytes { raw in
            immetaio_jpeg_encode(
                raw.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(shape[1]), Int32(shape[0]),
                Int32(channels), Int32(settings.quality), h, v, settings.progressive ? 1 : 0, settings.optimize ? 1 : 0,
                &output, &size, &message, message.count)
        }
        defer { immetaio_jpeg_free(output) }
        guard Int(status) == IMMETAIO_JPEG_OK, let output else {
            throw ImMetaIOError(.io, "JPEG encode failed: \(cMessage(message))", file: sink.displayName)
        }
        try sink.write(UnsafeRawBufferPointer(start: output, count: Int(size)))
    }

}
