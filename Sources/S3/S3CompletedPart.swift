/// A part of a multipart upload that S3 has stored: its number and the entity tag that
/// ``S3Client/completeMultipartUpload(_:uploadID:parts:)`` must quote.
public struct S3CompletedPart: Sendable, Hashable {
    /// The part's number, 1 to 10,000.
    public var partNumber: Int
    /// The entity tag S3 returned for the part.
    public var eTag: String

    /// Creates a part record.
    public init(partNumber: Int, eTag: String) {
        self.partNumber = partNumber
        self.eTag = eTag
    }
}
