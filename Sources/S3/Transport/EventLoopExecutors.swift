import NIOCore
import NIOPosix

/// An HTTP client's event loops, each also a task executor: jobs enqueued on one run on its
/// thread, where they must not block.
final class EventLoopExecutors: Sendable {
    private let loops: [any EventLoop]

    init(_ group: any EventLoopGroup) { loops = Array(group.makeIterator()) }

    /// One executor per loop (cheap wrappers, made for each read that asks).
    @available(macOS 15.0, *)
    var executors: [any TaskExecutor] { loops.map { EventLoopTaskExecutor(loop: $0) } }

    /// The loop the caller runs on, when it is one of these.
    func current() -> (any EventLoop)? {
        guard let current = MultiThreadedEventLoopGroup.currentEventLoop else { return nil }
        return loops.first { $0 === current }
    }
}

/// An event loop as a task executor.
@available(macOS 15.0, *)
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
