import AsyncHTTPClient
import Crypto
import Foundation
import ImMetaIOCore
import S3
import Testing

/// The client against a real S3 server on loopback (SeaweedFS, see `seaweedfs.py`); skipped
/// when no server is configured.
@Suite(.enabled(if: S3TestServer.current != nil, S3TestServer.skipMessage))
struct S3IntegrationTests {
    let server: S3TestServer

    init() throws { server = try #require(S3TestServer.current) }

    @Test func putGetRangesHeadDelete() async throws {
        let client = try server.client()
        let key = S3TestServer.uniquePrefix("objects") + "dir with spaces/ünïcödé~tilde+plus=eq&%.bin"
        let data = S3TestServer.randomBytes(1000)
        let eTag = try await client.putObject(key, data, contentType: "application/octet-stream")
        #expect(eTag != nil)
        #expect(try await client.getObject(key) == data)
        #expect(try await client.getObject(key, range: .range(offset: 10, length: 20)) == Array(data[10..<30]))
        #expect(try await client.getObject(key, range: .range(offset: 990, length: 100)) == Array(data[990...]))
        #expect(try await client.getObject(key, range: .range(offset: 1000, length: 10)) == [])
        #expect(try await client.getObject(key, range: .range(offset: 5000, length: 10)) == [])
        #expect(try await client.getObject(key, range: .range(offset: 3, length: 0)) == [])
        #expect(try await client.getObject(key, range: .suffix(length: 16)) == Array(data.suffix(16)))
        #expect(try await client.getObject(key, range: .suffix(length: 5000)) == data)
        let info = try #require(try await client.headObject(key))
        #expect(info.size == 1000)
        #expect(info.eTag == eTag)
        #expect(info.contentType == "application/octet-stream")

        let missing = key + ".missing"
        #expect(try await client.getObject(missing) == nil)
        #expect(try await client.getObject(missing, range: .range(offset: 0, length: 10)) == nil)
        #expect(try await client.getObject(missing, range: .suffix(length: 10)) == nil)
        #expect(try await client.getObject(missing, range: .range(offset: 0, length: 0)) == nil)
        #expect(try await client.headObject(missing) == nil)

        try await client.deleteObject(key)
        #expect(try await client.getObject(key) == nil)
        try await client.deleteObject(key)  // deleting what is gone is no error

        let empty = key + ".empty"
        try await client.putObject(empty, [])
        #expect(try await client.getObject(empty) == [])
        #expect(try await client.headObject(empty)?.size == 0)
        try await client.deleteObject(empty)

        await #expect(throws: ImMetaIOError.self) { try await client.getObject(key, range: .range(offset: -1, length: 2)) }
        await #expect(throws: ImMetaIOError.self) { try await client.putObject("", [1]) }
    }

    /// Reads on condition of an entity tag (`If-Match`): the bytes while the object has that tag,
    /// `.changed` once it was replaced or deleted.
    @Test func conditionalReadsFollowTheEntityTag() async throws {
        let client = try server.client()
        let key = S3TestServer.uniquePrefix("if-match") + "value"
        let first = S3TestServer.randomBytes(100)
        try await client.putObject(key, first)
        let read = try await client.getObject(key, range: .suffix(length: 10), ifMatch: nil)
        guard case .object(let suffix, let tag?) = read else {
            Issue.record("no entity tag: \(read)")
            return
        }
        #expect(suffix == Array(first.suffix(10)))
        #expect(try await client.getObject(key, range: .range(offset: 5, length: 5), ifMatch: tag) == .object(Array(first[5..<10]), eTag: tag))
        #expect(try await client.getObject(key, range: .range(offset: 5, length: 0), ifMatch: tag) == .object([], eTag: tag))
        try await client.putObject(key, S3TestServer.randomBytes(100))
        #expect(try await client.getObject(key, range: .range(offset: 5, length: 5), ifMatch: tag) == .changed)
        #expect(try await client.getObject(key, range: .range(offset: 5, length: 0), ifMatch: tag) == .changed)
        try await client.deleteObject(key)
        #expect(try await client.getObject(key, range: nil, ifMatch: tag) == .changed)
        #expect(try await client.getObject(key, range: nil, ifMatch: nil) == .missing)
    }

    /// A server that ignores `If-Match` (here a proxy drops it from anonymous requests, which
    /// no signature covers) still names the object's tag: a different one is a change.
    @Test func aServerIgnoringIfMatchIsCaughtByTheTag() async throws {
        let signed = try server.client(bucket: server.publicBucket)
        let key = S3TestServer.uniquePrefix("ignored-if-match") + "value"
        let tag = try #require(try await signed.putObject(key, S3TestServer.randomBytes(100)))
        let proxy = try FaultProxy(upstreamPort: server.port, mode: .dropHeader("If-Match"))
        defer { proxy.stop() }
        let anonymous = try server.client(
            bucket: server.publicBucket, server.configuration(endpoint: "http://127.0.0.1:\(proxy.port)", credentials: .some(nil)))
        let first = try await anonymous.getObject(key, range: .range(offset: 0, length: 10), ifMatch: tag)
        guard case .object(let bytes, let seen) = first else {
            Issue.record("expected the object: \(first)")
            return
        }
        #expect(bytes.count == 10 && seen == tag)
        try await signed.putObject(key, S3TestServer.randomBytes(100))
        #expect(try await anonymous.getObject(key, range: .range(offset: 0, length: 10), ifMatch: tag) == .changed)
        try await signed.deleteObject(key)
    }

    /// A body larger than the configured limit is refused, not buffered; HEAD is not affected.
    @Test func oversizedResponsesAreRefused() async throws {
        let key = S3TestServer.uniquePrefix("limit") + "value"
        try await server.client().putObject(key, S3TestServer.randomBytes(1000))
        var configuration = server.configuration()
        configuration.maximumResponseSize = 100
        let limited = try server.client(configuration)
        let error = try await #require(throws: ImMetaIOError.self) { try await limited.getObject(key) }
        #expect(error.code == .limitExceeded)
        #expect(try await limited.getObject(key, range: .range(offset: 0, length: 100))?.count == 100)
        #expect(try await limited.headObject(key)?.size == 1000)
        try await limited.deleteObject(key)
    }

    @Test func missingBucketIsAnError() async throws {
        let client = try server.client(bucket: "immetaio-no-such-bucket-\(UUID().uuidString.prefix(8).lowercased())")
        let error = try await #require(throws: ImMetaIOError.self) { try await client.getObject("x") }
        #expect(error.code == .missingFile)
        #expect(error.message.contains("NoSuchBucket"))
    }

    /// More than 1,000 keys take two pages: the second request carries the first's token.
    @Test func listingPaginatesPastOneThousandKeys() async throws {
        let client = try server.client()
        let prefix = S3TestServer.uniquePrefix("list")
        let keys = (0..<1050).map { "\(prefix)k\(String(1_000_000 + $0).dropFirst())" }
        try await Self.forEach(keys, inFlight: 16) { try await client.putObject($0, [1, 2, 3]) }

        let first = try await client.listObjectsPage(prefix: prefix)
        #expect(first.objects.count == 1000)
        let token = try #require(first.nextContinuationToken, "a listing of 1,050 keys fits on one page")
        let second = try await client.listObjectsPage(prefix: prefix, continuationToken: token)
        #expect(second.objects.count == 50)
        #expect(second.nextContinuationToken == nil)
        #expect(first.objects.map(\.key) + second.objects.map(\.key) == keys)
        #expect(first.objects.allSatisfy { $0.size == 3 })

        let all = try await client.listObjects(prefix: prefix)
        #expect(all.keys == keys)
        #expect(all.pageCount == 2)
        let small = try await client.listObjectsPage(prefix: prefix, maximumKeys: 7)
        #expect(small.objects.count == 7)
        #expect(small.nextContinuationToken != nil)

        try await client.deleteObjects(keys)
        #expect(try await client.listObjects(prefix: prefix).keys.isEmpty)
    }

    /// With `/` as delimiter a group's children come back without the chunks below them.
    @Test func delimiterListsChildren() async throws {
        let client = try server.client()
        let group = S3TestServer.uniquePrefix("group")
        let keys = [
            "zarr.json", "a/zarr.json", "a/c/0/0", "a/c/0/1", "b b+c/zarr.json", "b b+c/c/0", "ü/zarr.json",
        ].map { group + $0 }
        try await Self.forEach(keys, inFlight: 8) { try await client.putObject($0, Array($0.utf8)) }
        let listing = try await client.listObjects(prefix: group, delimiter: "/")
        #expect(listing.keys == [group + "zarr.json"])
        #expect(listing.commonPrefixes.sorted() == [group + "a/", group + "b b+c/", group + "ü/"])
        let inner = try await client.listObjects(prefix: group + "a/", delimiter: "/")
        #expect(inner.keys == [group + "a/zarr.json"])
        #expect(inner.commonPrefixes == [group + "a/c/"])
        #expect(try await client.listObjects(prefix: group).keys.sorted() == keys.sorted())
        try await client.deleteObjects(keys)
    }

    @Test func multipartWriterUploadsPartsAsBytesCome() async throws {
        let client = try server.client()
        let key = S3TestServer.uniquePrefix("multipart") + "big.bin"
        let data = S3TestServer.randomBytes(12 << 20 + 123)
        let upload = try client.multipartUpload(key, partSize: S3Client.minimumPartSize, maximumConcurrentParts: 2)
        var offset = 0
        while offset < data.count {
            let end = min(offset + (1 << 20) + 7, data.count)
            try await upload.write(data[offset..<end])
            offset = end
            if offset < S3Client.minimumPartSize { #expect(await upload.uploadID == nil) }
        }
        #expect(await upload.uploadID != nil)
        try await upload.complete()
        #expect(await upload.partsStarted == 3)
        #expect(await upload.bytesWritten == data.count)
        let stored = try #require(try await client.getObject(key))
        #expect(stored.count == data.count)
        #expect(SHA256.hash(data: stored) == SHA256.hash(data: data))
        #expect(try await client.getObject(key, range: .range(offset: 5 << 20, length: 4)) == Array(data[(5 << 20)..<((5 << 20) + 4)]))
        await #expect(throws: ImMetaIOError.self) { try await upload.write([1]) }

        // Less than a part: one PutObject, no upload.
        let small = try client.multipartUpload(key + ".small")
        try await small.write([1, 2, 3])
        try await small.complete()
        #expect(await small.uploadID == nil)
        #expect(try await client.getObject(key + ".small") == [1, 2, 3])
        try await client.deleteObjects([key, key + ".small"])
        #expect(throws: ImMetaIOError.self) { try client.multipartUpload(key, partSize: 1 << 20) }
    }

    @Test func multipartCallsAndAbort() async throws {
        let client = try server.client()
        let key = S3TestServer.uniquePrefix("parts") + "object"
        let part1 = S3TestServer.randomBytes(S3Client.minimumPartSize)
        let part2 = S3TestServer.randomBytes(1000)
        let uploadID = try await client.createMultipartUpload(key)
        let first = try await client.uploadPart(key, uploadID: uploadID, partNumber: 1, part1)
        let second = try await client.uploadPart(key, uploadID: uploadID, partNumber: 2, part2)
        #expect(try await client.getObject(key) == nil)  // nothing until completion
        try await client.completeMultipartUpload(key, uploadID: uploadID, parts: [second, first])
        #expect(try await client.getObject(key) == part1 + part2)

        let abandoned = try await client.createMultipartUpload(key + ".aborted")
        _ = try await client.uploadPart(key + ".aborted", uploadID: abandoned, partNumber: 1, part2)
        try await client.abortMultipartUpload(key + ".aborted", uploadID: abandoned)
        #expect(try await client.getObject(key + ".aborted") == nil)

        // A writer that is aborted leaves nothing behind.
        let writer = try client.multipartUpload(key + ".writer")
        try await writer.write(S3TestServer.randomBytes(9 << 20))
        #expect(await writer.uploadID != nil)
        await writer.abort()
        #expect(try await client.getObject(key + ".writer") == nil)
        await #expect(throws: ImMetaIOError.self) { try await writer.complete() }
        try await client.deleteObject(key)
    }

    @Test func presignedURLWorksWithAPlainHTTPClient() async throws {
        let client = try server.client()
        let key = S3TestServer.uniquePrefix("presign") + "a b/ü~+.txt"
        let data = Array("presigned".utf8)
        try await client.putObject(key, data)
        let url = try client.presignedGetURL(key, expiresIn: .seconds(300))
        let (status, body) = try await Self.plainGet(url)
        #expect(status == 200)
        #expect(body == data)
        // A changed signature, or an URL whose time has passed, is refused.
        let tampered = String(url.dropLast()) + (url.hasSuffix("0") ? "1" : "0")
        #expect(try await Self.plainGet(tampered).status == 403)
        let expired = try client.presignedGetURL(key, expiresIn: .seconds(60), date: Date().addingTimeInterval(-3600))
        #expect(try await Self.plainGet(expired).status == 403)
        try await client.deleteObject(key)
    }

    @Test func anonymousAndSignedAccess() async throws {
        let signed = try server.client(bucket: server.publicBucket)
        let key = S3TestServer.uniquePrefix("public") + "readme.txt"
        try await signed.putObject(key, Array("public".utf8))
        let anonymousConfiguration = server.configuration(credentials: .some(nil))
        #expect(anonymousConfiguration.isAnonymous)
        let anonymousPublic = try server.client(bucket: server.publicBucket, anonymousConfiguration)
        #expect(try await anonymousPublic.getObject(key) == Array("public".utf8))
        #expect(try await anonymousPublic.listObjects(prefix: key).keys == [key])
        await #expect(throws: ImMetaIOError.self) { try await anonymousPublic.putObject(key + ".2", [1]) }

        let anonymousPrivate = try server.client(anonymousConfiguration)
        let denied = try await #require(throws: ImMetaIOError.self) { try await anonymousPrivate.getObject("anything") }
        #expect(denied.code == .io)
        #expect(denied.message.contains("403"))

        let wrongSecret = S3Credentials(accessKeyID: server.credentials.accessKeyID, secretAccessKey: "not-the-secret-\(UUID())")
        let forged = try server.client(server.configuration(credentials: .some(wrongSecret)))
        let refused = try await #require(throws: ImMetaIOError.self) { try await forged.getObject("anything") }
        #expect(refused.message.contains("SignatureDoesNotMatch"))
        #expect(!"\(refused)".contains(wrongSecret.secretAccessKey))
        try await signed.deleteObject(key)
    }

    /// Many requests in flight through one client (and the shared connection pool).
    @Test func concurrentRequests() async throws {
        let client = try server.client()
        let prefix = S3TestServer.uniquePrefix("concurrent")
        let keys = (0..<300).map { "\(prefix)\($0)" }
        try await Self.forEach(keys, inFlight: 32) { try await client.putObject($0, Array($0.utf8)) }
        try await Self.forEach(keys, inFlight: 32) { key in
            let value = try await client.getObject(key)
            #expect(value == Array(key.utf8))
        }
        try await client.deleteObjects(keys)
    }

    /// Keys go out encoded segment by segment and never normalised (`//`, `.` and `..` stay).
    @Test func keysAreSentAsTheyAre() async throws {
        let proxy = try FaultProxy(upstreamPort: server.port, mode: .forward)
        defer { proxy.stop() }
        let client = try server.client(server.configuration(endpoint: "http://127.0.0.1:\(proxy.port)"))
        // SeaweedFS refuses dot segments (400 InvalidRequest); what matters is what was sent.
        _ = try? await client.getObject("dots/a//b/./c/../d e+f~ü")
        #expect(proxy.receivedRequestLines == ["GET /\(server.bucket)/dots/a//b/./c/../d%20e%2Bf~%C3%BC HTTP/1.1"])
    }

    // MARK: Failures

    @Test func slowDownIsRetried() async throws {
        let key = S3TestServer.uniquePrefix("retry") + "value"
        try await server.client().putObject(key, [7, 7, 7])
        let proxy = try FaultProxy(upstreamPort: server.port, mode: .slowDown(2))
        defer { proxy.stop() }
        let retrying = try server.client(
            server.configuration(endpoint: "http://127.0.0.1:\(proxy.port)", retryPolicy: .init(maximumAttempts: 4, baseDelay: .milliseconds(10))))
        #expect(try await retrying.getObject(key) == [7, 7, 7])
        #expect(proxy.requestCount == 3)

        let impatient = try FaultProxy(upstreamPort: server.port, mode: .slowDown(5))
        defer { impatient.stop() }
        let giving = try server.client(
            server.configuration(endpoint: "http://127.0.0.1:\(impatient.port)", retryPolicy: .init(maximumAttempts: 2, baseDelay: .milliseconds(10))))
        let error = try await #require(throws: ImMetaIOError.self) { try await giving.getObject(key) }
        #expect(error.code == .io)
        #expect(error.message.contains("SlowDown"))
        #expect(impatient.requestCount == 2)
        try await server.client().deleteObject(key)
    }

    /// A server that dies while a body is being sent: an error after the configured attempts,
    /// not a hang. (Wall-clock bounds are loose: beside the whole suite the cooperative threads
    /// are busy with other tests for minutes, which delays every await here.)
    @Test(.timeLimit(.minutes(10))) func serverStoppedMidWriteIsReported() async throws {
        let proxy = try FaultProxy(upstreamPort: server.port, mode: .dropMidRequest)
        defer { proxy.stop() }
        let client = try server.client(
            server.configuration(
                endpoint: "http://127.0.0.1:\(proxy.port)", retryPolicy: .init(maximumAttempts: 3, baseDelay: .milliseconds(50)),
                requestTimeout: .seconds(10)))
        let error = try await #require(throws: ImMetaIOError.self) {
            try await client.putObject(S3TestServer.uniquePrefix("dropped") + "big", S3TestServer.randomBytes(4 << 20))
        }
        #expect(error.code == .io)
        #expect(error.message.contains("PutObject failed after 3 attempts"))
        #expect(proxy.requestCount == 1)  // then the port was closed: the retries were refused

        // The multipart writer reports it too (and its abort, which also fails, does not hang).
        let writer = try client.multipartUpload(S3TestServer.uniquePrefix("dropped") + "parts")
        await #expect(throws: ImMetaIOError.self) {
            try await writer.write(S3TestServer.randomBytes(9 << 20))
            try await writer.complete()
        }
    }

    /// A server that accepts and never answers: each attempt ends at the request timeout.
    @Test(.timeLimit(.minutes(10))) func unansweredRequestsTimeOut() async throws {
        let proxy = try FaultProxy(upstreamPort: server.port, mode: .hang)
        defer { proxy.stop() }
        let client = try server.client(
            server.configuration(
                endpoint: "http://127.0.0.1:\(proxy.port)", retryPolicy: .init(maximumAttempts: 2, baseDelay: .milliseconds(10)),
                requestTimeout: .milliseconds(500)))
        let start = ContinuousClock.now
        let error = try await #require(throws: ImMetaIOError.self) { try await client.getObject("x") }
        #expect(ContinuousClock.now - start >= .milliseconds(1000))
        #expect(error.message.contains("failed after 2 attempts: no complete response within 0.5 seconds"))
        #expect(proxy.requestCount == 2)
    }

    // MARK: Helpers

    /// Runs `body` on every element with at most `inFlight` at once.
    static func forEach(_ items: [String], inFlight: Int, _ body: @escaping @Sendable (String) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = items.makeIterator()
            for _ in 0..<inFlight {
                guard let item = iterator.next() else { break }
                group.addTask { try await body(item) }
            }
            while try await group.next() != nil {
                if let item = iterator.next() { group.addTask { try await body(item) } }
            }
        }
    }

    /// A GET with nothing but the URL, as a browser or curl would send it.
    static func plainGet(_ url: String) async throws -> (status: Int, body: [UInt8]) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Array(body.readableBytesView))
    }
}
