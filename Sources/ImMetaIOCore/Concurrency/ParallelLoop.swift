import Foundation
import Dispatch

/// Parallel loops for blocking codec work, on Dispatch's worker threads rather than Swift's
/// cooperative pool (blocking work there stalls unrelated tasks).
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

/// A throwing parallel for-each over the engine's `ParallelLoop`: once an item fails, items not
/// yet started are skipped, and the first failure (in item order) is rethrown.
extension ParallelLoop {
    package static func forEach<Item>(_ items: [Item], parallel: Bool = true, _ body: (Item) throws -> Void) throws {
        guard parallel, items.count > 1 else {
            for item in items { try body(item) }
            return
        }
        let failures = Failures(count: items.count)
        ParallelLoop.run(items.count) { index in
            guard !failures.any else { return }
            do { try body(items[index]) } catch { failures.record(error, at: index) }
        }
        if let failure = failures.first { throw failure }
    }

    /// The failures of one loop. `@unchecked Sendable`: the slots are only touched under the lock.
    private final class Failures: @unchecked Sendable {
        private var slots: [(any Error)?]
        private var failed = false
        private let lock = NSLock()

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        var any: Bool { lock.withLock { failed } }
        var first: (any Error)? { lock.withLock { slots.lazy.compactMap { $0 }.first } }

        func record(_ error: any Error, at index: Int) {
            lock.withLock {
                slots[index] = error
                failed = true
            }
        }
    }
}
