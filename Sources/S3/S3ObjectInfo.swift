/// What a HEAD request tells about an object.
public struct S3ObjectInfo: Sendable, Hashable {
    /// The object's size in bytes.
    public var size: Int
    /// The entity tag, quotes included as S3 sends it (`"9b2cf535f27731c974343645a3985328"`).
    public var eTag: String?
    /// The `Last-Modified` header as sent (an HTTP date).
    public var lastModified: String?
    /// The `Content-Type` the object was stored with.
    public var contentType: String?

    /// Creates the description of an object.
    public init(size: Int, eTag: String? = nil, lastModified: String? = nil, contentType: String? = nil) {
        self.size = size
        self.eTag = eTag
        self.lastModified = lastModified
        self.contentType = contentType
    }
}
