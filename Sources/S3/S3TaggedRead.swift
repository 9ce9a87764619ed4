/// What a read that names the object's version found (``S3Client/getObject(_:range:ifMatch:)``).
public enum S3TaggedRead: Sendable, Hashable {
    /// The bytes asked for, and the object's entity tag when the server sent one (quotes included).
    case object([UInt8], eTag: String?)
    /// There is no such object.
    case missing
    /// The object no longer has the tag the read was made on condition of (HTTP 412), or is gone.
    case changed
}
