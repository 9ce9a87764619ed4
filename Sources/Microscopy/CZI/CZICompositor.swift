import ImMetaIOCore
import NDArrayModule

/// The window of a level a read asks for.
struct CZIWindow {
    var t: Range<Int>
    var z: Range<Int>
    var c: Range<Int>
    var y: Range<Int>
    var x: Range<Int>
}

/// A tile to draw: its index in the scene's tiles and the plane of the output it lands in.
struct CZITileJob {
    var tile: Int
    var outputPlane: Int
}

/// Draws tiles into a read's output: decodes them in parallel, a batch at a time (so that the
/// decoded tiles of a huge read never pile up), then pastes each output plane's tiles in drawing
/// order, planes in parallel.
struct CZICompositor {
    let source: CZISource
    let tiles: [CZITile]
    /// Bytes per output pixel (all samples).
    let pixelBytes: Int
    let itemSize: Int
    let samples: Int

    /// Decoded bytes one batch may hold.
    static let batchBytes = 256 << 20

    func draw(_ jobs: [CZITileJob], window: CZIWindow, into output: inout NDArray) throws(ImMetaIOError) {
        // One reusable slot per tile of a batch, kept for the whole read.
        var slots: [CZIScratchBuffer] = []
        var start = 0
        while start < jobs.count {
            var end = start
            var bytes = 0
            while end < jobs.count, end == start || bytes < Self.batchBytes {
                let tile = tiles[jobs[end].tile]
                if tile.entry.compression != .uncompressed {
                    // Saturating: a tile too large to decode is refused by the decoder, not here.
                    let (size, overflow) = (tile.width * tile.height).multipliedReportingOverflow(by: pixelBytes)
                    bytes = overflow ? Int.max : bytes.addingReportingOverflow(size).overflow ? Int.max : bytes + size
                }
                end += 1
            }
            while slots.count < end - start { slots.append(CZIScratchBuffer()) }
            try drawBatch(jobs[start..<end], window: window, slots: slots, into: &output)
            start = end
        }
    }

    private func drawBatch(
        _ jobs: ArraySlice<CZITileJob>, window: CZIWindow, slots: [CZIScratchBuffer], into output: inout NDArray
    ) throws(ImMetaIOError) {
        let first = jobs.startIndex
        let decoded = try ParallelLoop.map(jobs.count) { (index: Int) throws(ImMetaIOError) in
            try decode(jobs[first + index], window: window, slot: slots[index])
        }
        // Runs of jobs with the same output plane: each run is pasted by one worker, in order.
        var runs: [Range<Int>] = []
        var runStart = 0
        for index in 1...jobs.count where index == jobs.count || jobs[first + index].outputPlane != jobs[first + runStart].outputPlane {
            runs.append(runStart..<index)
            runStart = index
        }
        let planeBytes = window.y.count * window.x.count * pixelBytes
        output.withUnsafeMutableBytes { out in
            ParallelLoop.run(runs.count) { run in
                for index in runs[run] {
                    let job = jobs[first + index]
                    let plane = UnsafeMutableRawBufferPointer(rebasing: out[(job.outputPlane * planeBytes)..<((job.outputPlane + 1) * planeBytes)])
                    paste(decoded[index], of: tiles[job.tile], window: window, into: plane)
                }
            }
        }
    }

    /// Reads the subblock's headers and decodes its data, counting what was read.
    private func decode(_ job: CZITileJob, window: CZIWindow, slot: CZIScratchBuffer) throws(ImMetaIOError) -> CZIDecodedTile {
        let tile = tiles[job.tile]
        let segment = try CZISubblockSegment(tile.entry, source: source)
        let data = UnsafeRawBufferPointer(rebasing: source.bytes.stableBytes[segment.data])
        let decoded = try CZITileDecoder.decode(data, entry: tile.entry, source: source, scratch: slot)
        var used = data.count
        if case .file = decoded.storage {
            // Only the rows the window needs are touched.
            let rows = max(0, min(window.y.upperBound, tile.y + tile.height) - max(window.y.lowerBound, tile.y))
            used = rows * tile.width * pixelBytes
        }
        source.counter.record(subblocks: 1, bytes: segment.headerBytes + used)
        return decoded
    }

    /// Copies the part of a tile inside the window into one output plane (rows × columns ×
    /// samples), turning BGR(A) into RGB(A).
    private func paste(_ decoded: CZIDecodedTile, of tile: CZITile, window: CZIWindow, into plane: UnsafeMutableRawBufferPointer) {
        let top = max(window.y.lowerBound, tile.y), bottom = min(window.y.upperBound, tile.y + tile.height)
        let left = max(window.x.lowerBound, tile.x), right = min(window.x.upperBound, tile.x + tile.width)
        guard top < bottom, left < right, let target = plane.baseAddress else { return }
        let columns = right - left
        if case .hiLo(let packed, let half, let words) = decoded.storage, let base = packed.baseAddress {
            // Gray16 unpacked from its low-byte and high-byte halves straight into the output.
            for row in top..<bottom {
                let start = (row - tile.y) * tile.width + (left - tile.x)
                let to = (target + ((row - window.y.lowerBound) * window.x.count + (left - window.x.lowerBound)) * 2)
                    .assumingMemoryBound(to: UInt16.self)
                let present = max(0, min(columns, words - start))
                Self.unpackHiLo(low: base + start, high: base + half + start, into: to, count: present)
                if present < columns { (to + present).initialize(repeating: 0, count: columns - present) }
            }
            return
        }
        let swap = samples >= 3 && !decoded.rgbOrder
        decoded.withBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            for row in top..<bottom {
                let from = base + ((row - tile.y) * tile.width + (left - tile.x)) * pixelBytes
                let to = target + ((row - window.y.lowerBound) * window.x.count + (left - window.x.lowerBound)) * pixelBytes
                guard swap else {
                    to.copyMemory(from: from, byteCount: columns * pixelBytes)
                    continue
                }
                switch itemSize {
                case 1: Self.copySwapped(UInt8.self, from: from, to: to, pixels: columns, samples: samples)
                case 2: Self.copySwapped(UInt16.self, from: from, to: to, pixels: columns, samples: samples)
                default: Self.copySwapped(UInt32.self, from: from, to: to, pixels: columns, samples: samples)
                }
            }
        }
    }

    /// 16-bit values from separate runs of low and high bytes (a loop the compiler vectorises).
    private static func unpackHiLo(low: UnsafeRawPointer, high: UnsafeRawPointer, into target: UnsafeMutablePointer<UInt16>, count: Int) {
        let low = low.assumingMemoryBound(to: UInt8.self), high = high.assumingMemoryBound(to: UInt8.self)
        for index in 0..<count { target[index] = UInt16(low[index]) | UInt16(high[index]) << 8 }
    }

    /// Copies pixels exchanging their first and third samples (blue and red).
    private static func copySwapped<T: FixedWidthInteger>(
        _: T.Type, from: UnsafeRawPointer, to: UnsafeMutableRawPointer, pixels: Int, samples: Int
    ) {
        let stride = MemoryLayout<T>.size
        for pixel in 0..<pixels {
            let source = from + pixel * samples * stride
            let target = to + pixel * samples * stride
            let blue = source.loadUnaligned(as: T.self)
            let green = source.loadUnaligned(fromByteOffset: stride, as: T.self)
            let red = source.loadUnaligned(fromByteOffset: 2 * stride, as: T.self)
            target.storeBytes(of: red, as: T.self)
            target.storeBytes(of: green, toByteOffset: stride, as: T.self)
            target.storeBytes(of: blue, toByteOffset: 2 * stride, as: T.self)
            if samples == 4 {
                target.storeBytes(of: source.loadUnaligned(fromByteOffset: 3 * stride, as: T.self), toByteOffset: 3 * stride, as: T.self)
            }
        }
    }
}
