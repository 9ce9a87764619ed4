import CWebP
import ImMetaIOCore
import NDArrayModule

/// Encodes one uint8 still with libwebp's simple API (lossless: its advanced API), and prepares
/// frames and settings for ``WebPAnimationEncoder``.
struct WebPEncoder {
    var quality: Float
    var lossless: Bool

    func encode(_ image: NDArray, to sink: OutputSink) throws {
        let image = try Self.prepared(image, file: sink.displayName)
        let shape = image.shape
        if lossless {
            try encodeLosslessExactly(image, to: sink)
            return
        }
        let width = Int32(shape[1]), height = Int32(shape[0]), stride = Int32(shape[1] * shape[2])
        var output: UnsafeMutablePointer<UInt8>?
        let size = image.withUnsafeBytes { raw -> Int in
            let pixels = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return shape[2] == 4
                ? WebPEncodeRGBA(pixels, width, height, stride, quality, &output)
                : WebPEncodeRGB(pixels, width, height, stride, quality, &output)
        }
        defer { WebPFree(output) }
        guard size > 0, let output else { throw ImMetaIOError(.io, "WebP encoding failed", file: sink.displayName) }
        try sink.write(UnsafeRawBufferPointer(start: output, count: size))
    }

    /// `image` as uint8 H×W×3 or H×W×4 (gray H×W and H×W×1 become RGB), or an error naming what
    /// WebP stores.
    static func prepared(_ image: NDArray, file: String) throws(ImMetaIOError) -> NDArray {
        var image = image
        if image.dtype == .uint8, image.rank == 2 || (image.rank == 3 && image.shape[2] == 1) { image = grayToRGB(image) }
        let shape = image.shape
        guard image.dtype == .uint8, shape.count == 3, shape[2] == 3 || shape[2] == 4, shape[0] > 0, shape[1] > 0,
            shape[0] <= 16383, shape[1] <= 16383
        else {
            throw ImMetaIOError(
                .invalidArgument, "WebP stores uint8 H×W×3 or H×W×4 images of at most 16383×16383, not \(image.dtype) \(shape)",
                file: file)
        }
        return image
    }

    /// The advanced API's settings: `quality`, and for lossless `exact`, so colours under fully
    /// transparent pixels survive (the simple API may change them).
    func configuration(file: String) throws(ImMetaIOError) -> WebPConfig {
        var config = WebPConfig()
        guard WebPConfigInitInternal(&config, WEBP_PRESET_DEFAULT, quality, WEBP_ENCODER_ABI_VERSION) != 0 else {
            throw ImMetaIOError(.io, "libwebp does not match its headers", file: file)
        }
        if lossless {
            config.lossless = 1
            config.exact = 1
        }
        return config
    }

    /// Calls `body` with a picture holding a prepared image's pixels (ARGB, as lossless needs).
    static func withPicture<R>(_ image: NDArray, file: String, _ body: (inout WebPPicture) throws -> R) throws -> R {
        var picture = WebPPicture()
        guard WebPPictureInitInternal(&picture, WEBP_ENCODER_ABI_VERSION) != 0 else {
            throw ImMetaIOError(.io, "libwebp does not match its headers", file: file)
        }
        picture.use_argb = 1
        picture.width = Int32(image.shape[1])
        picture.height = Int32(image.shape[0])
        defer { WebPPictureFree(&picture) }
        let stride = Int32(image.shape[1] * image.shape[2])
        let imported = image.withUnsafeBytes { raw in
            let pixels = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return image.shape[2] == 4 ? WebPPictureImportRGBA(&picture, pixels, stride) : WebPPictureImportRGB(&picture, pixels, stride)
        }
        guard imported != 0 else { throw ImMetaIOError(.io, "libwebp could not take the pixels", file: file) }
        return try body(&picture)
    }

    /// Lossless with libwebp's advanced API and `exact` set.
    private func encodeLosslessExactly(_ image: NDArray, to sink: OutputSink) throws {
        var config = try configuration(file: sink.displayName)
        var writer = WebPMemoryWriter()
        WebPMemoryWriterInit(&writer)
        defer { WebPMemoryWriterClear(&writer) }
        let (encoded, error) = try Self.withPicture(image, file: sink.displayName) { picture in
            let status = withUnsafeMutablePointer(to: &writer) { writerPointer in
                picture.writer = WebPMemoryWrite
                picture.custom_ptr = UnsafeMutableRawPointer(writerPointer)
                return WebPEncode(&config, &picture)
            }
            return (status, picture.error_code.rawValue)
        }
        guard encoded != 0, let bytes = writer.mem else {
            throw ImMetaIOError(.io, "WebP lossless encoding failed (error \(error))", file: sink.displayName)
        }
        try sink.write(UnsafeRawBufferPointer(start: bytes, count: writer.size))
    }

    static func grayToRGB(_ image: NDArray) -> NDArray {
        let height = image.shape[0], width = image.shape[1]
        return image.withUnsafeBytes { gray in
            NDArray(unsafeUninitializedShape: [height, width, 3], dtype: image.dtype) { rgb in
                for i in 0..<(height * width) {
                    let value = gray[i]
                    rgb[3 * i] = value
                    rgb[3 * i + 1] = value
                    rgb[3 * i + 2] = value
                }
            }
        }
    }
}
