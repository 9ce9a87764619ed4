/// How often and how patiently a request is repeated after a transient failure: HTTP 500, 502,
/// 503, 504 or 429, the S3 error codes `SlowDown`, `RequestTimeout`, `InternalError` and the
/// throttling codes, a connection that failed or closed early, and a request that exceeded its
/// timeout.
///
/// Between attempts the client waits a random time between zero and
/// `min(maximumDelay, baseDelay × 2^retry)` ("full jitter"), so that many clients that failed
/// together do not retry together.
public struct S3RetryPolicy: Sendable, Hashable, CustomStringConvertible {
    /// The number of attempts in all, the first included (at least 1).
    public var maximumAttempts: Int
    /// The ceiling of the first wait; each retry doubles it.
    public var baseDelay: Duration
    /// The largest wait between two attempts.
    public var maximumDelay: Duration

    /// Creates a policy; `maximumAttempts` below 1 counts as 1.
    public init(maximumAttempts: Int = 5, baseDelay: Duration = .milliseconds(100), maximumDelay: Duration = .seconds(20)) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// Five attempts, waits up to 0.1 s, 0.2 s, 0.4 s, 0.8 s.
    public static let standard = S3RetryPolicy()
    /// One attempt: failures are reported at once.
    public static let none = S3RetryPolicy(maximumAttempts: 1)

    /// The wait before retry number `retry` (0 for the first retry): uniform in
    /// `0...min(maximumDelay, baseDelay × 2^retry)`.
    public func delay(beforeRetry retry: Int) -> Duration {
        let base = Double(baseDelay.components.seconds) + Double(baseDelay.components.attoseconds) * 1e-18
        let cap = Double(maximumDelay.components.seconds) + Double(maximumDelay.components.attoseconds) * 1e-18
        let ceiling = min(cap, base * Double(1 << min(max(retry, 0), 30)))
        guard ceiling > 0 else { return .zero }
        return .nanoseconds(Int64(Double.random(in: 0...ceiling) * 1e9))
    }

    /// `5 attempts, base 0.1 s, max 20 s`.
    public var description: String {
        "\(maximumAttempts) attempts, base \(baseDelay), max \(maximumDelay)"
    }
}
