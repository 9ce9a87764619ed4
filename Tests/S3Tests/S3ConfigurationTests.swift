import Foundation
import ImMetaIOCore
import Testing

@testable import S3

/// Configuration as the AWS SDKs read it: variables, profile files, precedence, addressing.
@Suite struct S3ConfigurationTests {
    /// A home folder with `.aws/credentials` and `.aws/config`, removed afterwards.
    final class Home {
        let path: String

        init(credentials: String?, config: String?) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("s3-home-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path + "/.aws", withIntermediateDirectories: true)
            if let credentials { try credentials.write(toFile: path + "/.aws/credentials", atomically: true, encoding: .utf8) }
            if let config { try config.write(toFile: path + "/.aws/config", atomically: true, encoding: .utf8) }
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    static let credentialsFile = """
        # comment
        [default]
        aws_access_key_id = AKIADEFAULTEXAMPLE1
        aws_secret_access_key = defaultsecret/with+chars

        [dev]
        aws_access_key_id=AKIADEVEXAMPLE00001
        aws_secret_access_key=devsecret
        aws_session_token = devtoken
        """

    static let configFile = """
        [default]
        region = eu-west-3

        [profile dev]
        region = ap-northeast-1
        s3 =
          endpoint_url = http://127.0.0.1:9000
          addressing_style = path

        [profile configonly]
        ; keys in the config file are allowed too
        aws_access_key_id = AKIACONFIGEXAMPLE01
        aws_secret_access_key = configsecret
        endpoint_url = https://storage.example.com/base/

        [profile anon]
        region = us-west-2

        [sso-session corp]
        sso_region = us-east-1
        """

    @Test func environmentVariablesComeFirst() throws {
        let home = try Home(credentials: Self.credentialsFile, config: Self.configFile)
        let configuration = try S3Configuration.fromEnvironment(
            [
                "AWS_ACCESS_KEY_ID": "AKIAENVEXAMPLE00001", "AWS_SECRET_ACCESS_KEY": "envsecret",
                "AWS_SESSION_TOKEN": "envtoken", "AWS_REGION": "sa-east-1", "AWS_DEFAULT_REGION": "us-west-1",
                "AWS_ENDPOINT_URL": "http://generic:1", "AWS_ENDPOINT_URL_S3": "http://s3only:2", "AWS_MAX_ATTEMPTS": "7",
            ], homeDirectory: home.path)
        #expect(configuration.credentials == S3Credentials(accessKeyID: "AKIAENVEXAMPLE00001", secretAccessKey: "envsecret", sessionToken: "envtoken"))
        #expect(configuration.region == "sa-east-1")
        #expect(configuration.endpoint == "http://s3only:2")
        #expect(configuration.retryPolicy.maximumAttempts == 7)
    }

    @Test func defaultProfileFromFiles() throws {
        let home = try Home(credentials: Self.credentialsFile, config: Self.configFile)
        let configuration = try S3Configuration.fromEnvironment(["AWS_DEFAULT_REGION": "us-west-1"], homeDirectory: home.path)
        #expect(configuration.credentials?.accessKeyID == "AKIADEFAULTEXAMPLE1")
        #expect(configuration.credentials?.secretAccessKey == "defaultsecret/with+chars")
        #expect(configuration.credentials?.sessionToken == nil)
        #expect(configuration.region == "us-west-1")
        #expect(configuration.endpoint == nil)
        let noRegion = try S3Configuration.fromEnvironment([:], homeDirectory: home.path)
        #expect(noRegion.region == "eu-west-3")
    }

    @Test func namedProfileWithSubSection() throws {
        let home = try Home(credentials: Self.credentialsFile, config: Self.configFile)
        let configuration = try S3Configuration.fromEnvironment(["AWS_PROFILE": "dev"], homeDirectory: home.path)
        #expect(configuration.credentials == S3Credentials(accessKeyID: "AKIADEVEXAMPLE00001", secretAccessKey: "devsecret", sessionToken: "devtoken"))
        #expect(configuration.region == "ap-northeast-1")
        #expect(configuration.endpoint == "http://127.0.0.1:9000")
        #expect(configuration.addressingStyle == .path)
    }

    /// An explicit profile wins over the credential variables, as in the SDKs.
    @Test func explicitProfileIgnoresCredentialVariables() throws {
        let home = try Home(credentials: Self.credentialsFile, config: Self.configFile)
        let configuration = try S3Configuration.fromEnvironment(
            ["AWS_ACCESS_KEY_ID": "AKIAENVEXAMPLE00001", "AWS_SECRET_ACCESS_KEY": "envsecret"], profile: "configonly",
            homeDirectory: home.path)
        #expect(configuration.credentials?.accessKeyID == "AKIACONFIGEXAMPLE01")
        #expect(configuration.endpoint == "https://storage.example.com/base/")
        let client = try S3Client(bucket: "b", configuration: configuration)
        #expect(client.transport.address("k") == ("storage.example.com", "/base/b/k"))
    }

    @Test func anonymousWhenNothingIsConfigured() throws {
        let home = try Home(credentials: nil, config: Self.configFile)
        #expect(try S3Configuration.fromEnvironment(["AWS_PROFILE": "anon"], homeDirectory: home.path).isAnonymous)
        let empty = try Home(credentials: nil, config: nil)
        let configuration = try S3Configuration.fromEnvironment([:], homeDirectory: empty.path)
        #expect(configuration.isAnonymous)
        #expect(configuration.region == "us-east-1")
        let withKeys = try Home(credentials: Self.credentialsFile, config: nil)
        #expect(try S3Configuration.fromEnvironment([:], homeDirectory: withKeys.path, anonymous: true).isAnonymous)
        #expect(try S3Configuration.fromEnvironment(["AWS_NO_SIGN_REQUEST": "YES"], homeDirectory: withKeys.path).isAnonymous)
    }

    @Test func fileLocationsFromVariables() throws {
        let home = try Home(credentials: Self.credentialsFile, config: Self.configFile)
        let elsewhere = try Home(credentials: nil, config: nil)
        let configuration = try S3Configuration.fromEnvironment(
            ["AWS_SHARED_CREDENTIALS_FILE": home.path + "/.aws/credentials", "AWS_CONFIG_FILE": home.path + "/.aws/config",
             "AWS_PROFILE": "dev"], homeDirectory: elsewhere.path)
        #expect(configuration.credentials?.accessKeyID == "AKIADEVEXAMPLE00001")
        #expect(configuration.region == "ap-northeast-1")
    }

    @Test func mistakesAreInvalidArguments() throws {
        let home = try Home(credentials: Self.credentialsFile, config: Self.configFile)
        #expect(throws: ImMetaIOError.self) { try S3Configuration.fromEnvironment(["AWS_PROFILE": "nosuch"], homeDirectory: home.path) }
        #expect(throws: ImMetaIOError.self) { try S3Configuration.fromEnvironment(["AWS_ACCESS_KEY_ID": "AKIAONLYTHEKEYID001"], homeDirectory: home.path) }
        #expect(throws: ImMetaIOError.self) { try S3Configuration.fromEnvironment(["AWS_MAX_ATTEMPTS": "zero"], homeDirectory: home.path) }
        #expect(throws: ImMetaIOError.self) { try S3Client(bucket: "b", configuration: S3Configuration(region: "us-east-1.evil.com/")) }
        #expect(throws: ImMetaIOError.self) { try S3Client(bucket: "b", configuration: S3Configuration(endpoint: "ftp://x")) }
        #expect(throws: ImMetaIOError.self) { try S3Client(bucket: "b", configuration: S3Configuration(endpoint: "http://h:99999")) }
        #expect(throws: ImMetaIOError.self) { try S3Client(bucket: "b/c") }
        #expect(throws: ImMetaIOError.self) { try S3Client(bucket: "") }
        #expect(throws: ImMetaIOError.self) { try S3Client(bucket: "Not_DNS", configuration: S3Configuration(addressingStyle: .virtualHosted)) }
    }

    @Test func profileParserToleratesOddLines() {
        let file = AWSProfileFile(
            text: "garbage\n[unclosed\nkey = value\n[profile x]\r\n  indented = orphan\nregion=eu-west-1 # note\nempty =\n[profile  y ]\n=novalue\n",
            isConfigFile: true)
        #expect(file.properties(of: "x")?["region"] == "eu-west-1")
        #expect(file.properties(of: "x")?["indented"] == "orphan")
        #expect(file.properties(of: "y") == [:])
        #expect(file.properties(of: "unclosed") == nil)
    }

    @Test func addressing() throws {
        func address(_ bucket: String, _ configuration: S3Configuration, _ key: String? = "a b/c") throws -> String {
            let transport = try S3Transport(bucket: bucket, configuration: configuration, httpClient: nil)
            let (host, path) = transport.address(key)
            return "\(transport.endpoint.scheme)://\(host)\(path)"
        }
        let aws = S3Configuration(region: "eu-west-1")
        #expect(try address("my-bucket", aws) == "https://my-bucket.s3.eu-west-1.amazonaws.com/a%20b/c")
        #expect(try address("my.bucket", aws) == "https://s3.eu-west-1.amazonaws.com/my.bucket/a%20b/c")
        #expect(try address("My_Bucket", aws) == "https://s3.eu-west-1.amazonaws.com/My_Bucket/a%20b/c")
        #expect(try address("my-bucket", S3Configuration(region: "cn-north-1")) == "https://my-bucket.s3.cn-north-1.amazonaws.com.cn/a%20b/c")
        #expect(try address("my-bucket", aws, nil) == "https://my-bucket.s3.eu-west-1.amazonaws.com/")
        let local = S3Configuration(endpoint: "http://127.0.0.1:9000/")
        #expect(try address("my-bucket", local) == "http://127.0.0.1:9000/my-bucket/a%20b/c")
        #expect(try address("my-bucket", local, nil) == "http://127.0.0.1:9000/my-bucket")
        #expect(try address("b", S3Configuration(endpoint: "http://[::1]:80")) == "http://[::1]/b/a%20b/c")
        #expect(try address("data", S3Configuration(endpoint: "https://Minio.Local:443/base", addressingStyle: .virtualHosted)) == "https://data.minio.local/base/a%20b/c")
        #expect(!S3Transport.isDNSCompatible("192.168.1.1", https: false))
        #expect(S3Transport.isDNSCompatible("a.b.c", https: false))
        #expect(!S3Transport.isDNSCompatible("ab", https: false))
        #expect(!S3Transport.isDNSCompatible("-ab", https: false))
    }

    @Test func s3URLs() throws {
        let location = try S3Location(url: "s3://bucket/data/images.zarr/")
        #expect(location.bucket == "bucket")
        #expect(location.prefix == "data/images.zarr/")
        #expect(location.appending("zarr.json").description == "s3://bucket/data/images.zarr/zarr.json")
        #expect(try S3Location(url: "S3://bucket").prefix == "")
        #expect(try S3Location(url: "s3://bucket/").prefix == "")
        #expect(try S3Location(url: "s3://b/a b/ü").appending("x").prefix == "a b/ü/x")
        #expect(throws: ImMetaIOError.self) { try S3Location(url: "s3://") }
        #expect(throws: ImMetaIOError.self) { try S3Location(url: "http://bucket/x") }
        #expect(S3Location.isS3URL("s3://x") && !S3Location.isS3URL("/s3://x"))
    }

    @Test func retryDelaysStayWithinTheirCeiling() {
        let policy = S3RetryPolicy(maximumAttempts: 0, baseDelay: .milliseconds(100), maximumDelay: .seconds(1))
        #expect(policy.maximumAttempts == 1)
        for retry in 0..<40 {
            let delay = policy.delay(beforeRetry: retry)
            #expect(delay >= .zero)
            #expect(delay <= min(.seconds(1), .milliseconds(100) * (1 << min(retry, 20))))
        }
        // Full jitter: the waits are spread, not all at the ceiling.
        let waits = Set((0..<50).map { _ in policy.delay(beforeRetry: 3) })
        #expect(waits.count > 10)
    }
}
