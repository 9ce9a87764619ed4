import CSPNG
import ImMetaIOCore
import NDArrayModule

/// Decodes one (non-animated) PNG datastream with libspng into an ``NDArray``.
///
/// Output layout, matching libpng's "expand" transformations (and imageio/Pillow shapes):
/// gray → H×W, gray+alpha → H×W×2, RGB → H×W×3, RGBA → H×W×4; palette → RGB, or RGBA when a
/// tRNS chunk is present; gray or RGB with tRNS gain an alpha channel; 1/2/4-bit gray is scaled
/// to 0…255; 16-bit samples stay uint16. Gamma is not applied.
struct PNGDecoder {
    /// How to lay out the decoded pixels.
    enum Layout {
        /// The rules above.
        case natural
        /// Always 8-bit RGBA (for compositing animation frames).
        case rgba8
    }

    struct Plan {
        var shape: [Int]
        var dtype: DType
        var format: Int32
        var flags: Int32
        var hasChannelAxis: Bool
    }

    static func plan(_ ihdr: spng_ihdr, hasTransparency trns: Bool, layout: Layout) -> Plan {
        let height = Int(ihdr.height)
        let width = Int(ihdr.width)
        let deep = ihdr.bit_depth == 16
        let trnsFlag = Int32(SPNG_DECODE_TRNS.rawValue)
        func make(_ channels: Int, _ format: spng_format, _ flags: Int32 = 0, deep: Bool = false) -> Plan {
            Plan(
                shape: channels == 1 ? [height, width] : [height, width, channels], dtype: deep ? .uint16 : .uint8,
                format: Int32(format.rawValue), flags: flags, hasChannelAxis: channels > 1)
        }
        if layout == .rgba8 { return make(4, SPNG_FMT_RGBA8, trnsFlag) }
        switch Int32(ihdr.color_type) {
        case Int32(SPNG_COLOR_TYPE_GRAYSCALE.rawValue):
            if deep { return trns ? make(2, SPNG_FMT_GA16, trnsFlag, deep: true) : make(1, SPNG_FMT_PNG, deep: true) }
            return trns ? make(2, SPNG_FMT_GA8, trnsFlag) : make(1, SPNG_FMT_G8)
        case Int32(SPNG_COLOR_TYPE_TRUECOLOR.rawValue):
            if deep { return trns ? make(4, SPNG_FMT_RGBA16, trnsFlag, deep: true) : make(3, SPNG_FMT_PNG, deep: true) }
            return trns ? make(4, SPNG_FMT_RGBA8, trnsFlag) : make(3, SPNG_FMT_RGB8)
        case Int32(SPNG_COLOR_TYPE_INDEXED.rawValue):
            return trns ? make(4, SPNG_FMT_RGBA8, trnsFlag) : make(3, SPNG_FMT_RGB8)
        case Int32(SPNG_COLOR_TYPE_GRAYSCALE_ALPHA.rawValue):
            return make(2, SPNG_FMT_PNG, deep: deep)
        default:
            return make(4, SPNG_FMT_PNG, deep: deep)
        }
    }

    /// The shape and dtype a decode would produce, from the header only.
    static func properties(of bytes: UnsafeRawBufferPointer, layout: Layout) throws(SPNGError) -> Plan {
        let context = try SPNGContext(bytes: bytes)
        return plan(try context.header(), hasTransparency: context.hasTransparency, layout: layout)
    }

    /// Decodes `bytes`, checking `limits` before allocating.
    static func decode(
        _ bytes: UnsafeRawBufferPointer, layout: Layout, limits: DecodeLimits, file: String
    ) throws -> NDArray {
        let context: SPNGContext
        let plan: Plan
        do {
            context = try SPNGContext(bytes: bytes)
            plan = self.plan(try context.header(), hasTransparency: context.hasTransparency, layout: layout)
        } catch {
            throw ImMetaIOError(.corruptData, "invalid PNG header: \(error)", file: file, underlying: error)
        }
        try limits.check(imageShape: plan.shape, dtype: plan.dtype, hasChannelAxis: plan.hasChannelAxis, file: file)
        var size = 0
        guard spng_decoded_image_size(context.pointer, plan.format, &size) == 0 else {
            throw ImMetaIOError(.corruptData, "cannot decode this PNG layout", file: file)
        }
        return try NDArray(unsafeUninitializedShape: plan.shape, dtype: plan.dtype) { buffer in
            guard size == buffer.count else {
                throw ImMetaIOError(.corruptData, "decoded size \(size) differs from \(buffer.count)", file: file)
            }
            let status = spng_decode_image(context.pointer, buffer.baseAddress, buffer.count, plan.format, plan.flags)
            if status != 0 {
                throw ImMetaIOError(.corruptData, "PNG decode failed: \(SPNGError(code: status))", file: file)
            }
        }
    }

    /// Text, gamma, physical pixel size and header facts, as format metadata.
    static func metadata(of bytes: UnsafeRawBufferPointer) throws(SPNGError) -> (JSONObject, spacing: [Double]?) {
        let context = try SPNGContext(bytes: bytes)
        let ihdr = try context.header()
        var meta: JSONObject = [
            "width": .int(Int(ihdr.width)), "height": .int(Int(ihdr.height)),
            "bit_depth": .int(Int(ihdr.bit_depth)),
            "color_type": .string(colorTypeName(ihdr.color_type)),
            "interlaced": .bool(ihdr.interlace_method != 0),
        ]
        var gamma = 0.0
        if spng_get_gama(context.pointer, &gamma) == 0 { meta["gamma"] = .double(gamma) }
        var spacing: [Double]?
        var phys = spng_phys()
        if spng_get_phys(context.pointer, &phys) == 0 {
            meta["physical_pixel_size"] = [
                "pixels_per_unit_x": .int(Int(phys.ppu_x)), "pixels_per_unit_y": .int(Int(phys.ppu_y)),
                "unit": phys.unit_specifier == 1 ? "metre" : "unknown",
            ]
            if phys.unit_specifier == 1, phys.ppu_x > 0, phys.ppu_y > 0 {
                spacing = [1 / Double(phys.ppu_y), 1 / Double(phys.ppu_x)]
                meta["dpi"] = [.double(Double(phys.ppu_x) * 0.0254), .double(Double(phys.ppu_y) * 0.0254)]
            }
        }
        var count: UInt32 = 0
        if spng_get_text(context.pointer, nil, &count) == 0, count > 0 {
            var texts = [spng_text](repeating: spng_text(), count: Int(count))
            if spng_get_text(context.pointer, &texts, &count) == 0 {
                var text: JSONObject = [:]
                for entry in texts.prefix(Int(count)) {
                    let keyword = withUnsafeBytes(of: entry.keyword) { raw in
                        String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                    }
                    let value = entry.text.map {
                        String(decoding: UnsafeRawBufferPointer(start: $0, count: entry.length), as: UTF8.self)
                    } ?? ""
                    text[keyword] = .string(value)
                }
                meta["text"] = .object(text)
            }
        }
        return (meta, spacing)
    }

    static func colorTypeName(_ type: UInt8) -> String {
        switch type {
        case 0: "gray"
        case 2: "rgb"
        case 3: "palette"
        case 4: "gray_alpha"
        case 6: "rgba"
        default: "unknown(\(type))"
        }
    }
}
