import Dispatch

/// Runs async work from synchronous code and waits for it: for synchronous APIs over async
/// stores (object storage).
///
/// The work runs on threads of its own, not on Swift's cooperative pool nor on Dispatch's: a
/// caller that blocks a thread of either while waiting (an encoder waiting for room in an upload
/// queue) cannot starve the work it waits for.
public enum BlockingWait {
    private final class Box<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }

    /// Runs `body` on ``BlockingWait``'s executor and waits for its result (or error).
    public static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        let work: @Sendable () async -> Void = {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            done.signal()
        }
        detach(work)
        done.wait()
        // The semaphore orders the detached task's write before this read.
        guard let result = box.result else { throw ImMetaIOError(.io, "an asynchronous store operation ended without a result") }
        return try result.get()
    }

    /// Runs `operation` with its child tasks preferring ``BlockingWait``'s threads, where code
    /// may block and compute (on a macOS before 15, where task executors do not exist, as is).
    package static func preferringOwnThreads<T: Sendable>(_ operation: @Sendable () async throws -> T) async throws -> T {
        if #available(macOS 15.0, *) {
            return try await withTaskExecutorPreference(BlockingWaitExecutor.shared, operation: operation)
        }
        return try await operation()
    }

    /// Whether the caller runs on one of ``BlockingWait``'s threads (where work may block and
    /// compute without holding up Swift's cooperative pool).
    package static var isOnOwnThread: Bool {
        if #available(macOS 15.0, *) { return BlockingWaitExecutor.isWorkerThread }
        return false
    }

    /// Starts `work` on its own executor, not the cooperative pool, without waiting.
    public static func detach(_ work: @escaping @Sendable () async -> Void) {
        if #available(macOS 15.0, *) {
            Task.detached(executorPreference: BlockingWaitExecutor.shared) { await work() }
        } else {
            Task.detached { await work() }
        }
    }
}
