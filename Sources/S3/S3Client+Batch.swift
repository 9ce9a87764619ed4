import Crypto
import Foundation
import ImMetaIOCore

extension S3Client {
    /// Deletes many objects with DeleteObjects requests of up to 1,000 keys each (keys that do
    /// not exist are no error).
    ///
    /// - Throws: `ImMetaIOError` naming the first key the server could not delete.
    public func deleteObjects(_ keys: [String]) async throws {
        for key in keys { try validate(key: key) }
        // XML 1.0 cannot carry most control characters, so such keys go one request each.
        let (batchable, single) = keys.reduce(into: ([String](), [String]())) { parts, key in
            if key.unicodeScalars.allSatisfy({ $0.value >= 0x20 || $0 == "\t" || $0 == "\n" }) {
                parts.0.append(key)
            } else {
                parts.1.append(key)
            }
        }
        for key in single { try await deleteObject(key) }
        var start = 0
        while start < batchable.count {
            let batch = batchable[start..<min(start + 1000, batchable.count)]
            start = batch.endIndex
            try await deleteBatch(batch)
        }
    }

    private func deleteBatch(_ keys: ArraySlice<String>) async throws {
        var xml = "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
        for key in keys { xml += "<Object><Key>\(S3XML.escape(key))</Key></Object>" }
        xml += "</Delete>"
        let body = Array(xml.utf8)
        // S3 requires a digest of the body for this request.
        let md5 = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
        let request = S3Request(
            operation: "DeleteObjects", method: .POST, key: nil, query: [("delete", "")],
            headers: [("Content-Type", "application/xml"), ("Content-MD5", md5)], body: body)
        let response = try await transport.send(request)
        guard response.isSuccess else { throw transport.failure(request, response) }
        guard let root = S3XML.parse(response.body), root.name == "DeleteResult" else {
            throw transport.malformed(request, "a body that is not a DeleteResult document")
        }
        for error in root.children("Error") where error.text(of: "Code") != "NoSuchKey" {
            let key = error.text(of: "Key") ?? ""
            let code = error.text(of: "Code") ?? "unknown"
            let message = error.text(of: "Message").map { ": \($0)" } ?? ""
            var details = S3ErrorResponse(status: 400, body: [])
            details.code = code
            throw ImMetaIOError(
                details.errorCode, "DeleteObjects could not delete the key: \(code)\(message)", file: s3URL(for: key))
        }
    }

    /// A URL that fetches the object under `key` with a plain HTTP GET, without credentials,
    /// until `expiresIn` has passed (1 second to 7 days): Signature V4 in the query string.
    /// Without credentials the URL is the object's plain URL (for public buckets).
    ///
    /// - Parameters:
    ///   - key: The object's key.
    ///   - expiresIn: How long the URL stays valid.
    ///   - date: The time the validity starts (now by default).
    public func presignedGetURL(_ key: String, expiresIn: Duration = .seconds(3600), date: Date = Date())
        throws(ImMetaIOError) -> String
    {
        try validate(key: key)
        let seconds = Int(expiresIn.components.seconds)
        guard (1...604_800).contains(seconds) else {
            throw ImMetaIOError(
                .invalidArgument, "a presigned URL lasts 1 second to 7 days, not \(expiresIn)", file: s3URL(for: key))
        }
        let (host, path) = transport.address(key)
        guard let credentials = configuration.credentials else {
            return transport.url(host: host, path: path, query: "")
        }
        let signer = SigV4Signer(credentials: credentials, region: configuration.region)
        let (query, _) = signer.presignedQuery(method: "GET", path: path, query: [], host: host, expires: seconds, date: date)
        return transport.url(host: host, path: path, query: query)
    }
}
