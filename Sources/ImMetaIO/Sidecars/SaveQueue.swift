import Foundation

/// Runs non-blocking saves on dedicated threads, bounds the memory they hold, and reports their
/// failures at the next wait.
///
/// `save(…, nonblocking: true)` hands its job here and returns at once; the image is not copied
/// (the job holds a copy-on-write reference). When the pending images exceed
/// ``maxPendingBytes``, the caller waits until enough of them are written. Encoding runs on the
/// queue's own threads, never on Swift's cooperative thread pool, so a burst of saves cannot
/// stall other tasks. Saves still pending when the process exits normally are completed first.
///
/// `@unchecked Sendable`: all mutable state is guarded by `condition`.
public final class SaveQueue: @unchecked Sendable {
    /// The queue `save(…, nonblocking: true)` uses.
    public static let shared = SaveQueue()

    private let condition = NSCondition()
    private var jobs: [(bytes: Int, work: @Sendable () throws -> Void)] = []
    private var pendingBytes = 0
    private var running = 0
    private var threads = 0
    private var failures: [any Error] = []
    private var waiters: [CheckedContinuation<[any Error], Never>] = []
    private var _maxPendingBytes: Int
    private var _workerCount: Int

    /// Creates a queue; `shared` is the one saves use.
    public init(maxPendingBytes: Int = 512 << 20, workerCount: Int = ProcessInfo.processInfo.activeProcessorCount) {
        _maxPendingBytes = maxPendingBytes
        _workerCount = max(1, workerCount)
        if Self.exitHookInstalled.compareExchange() {
            atexit { SaveQueue.shared.finishAtExit() }
        }
    }

    /// The most bytes of image data pending saves may hold before `save` waits (default 512 MiB).
    /// One image larger than the bound is still accepted when nothing else is pending.
    public var maxPendingBytes: Int {
        get { condition.withLock { _maxPendingBytes } }
        set {
            condition.withLock {
                _maxPendingBytes = max(0, newValue)
                condition.broadcast()
            }
        }
    }

    /// How many threads encode in parallel (default: the number of active cores).
    public var workerCount: Int {
        get { condition.withLock { _workerCount } }
        set { condition.withLock { _workerCount = max(1, newValue) } }
    }

    /// Bytes held by saves not yet on disk.
    public var pendingByteCount: Int { condition.withLock { pendingBytes } }

    /// Queues `work`, which holds `bytes` of image data; waits first while the bound is exceeded.
    public func submit(holding bytes: Int, _ work: @escaping @Sendable () throws -> Void) {
        condition.lock()
        while pendingBytes > 0, pendingBytes + bytes > _maxPendingBytes { condition.wait() }
        pendingBytes += bytes
        jobs.append((bytes, work))
        if threads < _workerCount, threads < jobs.count + running {
            threads += 1
            let thread = Thread { [self] in self.workLoop() }
            thread.name = "immetaio.save"
            thread.start()
        }
        condition.signal()
        condition.unlock()
    }

    private func workLoop() {
        condition.lock()
        while true {
            while jobs.isEmpty {
                // Idle threads exit after a while so a finished burst leaves none behind.
                if !condition.wait(until: Date(timeIntervalSinceNow: 2)), jobs.isEmpty {
                    threads -= 1
                    condition.unlock()
                    return
                }
            }
            let job = jobs.removeFirst()
            running += 1
            condition.unlock()
            var failure: (any Error)?
            do { try job.work() } catch { failure = error }
            condition.lock()
            running -= 1
            pendingBytes -= job.bytes
            if let failure { failures.append(failure) }
            resumeWaitersIfIdle()
            condition.broadcast()
        }
    }

    /// Must hold the lock.
    private func resumeWaitersIfIdle() {
        guard jobs.isEmpty, running == 0, !waiters.isEmpty else { return }
        let collected = failures
        failures = []
        for waiter in waiters { waiter.resume(returning: collected) }
        waiters = []
    }

    /// Blocks until every queued save is on disk, then throws the failures since the last wait.
    /// - Throws: ``SaveFailures`` listing every failed save.
    public func wait() throws {
        condition.lock()
        while !jobs.isEmpty || running > 0 { condition.wait() }
        let collected = failures
        failures = []
        condition.unlock()
        if !collected.isEmpty { throw SaveFailures(errors: collected) }
    }

    /// Suspends (without blocking a thread) until every queued save is on disk, then throws the
    /// failures since the last wait.
    /// - Throws: ``SaveFailures`` listing every failed save.
    public func wait() async throws {
        let collected: [any Error] = await withCheckedContinuation { continuation in
            condition.lock()
            if jobs.isEmpty, running == 0 {
                let collected = failures
                failures = []
                condition.unlock()
                continuation.resume(returning: collected)
            } else {
                waiters.append(continuation)
                condition.unlock()
            }
        }
        if !collected.isEmpty { throw SaveFailures(errors: collected) }
    }

    /// Completes pending saves when the process exits; failures nobody waited for are printed.
    private func finishAtExit() {
        do {
            try wait()
        } catch {
            FileHandle.standardError.write(Data("immetaio: saves failed before exit: \(error)\n".utf8))
        }
    }

    /// Set once, the first time any queue is made, so the exit hook is installed once.
    private static let exitHookInstalled = OnceFlag()
}

/// The failures of background saves, reported together by `SaveQueue.wait()`.
public struct SaveFailures: Error, CustomStringConvertible {
    /// Every failure since the last wait, in completion order.
    public var errors: [any Error]

    public var description: String {
        "\(errors.count) save\(errors.count == 1 ? "" : "s") failed: " + errors.map { "\($0)" }.joined(separator: "; ")
    }
}

/// A flag that is set exactly once across threads.
final class OnceFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false

    /// Sets the flag; true for the one caller that set it.
    func compareExchange() -> Bool {
        lock.withLock {
            if set { return false }
            set = true
            return true
        }
    }
}

/// Waits for every non-blocking save, then throws the failures since the last wait.
public func waitSaves() throws { try SaveQueue.shared.wait() }

/// Waits (suspending, not blocking) for every non-blocking save, then throws the failures since
/// the last wait.
public func waitSaves() async throws { try await SaveQueue.shared.wait() }
