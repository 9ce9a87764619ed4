import CEXRCxx
import CEXRShims
import Foundation
import ImMetaIOCore
import NDArrayModule

/// Encodes one image as a single-part scanline OpenEXR file, compressing chunks in parallel.
struct EXREncoder {
    let compression: EXRCompression
    let zipLevel: Int
    let dwaLevel: Int
    let channelNames: [String]?
    /// Compress PIZ chunks with OpenEXRCore's own codec instead of ``PIZCodec`` (tests compare the two).
    var libraryPIZ = false

    func encode(_ image: NDArray, to sink: OutputSink) throws {
        _ = PIZCodec.installed
        let shape = image.shape
        guard shape.count == 2 || shape.count == 3, shape[0] > 0, shape[1] > 0, shape[0] < Int(Int32.max),
            shape[1] < Int(Int32.max)
        else {
            throw ImMetaIOError(.invalidArgument, "OpenEXR stores H×W or H×W×C images, not shape \(shape)", file: sink.displayName)
        }
        let channels = shape.count == 2 ? 1 : shape[2]
        let pixelType: exr_pixel_type_t
        switch image.dtype {
        case .float16: pixelType = EXR_PIXEL_HALF
        case .float32: pixelType = EXR_PIXEL_FLOAT
        case .uint32: pixelType = EXR_PIXEL_UINT
        default:
            throw ImMetaIOError(
                .invalidArgument, "OpenEXR stores float16, float32 or uint32 samples, not \(image.dtype)", file: sink.displayName)
        }
        if compression == .b44 || compression == .b44a, pixelType != EXR_PIXEL_HALF {
            // B44 compresses half channels only, and the C library's B44 chunks for float
            // channels do not read back the same in OpenEXR's C++ library.
            throw ImMetaIOError(
                .invalidArgument, "B44 and B44A compress float16 images only; convert to float16 or choose another compression",
                file: sink.displayName)
        }
        let names: [String]
        if let channelNames {
            guard channelNames.count == channels, Set(channelNames).count == channels else {
                throw ImMetaIOError(
                    .invalidArgument, "\(channelNames.count) distinct channel names are needed for \(channels) channels",
                    file: sink.displayName)
            }
            names = channelNames
        } else {
            switch channels {
            case 1: names = ["Y"]
            case 3: names = ["R", "G", "B"]
            case 4: names = ["R", "G", "B", "A"]
            default:
                throw ImMetaIOError(
                    .invalidArgument, "name the \(channels) channels with the 'channels' option (1, 3 and 4 are named Y, RGB, RGBA)",
                    file: sink.displayName)
            }
        }
        var message = [CChar](repeating: 0, count: 512)
        let cNames = names.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        if compression == .dwaa || compression == .dwab {
            // OpenEXRCore 3.1 has no DWA compressor; OpenEXR's C++ library does.
            guard pixelType != EXR_PIXEL_UINT else {
                throw ImMetaIOError(.invalidArgument, "DWA compresses half and float images only", file: sink.displayName)
            }
            var bytes: UnsafeMutablePointer<UInt8>?
            var size = 0
            let status = image.withUnsafeBytes { pixels in
                cNames.withUnsafeBufferPointer { pointers in
                    pointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { names in
                        immetaio_exr_cxx_encode(
                            pixels.baseAddress, Int32(shape[1]), Int32(shape[0]), Int32(channels), names.baseAddress,
                            pixelType == EXR_PIXEL_HALF ? 1 : 2, compression.rawValue, Float(dwaLevel),
                            Int32(ProcessInfo.processInfo.activeProcessorCount), &bytes, &size, &message, message.count)
                    }
                }
            }
            defer { immetaio_exr_cxx_free(bytes) }
            guard status == 0, let bytes else {
                throw ImMetaIOError(.io, "OpenEXR encode failed: \(EXRReader.text(message))", file: sink.displayName)
            }
            try sink.write(UnsafeRawBufferPointer(start: bytes, count: size))
            return
        }
        let writer = cNames.withUnsafeBufferPointer { pointers in
            pointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { names in
                immetaio_exr_writer_create(
                    Int32(shape[1]), Int32(shape[0]), Int32(channels), names.baseAddress, Int32(pixelType.rawValue),
                    compression.rawValue, Int32(zipLevel), Float(dwaLevel), &message, message.count)
            }
        }
        guard let writer else {
            throw ImMetaIOError(.io, "cannot start the OpenEXR file: \(EXRReader.text(message))", file: sink.displayName)
        }
        defer { immetaio_exr_writer_free(writer) }
        if libraryPIZ { immetaio_exr_writer_use_library_piz(writer) }
        let chunkCount = Int(immetaio_exr_writer_chunk_count(writer))
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, chunkCount))
        var failure: String?
        image.withUnsafeBytes { pixels in
            do throws(EXRChunkFailure) {
                try ParallelLoop.forEach(workers) { (worker: Int) throws(EXRChunkFailure) in
                    // Interleaved stripes keep every worker busy when chunks differ in cost.
                    var message = [CChar](repeating: 0, count: 512)
                    for chunk in stride(from: worker, to: chunkCount, by: workers)
                    where immetaio_exr_encode(writer, pixels.baseAddress, Int32(chunk), Int32(chunk + 1), &message, message.count) != 0 {
                        throw EXRChunkFailure(message: EXRReader.text(message))
                    }
                }
            } catch {
                failure = error.message
            }
        }
        if let failure {
            throw ImMetaIOError(.io, "OpenEXR encode failed: \(failure)", file: sink.displayName)
        }
        var bytes: UnsafePointer<UInt8>?
        var size = 0
        guard immetaio_exr_writer_finish(writer, &bytes, &size, &message, message.count) == 0, let bytes else {
            throw ImMetaIOError(.io, "cannot finish the OpenEXR file: \(EXRReader.text(message))", file: sink.displayName)
        }
        try sink.write(UnsafeRawBufferPointer(start: bytes, count: size))
    }

}
