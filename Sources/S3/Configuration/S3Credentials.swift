/// An AWS access key: the key ID, its secret and, for temporary credentials, a session token.
///
/// The secret and the token are never shown: ``description``, `debugDescription` and the
/// reflection that `dump` and debuggers use print `<redacted>` in their place, and the key ID
/// only by its last four characters.
public struct S3Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The access key ID (`AKIA…`, `ASIA…` for temporary credentials).
    public var accessKeyID: String
    /// The secret access key that signs requests.
    public var secretAccessKey: String
    /// The session token of temporary credentials (sent as `x-amz-security-token`).
    public var sessionToken: String?

    /// Creates credentials from an access key and, for temporary credentials, a session token.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// `S3Credentials(accessKeyID: …WXYZ, secretAccessKey: <redacted>[, sessionToken: <redacted>])`.
    public var description: String {
        var text = "S3Credentials(accessKeyID: \(Self.maskedKeyID(accessKeyID)), secretAccessKey: <redacted>"
        if sessionToken != nil { text += ", sessionToken: <redacted>" }
        return text + ")"
    }

    /// The same as ``description``.
    public var debugDescription: String { description }

    /// A mirror without the secrets, so that `dump` and debuggers cannot show them.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyID": Self.maskedKeyID(accessKeyID), "secretAccessKey": "<redacted>",
                "sessionToken": sessionToken == nil ? "nil" : "<redacted>",
            ], displayStyle: .struct)
    }

    /// The key ID's last four characters after an ellipsis (as the AWS console shows keys).
    static func maskedKeyID(_ keyID: String) -> String {
        keyID.count > 8 ? "…" + String(keyID.suffix(4)) : "<redacted>"
    }
}
