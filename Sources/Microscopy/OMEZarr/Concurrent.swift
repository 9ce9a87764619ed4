import Foundation

/// A throwing parallel for-each over the engine's `ParallelLoop`: once an item fails, items not
/// yet started are skipped, and the first failure (in item order) is rethrown.
enum Concurrent {
    static func forEach<Item>(_ items: [Item], parallel: Bool = true, _ body: (Item) throws -> Void) throws {
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

/// Runs `body`, passing `ImMetaIOError`s through and naming `file` in any other error.
func withImMetaIOErrors<T>(file: String, _ body: () throws -> T) throws(ImMetaIOError) -> T {
    do {
        return try body()
    } catch let error as ImMetaIOError {
        throw error.naming(file)
    } catch {
        throw ImMetaIOError(.io, "\(error)", file: file, underlying: error)
    }
}
