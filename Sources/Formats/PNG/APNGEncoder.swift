import Foundation
import ImMetaIOCore
import NDArrayModule

/// Writes an animated PNG one frame at a time, each frame after the first reduced to what changed.
///
/// Frame 0 is the default image (IDAT chunks), whole. For every later frame up to four encodings
/// are made and the one with the fewest compressed bytes is written:
/// - the previous frame's dispose operation: NONE (the new frame is drawn over the previous one)
///   or, for colour types with alpha, BACKGROUND (the previous frame's rectangle cleared to
///   transparent black first, which pays when the new frame is transparent where the old one
///   was not);
/// - on the canvas that leaves, the new frame cropped to the bounding box of the pixels that
///   differ from it, blended with SOURCE (the crop as is) or, with alpha, OVER (pixels that did
///   not change written as transparent zeros, which compress to almost nothing). OVER is a
///   candidate only when every changed pixel is fully opaque: blending partial alpha would not
///   give the frame's values back.
///
/// Each candidate reproduces the frame exactly, so any reader composites the frames given. Gray
/// and RGB have no transparent pixels to write, so they always use NONE with SOURCE, cropped.
/// The previous frame's chunks are held back until the next frame has chosen that frame's
/// dispose operation. Identical frames stay separate frames (a 1×1 copy of an unchanged pixel),
/// not merged as Pillow merges them, so frame counts and durations read back as written.
///
/// Durations become fcTL delay fractions of whole milliseconds over 1000 (fractions of a
/// millisecond rounded), or of coarser units for frames longer than 65.535 s.
final class APNGEncoder: AnimationEncoder {
    /// A frame's rectangle on the canvas.
    struct Region: Equatable {
        var x: Int, y: Int, width: Int, height: Int
    }

    /// An encoded frame: its rectangle, blend and dispose operations (0 source/none, 1 over/background)
    /// and zlib stream.
    private struct Frame {
        var region: Region
        var blend: UInt8
        var stream: [UInt8]
        var dispose: UInt8 = 0
    }

    private let encoder: PNGEncoder
    private let layout: PNGEncoder.Layout
    private let dtype: DType
    private let sink: OutputSink
    private let timing: AnimationTiming
    private let hasAlpha: Bool
    private let actlOffset: Int
    private var sequence: UInt32 = 0
    private var written = 0
    /// The last frame given: the canvas the next frame is drawn on when the dispose is NONE.
    private var canvas: [UInt8] = []
    /// The last frame given, encoded, waiting for the next frame to choose its dispose operation.
    private var pending: Frame?

    /// Writes the signature, header, metadata chunks and an acTL chunk that ``finish()`` completes.
    init(
        encoder: PNGEncoder, layout: PNGEncoder.Layout, dtype: DType, metadata: JSONObject, timing: AnimationTiming,
        sink: OutputSink
    ) throws {
        self.encoder = encoder
        self.layout = layout
        self.dtype = dtype
        self.timing = timing
        self.sink = sink
        hasAlpha = layout.channels == 2 || layout.channels == 4
        try encoder.writeHeader(layout, metadata: metadata, to: sink)
        actlOffset = sink.position
        try sink.write(Self.animationControl(frames: 0, loop: timing.loop ?? 0))
    }

    private static func animationControl(frames: Int, loop: Int) -> [UInt8] {
        var data: [UInt8] = []
        PNGChunks.appendUInt32(UInt32(truncatingIfNeeded: frames), to: &data)
        PNGChunks.appendUInt32(UInt32(truncatingIfNeeded: loop), to: &data)
        return PNGChunks.chunk("acTL", data)
    }

    /// Encodes the next frame (the file's shape and dtype, checked by the caller).
    func add(_ frame: NDArray) throws {
        let target = frame.withUnsafeBytes { Array($0) }
        if var previous = pending {
            let (choice, dispose) = try choose(target, after: previous.region)
            previous.dispose = dispose
            try write(previous)
            pending = choice
        } else {
            let whole = Region(x: 0, y: 0, width: layout.width, height: layout.height)
            pending = Frame(region: whole, blend: 0, stream: try encoder.zlibStream(frame, file: sink.displayName))
        }
        canvas = target
    }

    /// Writes the last frame, IEND, and the frame count into acTL.
    func finish() throws {
        if let last = pending {
            try write(last)
            pending = nil
        }
        try sink.write(PNGChunks.chunk("IEND", []))
        try sink.overwrite(Self.animationControl(frames: written, loop: timing.loop ?? 0), at: actlOffset)
    }

    /// The smallest encoding of `target` and the dispose operation of the frame before it, whose
    /// rectangle is `previous` (see the type's documentation).
    private func choose(_ target: [UInt8], after previous: Region) throws -> (Frame, UInt8) {
        var best: (frame: Frame, dispose: UInt8)?
        for dispose: UInt8 in hasAlpha ? [0, 1] : [0] {
            var base = canvas
            if dispose == 1 { clear(&base, previous) }
            let region = changedRegion(base, target) ?? Region(x: 0, y: 0, width: 1, height: 1)
            for blend: UInt8 in hasAlpha ? [0, 1] : [0] {
                guard let crop = crop(target, over: blend == 1 ? base : nil, region) else { continue }
                let stream = try encoder.zlibStream(crop, file: sink.displayName)
                if stream.count < best?.frame.stream.count ?? .max {
                    best = (Frame(region: region, blend: blend, stream: stream), dispose)
                }
            }
        }
        guard let best else { throw ImMetaIOError(.io, "APNG frame \(written + 1) could not be encoded", file: sink.displayName) }
        return best
    }

    private var pixelBytes: Int { layout.bytesPerPixel }

    /// Sets the pixels of `region` to zero (transparent black): dispose BACKGROUND.
    private func clear(_ pixels: inout [UInt8], _ region: Region) {
        let rowBytes = layout.rowBytes
        pixels.withUnsafeMutableBytes { bytes in
            for y in region.y..<(region.y + region.height) {
                let start = y * rowBytes + region.x * pixelBytes
                UnsafeMutableRawBufferPointer(rebasing: bytes[start..<(start + region.width * pixelBytes)]).initializeMemory(
                    as: UInt8.self, repeating: 0)
            }
        }
    }

    /// The bounding box of the pixels where `base` and `target` differ, or `nil` when none do.
    private func changedRegion(_ base: [UInt8], _ target: [UInt8]) -> Region? {
        let rowBytes = layout.rowBytes
        var top = Int.max, bottom = -1, left = Int.max, right = -1
        base.withUnsafeBytes { a in
            target.withUnsafeBytes { b in
                for y in 0..<layout.height {
                    let start = y * rowBytes
                    guard memcmp(a.baseAddress! + start, b.baseAddress! + start, rowBytes) != 0 else { continue }
                    var first = start, last = start + rowBytes - 1
                    while a[first] == b[first] { first += 1 }
                    while a[last] == b[last] { last -= 1 }
                    top = min(top, y)
                    bottom = y
                    left = min(left, (first - start) / pixelBytes)
                    right = max(right, (last - start) / pixelBytes)
                }
            }
        }
        guard bottom >= 0 else { return nil }
        return Region(x: left, y: top, width: right - left + 1, height: bottom - top + 1)
    }

    /// `region` of `target` as an array to encode. With `base` (blend OVER), pixels equal in both
    /// become transparent zeros; `nil` when a changed pixel is not fully opaque.
    private func crop(_ target: [UInt8], over base: [UInt8]?, _ region: Region) -> NDArray? {
        let rowBytes = layout.rowBytes, bpp = pixelBytes, alphaBytes = layout.bytesPerSample
        var feasible = true
        let array = NDArray(unsafeUninitializedShape: [region.height, region.width, layout.channels], dtype: dtype) { out in
            target.withUnsafeBytes { source in
                for row in 0..<region.height {
                    let from = (region.y + row) * rowBytes + region.x * bpp
                    let to = row * region.width * bpp
                    (out.baseAddress! + to).copyMemory(from: source.baseAddress! + from, byteCount: region.width * bpp)
                }
            }
            guard let base else { return }
            base.withUnsafeBytes { canvas in
                for row in 0..<region.height {
                    for column in 0..<region.width {
                        let at = (region.y + row) * rowBytes + (region.x + column) * bpp
                        let to = (row * region.width + column) * bpp
                        if memcmp(canvas.baseAddress! + at, out.baseAddress! + to, bpp) == 0 {
                            UnsafeMutableRawBufferPointer(rebasing: out[to..<(to + bpp)]).initializeMemory(as: UInt8.self, repeating: 0)
                        } else if !out[(to + bpp - alphaBytes)..<(to + bpp)].allSatisfy({ $0 == 0xFF }) {
                            feasible = false
                        }
                    }
                }
            }
        }
        return feasible ? array : nil
    }

    /// Writes a frame's fcTL and its data: IDAT for frame 0 (the default image), fdAT after.
    private func write(_ frame: Frame) throws {
        var control: [UInt8] = []
        PNGChunks.appendUInt32(sequence, to: &control)
        sequence += 1
        for value in [frame.region.width, frame.region.height, frame.region.x, frame.region.y] {
            PNGChunks.appendUInt32(UInt32(value), to: &control)
        }
        let (numerator, denominator) = Self.delay(timing.duration(ofFrame: written))
        control += [UInt8(numerator >> 8), UInt8(numerator & 0xFF), UInt8(denominator >> 8), UInt8(denominator & 0xFF)]
        control += [frame.dispose, frame.blend]
        try sink.write(PNGChunks.chunk("fcTL", control))
        try frame.stream.withUnsafeBytes { stream in
            try encoder.writeChunks(written == 0 ? "IDAT" : "fdAT", stream, sequence: &sequence, to: sink)
        }
        written += 1
    }

    /// fcTL's delay fraction for `milliseconds`: whole milliseconds over 1000 when they fit in 16
    /// bits (up to 65.535 s), else hundredths, tenths or whole seconds.
    static func delay(_ milliseconds: Double) -> (UInt16, UInt16) {
        for (denominator, unit) in [(1000, 1.0), (100, 10.0), (10, 100.0), (1, 1000.0)] {
            let count = (milliseconds / unit).rounded()
            if count <= 65535 { return (UInt16(max(0, count)), UInt16(denominator)) }
        }
        return (65535, 1)
    }
}
