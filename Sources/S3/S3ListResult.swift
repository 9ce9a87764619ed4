/// One object of a listing.
public struct S3ObjectSummary: Sendable, Hashable {
    /// The object's full key.
    public var key: String
    /// The object's size in bytes.
    public var size: Int
    /// The entity tag, quotes included.
    public var eTag: String?
    /// The time of the last change as S3 lists it (ISO 8601).
    public var lastModified: String?

    /// Creates a listing entry.
    public init(key: String, size: Int, eTag: String? = nil, lastModified: String? = nil) {
        self.key = key
        self.size = size
        self.eTag = eTag
        self.lastModified = lastModified
    }
}

/// One page of a ListObjectsV2 listing (at most 1,000 entries on AWS).
public struct S3ListPage: Sendable, Hashable {
    /// The objects of this page, in key order.
    public var objects: [S3ObjectSummary]
    /// With a delimiter: the distinct key prefixes up to and including the delimiter, each
    /// standing for the keys below it ("sub-folders").
    public var commonPrefixes: [String]
    /// The token that fetches the next page, or `nil` on the last page.
    public var nextContinuationToken: String?

    /// Creates a page.
    public init(objects: [S3ObjectSummary], commonPrefixes: [String], nextContinuationToken: String?) {
        self.objects = objects
        self.commonPrefixes = commonPrefixes
        self.nextContinuationToken = nextContinuationToken
    }
}

/// A whole listing: every page's objects and common prefixes together.
public struct S3ListResult: Sendable, Hashable {
    /// The objects, in key order.
    public var objects: [S3ObjectSummary]
    /// With a delimiter: the distinct prefixes up to and including the delimiter.
    public var commonPrefixes: [String]
    /// How many requests the listing took.
    public var pageCount: Int

    /// The objects' keys.
    public var keys: [String] { objects.map(\.key) }

    /// Creates a listing.
    public init(objects: [S3ObjectSummary], commonPrefixes: [String], pageCount: Int) {
        self.objects = objects
        self.commonPrefixes = commonPrefixes
        self.pageCount = pageCount
    }
}
