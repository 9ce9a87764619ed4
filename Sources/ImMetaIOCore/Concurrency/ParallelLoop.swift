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
