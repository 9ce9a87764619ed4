import ImMetaIOCore

/// An object written piece by piece through a multipart upload, with bounded memory.
///
/// Bytes collect until a part is full, then that part is uploaded while more bytes come; at most
/// ``maximumConcurrentParts`` parts are in flight and a further full part waits for the oldest,
/// so the writer holds about `partSize × (maximumConcurrentParts + 1)` bytes. The object appears
/// under its key only at ``complete()``. A value smaller than one part is stored with one
/// PutObject instead (no upload is started for it).
///
/// Any failure aborts the upload, deleting the parts already sent, and the writer then refuses
/// further use; so does ``abort()``. A writer dropped without ``complete()`` or ``abort()``
/// aborts its upload in the background. Use a writer from one task at a time.
///
/// ```swift
/// let upload = try client.multipartUpload("big/shard", partSize: 8 << 20)
/// for chunk in chunks { try await upload.write(chunk) }
/// try await upload.complete()
/// ```
public actor S3MultipartUpload {
    private enum State {
        case open
        case completed
        case failed
        case aborted
    }

    /// The key the object will be stored under.
    public nonisolated let key: String
    /// The size of every part but the last.
    public nonisolated let partSize: Int
    /// The most parts uploaded at once.
    public nonisolated let maximumConcurrentParts: Int

    private let client: S3Client
    private let contentType: String?
    private var buffer: [UInt8] = []
    private var state = State.open
    private var busy = false
    private var inFlight: [Task<S3CompletedPart, any Error>] = []
    private var completedParts: [S3CompletedPart] = []
    private var nextPartNumber = 1

    /// The upload's ID once the first part has been sent (`nil` before, and for values stored
    /// with one PutObject).
    public private(set) var uploadID: String?
    /// The number of bytes written so far.
    public private(set) var bytesWritten = 0
    /// The number of parts started so far.
    public var partsStarted: Int { nextPartNumber - 1 }

    init(client: S3Client, key: String, contentType: String?, partSize: Int, maximumConcurrentParts: Int) {
        self.client = client
        self.key = key
        self.contentType = contentType
        self.partSize = partSize
        self.maximumConcurrentParts = maximumConcurrentParts
    }

    deinit {
        // An upload nobody completed or aborted would keep its parts on the server.
        if state == .open, let uploadID {
            let client = client
            let key = key
            Task { try? await client.abortMultipartUpload(key, uploadID: uploadID) }
        }
    }

    /// Appends `bytes` to the object, uploading each part as it fills.
    public func write(_ bytes: some Collection<UInt8> & Sendable) async throws {
        try begin()
        defer { busy = false }
        buffer.append(contentsOf: bytes)
        bytesWritten += bytes.count
        while buffer.count >= partSize {
            let part = Array(buffer[..<partSize])
            buffer.removeFirst(partSize)
            try await send(part)
        }
    }

    /// Uploads what remains, waits for every part and makes the object appear under its key.
    ///
    /// - Returns: The object's entity tag, when the server sends one.
    @discardableResult
    public func complete() async throws -> String? {
        try begin()
        defer { busy = false }
        do {
            guard let uploadID else {
                let eTag = try await client.putObject(key, buffer, contentType: contentType)
                buffer = []
                state = .completed
                return eTag
            }
            if !buffer.isEmpty {
                let last = buffer
                buffer = []
                try await send(last)
            }
            for task in inFlight { completedParts.append(try await task.value) }
            inFlight = []
            let eTag = try await client.completeMultipartUpload(key, uploadID: uploadID, parts: completedParts)
            state = .completed
            return eTag
        } catch {
            await stop(as: .failed)
            throw error
        }
    }

    /// Abandons the object: parts in flight are cancelled and the upload is aborted, deleting
    /// what was sent. Nothing happens after ``complete()`` succeeded or an earlier abort.
    public func abort() async {
        await stop(as: .aborted)
    }

    private func begin() throws(ImMetaIOError) {
        switch state {
        case .open: break
        case .completed: throw ImMetaIOError(.invalidArgument, "the upload is already complete", file: client.s3URL(for: key))
        case .failed: throw ImMetaIOError(.io, "the upload failed earlier and was aborted", file: client.s3URL(for: key))
        case .aborted: throw ImMetaIOError(.invalidArgument, "the upload was aborted", file: client.s3URL(for: key))
        }
        guard !busy else {
            throw ImMetaIOError(.invalidArgument, "the upload is being used from two tasks at once", file: client.s3URL(for: key))
        }
        busy = true
    }

    /// Starts uploading `part` once a slot is free (starting the upload itself first).
    private func send(_ part: [UInt8]) async throws {
        do {
            let uploadID: String
            if let existing = self.uploadID {
                uploadID = existing
            } else {
                uploadID = try await client.createMultipartUpload(key, contentType: contentType)
                self.uploadID = uploadID
            }
            guard nextPartNumber <= S3Client.maximumPartCount else {
                throw ImMetaIOError(
                    .limitExceeded, "the object needs more than \(S3Client.maximumPartCount) parts of \(partSize) bytes",
                    file: client.s3URL(for: key))
            }
            if inFlight.count >= maximumConcurrentParts {
                let oldest = inFlight.removeFirst()
                completedParts.append(try await oldest.value)
            }
            let number = nextPartNumber
            nextPartNumber += 1
            let client = client
            let key = key
            inFlight.append(Task { try await client.uploadPart(key, uploadID: uploadID, partNumber: number, part) })
        } catch {
            await stop(as: .failed)
            throw error
        }
    }

    /// Cancels the parts in flight and aborts the upload. The abort runs in a task of its own so
    /// that it is sent even when the caller's task was cancelled (often the reason for stopping).
    private func stop(as final: State) async {
        guard state == .open else { return }
        state = final
        buffer = []
        let tasks = inFlight
        inFlight = []
        for task in tasks { task.cancel() }
        for task in tasks { _ = try? await task.value }
        guard let uploadID else { return }
        let client = client
        let key = key
        await Task { try? await client.abortMultipartUpload(key, uploadID: uploadID) }.value
    }
}
