/// Copies an N-dimensional box between two C-ordered arrays of one element size: the heart of
/// assembling a region from chunks and chunks from a region.
package enum RegionCopy {
    /// Copies the box of size `extent` at `sourceStart` in `source` (of `sourceShape`) to
    /// `destinationStart` in `destination` (of `destinationShape`).
    package static func copy(
        from source: UnsafeRawBufferPointer, shape sourceShape: [Int], start sourceStart: [Int],
        to destination: UnsafeMutableRawBufferPointer, shape destinationShape: [Int], start destinationStart: [Int],
        extent: [Int], itemSize: Int
    ) {
        let rank = extent.count
        guard !extent.contains(0), let src = source.baseAddress, let dst = destination.baseAddress else { return }
        if rank == 0 {
            dst.copyMemory(from: src, byteCount: itemSize)
            return
        }
        // Trailing axes that span both arrays entirely merge into one contiguous run.
        var runAxes = 1
        var run = extent[rank - 1] * itemSize
        while runAxes < rank, extent[rank - runAxes] == sourceShape[rank - runAxes],
            extent[rank - runAxes] == destinationShape[rank - runAxes]
        {
            run *= extent[rank - runAxes - 1]
            runAxes += 1
        }
        func strides(_ shape: [Int]) -> [Int] {
            var result = [Int](repeating: itemSize, count: rank)
            for axis in stride(from: rank - 2, through: 0, by: -1) { result[axis] = result[axis + 1] * shape[axis + 1] }
            return result
        }
        let sourceStrides = strides(sourceShape), destinationStrides = strides(destinationShape)
        var sourceOffset = 0, destinationOffset = 0
        for axis in 0..<rank {
            sourceOffset += sourceStart[axis] * sourceStrides[axis]
            destinationOffset += destinationStart[axis] * destinationStrides[axis]
        }
        let outer = rank - runAxes  // axes iterated one index at a time
        if outer == 0 {
            (dst + destinationOffset).copyMemory(from: src + sourceOffset, byteCount: run)
            return
        }
        var index = [Int](repeating: 0, count: outer)
        while true {
            (dst + destinationOffset).copyMemory(from: src + sourceOffset, byteCount: run)
            var axis = outer - 1
            while axis >= 0 {
                index[axis] += 1
                sourceOffset += sourceStrides[axis]
                destinationOffset += destinationStrides[axis]
                if index[axis] < extent[axis] { break }
                sourceOffset -= sourceStrides[axis] * extent[axis]
                destinationOffset -= destinationStrides[axis] * extent[axis]
                index[axis] = 0
                axis -= 1
            }
            if axis < 0 { return }
        }
    }
}

extension RegionCopy {
    /// The byte offset of the box (`start`, `extent`) in a C-ordered array of `shape` when the
    /// box is one contiguous run of it, else `nil`.
    package static func contiguousOffset(start: [Int], extent: [Int], shape: [Int], itemSize: Int) -> Int? {
        let rank = shape.count
        var axis = 0
        while axis < rank, extent[axis] == 1 { axis += 1 }
        // After the first axis longer than 1, every axis must be whole.
        if axis < rank {
            for later in (axis + 1)..<rank where extent[later] != shape[later] { return nil }
        }
        var offset = 0
        var step = itemSize
        for axis in (0..<rank).reversed() {
            offset += start[axis] * step
            step *= shape[axis]
        }
        return offset
    }
}
