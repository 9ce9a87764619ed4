import AsyncHTTPClient
import Foundation
import ImMetaIOCore
import NIOHTTP1

/// An S3 client for one bucket: objects read whole or by range, written, deleted, listed (with
/// `/` as delimiter to list a "folder"'s children), multipart uploads and presigned URLs.
///
/// Requests are signed with AWS Signature V4 (or sent unsigned without credentials), retried on
/// transient failures per ``S3Configuration/retryPolicy``, and bounded in time per attempt by
/// ``S3Configuration/requestTimeout``. Failures are `ImMetaIOError`s naming the
/// `s3://bucket/key` URL and S3's error code and message; missing objects are `nil`, not
/// errors. A client is `Sendable`: use one from many tasks at once (a task group reading
/// chunks); all clients without an HTTP client of their own share one connection pool.
///
/// ```swift
/// let client = try S3Client(bucket: "my-bucket", configuration: .fromEnvironment())
/// try await client.putObject("data/zarr.json", Array(json.utf8))
/// let tail = try await client.getObject("data/c/0", range: .suffix(length: 16))
/// ```
public final class S3Client: Sendable {
    let transport: S3Transport

    /// The bucket this client reads and writes.
    public var bucket: String { transport.bucket }
    /// The configuration the client was made with.
    public var configuration: S3Configuration { transport.configuration }

    /// Creates a client for `bucket`.
    ///
    /// - Parameters:
    ///   - bucket: The bucket's name.
    ///   - configuration: Region, endpoint, credentials, retries, timeouts.
    ///   - httpClient: An HTTP client to send requests with, which its owner shuts down; by
    ///     default a process-wide one that allows 64 connections per host.
    /// - Throws: `ImMetaIOError` with `.invalidArgument` for an invalid bucket
    ///   name, region or endpoint.
    public init(bucket: String, configuration: S3Configuration = S3Configuration(), httpClient: HTTPClient? = nil)
        throws(ImMetaIOError)
    {
        transport = try S3Transport(bucket: bucket, configuration: configuration, httpClient: httpClient)
    }

    /// The `s3://bucket/key` URL of `key`.
    public func s3URL(for key: String) -> String { transport.s3URL(key) }

    // MARK: Objects

    /// The object under `key`, or part of it; `nil` when there is no such object.
    ///
    /// A range that starts at or past the end gives an empty array; one that reaches past it is
    /// clipped.
    public func getObject(_ key: String, range: S3ByteRange? = nil) async throws -> [UInt8]? {
        switch try await getObject(key, range: range, ifMatch: nil) {
        case .object(let bytes, _): bytes
        case .missing: nil
        case .changed: throw ImMetaIOError(.io, "GetObject failed: a precondition that was not asked for", file: s3URL(for: key))
        }
    }

    /// As ``getObject(_:range:)``, with the object's entity tag; with `ifMatch`, only while the
    /// object still has that tag (S3's `If-Match`), else ``S3TaggedRead/changed``. A response
    /// that names another tag counts as changed too, in case a server ignores `If-Match`.
    public func getObject(_ key: String, range: S3ByteRange? = nil, ifMatch: String?) async throws -> S3TaggedRead {
        try validate(key: key)
        var request = S3Request(operation: "GetObject", method: .GET, key: key)
        var wanted: (offset: Int, length: Int)?
        switch range {
        case nil:
            break
        case .range(let offset, let length):
            guard offset >= 0, length >= 0 else { throw invalidRange(key, range) }
            if length == 0 { return try await emptyRead(key, ifMatch: ifMatch) }
            let (end, overflow) = offset.addingReportingOverflow(length - 1)
            request.headers.append(("Range", "bytes=\(offset)-\(overflow ? Int.max : end)"))
            wanted = (offset, length)
        case .suffix(let length):
            guard length >= 0 else { throw invalidRange(key, range) }
            if length == 0 { return try await emptyRead(key, ifMatch: ifMatch) }
            request.headers.append(("Range", "bytes=-\(length)"))
            wanted = (-1, length)
        }
        if let ifMatch { request.headers.append(("If-Match", ifMatch)) }
        let response = try await transport.send(request)
        let tag = response.header("ETag")
        // A server that ignores If-Match still names the object's tag: a different one is a change.
        if let ifMatch, let tag, tag != ifMatch, response.status == 200 || response.status == 206 { return .changed }
        switch response.status {
        case 206:
            return .object(response.body, eTag: tag)
        case 200:
            // A server that ignores Range sends the whole object: cut the part out here.
            guard let wanted else { return .object(response.body, eTag: tag) }
            let body = response.body
            if wanted.offset < 0 { return .object(Array(body.suffix(wanted.length)), eTag: tag) }
            let start = min(wanted.offset, body.count)
            return .object(Array(body[start..<(start + min(wanted.length, body.count - start))]), eTag: tag)
        case 404:
            if S3ErrorResponse(status: 404, body: response.body).code == "NoSuchBucket" {
                throw transport.failure(request, response)
            }
            return ifMatch == nil ? .missing : .changed
        case 412 where ifMatch != nil:
            return .changed
        case 416:
            return .object([], eTag: tag)  // the range starts at or past the end
        default:
            throw transport.failure(request, response)
        }
    }

    /// An empty range: S3 has no empty Range header, so a HEAD request tells existence and tag.
    private func emptyRead(_ key: String, ifMatch: String?) async throws -> S3TaggedRead {
        guard let info = try await headObject(key) else { return ifMatch == nil ? .missing : .changed }
        if let ifMatch, info.eTag != ifMatch { return .changed }
        return .object([], eTag: info.eTag)
    }

    /// The size and tags of the object under `key`, or `nil` when there is none.
    public func headObject(_ key: String) async throws -> S3ObjectInfo? {
        try validate(key: key)
        let request = S3Request(operation: "HeadObject", method: .HEAD, key: key)
        let response = try await transport.send(request)
        if response.status == 404 { return nil }
        guard response.isSuccess else { throw transport.failure(request, response) }
        guard let size = response.header("Content-Length").flatMap(Int.init) else {
            throw transport.malformed(request, "no Content-Length")
        }
        return S3ObjectInfo(
            size: size, eTag: response.header("ETag"), lastModified: response.header("Last-Modified"),
            contentType: response.header("Content-Type"))
    }

    /// Stores `bytes` under `key`, replacing any previous object as one step.
    ///
    /// - Returns: The new object's entity tag, when the server sends one.
    @discardableResult
    public func putObject(_ key: String, _ bytes: [UInt8], contentType: String? = nil) async throws -> String? {
        try validate(key: key)
        var request = S3Request(operation: "PutObject", method: .PUT, key: key, body: bytes)
        if let contentType { request.headers.append(("Content-Type", contentType)) }
        let response = try await transport.send(request)
        guard response.isSuccess else { throw transport.failure(request, response) }
        return response.header("ETag")
    }

    /// Deletes the object under `key` (nothing happens when there is none).
    public func deleteObject(_ key: String) async throws {
        try validate(key: key)
        let request = S3Request(operation: "DeleteObject", method: .DELETE, key: key)
        let response = try await transport.send(request)
        guard response.isSuccess || S3ErrorResponse(status: response.status, body: response.body).code == "NoSuchKey"
        else { throw transport.failure(request, response) }
    }

    /// The `s3://` URL and message of a range that cannot be asked for.
    private func invalidRange(_ key: String, _ range: S3ByteRange?) -> ImMetaIOError {
        ImMetaIOError(.invalidArgument, "the byte range \(String(describing: range)) is negative", file: s3URL(for: key))
    }

    /// Keys are 1 to 1,024 bytes of UTF-8, as S3 limits them.
    func validate(key: String) throws(ImMetaIOError) {
        guard !key.isEmpty, key.utf8.count <= 1024 else {
            throw ImMetaIOError(
                .invalidArgument, "an S3 key must have 1 to 1024 bytes, not \(key.utf8.count)", file: s3URL(for: key))
        }
    }
}
