import Foundation
import ImMetaIO
import CFileShims
import Zarr

/// The decode-and-store stage of a conversion: worker threads decode inputs in any order, the
/// array positions are handed out in input order (so the result is the same on every run, and
/// a skipped file shifts the later ones deterministically), and each image goes straight into
/// its slab of the stream writer.
///
/// `@unchecked Sendable`: the mutable fields are guarded by `condition`; the stream writer is
/// thread-safe.
final class ConversionRun: @unchecked Sendable {
    /// What one worker made of one input.
    private enum Outcome {
        case image(NDArray, ImageLayout)
        case failed(String)
    }

    let inputs: [InputFile]
    /// Input indices to decode, in order (a resumed run starts after the recorded slabs).
    let todo: [Int]
    let stream: ZarrStreamWriter
    let channels: Int, height: Int, width: Int
    let dtype: DType
    let options: ConversionOptions
    let journal: ConversionJournal?
    let started: Date

    private let condition = NSCondition()
    private var nextTodo = 0
    private var turn = 0
    private var nextPosition: Int
    private var failure: (any Error)?
    /// Workers waiting for their turn, by the todo index they hold: each is woken alone when
    /// its turn comes (waking every worker at each turn cost more than the copies themselves).
    private var waiting: [Int: DispatchSemaphore] = [:]
    /// Rows and consumed inputs of slabs still being filled, by slab base.
    private var openSlabs: [Int: (first: Int, end: Int, rows: [ConversionRow], skipped: [SkippedInput])] = [:]
    /// Slabs stored (their rows are in the journal, not kept here).
    private var storedSlabCount = 0
    private(set) var skipped: [SkippedInput] = []
    /// Inputs skipped while no slab was open (between two slabs): they go with the next one.
    private var pendingSkips: [(input: Int, entry: SkippedInput)] = []
    private var done = 0
    private var lastProgress = Date.distantPast
    private var lastCheckpoint = Date()
    /// Commits the table and `zarr.json` together at a checkpoint (set by the converter).
    var checkpoint: ((Int) throws -> Void)?

    init(
        inputs: [InputFile], todo: [Int], stream: ZarrStreamWriter, chw: [Int], dtype: DType, options: ConversionOptions,
        journal: ConversionJournal?, started: Date
    ) {
        self.inputs = inputs
        self.todo = todo
        self.stream = stream
        (channels, height, width) = (chw[0], chw[1], chw[2])
        self.dtype = dtype
        self.options = options
        self.journal = journal
        self.started = started
        nextPosition = stream.startLength
    }

    /// Decodes and stores every input of `todo`; returns the number of images stored.
    func run() throws -> Int {
        stream.slabStored = { [unowned self] range in try self.slabStored(range) }
        defer { stream.slabStored = nil }
        let workers = max(1, options.workers)
        var threads: [Thread] = []
        let finished = DispatchGroup()
        for _ in 0..<workers {
            finished.enter()
            let thread = Thread { [self] in
                work()
                finished.leave()
            }
            // Decoders recurse little, but FFmpeg and libjpeg like room.
            thread.stackSize = 4 << 20
            threads.append(thread)
            thread.start()
        }
        finished.wait()
        if let failure = condition.withLock({ failure }) { throw failure }
        let count = condition.withLock { nextPosition } - stream.startLength
        try stream.finish(count: count, commit: false)
        return count
    }

    private func fail(_ error: any Error) {
        condition.withLock { recordFailure(error) }
        stream.cancel(error)
    }

    /// Keeps the first failure and wakes every waiting worker. Called with the lock held.
    private func recordFailure(_ error: any Error) {
        if failure == nil { failure = error }
        for waiter in waiting.values { waiter.signal() }
        waiting = [:]
        condition.broadcast()
    }

    private func work() {
        let turnSignal = DispatchSemaphore(value: 0)
        while let index = condition.withLock({ () -> Int? in
            guard failure == nil, nextTodo < todo.count else { return nil }
            defer { nextTodo += 1 }
            return nextTodo
        }) {
            let input = todo[index]
            let outcome: Outcome
            do {
                let (image, layout) = try decode(inputs[input])
                outcome = .image(image, layout)
            } catch {
                outcome = .failed((error as? ImMetaIOError)?.description ?? String(describing: error))
            }
            // Positions are handed out in input order.
            while condition.withLock({ () -> Bool in
                guard failure == nil, turn != index else { return false }
                waiting[index] = turnSignal
                return true
            }) {
                turnSignal.wait()
            }
            let position: Int? = condition.withLock {
                guard failure == nil else { return nil }
                defer {
                    turn += 1
                    waiting.removeValue(forKey: turn)?.signal()
                }
                if case .failed(let message) = outcome {
                    switch options.onError {
                    case .fail:
                        recordFailure(ImMetaIOError(.corruptData, message, file: inputs[input].path))
                        return nil
                    case .skip:
                        let entry = SkippedInput(path: inputs[input].path, error: message)
                        skipped.append(entry)
                        // Journaled with the slab being filled (or the next one to open), so that a
                        // resumed run neither decodes it again nor loses it from the report.
                        let base = (nextPosition / stream.slabLength) * stream.slabLength
                        if openSlabs[base] != nil {
                            openSlabs[base]?.skipped.append(entry)
                            openSlabs[base]?.end = input + 1
                        } else {
                            pendingSkips.append((input, entry))
                        }
                        done += 1
                        return -1
                    case .zeros: break
                    }
                }
                let position = nextPosition
                nextPosition += 1
                let base = (position / stream.slabLength) * stream.slabLength
                if openSlabs[base] == nil {
                    openSlabs[base] = (pendingSkips.first?.input ?? input, input + 1, [], pendingSkips.map(\.entry))
                    pendingSkips = []
                } else {
                    openSlabs[base]?.end = input + 1
                }
                return position
            }
            guard let position else {
                if let failure = condition.withLock({ failure }) { stream.cancel(failure) }
                return
            }
            if position < 0 { continue }
            do {
                try store(outcome, of: inputs[input], at: position)
            } catch {
                fail(error)
                return
            }
            reportProgress()
        }
    }

    /// Fills the image's position: pixels, then its row (before the slab can be stored).
    private func store(_ outcome: Outcome, of input: InputFile, at position: Int) throws {
        try stream.fill(position) { target in
            var error: String?
            switch outcome {
            case .image(let image, let layout):
                // Only RGB stored as four channels needs the alpha value.
                let opaque = layout.channels == 3 && channels == 4 ? PixelTransfer.opaqueValue(dtype, sourceDType: input.dtype ?? dtype) : []
                PixelTransfer.copy(image, layout: layout, channels: channels, opaque: opaque, into: target)
            case .failed(let message):
                target.initializeMemory(as: UInt8.self, repeating: 0)
                error = message
            }
            let row = ConversionRow(
                index: position, path: input.path, key: input.key, format: input.format, fileSize: input.size,
                shape: input.layout.map(Self.originalShape) ?? [], dtype: input.dtype?.rawValue ?? "",
                statistics: ImageStatistics.of(UnsafeRawBufferPointer(target), dtype: dtype), error: error,
                zeroFilled: error != nil)
            condition.withLock {
                openSlabs[(position / stream.slabLength) * stream.slabLength]?.rows.append(row)
                done += 1
            }
        }
    }

    /// The decoded array's shape as its header gave it.
    static func originalShape(_ layout: ImageLayout) -> [Int] {
        switch layout.order {
        case .gray: [layout.height, layout.width]
        case .channelsLast: [layout.height, layout.width, layout.channels]
        case .channelsFirst: [layout.channels, layout.height, layout.width]
        }
    }

    /// Journals a stored slab and commits at checkpoints.
    private func slabStored(_ range: Range<Int>) throws {
        let base = (range.lowerBound / stream.slabLength) * stream.slabLength
        guard let slab = condition.withLock({ openSlabs.removeValue(forKey: base) }) else { return }
        // Decoders and compressors free megabytes per second across many threads, often a buffer
        // another thread allocated; glibc keeps such pages in its per-thread arenas, and resident
        // memory then grows with the image count. Handing them back once per stored shard keeps
        // it near what is in use, at a small fraction of the shard's work.
        immetaio_release_free_memory()
        let rows = slab.rows.sorted { $0.index < $1.index }
        try journal?.recordSlab(base: base, inputs: slab.first..<slab.end, rows: rows, skipped: slab.skipped)
        let due: Bool = try condition.withLock {
            storedSlabCount += 1
            if let limit = options.interruptAfterSlabs, storedSlabCount >= limit {
                throw ImMetaIOError(.io, "interrupted after \(limit) slabs (test)")
            }
            guard Date().timeIntervalSince(lastCheckpoint) >= options.checkpointInterval else { return false }
            lastCheckpoint = Date()
            return true
        }
        if due, let checkpoint { try checkpoint(stream.storedLength) }
    }

    private func reportProgress() {
        guard let progress = options.progress else { return }
        let now = Date()
        let snapshot: ConversionProgress? = condition.withLock {
            guard now.timeIntervalSince(lastProgress) >= 0.2 || done == todo.count else { return nil }
            lastProgress = now
            return ConversionProgress(done: done, total: todo.count, elapsed: now.timeIntervalSince(started))
        }
        if let snapshot { progress(snapshot) }
    }

    // MARK: Decoding

    /// The image of `input` ready for its slab: in the store's dtype, resized when asked.
    func decode(_ input: InputFile) throws -> (NDArray, ImageLayout) {
        if let headerError = input.headerError { throw ImMetaIOError(.corruptData, headerError, file: input.path) }
        guard let expected = input.layout else { throw ImMetaIOError(.corruptData, "no header", file: input.path) }
        var image: NDArray
        var layout: ImageLayout
        let extensions = input.isFITS ? options.fitsExtensions : []
        if extensions.count > 1 {
            var planes: [NDArray] = []
            for hdu in extensions {
                planes.append(try readImage(from: .path(input.path), options: ["hdu": hdu.option]))
            }
            let common = planes.dropFirst().reduce(planes[0].dtype) { PromotionRule.promote($0, $1.dtype) }
            image = try NDArray.stacked(planes.map { $0.astype(common) })
            layout = ImageLayout(channelsFirst: planes.count, height: expected.height, width: expected.width)
        } else {
            image = try extensions.isEmpty
                ? readImage(from: .path(input.path), index: 0)
                : readImage(from: .path(input.path), options: ["hdu": extensions[0].option])
            layout = try ImageLayout(shape: image.shape)
        }
        guard layout == expected else {
            throw ImMetaIOError(
                .corruptData, "decodes to shape \(image.shape), but its header said \(Self.originalShape(expected))", file: input.path)
        }
        if layout.height != height || layout.width != width {
            guard let resize = options.resize else {
                throw ImMetaIOError(.invalidArgument, "is \(layout.height)×\(layout.width), not \(height)×\(width)", file: input.path)
            }
            (image, layout) = try ImageResizing.resize(image, layout: layout, to: resize, order: options.interpolationOrder)
        }
        return (PixelTransfer.clipped(image, to: dtype), layout)
    }
}

/// An input left out of the array, and why.
public struct SkippedInput: Sendable, Hashable {
    /// The file.
    public var path: String
    /// The error.
    public var error: String

    var json: JSONValue { ["path": .string(path), "error": .string(error)] }

    /// An entry as ``json`` writes it (journals, plans, task records).
    init?(json entry: JSONValue) {
        guard let path = entry["path"]?.stringValue else { return nil }
        self.init(path: path, error: entry["error"]?.stringValue ?? "")
    }

    init(path: String, error: String) {
        self.path = path
        self.error = error
    }
}
