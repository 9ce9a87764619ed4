import ImMetaIOCore
import NDArrayModule

/// The frame structure of an animated PNG (acTL/fcTL/fdAT chunks), and compositing of its frames
/// onto a canvas per their dispose and blend operations.
///
/// Each frame's compressed data is wrapped into a standalone PNG (the file's IHDR with the frame's
/// size, its PLTE and tRNS) and decoded by libspng as 8-bit RGBA; compositing happens here.
struct APNGAnimation {
    struct Frame {
        var width: Int
        var height: Int
        var x: Int
        var y: Int
        var delayMilliseconds: Double
        var dispose: UInt8  // 0 none, 1 background, 2 previous
        var blend: UInt8  // 0 source, 1 over
        var data: [Range<Int>]
    }

    let width: Int
    let height: Int
    let loopCount: Int
    let frames: [Frame]
    private let ihdr: [UInt8]
    private let paletteChunks: [[UInt8]]

    /// The animation described by `chunks`, or `nil` when the file is not animated.
    init?(bytes: UnsafeRawBufferPointer, chunks: [PNGChunks.Chunk]) throws(PNGError) {
        guard let actl = chunks.firstIndex(where: { $0.type == "acTL" }),
            let firstData = chunks.firstIndex(where: { $0.type == "IDAT" }), actl < firstData,
            let ihdrChunk = chunks.first, ihdrChunk.type == "IHDR", ihdrChunk.data.count == 13
        else { return nil }
        let actlData = chunks[actl].data
        guard actlData.count == 8 else { throw .corrupt("acTL chunk has \(actlData.count) bytes, not 8") }
        let declaredFrames = Int(PNGChunks.readUInt32(bytes, actlData.lowerBound))
        loopCount = Int(PNGChunks.readUInt32(bytes, actlData.lowerBound + 4))
        ihdr = Array(bytes[ihdrChunk.data])
        width = Int(PNGChunks.readUInt32(bytes, ihdrChunk.data.lowerBound))
        height = Int(PNGChunks.readUInt32(bytes, ihdrChunk.data.lowerBound + 4))

        var frames: [Frame] = []
        var expectedSequence: UInt32 = 0
        var current: Frame?
        var palette: [[UInt8]] = []
        var defaultImage: [Range<Int>] = []
        func checkSequence(_ range: Range<Int>) throws(PNGError) {
            guard range.count >= 4, PNGChunks.readUInt32(bytes, range.lowerBound) == expectedSequence else {
                throw .corrupt("APNG frame sequence numbers are out of order")
            }
            expectedSequence += 1
        }
        for chunk in chunks {
            switch chunk.type {
            case "PLTE", "tRNS":
                palette.append(Array(bytes[chunk.data]).withChunkHeader(chunk.type))
            case "fcTL":
                try checkSequence(chunk.data)
                guard chunk.data.count == 26 else { throw .corrupt("fcTL chunk has \(chunk.data.count) bytes, not 26") }
                if let finished = current { frames.append(finished) }
                let at = chunk.data.lowerBound
                let delayNumerator = Double(PNGChunks.readUInt16(bytes, at + 20))
                let delayDenominator = Double(PNGChunks.readUInt16(bytes, at + 22))
                let frame = Frame(
                    width: Int(PNGChunks.readUInt32(bytes, at + 4)), height: Int(PNGChunks.readUInt32(bytes, at + 8)),
                    x: Int(PNGChunks.readUInt32(bytes, at + 12)), y: Int(PNGChunks.readUInt32(bytes, at + 16)),
                    delayMilliseconds: 1000 * delayNumerator / (delayDenominator == 0 ? 100 : delayDenominator),
                    dispose: bytes[at + 24], blend: bytes[at + 25], data: [])
                guard frame.width > 0, frame.height > 0, frame.x + frame.width <= width,
                    frame.y + frame.height <= height, frame.dispose <= 2, frame.blend <= 1
                else { throw .corrupt("APNG frame \(frames.count) lies outside the canvas or has invalid operations") }
                if frames.isEmpty, chunk.data.lowerBound < chunks[firstData].data.lowerBound,
                    frame.width != width || frame.height != height || frame.x != 0 || frame.y != 0
                {
                    throw .corrupt("the first APNG frame must cover the whole canvas")
                }
                current = frame
            case "IDAT":
                // The default image belongs to the animation only when an fcTL precedes it.
                if current != nil { current?.data.append(chunk.data) } else { defaultImage.append(chunk.data) }
            case "fdAT":
                try checkSequence(chunk.data)
                guard current != nil else { throw .corrupt("APNG frame data without a frame control chunk") }
                current?.data.append((chunk.data.lowerBound + 4)..<chunk.data.upperBound)
            default:
                break
            }
        }
        if let finished = current { frames.append(finished) }
        guard frames.count == declaredFrames, frames.allSatisfy({ !$0.data.isEmpty }) else {
            throw .corrupt("APNG frame sequence errors: \(declaredFrames) frames declared, \(frames.count) complete ones found")
        }
        if !defaultImage.isEmpty {
            // Pillow (and so imageio) shows a default image that is not part of the animation as
            // frame 0, and composites the animation on top of it; we do the same.
            frames.insert(
                Frame(width: width, height: height, x: 0, y: 0, delayMilliseconds: 0, dispose: 0, blend: 0, data: defaultImage),
                at: 0)
        }
        self.frames = frames
        paletteChunks = palette
    }

    /// A standalone PNG holding frame `index`'s pixels.
    func framePNG(_ index: Int, bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let frame = frames[index]
        var header = ihdr
        withUnsafeBytes(of: UInt32(frame.width).bigEndian) { header.replaceSubrange(0..<4, with: $0) }
        withUnsafeBytes(of: UInt32(frame.height).bigEndian) { header.replaceSubrange(4..<8, with: $0) }
        var png = PNGChunks.signature + PNGChunks.chunk("IHDR", header)
        for chunk in paletteChunks { png += PNGChunks.chunk(String(decoding: chunk.prefix(4), as: UTF8.self), Array(chunk.dropFirst(4))) }
        var data: [UInt8] = []
        for range in frame.data { data += bytes[range] }
        png += PNGChunks.chunk("IDAT", data)
        png += PNGChunks.chunk("IEND", [])
        return png
    }

    /// Composites the frames in order, one per ``next()`` call (each an H×W×4 uint8 canvas).
    final class Compositor {
        private let animation: APNGAnimation
        private let bytes: ResourceBytes
        private let limits: DecodeLimits
        private let file: String
        private var index = 0
        private var canvas: NDArray?
        private var pendingDispose: (UInt8, Frame, NDArray?)?

        init(_ animation: APNGAnimation, bytes: ResourceBytes, limits: DecodeLimits, file: String) {
            self.animation = animation
            self.bytes = bytes
            self.limits = limits
            self.file = file
        }

        func next() throws -> NDArray? {
            guard index < animation.frames.count else { return nil }
            let width = animation.width
            if canvas == nil {
                try limits.check(
                    imageShape: [animation.height, width, 4], dtype: .uint8, hasChannelAxis: true, file: file)
                canvas = NDArray(shape: [animation.height, width, 4], dtype: .uint8)
            }
            guard var canvas else { return nil }
            if let (dispose, frame, saved) = pendingDispose {
                if dispose == 1 { animation.clear(&canvas, frame) }
                if dispose == 2, let saved { canvas = saved }
            }
            let frame = animation.frames[index]
            let png = bytes.withUnsafeBytes { animation.framePNG(index, bytes: $0) }
            let pixels = try png.withUnsafeBytes { raw in
                try PNGDecoder.decode(raw, layout: .rgba8, limits: limits, file: file)
            }
            // "Previous" on the first frame means "background" (APNG specification).
            let dispose = index == 0 && frame.dispose == 2 ? 1 : frame.dispose
            pendingDispose = (dispose, frame, dispose == 2 ? canvas : nil)
            let replace = frame.blend == 0 || index == 0
            canvas.withUnsafeMutableBufferPointer(of: UInt8.self) { target in
                pixels.withUnsafeBufferPointer(of: UInt8.self) { source in
                    for row in 0..<frame.height {
                        let targetStart = ((frame.y + row) * width + frame.x) * 4
                        let sourceStart = row * frame.width * 4
                        if replace {
                            for i in 0..<(frame.width * 4) { target[targetStart + i] = source[sourceStart + i] }
                        } else {
                            for pixel in 0..<frame.width {
                                APNGAnimation.blendOver(source, sourceStart + pixel * 4, into: target, targetStart + pixel * 4)
                            }
                        }
                    }
                }
            }
            self.canvas = canvas
            index += 1
            return canvas
        }
    }

    /// Blends one RGBA8 pixel onto another with the source's alpha as the weight of every channel
    /// (alpha included), rounding as Pillow's `paste` with a mask does, so frames equal Pillow's.
    @inline(__always)
    static func blendOver(
        _ source: UnsafeBufferPointer<UInt8>, _ s: Int, into target: UnsafeMutableBufferPointer<UInt8>, _ t: Int
    ) {
        let alpha = UInt32(source[s + 3])
        for c in 0..<4 {
            let mixed = UInt32(target[t + c]) * (255 - alpha) + UInt32(source[s + c]) * alpha + 128
            target[t + c] = UInt8(truncatingIfNeeded: (mixed + (mixed >> 8)) >> 8)
        }
    }

    fileprivate func clear(_ canvas: inout NDArray, _ frame: Frame) {
        let canvasWidth = width
        canvas.withUnsafeMutableBufferPointer(of: UInt8.self) { target in
            for row in 0..<frame.height {
                let start = ((frame.y + row) * canvasWidth + frame.x) * 4
                for i in 0..<(frame.width * 4) { target[start + i] = 0 }
            }
        }
    }
}

extension Array where Element == UInt8 {
    /// The chunk type's four bytes followed by this data (how PLTE/tRNS are kept for re-wrapping).
    fileprivate func withChunkHeader(_ type: String) -> [UInt8] { Array(type.utf8) + self }
}
