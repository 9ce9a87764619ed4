import Dispatch

/// Runs async work from synchronous code and waits for it: for synchronous APIs over async
/// stores (object storage).
///
/// The work runs on its own executor (Dispatch threads), not on Swift's cooperative pool, so a
/// caller that blocks a cooperative thread while waiting cannot starve the work it waits for.
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

    /// Starts `work` on its own executor, not the cooperative pool, without waiting.
    public static func detach(_ work: @escaping @Sendable () async -> Void) {
        if #available(macOS 15.0, *) {
            Task.detached(executorPreference: DispatchTaskExecutor.shared) { await work() }
        } else {
            Task.detached { await work() }
        }
    }
}

/// A task executor on a concurrent Dispatch queue: tasks that prefer it (and their child tasks)
/// run there instead of on the cooperative pool.
@available(macOS 15.0, *)
final class DispatchTaskExecutor: TaskExecutor {
    /// The one executor (its queue is concurrent).
    static let shared = DispatchTaskExecutor()
    private let queue = DispatchQueue(label: "immetaio.zarr.blocking-wait", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
