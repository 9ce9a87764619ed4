/// A regular grid of chunks over an array: which chunks a region touches, and their boxes.
struct ChunkGrid: Sendable {
    let shape: [Int]
    let chunkShape: [Int]

    /// Chunks per axis (the last may be partial).
    var gridShape: [Int] { zip(shape, chunkShape).map { $1 == 0 ? 0 : ($0 + $1 - 1) / $1 } }

    /// Every chunk index whose box meets `region` (`start`, `extent`), in C order.
    func chunks(meeting start: [Int], _ extent: [Int]) -> [[Int]] {
        guard !extent.contains(0) else { return [] }
        let first = zip(start, chunkShape).map { $0 / $1 }
        let last = (0..<shape.count).map { (start[$0] + extent[$0] - 1) / chunkShape[$0] }
        var result: [[Int]] = []
        var index = first
        while true {
            result.append(index)
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] <= last[axis] { break }
                index[axis] = first[axis]
                axis -= 1
            }
            if axis < 0 { return result }
        }
    }

    /// The part of chunk `index` inside `region`: its start within the chunk, its start within
    /// the region, and its extent.
    func overlap(_ index: [Int], _ start: [Int], _ extent: [Int]) -> (inChunk: [Int], inRegion: [Int], extent: [Int]) {
        var inChunk: [Int] = [], inRegion: [Int] = [], size: [Int] = []
        for axis in 0..<shape.count {
            let chunkStart = index[axis] * chunkShape[axis]
            let low = max(chunkStart, start[axis])
            let high = min(chunkStart + chunkShape[axis], start[axis] + extent[axis])
            inChunk.append(low - chunkStart)
            inRegion.append(low - start[axis])
            size.append(max(0, high - low))
        }
        return (inChunk, inRegion, size)
    }

    /// Whether `region` covers the whole of chunk `index` (clipped to the array).
    func covers(_ index: [Int], _ start: [Int], _ extent: [Int]) -> Bool {
        for axis in 0..<shape.count {
            let chunkStart = index[axis] * chunkShape[axis]
            let chunkEnd = min(chunkStart + chunkShape[axis], shape[axis])
            if start[axis] > chunkStart || start[axis] + extent[axis] < chunkEnd { return false }
        }
        return true
    }
}
