/// Part of an object to read: `length` bytes from `offset` (`bytes=a-b`), or the last `length`
/// bytes (`bytes=-n`). Ranges reaching past the end are clipped to the object's size.
public enum S3ByteRange: Sendable, Hashable {
    /// `length` bytes from `offset`.
    case range(offset: Int, length: Int)
    /// The last `length` bytes.
    case suffix(length: Int)
}
