import ImMetaIOCore

extension S3Client {
    /// The smallest part S3 accepts, except for an upload's last part.
    public static let minimumPartSize = 5 << 20
    /// The largest part S3 accepts.
    public static let maximumPartSize = 5 << 30
    /// The most parts one upload may have.
    public static let maximumPartCount = 10_000

    /// Starts a multipart upload of `key` and returns its upload ID. Nothing appears under the
    /// key until ``completeMultipartUpload(_:uploadID:parts:)``; an upload that is neither
    /// completed nor aborted keeps its parts (and their cost) on the server.
    public func createMultipartUpload(_ key: String, contentType: String? = nil) async throws -> String {
        try validate(key: key)
        var request = S3Request(operation: "CreateMultipartUpload", method: .POST, key: key, query: [("uploads", "")])
        if let contentType { request.headers.append(("Content-Type", contentType)) }
        let response = try await transport.send(request)
        guard response.isSuccess else { throw transport.failure(request, response) }
        guard let root = S3XML.parse(response.body), root.name == "InitiateMultipartUploadResult",
            let uploadID = root.text(of: "UploadId"), !uploadID.isEmpty
        else { throw transport.malformed(request, "no upload ID") }
        return uploadID
    }

    /// Uploads part `partNumber` (1 to 10,000) of an upload. Every part but the last must have
    /// at least ``minimumPartSize`` bytes (S3 checks this at completion).
    public func uploadPart(_ key: String, uploadID: String, partNumber: Int, _ bytes: [UInt8]) async throws
        -> S3CompletedPart
    {
        try validate(key: key)
        guard (1...Self.maximumPartCount).contains(partNumber), bytes.count <= Self.maximumPartSize else {
            throw ImMetaIOError(
                .invalidArgument,
                "part \(partNumber) of \(bytes.count) bytes is out of S3's limits (parts 1 to \(Self.maximumPartCount), at most 5 GiB)",
                file: s3URL(for: key))
        }
        let request = S3Request(
            operation: "UploadPart", method: .PUT, key: key,
            query: [("partNumber", String(partNumber)), ("uploadId", uploadID)], body: bytes)
        let response = try await transport.send(request)
        guard response.isSuccess else { throw transport.failure(request, response) }
        guard let eTag = response.header("ETag") else { throw transport.malformed(request, "no ETag for the part") }
        return S3CompletedPart(partNumber: partNumber, eTag: eTag)
    }

    /// Joins the parts of an upload into the object under `key`, replacing any previous object
    /// as one step.
    ///
    /// - Returns: The object's entity tag, when the server sends one.
    @discardableResult
    public func completeMultipartUpload(_ key: String, uploadID: String, parts: [S3CompletedPart]) async throws
        -> String?
    {
        try validate(key: key)
        var body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        for part in parts.sorted(by: { $0.partNumber < $1.partNumber }) {
            body += "<Part><PartNumber>\(part.partNumber)</PartNumber><ETag>\(S3XML.escape(part.eTag))</ETag></Part>"
        }
        body += "</CompleteMultipartUpload>"
        var request = S3Request(
            operation: "CompleteMultipartUpload", method: .POST, key: key, query: [("uploadId", uploadID)],
            headers: [("Content-Type", "application/xml")], body: Array(body.utf8))
        request.okMayCarryError = true
        let response = try await transport.send(request)
        guard response.isSuccess else { throw transport.failure(request, response) }
        // S3 may answer 200 and report the failure in the body, once the join has been tried.
        let root = S3XML.parse(response.body)
        if root?.name == "Error" {
            var failed = response
            failed.status = 500
            throw transport.failure(request, failed)
        }
        return root?.text(of: "ETag")
    }

    /// Abandons an upload and deletes its parts (nothing happens when it is already gone).
    public func abortMultipartUpload(_ key: String, uploadID: String) async throws {
        try validate(key: key)
        let request = S3Request(operation: "AbortMultipartUpload", method: .DELETE, key: key, query: [("uploadId", uploadID)])
        let response = try await transport.send(request)
        guard response.isSuccess || response.status == 404 else { throw transport.failure(request, response) }
    }

    /// A writer that uploads `key` piece by piece: it sends a part each time `partSize` bytes
    /// have come, with at most `maximumConcurrentParts` parts in flight, so that it holds about
    /// `partSize × (maximumConcurrentParts + 1)` bytes whatever the object's size. A value
    /// smaller than one part is stored with one PutObject at ``S3MultipartUpload/complete()``.
    ///
    /// - Throws: `ImMetaIOError` with `.invalidArgument` when `partSize` is
    ///   outside ``minimumPartSize``…``maximumPartSize`` or `maximumConcurrentParts` is below 1.
    public func multipartUpload(
        _ key: String, contentType: String? = nil, partSize: Int = 8 << 20, maximumConcurrentParts: Int = 4
    ) throws(ImMetaIOError) -> S3MultipartUpload {
        try validate(key: key)
        guard (Self.minimumPartSize...Self.maximumPartSize).contains(partSize), maximumConcurrentParts >= 1 else {
            throw ImMetaIOError(
                .invalidArgument,
                "a multipart upload needs parts of 5 MiB to 5 GiB (not \(partSize) bytes) and at least one part in flight",
                file: s3URL(for: key))
        }
        return S3MultipartUpload(
            client: self, key: key, contentType: contentType, partSize: partSize,
            maximumConcurrentParts: maximumConcurrentParts)
    }
}
