import Foundation
import ImMetaIOCore
import Testing

/// The throwing parallel loops: results in order, the lowest-numbered failure thrown (the one a
/// sequential loop would throw), later items skipped after a failure unless asked otherwise.
@Suite struct ParallelLoopTests {
    struct Failure: Error, Equatable {
        let index: Int
    }

    /// What the items did, recorded from every thread.
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var started: [Int] = []
        private var running = 0
        private(set) var mostAtOnce = 0

        func begin(_ index: Int) {
            lock.withLock {
                started.append(index)
                running += 1
                mostAtOnce = max(mostAtOnce, running)
            }
        }

        func end() { lock.withLock { running -= 1 } }

        var items: [Int] { lock.withLock { started } }
    }

    /// A little work of varying length, so that threads finish out of order.
    static func spin(_ index: Int) {
        var value = UInt64(index | 1)
        for _ in 0..<((index * 7919) % 5000) { value = value &* 6364136223846793005 &+ 1 }
        if value == 42 { print("") }
    }

    @Test(arguments: [nil, 1, 2, 3, 64] as [Int?])
    func mapKeepsIndexOrder(workers: Int?) throws {
        for count in [0, 1, 2, 3, 100, 1000] {
            let log = Log()
            let results = try ParallelLoop.map(count, workers: workers) { (index: Int) throws(Failure) -> Int in
                log.begin(index)
                defer { log.end() }
                Self.spin(index)
                return index * index
            }
            #expect(results == (0..<count).map { $0 * $0 }, "\(count) items, \(workers.map(String.init) ?? "default") workers")
            #expect(log.items.sorted() == Array(0..<count))
            if let workers, count > 0 { #expect(log.mostAtOnce <= workers) }
        }
    }

    @Test func emptyInputRunsNothing() throws {
        var calls = 0
        try ParallelLoop.forEach(0) { (_: Int) throws(Failure) in calls += 1 }
        #expect(calls == 0)
        #expect(try ParallelLoop.map(0) { (index: Int) throws(Failure) in index }.isEmpty)
        try ParallelLoop.forEachInOrder(
            0, workers: 4, window: 8, produce: { (index: Int, _: Int) throws(Failure) in index },
            consume: { (_: Int, _: Int) throws(Failure) in calls += 1 })
        #expect(calls == 0)
        try ParallelLoop.forEach([Int](), { (_: Int) throws(Failure) in calls += 1 })
        #expect(calls == 0)
    }

    @Test func oneItemRunsOnceAndItsFailureIsThrown() {
        #expect(throws: Failure(index: 0)) {
            try ParallelLoop.map(1) { (index: Int) throws(Failure) -> Int in throw Failure(index: index) }
        }
        #expect(throws: Failure(index: 0)) {
            try ParallelLoop.forEachInOrder(
                1, workers: 3, window: 2, produce: { (index: Int, _: Int) throws(Failure) -> Int in index },
                consume: { (index: Int, _: Int) throws(Failure) in throw Failure(index: index) })
        }
    }

    /// Several items fail, the later ones fast and the earliest slowly: the earliest one's error
    /// is thrown, every time, and every item before it has run.
    @Test(arguments: [nil, 1, 2, 3] as [Int?])
    func lowestFailingIndexWins(workers: Int?) {
        for _ in 0..<20 {
            let log = Log()
            let failing: Set<Int> = [37, 38, 120, 400]
            #expect(throws: Failure(index: 37)) {
                try ParallelLoop.forEach(500, workers: workers) { (index: Int) throws(Failure) in
                    log.begin(index)
                    defer { log.end() }
                    if index == 37 { usleep(2000) }
                    if failing.contains(index) { throw Failure(index: index) }
                }
            }
            let ran = Set(log.items)
            #expect(ran.isSuperset(of: 0...37))
        }
    }

    @Test func laterItemsAreSkippedAfterAFailure() {
        let log = Log()
        #expect(throws: Failure(index: 0)) {
            try ParallelLoop.forEach(10_000, workers: 2) { (index: Int) throws(Failure) in
                log.begin(index)
                defer { log.end() }
                if index == 0 {
                    usleep(1000)
                    throw Failure(index: 0)
                }
                usleep(10)
            }
        }
        #expect(log.items.count < 10_000)
        let dispatched = Log()
        #expect(throws: Failure(index: 0)) {
            try ParallelLoop.forEach(100_000) { (index: Int) throws(Failure) in
                dispatched.begin(index)
                defer { dispatched.end() }
                if index == 0 { throw Failure(index: 0) }
                usleep(1)
            }
        }
        #expect(dispatched.items.count < 100_000)
    }

    @Test(arguments: [nil, 1, 3] as [Int?])
    func finishAllRunsEveryItem(workers: Int?) {
        let log = Log()
        #expect(throws: Failure(index: 5)) {
            _ = try ParallelLoop.map(200, workers: workers, onFailure: .finishAll) { (index: Int) throws(Failure) -> Int in
                log.begin(index)
                defer { log.end() }
                if index % 5 == 0, index > 0 { throw Failure(index: index) }
                return index
            }
        }
        #expect(log.items.sorted() == Array(0..<200))
    }

    @Test func untypedBodiesRethrowAnyError() {
        struct Other: Error {}
        #expect(throws: Other.self) {
            try ParallelLoop.forEach([1, 2, 3]) { (item: Int) throws in if item == 2 { throw Other() } }
        }
        // A body that cannot throw needs no `try`.
        let doubled = ParallelLoop.map(4) { $0 * 2 }
        #expect(doubled == [0, 2, 4, 6])
    }

    /// More items than workers and than the window: consumed exactly once each, in order, never two
    /// at once; no more than `window` items produced ahead of the consumer; worker numbers in range.
    @Test(arguments: [(1, 1), (2, 3), (3, 64), (8, 5)])
    func orderedConsumptionAndBoundedMemory(workers: Int, window: Int) throws {
        let count = 300
        let lock = NSLock()
        nonisolated(unsafe) var consumed: [Int] = []
        nonisolated(unsafe) var produced = 0
        nonisolated(unsafe) var mostAhead = 0
        nonisolated(unsafe) var consuming = false
        nonisolated(unsafe) var overlapped = false
        nonisolated(unsafe) var badWorker = false
        try ParallelLoop.forEachInOrder(
            count, workers: workers, window: window,
            produce: { (index: Int, worker: Int) throws(Failure) -> Int in
                Self.spin(index)
                lock.withLock {
                    if !(0..<workers).contains(worker) { badWorker = true }
                    produced += 1
                    mostAhead = max(mostAhead, produced - consumed.count)
                }
                return index * 3
            },
            consume: { (index: Int, value: Int) throws(Failure) in
                lock.withLock {
                    if consuming { overlapped = true }
                    consuming = true
                }
                Self.spin(index / 2)
                lock.withLock {
                    consumed.append(value / 3)
                    consuming = false
                }
            })
        #expect(consumed == Array(0..<count))
        #expect(mostAhead <= window)
        #expect(!overlapped)
        #expect(!badWorker)
    }

    @Test(arguments: [1, 2, 4])
    func orderedFailureStopsAtTheFailingItem(workers: Int) {
        for failAtConsume in [false, true] {
            let lock = NSLock()
            nonisolated(unsafe) var consumed: [Int] = []
            #expect(throws: Failure(index: 41)) {
                try ParallelLoop.forEachInOrder(
                    200, workers: workers, window: 16,
                    produce: { (index: Int, _: Int) throws(Failure) -> Int in
                        if !failAtConsume, index == 41 || index == 90 { throw Failure(index: index) }
                        return index
                    },
                    consume: { (index: Int, _: Int) throws(Failure) in
                        if failAtConsume, index == 41 { throw Failure(index: index) }
                        lock.withLock { consumed.append(index) }
                    })
            }
            #expect(consumed == Array(0..<41), "failing in \(failAtConsume ? "consume" : "produce")")
        }
    }
}
