import ImMetaIOCore

/// What S3 said about a failed request: the HTTP status and, from the XML error body, the code
/// (`NoSuchKey`, `SlowDown`, …), the message and the request ID.
struct S3ErrorResponse: Sendable, Equatable {
    var status: Int
    var code: String?
    var message: String?
    var requestID: String?

    /// Reads the `<Error>` document of `body`; any other or unreadable body leaves the code and
    /// message empty (HEAD responses have no body at all).
    init(status: Int, body: [UInt8], requestIDHeader: String? = nil) {
        self.status = status
        requestID = requestIDHeader
        guard let root = S3XML.parse(body), root.name == "Error" else { return }
        code = Self.clipped(root.text(of: "Code"))
        message = Self.clipped(root.text(of: "Message"))
        requestID = Self.clipped(root.text(of: "RequestId")) ?? requestIDHeader
    }

    /// Whether the failure is worth retrying: server errors, throttling and request timeouts.
    var isTransient: Bool {
        if [500, 502, 503, 504, 429].contains(status) { return true }
        guard let code else { return false }
        return Self.transientCodes.contains(code)
    }

    static let transientCodes: Set<String> = [
        "SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "Throttling", "ThrottlingException",
        "ThrottledException", "RequestThrottled", "RequestThrottledException", "TooManyRequestsException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "ProvisionedThroughputExceededException",
    ]

    /// `403 AccessDenied: Access Denied (request ID …)`.
    var summary: String {
        var text = "HTTP \(status)"
        if let code { text += " \(code)" }
        if let message, !message.isEmpty { text += ": \(message)" }
        if let requestID, !requestID.isEmpty { text += " (request ID \(requestID))" }
        return text
    }

    /// The error code that fits: missing buckets, keys and uploads are `.missingFile`, requests
    /// the server refuses as malformed are `.invalidArgument`, the rest `.io`.
    var errorCode: ImMetaIOError.Code {
        switch code {
        case "NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NotFound": return .missingFile
        case "InvalidArgument", "InvalidBucketName", "InvalidRange", "EntityTooSmall", "EntityTooLarge", "InvalidPart",
            "InvalidPartOrder", "KeyTooLongError", "MalformedXML", "InvalidRequest", "InvalidDigest", "BadDigest":
            return .invalidArgument
        default: return status == 404 ? .missingFile : .io
        }
    }

    /// Server text in messages is cut short: a hostile or broken server cannot make them huge.
    private static func clipped(_ text: String?) -> String? {
        guard let text else { return nil }
        return text.count > 512 ? String(text.prefix(512)) + "…" : text
    }
}
