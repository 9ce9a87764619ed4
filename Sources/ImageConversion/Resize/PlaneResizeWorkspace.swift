/// Scratch memory for `PlaneResizer`: two plane-sized buffers and one padded line.
///
/// Reusing one workspace per thread avoids a large allocation (and, above malloc's mmap
/// threshold, fresh zeroed pages) for every plane. It only grows; it is not thread-safe, so keep
/// one per task.
struct PlaneResizeWorkspace {
    private var first: [Double] = []
    private var second: [Double] = []
    private var line: [Double] = []

    /// An empty workspace; buffers are sized on first use.
    init() {}

    /// Grows the buffers to hold at least `planeCount` plane values and `lineCount` line values.
    mutating func reserve(planeCount: Int, lineCount: Int) {
        if first.count < planeCount {
            first = [Double](repeating: 0, count: planeCount)
            second = [Double](repeating: 0, count: planeCount)
        }
        if line.count < lineCount { line = [Double](repeating: 0, count: lineCount) }
    }

    /// Runs `body` with pointers to the two plane buffers and the line buffer.
    ///
    /// Buffers are never empty after `reserve` with positive counts; should one be, `body` is
    /// skipped rather than handed an invalid pointer.
    mutating func withBuffers(
        _ body: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Void
    ) {
        first.withUnsafeMutableBufferPointer { a in
            second.withUnsafeMutableBufferPointer { b in
                line.withUnsafeMutableBufferPointer { l in
                    guard let a = a.baseAddress, let b = b.baseAddress, let l = l.baseAddress else { return }
                    body(a, b, l)
                }
            }
        }
    }
}
