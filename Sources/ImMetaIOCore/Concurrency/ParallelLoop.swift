import Foundation
import Dispatch

/// Parallel loops for blocking codec work, on Dispatch's worker threads rather than Swift's
/// cooperative pool (blocking work there stalls unrelated tasks).
///
/// The throwing forms (`forEach`, `map`, `forEachInOrder`) share one failure rule: the error
/// thrown is the one of the lowest-numbered item that failed, and every item numbered below it
/// has run. That is the error a sequential loop would throw, whatever the threads' timing. With
/// the default policy, items numbered above a failure are not started once it is known.
public enum ParallelLoop {
    /// Runs `body` for `0..<count` concurrently and returns when every call has finished.
    ///
    /// `body` may capture non-`Sendable` state: each call must touch only its own part of it
    /// (for example, its own slot of an output buffer), which is the caller's responsibility.
    public static func run(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let work = body
            DispatchQueue.concurrentPerform(iterations: count) { work($0) }
        }
    }
}

extension ParallelLoop {
    /// What a throwing loop does with the items it has not started when one fails.
    package enum FailurePolicy: Sendable {
        /// Items numbered above a failure are not started (those below it still run).
        case skipLaterItems
        /// Every item runs; the failure is thrown after all have finished (for side effects the
        /// caller promises, such as saving every other file of a batch).
        case finishAll
    }

    /// Runs `body` for `0..<count` in parallel and rethrows the failure of the lowest-numbered
    /// item that failed.
    ///
    /// - Parameters:
    ///   - workers: how many items run at once at most; `nil` leaves it to Dispatch (one per core).
    ///   - policy: whether items after a failure still run.
    package static func forEach<Failure: Error>(
        _ count: Int, workers: Int? = nil, onFailure policy: FailurePolicy = .skipLaterItems,
        _ body: (Int) throws(Failure) -> Void
    ) throws(Failure) {
        let width = min(max(workers ?? count, 1), count)
        guard width > 1 else {
            var first: Failure?
            for index in 0..<count {
                do throws(Failure) {
                    try body(index)
                } catch {
                    guard policy == .finishAll else { throw error }
                    if first == nil { first = error }
                }
            }
            if let first { throw first }
            return
        }
        let state = LoopState<Failure>(count: count, policy: policy)
        func attempt(_ index: Int) {
            do throws(Failure) { try body(index) } catch { state.record(error, at: index) }
        }
        if width == count {
            run(count) { index in
                if state.shouldStart(index) { attempt(index) }
            }
        } else {
            // Fewer threads than items: each takes the next item, in order, until none is left.
            run(width) { _ in
                while let index = state.claim() { attempt(index) }
            }
        }
        if let failure = state.failure { throw failure }
    }

    /// Runs `body` for each item in parallel (in order when `parallel` is false) and rethrows the
    /// failure of the first item, in item order, that failed; items after a failure are skipped.
    package static func forEach<Item, Failure: Error>(
        _ items: [Item], parallel: Bool = true, _ body: (Item) throws(Failure) -> Void
    ) throws(Failure) {
        try forEach(items.count, workers: parallel ? nil : 1) { (index: Int) throws(Failure) in try body(items[index]) }
    }

    /// The results of `transform` for `0..<count`, computed in parallel, in index order; rethrows
    /// the failure of the lowest-numbered item that failed.
    ///
    /// - Parameters:
    ///   - workers: how many items run at once at most; `nil` leaves it to Dispatch (one per core).
    ///   - policy: whether items after a failure still run.
    package static func map<Output, Failure: Error>(
        _ count: Int, workers: Int? = nil, onFailure policy: FailurePolicy = .skipLaterItems,
        _ transform: (Int) throws(Failure) -> Output
    ) throws(Failure) -> [Output] {
        guard count > 0 else { return [] }
        let results = UnsafeMutableBufferPointer<Output?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        // Each item writes only its own slot.
        try forEach(count, workers: workers, onFailure: policy) { (index: Int) throws(Failure) in
            results[index] = try transform(index)
        }
        return results.compactMap { $0 }
    }

    /// Produces the items `0..<count` in parallel and consumes them one at a time in index order,
    /// as soon as the next one is ready (for example: compress chunks on every core, write them to
    /// a file in order). At most `window` produced items are held at once: the items go in windows
    /// of that many, each finished before the next starts.
    ///
    /// `consume` is never called concurrently with itself, in index order, each item once, on
    /// whichever worker thread finds the next item ready. A failure of `produce` or `consume` stops
    /// the items after it (neither produced nor consumed); the failure of the lowest-numbered item
    /// is rethrown.
    ///
    /// - Parameters:
    ///   - workers: how many threads produce at once (at least 1); `produce` receives the worker's
    ///     number in `0..<workers`, for per-thread state such as a compressor.
    ///   - window: how many produced items may wait for `consume` at most (at least 1).
    package static func forEachInOrder<Output, Failure: Error>(
        _ count: Int, workers: Int, window: Int,
        produce: (_ index: Int, _ worker: Int) throws(Failure) -> Output,
        consume: (_ index: Int, _ output: Output) throws(Failure) -> Void
    ) throws(Failure) {
        let window = max(window, 1)
        for windowStart in stride(from: 0, to: count, by: window) {
            let size = min(window, count - windowStart)
            let pipeline = OrderedWindow<Output, Failure>(start: windowStart, count: size)
            run(min(max(workers, 1), size)) { worker in
                while let index = pipeline.state.claim() {
                    let output: Output
                    do throws(Failure) {
                        output = try produce(index, worker)
                    } catch {
                        pipeline.state.record(error, at: index)
                        continue
                    }
                    guard pipeline.deposit(output, at: index) else { continue }
                    // This thread consumes every ready item in order, outside the lock, until the
                    // next one is not ready (its producer then takes over).
                    while let (next, ready) = pipeline.nextReady() {
                        do throws(Failure) { try consume(next, ready) } catch { pipeline.state.record(error, at: next) }
                    }
                }
            }
            if let failure = pipeline.state.failure { throw failure }
        }
    }

    /// The shared state of one throwing loop: which items are claimed, and the failure of the
    /// lowest-numbered item that failed. `@unchecked Sendable`: every field is touched under the lock.
    private final class LoopState<Failure: Error>: @unchecked Sendable {
        let lock = NSLock()
        private let start: Int
        private let end: Int
        private let policy: FailurePolicy
        private var next: Int
        /// The lowest index that failed (`Int.max` while none has).
        private var lowestFailure = Int.max
        private var firstFailure: Failure?

        init(start: Int = 0, count: Int, policy: FailurePolicy) {
            self.start = start
            end = start + count
            self.policy = policy
            next = start
        }

        /// The failure of the lowest-numbered item that failed, once the loop is over.
        var failure: Failure? { lock.withLock { firstFailure } }

        /// Whether item `index` (handed out by Dispatch) should run.
        func shouldStart(_ index: Int) -> Bool {
            lock.withLock { policy == .finishAll || index < lowestFailure }
        }

        /// The next item to run, in order, or `nil` when none is left.
        func claim() -> Int? {
            lock.withLock {
                guard next < end, policy == .finishAll || next < lowestFailure else { return nil }
                defer { next += 1 }
                return next
            }
        }

        /// Keeps `error` when item `index` is the lowest-numbered failure so far.
        func record(_ error: Failure, at index: Int) {
            lock.withLock {
                guard index < lowestFailure else { return }
                lowestFailure = index
                firstFailure = error
            }
        }

        /// Whether item `index` may still be consumed (no item before it failed). Under the lock.
        func isBeforeFailureLocked(_ index: Int) -> Bool { index < lowestFailure }
    }

    /// One window of `forEachInOrder`: the produced items
    /// waiting for their turn, and who consumes. `@unchecked Sendable`: every field is touched
    /// under the loop state's lock.
    private final class OrderedWindow<Output, Failure: Error>: @unchecked Sendable {
        let state: LoopState<Failure>
        private let start: Int
        private var slots: [Output?]
        private var nextToConsume = 0
        private var consuming = false

        init(start: Int, count: Int) {
            state = LoopState(start: start, count: count, policy: .skipLaterItems)
            self.start = start
            slots = Array(repeating: nil, count: count)
        }

        /// Stores a produced item; true when the caller is to consume (no other thread is).
        func deposit(_ output: Output, at index: Int) -> Bool {
            state.lock.withLock {
                slots[index - start] = output
                guard !consuming else { return false }
                consuming = true
                return true
            }
        }

        /// The next item in order when it is ready and nothing before it failed; otherwise `nil`,
        /// and the caller stops consuming.
        func nextReady() -> (Int, Output)? {
            state.lock.withLock {
                guard nextToConsume < slots.count, state.isBeforeFailureLocked(start + nextToConsume),
                    let output = slots[nextToConsume]
                else {
                    consuming = false
                    return nil
                }
                slots[nextToConsume] = nil
                nextToConsume += 1
                return (start + nextToConsume - 1, output)
            }
        }
    }
}
