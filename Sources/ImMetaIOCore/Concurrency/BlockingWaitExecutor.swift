import Foundation

/// A task executor with threads of its own, started as work arrives: a job that finds no idle
/// thread gets a new one (up to ``maximumThreads``), and a thread idle for
/// ``idleLifetime`` ends.
///
/// Dispatch's thread pool on Linux has one thread per core and adds more only when its monitor
/// notices blocked threads, about once a second. Synchronous code over async stores blocks
/// threads by design (an encoder waiting for room in an upload queue, a caller of
/// ``BlockingWait/run(_:)``); if the awaited work needed those same pools, it would stall until
/// the monitor acts. Here it never waits for a thread that some blocked caller holds.
@available(macOS 15.0, *)
final class BlockingWaitExecutor: TaskExecutor, @unchecked Sendable {
    /// The one executor, shared by every ``BlockingWait`` task.
    static let shared = BlockingWaitExecutor()

    /// Set on the executors' threads, so that code can tell it runs on one.
    private static let workerMarker: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Whether the calling thread is one of a ``BlockingWaitExecutor``'s.
    static var isWorkerThread: Bool { pthread_getspecific(workerMarker) != nil }

    /// More threads than any sane number of requests in flight; past it, jobs queue.
    let maximumThreads = 512
    /// How long a thread waits for a job before it ends.
    let idleLifetime: TimeInterval

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var threads = 0
    private var idle = 0

    init(idleLifetime: TimeInterval = 10) { self.idleLifetime = idleLifetime }

    /// The threads running now, busy or idle.
    var threadCount: Int { condition.withLock { threads } }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        let queued = jobs.count - head
        let spawns = queued > idle && threads < maximumThreads
        if spawns { threads += 1 } else { condition.signal() }
        condition.unlock()
        guard spawns else { return }
        Thread { [self] in work() }.start()
    }

    /// A thread's loop: runs queued jobs, waits for more, and ends after ``idleLifetime`` without any.
    private func work() {
        let executor = asUnownedTaskExecutor()
        pthread_setspecific(Self.workerMarker, UnsafeRawPointer(bitPattern: 1))
        condition.lock()
        while true {
            if head < jobs.count {
                let job = jobs[head]
                head += 1
                if head == jobs.count {
                    jobs.removeAll(keepingCapacity: true)
                    head = 0
                }
                condition.unlock()
                job.runSynchronously(on: executor)
                condition.lock()
                continue
            }
            idle += 1
            let signalled = condition.wait(until: Date(timeIntervalSinceNow: idleLifetime))
            idle -= 1
            if !signalled && head == jobs.count {
                threads -= 1
                condition.unlock()
                return
            }
        }
    }
}
