import Dispatch
import Foundation
import Testing

@testable import ImMetaIOCore

/// ``BlockingWait`` runs its work on threads of its own, so that synchronous callers that block
/// Dispatch's or the cooperative pool's threads (encoders waiting for upload room) cannot
/// starve the work they wait for; its executor grows when jobs block and shrinks when idle.
@Suite struct BlockingWaitTests {
    /// Whether the caller runs on a thread of ``BlockingWaitExecutor`` (a synchronous check,
    /// allowed from async code).
    static func onWorkerThread() -> Bool { BlockingWaitExecutor.isWorkerThread }

    static func nested(_ depth: Int) throws -> Int {
        guard depth > 0 else { return 1 }
        return try BlockingWait.run {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try nested(depth - 1) } }
                return try await group.reduce(0, +)
            }
        }
    }

    @Test func workRunsOnTheExecutorsOwnThreads() throws {
        guard #available(macOS 15.0, *) else { return }
        let onWorkers = try BlockingWait.run {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        await Task.yield()
                        return Self.onWorkerThread()
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) } + [Self.onWorkerThread()]
            }
        }
        #expect(onWorkers == Array(repeating: true, count: 9))
        #expect(!BlockingWaitExecutor.isWorkerThread)
    }

    /// Every Dispatch worker blocked until the waited-for work has run: the work must not
    /// need one of them.
    @Test func workProceedsWhileDispatchWorkersAreBlocked() throws {
        guard #available(macOS 15.0, *) else { return }
        let blockers = ProcessInfo.processInfo.activeProcessorCount * 2
        let release = DispatchSemaphore(value: 0)
        let blocked = DispatchGroup()
        for _ in 0..<blockers {
            blocked.enter()
            DispatchQueue.global().async {
                release.wait()
                blocked.leave()
            }
        }
        defer {
            for _ in 0..<blockers { release.signal() }
            blocked.wait()
        }
        let threads = try BlockingWait.run {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<32 {
                    group.addTask {
                        await Task.yield()
                        return Self.onWorkerThread()
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
        }
        #expect(threads == 32)
    }

    /// Work that itself blocks in ``BlockingWait/run(_:)`` (sync code over an async store, called
    /// from async code) gets new threads instead of deadlocking the executor.
    @Test func nestedBlockingWaitsComplete() throws {
        #expect(try Self.nested(3) == 64)
    }

    @Test func errorsReachTheCaller() {
        struct Expected: Error {}
        #expect(throws: Expected.self) { try BlockingWait.run { () async throws -> Int in throw Expected() } }
    }

    /// Threads start as jobs arrive and end after the idle lifetime.
    @Test func idleThreadsEnd() async throws {
        guard #available(macOS 15.0, *) else { return }
        let executor = BlockingWaitExecutor(idleLifetime: 0.05)
        // While a job runs, the executor has a thread running it.
        let ran = try await withTaskExecutorPreference(executor) {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<4 { group.addTask { await Task.yield(); return executor.threadCount >= 1 && Self.onWorkerThread() } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
        }
        #expect(ran == 4)
        let deadline = Date(timeIntervalSinceNow: 10)
        while executor.threadCount > 0, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(executor.threadCount == 0)
    }
}
