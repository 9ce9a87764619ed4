import CEXRCxx
import CEXRShims
import Foundation
import ImMetaIOCore
import NDArrayModule

/// Reads the parts of one EXR file; owns the OpenEXRCore context and the bytes it reads from.
final class EXRReader: ImageReader {
    private let request: ReadRequest
    private let handle: OpaquePointer
    private let parts: [Part]

    /// What one part holds, from its header.
    struct Part {
        var name: String?
        var storage: exr_storage_t
        var window: exr_attr_box2i_t
        var display: exr_attr_box2i_t
        var compression: exr_compression_t
        var lineOrder: exr_lineorder_t
        /// Channel names and types in the file's (sorted) order.
        var channels: [(name: String, type: exr_pixel_type_t, sampling: (x: Int, y: Int))]
        var chunkCount: Int

        var width: Int { Int(window.max.x) - Int(window.min.x) + 1 }
        var height: Int { Int(window.max.y) - Int(window.min.y) + 1 }

        /// File channel indices in output order: R, G, B, Y, A first, then the rest by name.
        var outputOrder: [Int] {
            let leading = ["R", "G", "B", "Y", "A"]
            let first = leading.compactMap { name in channels.firstIndex { $0.name == name } }
            return first + channels.indices.filter { !first.contains($0) }
        }

        /// The channels' common type; float32 for half and float channels together (it holds
        /// both exactly), float64 when uint channels meet half or float ones (float32 would round
        /// uint values above 2^24, such as object ids; float64 holds uint32 and float32 exactly).
        var dtype: DType {
            let types = Set(channels.map { $0.type.rawValue })
            if luminanceChroma || types == [EXR_PIXEL_HALF.rawValue] { return .float16 }
            if types == [EXR_PIXEL_FLOAT.rawValue] { return .float32 }
            if types == [EXR_PIXEL_UINT.rawValue] { return .uint32 }
            return types.contains(EXR_PIXEL_UINT.rawValue) ? .float64 : .float32
        }

        /// Whether the channels are luminance and chroma (Y, RY, BY, optionally A): they read as
        /// RGB(A) through OpenEXR's RGBA interface, which rebuilds full-resolution chroma.
        var luminanceChroma: Bool {
            let names = Set(channels.map(\.name))
            return names.isSuperset(of: ["Y", "RY", "BY"]) && names.isSubset(of: ["Y", "RY", "BY", "A"])
        }

        /// The output's channel names and OpenEXR types, in output order.
        var outputChannels: [(name: String, type: exr_pixel_type_t)] {
            guard luminanceChroma else { return outputOrder.map { (channels[$0].name, channels[$0].type) } }
            let names = channels.contains { $0.name == "A" } ? ["R", "G", "B", "A"] : ["R", "G", "B"]
            return names.map { ($0, EXR_PIXEL_HALF) }
        }

        var shape: [Int] {
            let count = luminanceChroma ? outputChannels.count : channels.count
            return count == 1 ? [height, width] : [height, width, count]
        }
    }

    /// Opens the file; `libraryPIZ` keeps OpenEXRCore's own PIZ decoder (tests compare the two).
    init(_ request: ReadRequest, libraryPIZ: Bool = false) throws {
        _ = PIZCodec.installed
        self.request = request
        var message = [CChar](repeating: 0, count: 512)
        let bytes = request.bytes.stableBytes
        guard let handle = immetaio_exr_open(bytes.baseAddress, bytes.count, &message, message.count) else {
            throw request.error(.corruptData, "invalid OpenEXR file: \(Self.text(message))")
        }
        self.handle = handle
        if libraryPIZ { immetaio_exr_reader_use_library_piz(handle) }
        do {
            parts = try Self.readParts(immetaio_exr_context(handle), file: request.displayName)
        } catch {
            immetaio_exr_close(handle)
            throw error
        }
    }

    deinit { immetaio_exr_close(handle) }

    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func readParts(_ context: exr_const_context_t?, file: String) throws -> [Part] {
        func check(_ status: exr_result_t, _ what: String) throws {
            guard status == exrSuccess else {
                throw ImMetaIOError(.corruptData, "cannot read the \(what): \(String(cString: exr_get_error_code_as_string(status)))", file: file)
            }
        }
        var count: Int32 = 0
        try check(exr_get_count(context, &count), "part count")
        guard count > 0, count < 100_000 else { throw ImMetaIOError(.corruptData, "the file has \(count) parts", file: file) }
        return try (0..<count).map { index in
            var storage = EXR_STORAGE_SCANLINE
            var window = exr_attr_box2i_t(), display = exr_attr_box2i_t()
            var compression = EXR_COMPRESSION_NONE, lineOrder = EXR_LINEORDER_INCREASING_Y
            var chunks: Int32 = 0
            try check(exr_get_storage(context, index, &storage), "storage type")
            try check(exr_get_data_window(context, index, &window), "data window")
            if exr_get_display_window(context, index, &display) != exrSuccess { display = window }
            _ = exr_get_compression(context, index, &compression)
            _ = exr_get_lineorder(context, index, &lineOrder)
            try check(exr_get_chunk_count(context, index, &chunks), "chunk count")
            var list: UnsafePointer<exr_attr_chlist_t>?
            try check(exr_get_channels(context, index, &list), "channel list")
            var channels: [(String, exr_pixel_type_t, (x: Int, y: Int))] = []
            if let list, let entries = list.pointee.entries {
                for entry in UnsafeBufferPointer(start: entries, count: Int(max(0, list.pointee.num_channels))) {
                    let name = entry.name.str.map { String(cString: $0) } ?? ""
                    channels.append((name, entry.pixel_type, (Int(entry.x_sampling), Int(entry.y_sampling))))
                }
            }
            var name: UnsafePointer<CChar>?
            let partName = exr_get_name(context, index, &name) == exrSuccess ? name.map { String(cString: $0) } : nil
            guard window.max.x >= window.min.x, window.max.y >= window.min.y else {
                throw ImMetaIOError(.corruptData, "part \(index) has an empty data window", file: file)
            }
            return Part(
                name: partName, storage: storage, window: window, display: display, compression: compression,
                lineOrder: lineOrder, channels: channels.map { (name: $0.0, type: $0.1, sampling: $0.2) },
                chunkCount: Int(chunks))
        }
    }

    func imageCount() throws -> Int { parts.count }

    private func part(_ index: Int) throws -> Part {
        guard parts.indices.contains(index) else {
            throw request.error(.invalidArgument, "part \(index) does not exist; the file has \(parts.count)")
        }
        return parts[index]
    }

    func properties(at index: Int) throws -> ImageProperties {
        let part = try part(index)
        return ImageProperties(shape: part.shape, dtype: part.dtype, imageCount: parts.count)
    }

    func metadata(at index: Int) throws -> JSONObject {
        let part = try part(index)
        func box(_ b: exr_attr_box2i_t) -> JSONValue {
            [.int(Int(b.min.x)), .int(Int(b.min.y)), .int(Int(b.max.x)), .int(Int(b.max.y))]
        }
        let outputChannels = part.outputChannels
        let typeNames = [EXR_PIXEL_UINT.rawValue: "uint", EXR_PIXEL_HALF.rawValue: "half", EXR_PIXEL_FLOAT.rawValue: "float"]
        var meta: JSONObject = [
            "parts": .int(parts.count),
            "storage": .string(["scanline", "tiled", "deep_scanline", "deep_tiled"][min(Int(part.storage.rawValue), 3)]),
            "compression": .string(EXRCompression(rawValue: Int32(part.compression.rawValue))?.name ?? "unknown"),
            "line_order": .string(["increasing_y", "decreasing_y", "random_y"][min(Int(part.lineOrder.rawValue), 2)]),
            "data_window": box(part.window), "display_window": box(part.display),
            "channels": .array(outputChannels.map { .string($0.name) }),
            "channel_types": .array(outputChannels.map { .string(typeNames[$0.type.rawValue] ?? "unknown") }),
        ]
        if part.luminanceChroma { meta["stored_channels"] = .array(part.channels.map { .string($0.name) }) }
        if let name = part.name { meta["part_name"] = .string(name) }
        let attributes = readAttributes(index)
        if !attributes.isEmpty { meta["attributes"] = .object(attributes) }
        return meta
    }

    /// Decodes half or float parts with OpenEXR's C++ library, which has the DWA codecs that
    /// OpenEXRCore 3.1 lacks (for everything else OpenEXRCore measured faster here).
    private func decodeWithCxx(_ index: Int, part: Part, order: [Int], shape: [Int], dtype: DType) throws -> NDArray {
        let names = order.map { strdup(part.channels[$0].name) }
        defer { names.forEach { free($0) } }
        var message = [CChar](repeating: 0, count: 512)
        let bytes = request.bytes.stableBytes
        var status: Int32 = 0
        let image = NDArray(unsafeUninitializedShape: shape, dtype: dtype) { out in
            status = names.withUnsafeBufferPointer { pointers in
                pointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { names in
                    immetaio_exr_cxx_decode(
                        bytes.baseAddress, bytes.count, Int32(index), Int32(names.count), names.baseAddress,
                        dtype == .float16 ? 1 : 2, out.baseAddress, out.count,
                        Int32(ProcessInfo.processInfo.activeProcessorCount), &message, message.count)
                }
            }
            if status != 0 { out.initializeMemory(as: UInt8.self, repeating: 0) }
        }
        guard status == 0 else { throw request.error(.corruptData, "OpenEXR decode failed: \(Self.text(message))") }
        return image
    }

    /// Decodes the first part's luminance/chroma channels to RGB(A) float16 through OpenEXR's
    /// RGBA interface (chroma rebuilt at full resolution, RGB from the file's chromaticities).
    private func decodeLuminanceChroma(shape: [Int]) throws -> NDArray {
        var message = [CChar](repeating: 0, count: 512)
        let bytes = request.bytes.stableBytes
        var status: Int32 = 0
        let image = NDArray(unsafeUninitializedShape: shape, dtype: .float16) { out in
            status = immetaio_exr_cxx_decode_luminance_chroma(
                bytes.baseAddress, bytes.count, Int32(shape[2]), out.baseAddress, out.count,
                Int32(ProcessInfo.processInfo.activeProcessorCount), &message, message.count)
            if status != 0 { out.initializeMemory(as: UInt8.self, repeating: 0) }
        }
        guard status == 0 else { throw request.error(.corruptData, "OpenEXR decode failed: \(Self.text(message))") }
        return image
    }

    /// One channel of a part at its own sampling (a subsampled chroma channel at its stored
    /// size), as float16 or float32: H/ys × W/xs.
    func storedChannel(_ name: String, part index: Int, dtype: DType) throws -> NDArray {
        let part = try part(index)
        guard let channel = part.channels.first(where: { $0.name == name }) else {
            throw request.error(.invalidArgument, "part \(index) has no channel \(name)")
        }
        guard channel.sampling.x > 0, channel.sampling.y > 0 else {
            throw request.error(.corruptData, "channel \(name) has sampling \(channel.sampling)")
        }
        let shape = [part.height / channel.sampling.y, part.width / channel.sampling.x]
        try request.limits.check(imageShape: shape, dtype: dtype, hasChannelAxis: false, file: request.displayName)
        var message = [CChar](repeating: 0, count: 512)
        let bytes = request.bytes.stableBytes
        var status: Int32 = 0
        let image = NDArray(unsafeUninitializedShape: shape, dtype: dtype) { out in
            status = immetaio_exr_cxx_decode_channel(
                bytes.baseAddress, bytes.count, Int32(index), name, dtype == .float16 ? 1 : 2, out.baseAddress, out.count,
                Int32(ProcessInfo.processInfo.activeProcessorCount), &message, message.count)
            if status != 0 { out.initializeMemory(as: UInt8.self, repeating: 0) }
        }
        guard status == 0 else { throw request.error(.corruptData, "OpenEXR decode failed: \(Self.text(message))") }
        return image
    }

    /// The part's attributes of simple types (strings, integers, floats, doubles).
    private func readAttributes(_ index: Int) -> JSONObject {
        let context = immetaio_exr_context(handle)
        var count: Int32 = 0
        guard exr_get_attribute_count(context, Int32(index), &count) == exrSuccess else { return [:] }
        var result = JSONObject()
        for position in 0..<count {
            var attribute: UnsafePointer<exr_attribute_t>?
            guard exr_get_attribute_by_index(context, Int32(index), EXR_ATTR_LIST_FILE_ORDER, position, &attribute) == exrSuccess,
                let attribute, let namePointer = attribute.pointee.name
            else { continue }
            let name = String(cString: namePointer)
            let value = attribute.pointee
            switch value.type {
            case EXR_ATTR_STRING:
                if let string = value.string, let text = string.pointee.str {
                    result[name] = .string(String(cString: text))
                }
            case EXR_ATTR_INT: result[name] = .int(Int(value.i))
            case EXR_ATTR_FLOAT: result[name] = .double(Double(value.f))
            case EXR_ATTR_DOUBLE: result[name] = .double(value.d)
            default: break
            }
        }
        return result
    }

    func read(at index: Int) throws -> NDArray {
        let part = try part(index)
        guard part.storage == EXR_STORAGE_SCANLINE || part.storage == EXR_STORAGE_TILED else {
            throw request.error(.unsupportedFeature, "deep OpenEXR data is not supported")
        }
        let shape = part.shape
        let dtype = part.dtype
        if part.luminanceChroma {
            // OpenEXR 3.1's RGBA interface reads the first part only.
            guard index == 0 else {
                throw request.error(
                    .unsupportedFeature, "part \(index) holds luminance/chroma channels; only the first part's convert to RGB")
            }
            try request.limits.check(imageShape: shape, dtype: dtype, hasChannelAxis: true, file: request.displayName)
            return try decodeLuminanceChroma(shape: shape)
        }
        if let subsampled = part.channels.first(where: { $0.sampling != (1, 1) }) {
            throw request.error(
                .unsupportedFeature,
                "channel \(subsampled.name) is subsampled; only luminance/chroma channels (Y, RY, BY) may be")
        }
        try request.limits.check(imageShape: shape, dtype: dtype, hasChannelAxis: shape.count == 3, file: request.displayName)
        let order = part.outputOrder
        var positions = [Int32](repeating: -1, count: part.channels.count)
        for (position, channel) in order.enumerated() { positions[channel] = Int32(position) }
        let outType: Int32 = switch dtype {
        case .float16: Int32(EXR_PIXEL_HALF.rawValue)
        case .float32: Int32(EXR_PIXEL_FLOAT.rawValue)
        case .uint32: Int32(EXR_PIXEL_UINT.rawValue)
        default: 3  // doubles, widened by the shim from uint channels and float-decoded others
        }
        let chunkCount = Int(immetaio_exr_level0_chunk_count(handle, Int32(index)))
        guard chunkCount >= 0 else { throw request.error(.corruptData, "cannot count the chunks of part \(index)") }
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, chunkCount))
        let channels = Int32(part.channels.count)
        var failure: String?
        let handle = self.handle
        let image = NDArray(unsafeUninitializedShape: shape, dtype: dtype) { raw in
            positions.withUnsafeBufferPointer { positions in
                do throws(EXRChunkFailure) {
                    // One contiguous run of chunks per worker.
                    try ParallelLoop.forEach(workers) { (worker: Int) throws(EXRChunkFailure) in
                        let begin = worker * chunkCount / workers, end = (worker + 1) * chunkCount / workers
                        var message = [CChar](repeating: 0, count: 512)
                        let status = immetaio_exr_decode(
                            handle, Int32(index), positions.baseAddress, Int32(positions.count), channels, outType,
                            raw.baseAddress, raw.count, Int32(begin), Int32(end), &message, message.count)
                        if status != 0 { throw EXRChunkFailure(message: Self.text(message)) }
                    }
                } catch {
                    failure = error.message
                }
            }
        }
        if let failure {
            // OpenEXRCore before 3.2 cannot decompress DWAA/DWAB: the C++ library can.
            if failure.contains("FEATURE_NOT_IMPLEMENTED"), dtype == .float16 || dtype == .float32 {
                return try decodeWithCxx(index, part: part, order: order, shape: shape, dtype: dtype)
            }
            if failure.contains("FEATURE_NOT_IMPLEMENTED") {
                throw request.error(
                    .unsupportedFeature,
                    "this OpenEXRCore cannot decode \(EXRCompression(rawValue: Int32(part.compression.rawValue))?.name ?? "its") compression: \(failure)")
            }
            throw request.error(.corruptData, "OpenEXR decode failed: \(failure)")
        }
        return image
    }
}
