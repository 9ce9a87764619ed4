import ImMetaIOCore
import NDArrayModule

/// Moves a decoded image into its place in a slab: C×H×W, the store's channel count and dtype.
enum PixelTransfer {
    /// Copies `image` (already in the store's dtype, laid out as `layout` says) into `target`
    /// as `channels`×H×W, widening channels by ``PromotionRule/canWiden(_:to:)``; `opaque` is
    /// the alpha value (the store's dtype, native bytes) added to 3-channel images stored as 4.
    static func copy(
        _ image: NDArray, layout: ImageLayout, channels: Int, opaque: [UInt8], into target: UnsafeMutableRawBufferPointer
    ) {
        image.withUnsafeBytes { source in
            switch image.dtype.itemSize {
            case 1: copy(source, UInt8.self, layout, channels, opaque, target)
            case 2: copy(source, UInt16.self, layout, channels, opaque, target)
            case 4: copy(source, UInt32.self, layout, channels, opaque, target)
            default: copy(source, UInt64.self, layout, channels, opaque, target)
            }
        }
    }

    private static func copy<Word: FixedWidthInteger>(
        _ raw: UnsafeRawBufferPointer, _: Word.Type, _ layout: ImageLayout, _ channels: Int, _ opaque: [UInt8],
        _ target: UnsafeMutableRawBufferPointer
    ) {
        let source = raw.bindMemory(to: Word.self)
        let out = target.bindMemory(to: Word.self)
        let plane = layout.height * layout.width
        let sourceChannels = layout.channels
        /// The source channel stored in output channel `c` (nil: the opaque alpha).
        func origin(_ c: Int) -> Int? {
            if sourceChannels == channels { return c }
            if sourceChannels == 1 { return 0 }
            if sourceChannels == 2 { return c == 3 ? 1 : 0 }
            return c < 3 ? c : nil
        }
        if layout.order == .channelsLast, sourceChannels == channels || (sourceChannels == 3 && channels == 4) {
            deinterleave(source, into: out, plane: plane, sourceChannels: sourceChannels, channels: channels, opaque: opaque)
            return
        }
        for c in 0..<channels {
            let destination = UnsafeMutableBufferPointer(rebasing: out[(c * plane)..<((c + 1) * plane)])
            guard let from = origin(c) else {
                let value = opaque.withUnsafeBytes { $0.loadUnaligned(as: Word.self) }
                destination.update(repeating: value)
                continue
            }
            switch layout.order {
            case .gray, .channelsFirst:
                let start = from * plane
                _ = destination.update(fromContentsOf: source[start..<(start + plane)])
            case .channelsLast:
                var index = from
                for pixel in 0..<plane {
                    destination[pixel] = source[index]
                    index += sourceChannels
                }
            }
        }
    }

    /// H×W×C to C×H×W in one pass over the source (one read stream, C write streams), the
    /// usual case of RGB photographs; a fourth output channel past three is the opaque alpha.
    private static func deinterleave<Word: FixedWidthInteger>(
        _ source: UnsafeBufferPointer<Word>, into out: UnsafeMutableBufferPointer<Word>, plane: Int, sourceChannels: Int, channels: Int,
        opaque: [UInt8]
    ) {
        guard let input = source.baseAddress, let output = out.baseAddress else { return }
        switch sourceChannels {
        case 3:
            let (red, green, blue) = (output, output + plane, output + 2 * plane)
            for pixel in 0..<plane {
                red[pixel] = input[3 * pixel]
                green[pixel] = input[3 * pixel + 1]
                blue[pixel] = input[3 * pixel + 2]
            }
            if channels == 4 {
                let value = opaque.withUnsafeBytes { $0.loadUnaligned(as: Word.self) }
                (output + 3 * plane).update(repeating: value, count: plane)
            }
        default:
            for pixel in 0..<plane {
                for channel in 0..<sourceChannels { output[channel * plane + pixel] = input[sourceChannels * pixel + channel] }
            }
        }
    }

    /// The dtype's largest value as native bytes (1.0 for floats): the alpha of an opaque pixel.
    static func opaqueValue(_ dtype: DType, sourceDType: DType) -> [UInt8] {
        let value: Double = sourceDType.isFloatingPoint ? 1 : maximum(sourceDType)
        return (try? NDArray([value], shape: [1]).astype(dtype).withUnsafeBytes { Array($0) }) ?? Array(repeating: 0, count: dtype.itemSize)
    }

    /// The largest value of a dtype (as a Double, rounded for 64-bit integers).
    static func maximum(_ dtype: DType) -> Double {
        switch dtype {
        case .bool: 1
        case .uint8: 255
        case .uint16: 65535
        case .uint32: 4_294_967_295
        case .uint64: Double(UInt64.max)
        case .int8: 127
        case .int16: 32767
        case .int32: 2_147_483_647
        case .int64: Double(Int64.max)
        case .float16: 65504
        case .float32: Double(Float.greatestFiniteMagnitude)
        case .float64: .greatestFiniteMagnitude
        }
    }

    /// `image` in `dtype`: NDArray's conversion clips to the dtype's range, rounds floats to the
    /// nearest integer (ties to even) and stores NaN as 0, the documented rule of `--dtype`.
    static func clipped(_ image: NDArray, to dtype: DType) -> NDArray { image.astype(dtype) }
}
