import ImMetaIOCore

extension S3Client {
    /// Every object whose key starts with `prefix`, following continuation tokens to the end.
    ///
    /// With `delimiter` `"/"`, keys that continue past the next `/` after the prefix are not
    /// listed one by one but summed up in ``S3ListResult/commonPrefixes``: the children of a
    /// "folder" without every key below them.
    public func listObjects(prefix: String = "", delimiter: String? = nil) async throws -> S3ListResult {
        var objects: [S3ObjectSummary] = []
        var prefixes: [String] = []
        var token: String?
        var seenTokens: Set<String> = []
        var pages = 0
        repeat {
            let page = try await listObjectsPage(prefix: prefix, delimiter: delimiter, continuationToken: token)
            pages += 1
            objects += page.objects
            prefixes += page.commonPrefixes
            token = page.nextContinuationToken
            if let token {
                // A server that hands out the same token twice would keep the loop going forever.
                guard seenTokens.insert(token).inserted else {
                    throw ImMetaIOError(
                        .io, "ListObjectsV2 returned the same continuation token twice", file: s3URL(for: prefix))
                }
            }
        } while token != nil
        return S3ListResult(objects: objects, commonPrefixes: prefixes, pageCount: pages)
    }

    /// One page of a ListObjectsV2 listing: at most `maximumKeys` entries (the server may give
    /// fewer; AWS gives at most 1,000) after `continuationToken`.
    public func listObjectsPage(
        prefix: String = "", delimiter: String? = nil, continuationToken: String? = nil, maximumKeys: Int? = nil
    ) async throws -> S3ListPage {
        var request = S3Request(operation: "ListObjectsV2", method: .GET, key: nil)
        request.query = [("list-type", "2"), ("encoding-type", "url")]
        if !prefix.isEmpty { request.query.append(("prefix", prefix)) }
        if let delimiter { request.query.append(("delimiter", delimiter)) }
        if let continuationToken { request.query.append(("continuation-token", continuationToken)) }
        if let maximumKeys { request.query.append(("max-keys", String(max(0, maximumKeys)))) }
        let response = try await transport.send(request)
        guard response.isSuccess else {
            var failure = transport.failure(request, response)
            failure.file = s3URL(for: prefix)
            throw failure
        }
        guard let root = S3XML.parse(response.body), root.name == "ListBucketResult" else {
            throw transport.malformed(request, "a body that is not a ListBucketResult document")
        }
        // With encoding-type=url, keys come form-encoded, so that any byte survives XML.
        let encoded = root.text(of: "EncodingType")?.lowercased() == "url"
        func decode(_ text: String) -> String { encoded ? S3URIEncoding.decode(text, plusAsSpace: true) : text }
        var objects: [S3ObjectSummary] = []
        for entry in root.children("Contents") {
            guard let key = entry.text(of: "Key") else { continue }
            objects.append(
                S3ObjectSummary(
                    key: decode(key), size: entry.text(of: "Size").flatMap(Int.init) ?? 0, eTag: entry.text(of: "ETag"),
                    lastModified: entry.text(of: "LastModified")))
        }
        let prefixes = root.children("CommonPrefixes").compactMap { $0.text(of: "Prefix").map(decode) }
        let truncated = root.text(of: "IsTruncated")?.lowercased() == "true"
        var next: String?
        if truncated {
            guard let token = root.text(of: "NextContinuationToken"), !token.isEmpty else {
                throw transport.malformed(request, "a truncated listing without a continuation token")
            }
            next = token
        }
        return S3ListPage(objects: objects, commonPrefixes: prefixes, nextContinuationToken: next)
    }
}
