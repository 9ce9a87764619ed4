import ImMetaIOCore

/// A bucket and a key prefix, as an `s3://bucket/prefix` URL names them.
///
/// ```swift
/// let location = try S3Location(url: "s3://my-bucket/data/images.zarr/")
/// // location.bucket == "my-bucket", location.prefix == "data/images.zarr/"
/// ```
public struct S3Location: Sendable, Hashable, CustomStringConvertible {
    /// The bucket's name.
    public var bucket: String
    /// The key prefix, exactly as written after the bucket (no leading `/`; may be empty).
    public var prefix: String

    /// Creates a location from its parts.
    public init(bucket: String, prefix: String = "") throws(ImMetaIOError) {
        try Self.validate(bucket: bucket)
        self.bucket = bucket
        self.prefix = prefix
    }

    /// Parses `s3://bucket`, `s3://bucket/` or `s3://bucket/key/prefix`. The prefix is taken as
    /// written (S3 keys are not percent-encoded in `s3://` URLs, as the AWS CLI reads them).
    ///
    /// - Throws: `ImMetaIOError` with `.invalidArgument` when the text is not an
    ///   `s3://` URL or names no valid bucket.
    public init(url: String) throws(ImMetaIOError) {
        guard url.lowercased().hasPrefix("s3://") else {
            throw ImMetaIOError(.invalidArgument, "'\(url)' is not an s3:// URL")
        }
        let rest = url.dropFirst(5)
        let bucketPart = rest.prefix { $0 != "/" }
        try self.init(bucket: String(bucketPart), prefix: String(rest.dropFirst(bucketPart.count + 1)))
    }

    /// Whether `text` starts with `s3://`.
    public static func isS3URL(_ text: String) -> Bool { text.lowercased().hasPrefix("s3://") }

    /// The location as an `s3://` URL.
    public var description: String { "s3://\(bucket)/\(prefix)" }

    /// The location of `key` relative to this prefix (joined with one `/` when the prefix does
    /// not end with one).
    public func appending(_ key: String) -> S3Location {
        var copy = self
        if !prefix.isEmpty, !prefix.hasSuffix("/") { copy.prefix += "/" }
        copy.prefix += key
        return copy
    }

    /// Bucket names as S3-compatible servers accept them: 1–255 characters, none of them `/`,
    /// white space or control characters. (AWS itself is stricter; it answers for itself.)
    static func validate(bucket: String) throws(ImMetaIOError) {
        guard !bucket.isEmpty, bucket.utf8.count <= 255,
            bucket.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != "/" && $0 != "\\" })
        else {
            throw ImMetaIOError(.invalidArgument, "'\(bucket)' is not a valid S3 bucket name")
        }
    }
}
