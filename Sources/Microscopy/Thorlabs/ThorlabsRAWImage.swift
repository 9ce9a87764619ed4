/// The image of a ThorImage RAW acquisition: `TZCYX` uint16, read plane by plane with
/// positioned reads of only the rows a window needs (flyback frames are never read).
public struct ThorlabsRAWImage: MicroscopyImage {
    /// Axes `TZCYX`, shape, calibration, channel names, date and the XML's attributes.
    public let metadata: MicroscopyMetadata
    /// The layout of the RAW file.
    public let layout: ThorlabsRAWLayout
    private let bytes: ResourceBytes
    private let rawPath: String
    private let limits: DecodeLimits

    init(metadata: MicroscopyMetadata, layout: ThorlabsRAWLayout, bytes: ResourceBytes, rawPath: String, limits: DecodeLimits) {
        self.metadata = metadata
        self.layout = layout
        self.bytes = bytes
        self.rawPath = rawPath
        self.limits = limits
    }

    /// One level: RAW files have no pyramid.
    public var levelShapes: [[Int]] { [layout.shape] }

    /// Reads a window of the image.
    /// - Throws: `ImMetaIOError` with `invalidArgument` for a level other than 0 or a window
    ///   outside the image, `limitExceeded` when the window exceeds the `DecodeLimits`, `io`
    ///   when the file cannot be read.
    public func read(_ region: MicroscopyRegion, level: Int) throws(ImMetaIOError) -> NDArray {
        guard level == 0 else {
            throw ImMetaIOError(.invalidArgument, "level \(level) does not exist: Thorlabs RAW files have 1 level", file: rawPath)
        }
        let ranges = try region.resolved(against: layout.shape, file: rawPath)
        let shape = ranges.map(\.count)
        try limits.check(imageShape: shape, dtype: .uint16, hasChannelAxis: false, file: rawPath)
        let (tRange, zRange, cRange, yRange, xRange) = (ranges[0], ranges[1], ranges[2], ranges[3], ranges[4])
        let rowBytes = layout.sizeX * 2
        let windowRowBytes = xRange.count * 2
        let fullRows = xRange.count == layout.sizeX
        // Whole rows land straight in the array. A narrower window reads spans of a few MiB
        // that cover several rows and copies the window out of them.
        let rowsPerSpan = fullRows ? 0 : max(1, min(yRange.count, Self.spanBytes / max(1, rowBytes)))
        var scratch = [UInt8](repeating: 0, count: fullRows ? 0 : (rowsPerSpan - 1) * rowBytes + windowRowBytes)
        var failure: ImMetaIOError?
        let array = NDArray(unsafeUninitializedShape: shape, dtype: .uint16) { destination in
            let planeOut = yRange.count * windowRowBytes
            var outOffset = 0
            for t in tRange {
                for z in zRange {
                    for c in cRange {
                        let first = layout.planeOffset(t: t, z: z, c: c) + yRange.lowerBound * rowBytes + xRange.lowerBound * 2
                        let target = UnsafeMutableRawBufferPointer(rebasing: destination[outOffset..<outOffset + planeOut])
                        if fullRows {
                            guard copy(from: first, into: target) else {
                                failure = readError(offset: first, count: planeOut)
                                return
                            }
                        } else {
                            var row = 0
                            while row < yRange.count {
                                let rows = min(rowsPerSpan, yRange.count - row)
                                let spanOffset = first + row * rowBytes
                                let spanCount = (rows - 1) * rowBytes + windowRowBytes
                                let ok = scratch.withUnsafeMutableBytes { buffer in
                                    let span = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<spanCount])
                                    guard copy(from: spanOffset, into: span) else { return false }
                                    for index in 0..<rows {
                                        let source = UnsafeRawBufferPointer(
                                            rebasing: span[index * rowBytes..<index * rowBytes + windowRowBytes])
                                        let out = (row + index) * windowRowBytes
                                        UnsafeMutableRawBufferPointer(rebasing: target[out..<out + windowRowBytes]).copyMemory(from: source)
                                    }
                                    return true
                                }
                                guard ok else {
                                    failure = readError(offset: spanOffset, count: spanCount)
                                    return
                                }
                                row += rows
                            }
                        }
                        outOffset += planeOut
                    }
                }
            }
            #if _endian(big)
                ByteSwap.swapInPlace(destination, itemSize: 2)
            #endif
        }
        if let failure { throw failure }
        return array
    }

    /// Copies `target.count` bytes at `offset`: a positioned read of a mapped file, or a copy
    /// from memory for a small one.
    /// The most bytes read at once for a window narrower than the rows.
    static let spanBytes = 4 << 20

    private func copy(from offset: Int, into target: UnsafeMutableRawBufferPointer) -> Bool {
        guard offset >= 0, target.count <= bytes.count, offset <= bytes.count - target.count else { return false }
        if target.isEmpty || bytes.read(into: target, from: offset) { return true }
        let source = bytes.stableBytes
        guard let base = source.baseAddress, let destination = target.baseAddress else { return false }
        destination.copyMemory(from: base + offset, byteCount: target.count)
        return true
    }

    private func readError(offset: Int, count: Int) -> ImMetaIOError {
        ImMetaIOError(.io, "cannot read \(count) bytes at offset \(offset) of the RAW file (\(bytes.count) bytes)", file: rawPath)
    }
}
