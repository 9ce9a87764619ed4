import AsyncHTTPClient
import Crypto
import Foundation
import ImMetaIOCore
import NIOCore
import NIOHTTP1

/// One S3 request before addressing and signing.
struct S3Request: Sendable {
    /// The API operation's name for messages (`GetObject`).
    var operation: String
    var method: HTTPMethod
    /// The object key, or `nil` for a request on the bucket.
    var key: String?
    /// Query parameters, not encoded (`("uploads", "")` for a bare sub-resource).
    var query: [(String, String)] = []
    /// Headers besides `Host` and the signature's.
    var headers: [(String, String)] = []
    var body: [UInt8] = []
    /// CompleteMultipartUpload may answer 200 with an `<Error>` body.
    var okMayCarryError = false
}

/// A response whose body has been read.
struct S3Response: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var isSuccess: Bool { (200..<300).contains(status) }
    func header(_ name: String) -> String? { headers.first(name: name) }
}

/// Sends requests: addressing, signing, the per-attempt timeout, retries with full-jitter
/// backoff and the mapping of failures to ``ImMetaIOError``.
struct S3Transport: Sendable {
    let bucket: String
    let configuration: S3Configuration
    let endpoint: S3Endpoint
    let virtualHosted: Bool
    let httpClient: HTTPClient
    /// The client's event loops as task executors (see ``S3Store/readExecutors``), shared by
    /// every transport on the same client.
    let loops: EventLoopExecutors

    /// A process-wide HTTP client: its connection pool is shared by every ``S3Client`` that is
    /// not given its own, and it lives as long as the process (so it needs no shutdown).
    /// Redirects are not followed (a signed request cannot be re-sent elsewhere) and bodies are
    /// not decompressed.
    static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(10)),
            connectionPool: .init(idleTimeout: .seconds(15), concurrentHTTP1ConnectionsPerHostSoftLimit: 64),
            decompression: .disabled)
        configuration.httpVersion = .http1Only
        // A refused connection fails the request at once; the retry policy decides what follows
        // (the pool would otherwise keep trying until the connect timeout).
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The shared client's loops.
    static let sharedLoops = EventLoopExecutors(sharedHTTPClient.eventLoopGroup)

    init(bucket: String, configuration: S3Configuration, httpClient: HTTPClient?) throws(ImMetaIOError) {
        try S3Location.validate(bucket: bucket)
        let endpoint = try configuration.resolvedEndpoint()
        self.bucket = bucket
        self.configuration = configuration
        self.endpoint = endpoint
        self.httpClient = httpClient ?? Self.sharedHTTPClient
        loops = httpClient == nil ? Self.sharedLoops : EventLoopExecutors(self.httpClient.eventLoopGroup)
        let dnsCompatible = Self.isDNSCompatible(bucket, https: endpoint.scheme == "https")
        switch configuration.addressingStyle {
        case .path: virtualHosted = false
        case .automatic: virtualHosted = endpoint.isAWS && dnsCompatible
        case .virtualHosted:
            guard dnsCompatible else {
                throw ImMetaIOError(
                    .invalidArgument, "the bucket name '\(bucket)' cannot be a host name; use path-style addressing")
            }
            virtualHosted = true
        }
    }

    /// Whether `bucket` can be the first label of a host name: 3–63 lower-case letters, digits,
    /// `-` and `.`, beginning and ending with a letter or digit, no empty label, not an IPv4
    /// address, and no `.` over HTTPS (a wildcard certificate covers one label only).
    static func isDNSCompatible(_ bucket: String, https: Bool) -> Bool {
        let bytes = Array(bucket.utf8)
        guard (3...63).contains(bytes.count), let first = bytes.first, let last = bytes.last else { return false }
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard isAlphanumeric(first), isAlphanumeric(last),
            bytes.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }),
            !bucket.contains(".."), !bucket.contains(".-"), !bucket.contains("-.")
        else { return false }
        if bucket.contains(".") {
            if https { return false }
            let labels = bucket.split(separator: ".")
            if labels.count == 4, labels.allSatisfy({ UInt8($0) != nil }) { return false }
        }
        return true
    }

    /// The `s3://bucket/key` URL that messages name.
    func s3URL(_ key: String?) -> String { "s3://\(bucket)/\(key ?? "")" }

    /// The host header and the encoded path of a request on `key` (or on the bucket).
    func address(_ key: String?) -> (host: String, path: String) {
        let encodedKey = key.map { S3URIEncoding.encode($0, keepingSlash: true) }
        if virtualHosted {
            var host = endpoint
            host.host = "\(bucket).\(endpoint.host)"
            return (host.hostHeader, endpoint.basePath + "/" + (encodedKey ?? ""))
        }
        var path = endpoint.basePath + "/" + S3URIEncoding.encode(bucket, keepingSlash: false)
        if let encodedKey { path += "/" + encodedKey }
        return (endpoint.hostHeader, path)
    }

    /// The full URL of a request (`query` already encoded, or empty).
    func url(host: String, path: String, query: String) -> String {
        "\(endpoint.scheme)://\(host)\(path)\(query.isEmpty ? "" : "?" + query)"
    }

    // MARK: Sending

    /// Sends `request`, retrying transient failures. Returns the last response, successful or
    /// not (the caller decides what a 404 means); throws when no response came.
    func send(_ request: S3Request) async throws -> S3Response {
        let policy = configuration.retryPolicy
        var attempt = 0
        while true {
            attempt += 1
            let isLast = attempt >= policy.maximumAttempts
            do {
                let response = try await sendOnce(request)
                if isLast || !isTransient(response, request) { return response }
            } catch let error as ImMetaIOError {
                throw error  // a limit or argument error: repeating it cannot help
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                if isLast || !Self.isTransient(error) {
                    throw ImMetaIOError(
                        .io, "\(request.operation) failed after \(attempt) attempt\(attempt == 1 ? "" : "s"): \(Self.describe(error))",
                        file: s3URL(request.key), underlying: error)
                }
            }
            try await Task.sleep(for: policy.delay(beforeRetry: attempt - 1))
        }
    }

    private func isTransient(_ response: S3Response, _ request: S3Request) -> Bool {
        if response.isSuccess {
            guard request.okMayCarryError, let root = S3XML.parse(response.body), root.name == "Error" else { return false }
            return S3ErrorResponse(status: 500, body: response.body).isTransient
        }
        return S3ErrorResponse(status: response.status, body: response.body).isTransient
    }

    /// Connection failures, early closes and timeouts are worth another attempt; malformed URLs
    /// are not.
    static func isTransient(_ error: any Error) -> Bool {
        if error is S3AttemptTimeout { return true }
        if let error = error as? HTTPClientError {
            let permanent: [HTTPClientError] = [
                .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath, .bodyLengthMismatch, .cancelled,
            ]
            return !permanent.contains(error)
        }
        return true
    }

    /// A readable cause without request details (which would include the signature).
    static func describe(_ error: any Error) -> String {
        if let timeout = error as? S3AttemptTimeout { return "no complete response within \(timeout.duration)" }
        return String(describing: error)
    }

    /// One attempt, bounded by the request timeout from sending to the body's last byte.
    private func sendOnce(_ request: S3Request) async throws -> S3Response {
        let (host, path) = address(request.key)
        var headers = request.headers
        headers.append(("Host", host))
        let query = SigV4Signer.canonicalQuery(request.query)
        if let credentials = configuration.credentials {
            let payloadHash = configuration.signsPayload || endpoint.scheme == "http"
                ? S3URIEncoding.hex(SHA256.hash(data: request.body)) : SigV4Signer.unsignedPayload
            SigV4Signer(credentials: credentials, region: configuration.region).signHeaders(
                method: request.method.rawValue, path: path, query: request.query, headers: &headers,
                payloadHash: payloadHash, date: Date())
        }
        var httpHeaders = HTTPHeaders()
        for (name, value) in headers { httpHeaders.add(name: name, value: value) }
        let hasBody = request.method == .PUT || request.method == .POST
        let httpRequest = try HTTPClient.Request(
            url: url(host: host, path: path, query: query), method: request.method, headers: httpHeaders,
            body: hasBody ? .bytes(request.body) : nil)
        // The delegate API runs the whole exchange on the connection's event loop and hands over
        // the complete response once (the streaming API hops threads for every part of a body),
        // and its deadline bounds the exchange to the body's last byte.
        let collector = S3ResponseCollector(
            operation: request.operation, readsBody: request.method != .HEAD, limit: configuration.maximumResponseSize,
            s3url: s3URL(request.key))
        let timeout = configuration.requestTimeout
        let nanoseconds = Self.nanoseconds(timeout)
        let deadline: NIODeadline = nanoseconds > Int64.max / 2 ? .distantFuture : .now() + .nanoseconds(nanoseconds)
        // Sent from one of the client's loops (a read's worker there), the request stays on it:
        // its connection is that loop's, and the response resumes the worker without a hop.
        let task =
            if let loop = loops.current() {
                httpClient.execute(request: httpRequest, delegate: collector, eventLoop: .delegateAndChannel(on: loop), deadline: deadline)
            } else {
                httpClient.execute(request: httpRequest, delegate: collector, deadline: deadline)
            }
        do {
            return try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw S3AttemptTimeout(duration: timeout)
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds > Int64.max / 1_000_000_000 ? Int64.max : seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    // MARK: Failures

    /// The error for a response that reports a failure, naming the object and S3's code and message.
    func failure(_ request: S3Request, _ response: S3Response) -> ImMetaIOError {
        let details = S3ErrorResponse(
            status: response.status, body: response.body, requestIDHeader: response.header("x-amz-request-id"))
        var text = "\(request.operation) failed: \(details.summary)"
        if response.status == 301 || response.status == 307,
            let region = response.header("x-amz-bucket-region"), region != configuration.region
        {
            text += "; the bucket is in region \(region), not \(configuration.region)"
        }
        return ImMetaIOError(details.errorCode, text, file: s3URL(request.key))
    }

    /// The error for a response whose body cannot be read as the expected XML.
    func malformed(_ request: S3Request, _ what: String) -> ImMetaIOError {
        ImMetaIOError(.io, "\(request.operation) returned \(what)", file: s3URL(request.key))
    }
}

/// Collects one response on the connection's event loop: the status, the headers and the body,
/// read straight into an array of the announced size, refused past the size limit.
/// `@unchecked Sendable`: AsyncHTTPClient calls a delegate on the request's event loop, one call
/// at a time, and the state is read only after the last.
final class S3ResponseCollector: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = S3Response

    private let operation: String
    private let readsBody: Bool
    private let limit: Int
    private let s3url: String
    private var status = 0
    private var headers = HTTPHeaders()
    private var body: [UInt8] = []

    init(operation: String, readsBody: Bool, limit: Int, s3url: String) {
        self.operation = operation
        self.readsBody = readsBody
        self.limit = limit
        self.s3url = s3url
    }

    func didReceiveHead(task: HTTPClient.Task<S3Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        status = Int(head.status.code)
        headers = head.headers
        // A HEAD response's Content-Length is the object's size, not a body to read.
        if readsBody, let length = head.headers.first(name: "Content-Length").flatMap(Int.init) {
            guard length <= limit else {
                return task.eventLoop.makeFailedFuture(
                    ImMetaIOError(.limitExceeded, "the response of \(operation) has \(length) bytes, more than the limit of \(limit)", file: s3url))
            }
            // Reserved up to a bound, so that a size announced but never sent costs nothing.
            body.reserveCapacity(min(max(0, length), 64 << 20))
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<S3Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        guard buffer.readableBytes <= limit - body.count else {
            return task.eventLoop.makeFailedFuture(
                ImMetaIOError(.limitExceeded, "the response of \(operation) is larger than the limit of \(limit) bytes", file: s3url))
        }
        body.append(contentsOf: buffer.readableBytesView)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<S3Response>) throws -> S3Response {
        S3Response(status: status, headers: headers, body: body)
    }
}

/// An attempt that took longer than the request timeout.
struct S3AttemptTimeout: Error, Sendable {
    var duration: Duration
}
