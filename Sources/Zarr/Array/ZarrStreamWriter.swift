import Foundation
import ImMetaIOCore
import NDArrayModule

/// Appends items along the first axis of an array, encoding and writing each shard (or chunk)
/// exactly once, with bounded memory whatever the item count.
///
/// An item is one index of the first axis (one image of an N×C×H×W array). Items are filled from
/// any number of threads at explicit positions; a *row* is the items of one shard row
/// (`chunkShape[0]` positions, across every shard of the other axes).
///
/// - **Straight to the shards** (sharding with the index at the end and one item per inner chunk
///   along the first axis, the layout conversions write): the filling thread compresses its
///   item's inner chunks at once, and they are appended in order to the shard's value in the store
///   (``ZarrStore/beginWriting(_:)``, a temporary file for a folder) as soon as every earlier item
///   of the row is in; the index follows the last item. Memory: compressed items waiting for
///   their turn, within a window of positions.
/// - **Slabs** (every other array): a row's items are held whole in a *slab* and encoded and
///   stored by the thread that completes it; at most `maximumSlabsInFlight` slabs are held.
///
/// A partial last shard already in the array is taken over once (its stored inner chunks copied,
/// or its items read into the first slab), so appending item by item never re-encodes a shard.
///
/// ```swift
/// let stream = try ZarrStreamWriter(array: array)
/// for (offset, image) in images.enumerated() {
///     try stream.write(image, at: stream.startLength + offset)
/// }
/// let grown = try stream.finish(count: images.count)
/// ```
///
/// **What a reader sees.** The array's `zarr.json` shape only grows over slabs that are stored
/// completely (``commit(length:)``; automatic after each slab unless `commitsAutomatically` is
/// off), so a process killed at any moment leaves an array that opens at its last committed
/// length with every item in it complete. Shards written past that length are invisible to
/// readers and replaced by the next writer.
///
/// **Back-pressure.** At most `maximumSlabsInFlight` rows are open; a fill for a later row waits
/// until an earlier one is stored. Fill positions in increasing order across threads (each row
/// completes before a position two rows ahead is needed), or fills can wait forever.
///
/// `@unchecked Sendable`: every mutable field is guarded by `condition`; a slab's bytes are
/// written by the one thread that owns each position and encoded after every position is in; a
/// row's values are written by the one thread holding its `appending` flag.
public final class ZarrStreamWriter: @unchecked Sendable {
    /// The array as last committed.
    public var array: ZarrArray { commitLock.withLock { committed } }
    /// The first-axis length when the stream was opened: the first position to fill.
    public let startLength: Int
    /// Items per slab (the shard's or chunk's extent along the first axis).
    public let slabLength: Int
    /// The shape of one item (the array's shape without its first axis).
    public let itemShape: [Int]
    /// Bytes of one item.
    public let itemByteCount: Int
    /// Whether each stored slab grows the committed shape at once.
    public let commitsAutomatically: Bool
    /// Called (on the storing thread, outside every lock) after a slab's shards are stored, with
    /// the positions the slab covers. Conversions journal their progress here.
    public var slabStored: (@Sendable (Range<Int>) throws -> Void)?

    private let maximumSlabsInFlight: Int
    private let maximumLength: Int?
    private let condition = NSCondition()
    private var slabs: [Int: Slab] = [:]
    private var storedSlabs: Set<Int> = []
    private var end: Int?
    private var failure: (any Error)?
    private var contiguousEnd: Int
    /// The most slabs held at once so far (tests check the bound).
    private(set) var peakSlabsInFlight = 0

    /// The sharding codec when items go straight to their shards (index at the end, one item per
    /// inner chunk along the first axis): each item's inner chunks are compressed by the thread
    /// that fills it and appended, in order, to the shard's value as soon as every earlier item
    /// of the shard is in. No slab is held then; nil for other arrays, which use slabs.
    private let rowCodec: ShardingCodec?
    /// Grid indices (axes after the first) of the shards of one row.
    private let shardsPerRow: [[Int]]
    /// Items that may be filled ahead of the first one not yet appended (bounds the compressed
    /// items waiting for their turn).
    private let window: Int
    private var rows: [Int: Row] = [:]

    /// One compressed inner chunk of an item: which shard of the row, its number in the shard.
    private struct Piece {
        let shard: Int
        let number: Int
        let bytes: [UInt8]
    }

    /// One row of shards being written: the values being appended and what waits its turn.
    private final class Row {
        let number: Int
        let base: Int
        /// The next position to append.
        var next: Int
        var pending: [Int: [Piece]] = [:]
        var claimed: Set<Int> = []
        var appending = false
        var writers: [(any ZarrValueWriter)?]
        var offsets: [Int]
        var entries: [[UInt64]]
        init(number: Int, base: Int, shards: Int, entries: Int) {
            self.number = number
            self.base = base
            next = base
            writers = Array(repeating: nil, count: shards)
            offsets = Array(repeating: 0, count: shards)
            self.entries = Array(repeating: Array(repeating: ShardingCodec.empty, count: entries), count: shards)
        }
    }
    private let commitLock = NSLock()
    /// The array as opened: what slabs are encoded with (its shape is never read for that).
    private let target: ZarrArray
    /// The array as last committed (guarded by `commitLock`).
    private var committed: ZarrArray

    /// One slab: its memory (owned by the writer, which reuses it) and how many positions are in.
    private final class Slab {
        let base: Int
        let bytes: UnsafeMutableRawBufferPointer
        /// Positions filled so far (the array's own items included), and the largest of them.
        var filled = 0
        var last = -1
        var present: Set<Int> = []
        var storing = false
        init(base: Int, bytes: UnsafeMutableRawBufferPointer) {
            self.base = base
            self.bytes = bytes
        }
    }
    /// Buffers of stored slabs, kept for the next ones (their pages are released, the address
    /// range is kept): allocating tens of megabytes per slab costs a map and an unmap each time.
    private var spareBuffers: [UnsafeMutableRawBufferPointer] = []

    // MARK: Items straight to their shards

    private func fillRow(_ position: Int, _ codec: ShardingCodec, _ body: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        let row = try acquireRow(position)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(itemByteCount, 1), alignment: 64)
        defer { scratch.deallocate() }
        do {
            try body(scratch)
        } catch {
            // The position would never arrive: the stream stops rather than wait for it.
            cancel(error)
            throw error
        }
        var pieces: [Piece] = []
        do {
            let perRow = codec.innerCount / codec.perShard[0]
            let offset = position - row.base
            let zeros = itemShape.map { _ in 0 }
            for (shard, index) in shardsPerRow.enumerated() {
                let origin = [row.base] + zip(index, target.metadata.chunkShape.dropFirst()).map(*)
                try codec.compressInnerChunks(
                    (offset * perRow)..<((offset + 1) * perRow), from: UnsafeRawBufferPointer(scratch), shape: [1] + itemShape,
                    sourceStart: [position] + zeros, shardOrigin: origin, arrayShape: [position + 1] + itemShape
                ) { number, bytes in pieces.append(Piece(shard: shard, number: number, bytes: bytes)) }
            }
        } catch {
            cancel(error)
            throw error
        }
        try deposit([(position, pieces)], in: row)
    }

    /// The row of `position` (made, and its existing items read, when new), once the position is
    /// within the window and the row within the in-flight limit.
    private func acquireRow(_ position: Int) throws -> Row {
        let number = position / slabLength
        let (row, isNew) = try condition.withLock { () throws -> (Row, Bool) in
            while true {
                // Checked after every wait too: `finish` may have set the end meanwhile.
                guard position >= startLength, position < (end ?? maximumLength ?? .max), !storedSlabs.contains(number) else {
                    throw ImMetaIOError(.invalidArgument, "position \(position) is outside the stream or already stored", file: name)
                }
                if let failure { throw failure }
                let frontier = rows.values.map(\.next).min() ?? contiguousEnd
                if position < frontier + window, rows[number] != nil || rows.count < maximumSlabsInFlight { break }
                condition.wait()
            }
            if let row = rows[number] {
                guard position >= row.next, row.pending[position] == nil, row.claimed.insert(position).inserted else {
                    throw ImMetaIOError(.invalidArgument, "position \(position) was filled twice", file: name)
                }
                return (row, false)
            }
            let row = Row(number: number, base: number * slabLength, shards: shardsPerRow.count, entries: 2 * (rowCodec?.innerCount ?? 0))
            row.claimed.insert(position)
            rows[number] = row
            peakSlabsInFlight = max(peakSlabsInFlight, rows.count)
            return (row, true)
        }
        if isNew, startLength > row.base, let codec = rowCodec {
            // The array's partial last shard: its items are copied over compressed, as stored.
            do {
                try deposit(try existingPieces(of: row, codec), in: row)
            } catch {
                cancel(error)
                throw error
            }
        }
        return row
    }

    /// The stored inner chunks of the items before ``startLength`` in `row`'s shards.
    private func existingPieces(of row: Row, _ codec: ShardingCodec) throws -> [(Int, [Piece])] {
        let perRow = codec.innerCount / codec.perShard[0]
        var items = (row.base..<startLength).map { ($0, [Piece]()) }
        for (shard, index) in shardsPerRow.enumerated() {
            guard let bytes = try target.store.get(target.key([row.number] + index)) else { continue }
            guard bytes.count >= codec.indexSize else { throw corrupt("shard of \(bytes.count) bytes is smaller than its index") }
            let entries = try codec.decodeIndex(Array(bytes[codec.indexRange(shardSize: bytes.count)]))
            for slot in items.indices {
                let offset = items[slot].0 - row.base
                for number in (offset * perRow)..<((offset + 1) * perRow) {
                    guard let range = try codec.entryRange(entries, number, shardSize: bytes.count) else { continue }
                    items[slot].1.append(Piece(shard: shard, number: number, bytes: Array(bytes[range])))
                }
            }
        }
        return items
    }

    /// Hands over compressed items; the thread that finds none of the row's appending going on
    /// appends every item whose turn has come.
    private func deposit(_ items: [(Int, [Piece])], in row: Row) throws {
        let appends: Bool = try condition.withLock {
            if let failure { throw failure }
            for (position, pieces) in items {
                row.claimed.remove(position)
                row.pending[position] = pieces
            }
            guard !row.appending else { return false }
            row.appending = true
            return true
        }
        if appends { try appendPending(row) }
    }

    /// Appends the row's items in order while they are there; finishes the row at its end.
    private func appendPending(_ row: Row) throws {
        enum Step {
            case append([Piece])
            case finish
            case stop
        }
        do {
            while true {
                let step: Step = condition.withLock {
                    if failure != nil || row.next == row.base + slabLength || (end.map { row.next == $0 } ?? false) {
                        if failure == nil { return .finish }
                        row.appending = false
                        return .stop
                    }
                    if let pieces = row.pending.removeValue(forKey: row.next) { return .append(pieces) }
                    row.appending = false
                    return .stop
                }
                switch step {
                case .stop: return
                case .finish:
                    try finishRow(row)
                    return
                case .append(let pieces):
                    for piece in pieces {
                        if row.writers[piece.shard] == nil {
                            row.writers[piece.shard] = try target.store.beginWriting(target.key([row.number] + shardsPerRow[piece.shard]))
                        }
                        try piece.bytes.withUnsafeBytes { try row.writers[piece.shard]?.write($0) }
                        row.entries[piece.shard][2 * piece.number] = UInt64(row.offsets[piece.shard])
                        row.entries[piece.shard][2 * piece.number + 1] = UInt64(piece.bytes.count)
                        row.offsets[piece.shard] += piece.bytes.count
                    }
                    condition.withLock {
                        row.next += 1
                        condition.broadcast()
                    }
                }
            }
        } catch {
            cancel(error)
            throw error
        }
    }

    /// Writes the row's shard indexes, commits the shards and counts the row stored.
    private func finishRow(_ row: Row) throws {
        guard let codec = rowCodec else { return }
        for (shard, index) in shardsPerRow.enumerated() {
            if let encoded = try codec.encodedIndex(row.entries[shard]), let writer = row.writers[shard] {
                try encoded.withUnsafeBytes { try writer.write($0) }
                try writer.commit()
            } else {
                // Only the fill value: nothing is stored (an old shard of the key goes too).
                row.writers[shard]?.discard()
                try target.store.delete(target.key([row.number] + index))
            }
            row.writers[shard] = nil
        }
        try slabStored?(row.base..<row.next)
        try markStored(row.number) { rows[row.number] = nil }
    }

    /// Counts row `number` stored (after `release` frees what held it, under the lock), advances
    /// the gapless stored length and commits it when automatic.
    private func markStored(_ number: Int, release: () -> Void) throws {
        let advanced: Int? = condition.withLock {
            release()
            storedSlabs.insert(number)
            var advanced = false
            while storedSlabs.contains(contiguousEnd / slabLength), contiguousEnd < (end ?? .max) {
                let next = (contiguousEnd / slabLength + 1) * slabLength
                contiguousEnd = min(next, end ?? next)
                advanced = true
            }
            condition.broadcast()
            return advanced ? contiguousEnd : nil
        }
        if commitsAutomatically, let advanced { try commit(length: advanced) }
    }

    /// ``finish(count:commit:)`` for rows: the last row ends at `startLength + count`.
    private func finishRows(count: Int) throws {
        let last = startLength + count
        let lastRow: Row? = try condition.withLock {
            if let failure { throw failure }
            guard count >= 0, end == nil else {
                throw ImMetaIOError(.invalidArgument, "finish(count:) needs a count of 0 or more, once", file: name)
            }
            if let beyond = rows.values.flatMap({ Array($0.pending.keys) + $0.claimed }).first(where: { $0 >= last }) {
                throw ImMetaIOError(.invalidArgument, "position \(beyond) was filled past the end \(last)", file: name)
            }
            end = last
            condition.broadcast()
            guard count > 0, let row = rows[(last - 1) / slabLength], !row.appending else { return nil }
            row.appending = true
            return row
        }
        if let lastRow { try appendPending(lastRow) }
        try condition.withLock {
            // Rows another thread is still appending finish on their own; others never will.
            while failure == nil, !rows.isEmpty, rows.values.allSatisfy(\.appending) { condition.wait() }
            if let failure { throw failure }
            if let open = rows.values.min(by: { $0.base < $1.base }) {
                let error = ImMetaIOError(
                    .invalidArgument, "positions from \(open.next) on were never filled (finish before every fill returned?)", file: name)
                failure = error
                condition.broadcast()
                throw error
            }
            guard contiguousEnd == last else {
                throw ImMetaIOError(.invalidArgument, "positions \(contiguousEnd)..<\(last) were never filled", file: name)
            }
        }
    }

    // MARK: Slab memory

    /// A slab buffer: on 2 MiB boundaries and backed by transparent huge pages where the kernel
    /// offers them on request, because its pages are released after every slab and faulted in
    /// again by the next one: one fault per 2 MiB instead of one per 4 KiB.
    private static func allocateSlab(byteCount: Int) -> UnsafeMutableRawBufferPointer {
        let hugePage = 2 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(byteCount, 1), alignment: byteCount >= hugePage ? hugePage : 64)
        #if os(Linux)
        if byteCount >= hugePage, let base = buffer.baseAddress {
            _ = madvise(base, byteCount / hugePage * hugePage, 14)  // MADV_HUGEPAGE
        }
        #endif
        return buffer
    }

    /// Hands a stored slab's pages back to the system while keeping the buffer for the next slab:
    /// a slab fills over a second or so, so without this every buffer stays resident at its full
    /// size and the process holds `maximumSlabsInFlight` whole slabs at all times, instead of the
    /// slab being filled plus the part of the next one filled meanwhile.
    private static func releasePages(of buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
        guard let base = buffer.baseAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: base) + page - 1) / page * page
        let end = (Int(bitPattern: base) + buffer.count) / page * page
        if end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) {
            _ = madvise(pointer, end - start, Int32(MADV_DONTNEED))
        }
        #endif
    }

    deinit {
        for buffer in spareBuffers { buffer.deallocate() }
        for slab in slabs.values { slab.bytes.deallocate() }
    }

    /// Opens a stream that appends after the array's current end.
    /// - Parameters:
    ///   - array: the array to append to, along its first axis.
    ///   - maximumSlabsInFlight: rows (slabs) open at once (at least 1).
    ///   - commitsAutomatically: grow the stored shape after every stored slab; when `false`,
    ///     the caller commits with ``commit(length:)`` (for example after journaling).
    ///   - storedLength: where to start when items past the array's committed length are stored
    ///     already (a resumed conversion whose journal proves them): a whole number of slabs.
    ///     They count as stored, so the next commit covers them. Default: the committed length.
    ///   - maximumLength: the most items the array will hold when the stream ends, when known:
    ///     slab memory is then sized to what can come (a few images do not take a whole shard's
    ///     worth), and positions at or past it are errors.
    /// - Throws: `invalidArgument` for a 0-D array.
    public init(
        array: ZarrArray, maximumSlabsInFlight: Int = 2, commitsAutomatically: Bool = true, storedLength: Int? = nil,
        maximumLength: Int? = nil
    ) throws {
        let name = ZarrArray.describe(array.store, array.path)
        guard array.shape.count >= 1 else {
            throw ImMetaIOError(.invalidArgument, "a 0-D array cannot be appended to", file: name)
        }
        let start = storedLength ?? array.shape[0]
        guard start == array.shape[0] || (start > array.shape[0] && start % array.metadata.chunkShape[0] == 0) else {
            throw ImMetaIOError(
                .invalidArgument, "a stream can resume only at the committed length or at a slab boundary past it, not \(start)", file: name)
        }
        target = array
        committed = array
        startLength = start
        slabLength = array.metadata.chunkShape[0]
        itemShape = Array(array.shape.dropFirst())
        guard let elements = NDArray.checkedElementCount(itemShape),
            case let (bytes, overflow) = elements.multipliedReportingOverflow(by: array.dtype.itemSize), !overflow,
            !bytes.multipliedReportingOverflow(by: slabLength).overflow
        else {
            throw ImMetaIOError(.limitExceeded, "items of shape \(itemShape) are too large", file: name)
        }
        itemByteCount = bytes
        self.maximumSlabsInFlight = max(1, maximumSlabsInFlight)
        self.maximumLength = maximumLength
        if let sharding = array.pipeline.partialSharding, !sharding.indexAtStart, sharding.innerShape[0] == 1 {
            rowCodec = sharding
            let counts = zip(array.shape.dropFirst(), array.metadata.chunkShape.dropFirst()).map { ($0 + $1 - 1) / $1 }
            var indices: [[Int]] = [[]]
            for count in counts { indices = indices.flatMap { prefix in (0..<max(count, 0)).map { prefix + [$0] } } }
            shardsPerRow = indices
        } else {
            rowCodec = nil
            shardsPerRow = []
        }
        window = max(16, (32 << 20) / max(1, bytes))
        self.commitsAutomatically = commitsAutomatically
        contiguousEnd = startLength
    }

    /// The end of the positions stored so far without a gap (a length that may be committed).
    public var storedLength: Int { condition.withLock { contiguousEnd } }

    /// Fills the item at `position` in place: `body` gets the item's bytes (C order, the array's
    /// dtype, native byte order) and must set every one. Waits while the slab would exceed the
    /// in-flight limit; stores the slab when this was its last position.
    /// - Throws: `invalidArgument` for a position before ``startLength``, past the end given to
    ///   ``finish(count:commit:)`` or filled twice; the first error of any slab's storing.
    public func fill(_ position: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        if let rowCodec {
            try fillRow(position, rowCodec, body)
            return
        }
        let slab = try acquire(position)
        let offset = (position - slab.base) * itemByteCount
        do {
            try body(UnsafeMutableRawBufferPointer(rebasing: slab.bytes[offset..<(offset + itemByteCount)]))
        } catch {
            // The position would never arrive: the stream stops rather than wait for it.
            cancel(error)
            throw error
        }
        try release(slab, position)
    }

    /// Copies `item` (shape ``itemShape``, the array's dtype) into `position`.
    public func write(_ item: NDArray, at position: Int) throws {
        guard item.shape == itemShape, item.dtype == target.dtype else {
            throw ImMetaIOError(
                .invalidArgument, "cannot append an item of shape \(item.shape) \(item.dtype) to items of \(itemShape) \(target.dtype)",
                file: name)
        }
        try fill(position) { target in
            item.withUnsafeBytes { target.copyMemory(from: $0) }
        }
    }

    /// Declares the last position (`startLength + count`), stores the final partial slab, waits
    /// for every slab and commits the new length (unless `commit` is false: the caller then
    /// commits, for example after writing what must exist before readers see the items).
    /// - Returns: the array at its new length (as last committed when `commit` is false).
    @discardableResult
    public func finish(count: Int, commit: Bool = true) throws -> ZarrArray {
        if rowCodec != nil {
            try finishRows(count: count)
            if commit { try self.commit(length: startLength + count) }
            return array
        }
        let slabToStore: Slab? = try condition.withLock {
            if let failure { throw failure }
            guard count >= 0, end == nil else {
                throw ImMetaIOError(.invalidArgument, "finish(count:) needs a count of 0 or more, once", file: name)
            }
            let last = startLength + count
            if let beyond = slabs.values.first(where: { $0.last >= last }) {
                throw ImMetaIOError(.invalidArgument, "position \(beyond.last) was filled past the end \(last)", file: name)
            }
            end = last
            condition.broadcast()
            let final = completeSlab(containing: last - 1)
            if let open = slabs.values.first(where: { !$0.storing }) {
                let error = ImMetaIOError(
                    .invalidArgument, "positions from \(open.base + open.filled) on were never filled (finish before every fill returned?)",
                    file: name)
                failure = error
                throw error
            }
            return final
        }
        if let slabToStore { try store(slabToStore) }
        try condition.withLock {
            while failure == nil, !slabs.isEmpty { condition.wait() }
            if let failure { throw failure }
            guard contiguousEnd == end else {
                throw ImMetaIOError(.invalidArgument, "positions \(contiguousEnd)..<\(end ?? 0) were never filled", file: name)
            }
        }
        if commit { try self.commit(length: startLength + count) }
        return array
    }

    /// Stops the stream after a failure elsewhere: waiting fills throw `error`, and slabs not
    /// yet stored are dropped (the committed array is untouched).
    public func cancel(_ error: any Error) {
        condition.withLock {
            if failure == nil { failure = error }
            condition.broadcast()
        }
    }

    /// Writes the array's metadata with a first-axis length of `length`, which must not exceed
    /// ``storedLength``. Safe to call from any thread; commits never shrink the array.
    public func commit(length: Int) throws {
        try commitLock.withLock {
            let stored = storedLength
            guard length <= stored else {
                throw ImMetaIOError(.invalidArgument, "cannot commit length \(length): only \(stored) items are stored", file: name)
            }
            guard length > committed.shape[0] else { return }
            var grown = committed.shape
            grown[0] = length
            try committed.resize(to: grown)
        }
    }

    private var name: String { ZarrArray.describe(target.store, target.path) }

    /// Finds or allocates the slab for `position`, waiting for room.
    private func acquire(_ position: Int) throws -> Slab {
        let number = position / slabLength
        let (slab, prefill) = try condition.withLock { () throws -> (Slab, Bool) in
            while true {
                // Checked after every wait too: `finish` may have set the end meanwhile.
                guard position >= startLength, position < (end ?? maximumLength ?? .max), !storedSlabs.contains(number) else {
                    throw ImMetaIOError(.invalidArgument, "position \(position) is outside the stream or already stored", file: name)
                }
                if let failure { throw failure }
                if let slab = slabs[number] {
                    guard !slab.storing else {
                        throw ImMetaIOError(.invalidArgument, "position \(position) was filled after its slab was stored", file: name)
                    }
                    return (slab, false)
                }
                if slabs.count < maximumSlabsInFlight { break }
                condition.wait()
            }
            let base = number * slabLength
            let byteCount = min(slabLength, (maximumLength ?? .max) - base) * itemByteCount
            let buffer: UnsafeMutableRawBufferPointer
            if let spare = spareBuffers.firstIndex(where: { $0.count >= byteCount }) {
                buffer = spareBuffers.remove(at: spare)
            } else {
                buffer = Self.allocateSlab(byteCount: byteCount)
            }
            let slab = Slab(base: base, bytes: buffer)
            slabs[number] = slab
            peakSlabsInFlight = max(peakSlabsInFlight, slabs.count)
            return (slab, startLength > slab.base)
        }
        if prefill {
            // The array's partial last shard: its items are read once, so that the shard is
            // encoded once with them and the new ones. They count only once copied, so the slab
            // cannot complete before.
            let count = startLength - slab.base
            do {
                let existing = try target.read(start: [slab.base] + itemShape.map { _ in 0 }, shape: [count] + itemShape)
                existing.withUnsafeBytes { slab.bytes.copyMemory(from: $0) }
            } catch {
                cancel(error)
                throw error
            }
            condition.withLock {
                slab.present.formUnion(slab.base..<startLength)
                slab.filled = slab.present.count
                slab.last = max(slab.last, startLength - 1)
            }
        }
        return slab
    }

    /// Counts `position` in; stores the slab when it is complete.
    private func release(_ slab: Slab, _ position: Int) throws {
        let complete: Slab? = try condition.withLock {
            if let failure { throw failure }
            guard slab.present.insert(position).inserted else {
                let error = ImMetaIOError(.invalidArgument, "position \(position) was filled twice", file: name)
                failure = error
                condition.broadcast()
                throw error
            }
            slab.filled = slab.present.count
            slab.last = max(slab.last, position)
            return completeSlab(containing: slab.base)
        }
        if let complete { try store(complete) }
    }

    /// The slab holding `position` when every position it needs is in and nobody stores it yet
    /// (marked as being stored). Called with the lock held.
    private func completeSlab(containing position: Int) -> Slab? {
        guard position >= 0, let slab = slabs[position / slabLength], !slab.storing else { return nil }
        let needed = min(slabLength, (end ?? .max) - slab.base)
        // Distinct positions, as many as needed, none past the end: exactly the slab's.
        guard slab.filled >= needed, slab.last < slab.base + needed else { return nil }
        slab.storing = true
        return slab
    }

    /// Encodes and stores a complete slab, then frees it and advances the stored length.
    private func store(_ slab: Slab) throws {
        let count = min(slabLength, condition.withLock { end ?? .max } - slab.base)
        do {
            var extent = target.shape
            extent[0] = count
            var start = extent.map { _ in 0 }
            start[0] = slab.base
            var logical = extent
            logical[0] = slab.base + count
            let bytes = UnsafeRawBufferPointer(rebasing: slab.bytes[0..<(count * itemByteCount)])
            try target.write(from: bytes, extent: extent, at: start, logicalShape: logical)
            try slabStored?(slab.base..<(slab.base + count))
        } catch {
            cancel(error)
            throw error
        }
        Self.releasePages(of: slab.bytes)
        let number = slab.base / slabLength
        try markStored(number) {
            slabs[number] = nil
            spareBuffers.append(slab.bytes)
        }
    }
}
