import Foundation
import ImMetaIOCore

extension S3Configuration {
    /// Reads the configuration the way the AWS SDKs and CLI do.
    ///
    /// - Credentials: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
    ///   (unless `profile` is given explicitly), else the profile's `aws_access_key_id`,
    ///   `aws_secret_access_key` and `aws_session_token` from the credentials file, then the
    ///   config file. None at all, `anonymous`, or `AWS_NO_SIGN_REQUEST=true` (as GDAL reads it)
    ///   means unsigned requests.
    /// - Profile: `profile`, else `AWS_PROFILE`, else `default`. The files are
    ///   `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/credentials`, sections `[name]`) and
    ///   `AWS_CONFIG_FILE` (default `~/.aws/config`, sections `[profile name]` and `[default]`).
    ///   Naming a profile that neither file has is an error; missing files are not.
    /// - Region: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, else `us-east-1`.
    /// - Endpoint: `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's `s3` sub-section
    ///   `endpoint_url`, its `endpoint_url`, else AWS. Addressing: the profile's
    ///   `s3.addressing_style` (`auto`, `path`, `virtual`).
    /// - Retries: `AWS_MAX_ATTEMPTS` (attempts in all).
    ///
    /// - Parameters:
    ///   - environment: The variables to read (the process's by default).
    ///   - profile: A profile to use instead of `AWS_PROFILE`; it also makes the credential
    ///     variables ignored, as an explicit profile does in the AWS SDKs.
    ///   - homeDirectory: The folder holding `.aws` (`HOME` by default).
    ///   - anonymous: Sends unsigned requests whatever credentials are configured.
    /// - Throws: `ImMetaIOError` with `.invalidArgument` for an unknown profile,
    ///   an incomplete key pair or an unparsable value.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, profile: String? = nil,
        homeDirectory: String? = nil, anonymous: Bool = false
    ) throws(ImMetaIOError) -> S3Configuration {
        func variable(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingWhitespace(), !value.isEmpty else { return nil }
            return String(value)
        }
        let home = homeDirectory ?? variable("HOME") ?? NSHomeDirectory()
        let profileName = profile ?? variable("AWS_PROFILE") ?? "default"
        let credentialsPath = variable("AWS_SHARED_CREDENTIALS_FILE") ?? "\(home)/.aws/credentials"
        let configPath = variable("AWS_CONFIG_FILE") ?? "\(home)/.aws/config"
        let credentialsFile = try readProfileFile(credentialsPath, isConfigFile: false)
        let configFile = try readProfileFile(configPath, isConfigFile: true)
        let fromCredentials = credentialsFile?.properties(of: profileName)
        let fromConfig = configFile?.properties(of: profileName)
        if fromCredentials == nil, fromConfig == nil, profile != nil || variable("AWS_PROFILE") != nil {
            throw ImMetaIOError(
                .invalidArgument, "the AWS profile '\(profileName)' is in neither \(credentialsPath) nor \(configPath)")
        }
        func setting(_ key: String) -> String? {
            fromCredentials?[key].flatMap { $0.isEmpty ? nil : $0 } ?? fromConfig?[key].flatMap { $0.isEmpty ? nil : $0 }
        }

        var configuration = S3Configuration()
        configuration.region = variable("AWS_REGION") ?? variable("AWS_DEFAULT_REGION") ?? setting("region") ?? "us-east-1"
        configuration.endpoint =
            variable("AWS_ENDPOINT_URL_S3") ?? variable("AWS_ENDPOINT_URL") ?? setting("s3.endpoint_url")
            ?? setting("endpoint_url")
        if let style = setting("s3.addressing_style") {
            guard let parsed = S3AddressingStyle(rawValue: style.lowercased()) else {
                throw ImMetaIOError(
                    .invalidArgument, "the AWS profile '\(profileName)' has addressing_style '\(style)' (auto, path or virtual)")
            }
            configuration.addressingStyle = parsed
        }
        if let attempts = variable("AWS_MAX_ATTEMPTS") {
            guard let count = Int(attempts), count >= 1 else {
                throw ImMetaIOError(.invalidArgument, "AWS_MAX_ATTEMPTS '\(attempts)' is not a positive number")
            }
            configuration.retryPolicy.maximumAttempts = count
        }

        let noSign = variable("AWS_NO_SIGN_REQUEST").map { ["1", "true", "yes"].contains($0.lowercased()) } ?? false
        if anonymous || noSign { return configuration }
        if profile == nil, let keyID = variable("AWS_ACCESS_KEY_ID") {
            guard let secret = variable("AWS_SECRET_ACCESS_KEY") else {
                throw ImMetaIOError(.invalidArgument, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
            }
            configuration.credentials = S3Credentials(
                accessKeyID: keyID, secretAccessKey: secret, sessionToken: variable("AWS_SESSION_TOKEN"))
            return configuration
        }
        // The key pair comes from one file, as the SDKs read it: a key ID in one and a secret in
        // the other would be a mistake.
        for properties in [fromCredentials, fromConfig] {
            guard let properties, let keyID = properties["aws_access_key_id"], !keyID.isEmpty else { continue }
            guard let secret = properties["aws_secret_access_key"], !secret.isEmpty else {
                throw ImMetaIOError(
                    .invalidArgument, "the AWS profile '\(profileName)' has aws_access_key_id but no aws_secret_access_key")
            }
            let token = properties["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
            configuration.credentials = S3Credentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token)
            break
        }
        return configuration
    }

    /// The parsed file, or `nil` when there is none; a file too large for a profile file is an
    /// error rather than a large allocation.
    private static func readProfileFile(_ path: String, isConfigFile: Bool) throws(ImMetaIOError) -> AWSProfileFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= 1 << 20 else {
            throw ImMetaIOError(.limitExceeded, "the AWS profile file is larger than 1 MiB", file: path)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImMetaIOError(.io, "cannot read the AWS profile file", file: path)
        }
        return AWSProfileFile(text: String(decoding: data, as: UTF8.self), isConfigFile: isConfigFile)
    }
}
