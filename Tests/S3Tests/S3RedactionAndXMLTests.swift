import Foundation
import ImMetaIOCore
import Testing

@testable import S3

/// Secrets never reach text, and the XML reader never traps.
@Suite struct S3RedactionAndXMLTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY"
    static let token = "FwoGZXIvYXdzEXAMPLESESSIONTOKENVALUE"
    static let credentials = S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret, sessionToken: token)

    /// Every way a value becomes text.
    static func renderings(_ value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return [String(describing: value), String(reflecting: value), "\(value)", dumped]
    }

    static func expectNoSecrets(_ value: Any, sourceLocation: SourceLocation = #_sourceLocation) {
        for text in renderings(value) {
            #expect(!text.contains(secret), "secret key in: \(text)", sourceLocation: sourceLocation)
            #expect(!text.contains(token), "session token in: \(text)", sourceLocation: sourceLocation)
        }
    }

    @Test func credentialsAndConfigurationRedact() throws {
        Self.expectNoSecrets(Self.credentials)
        Self.expectNoSecrets(S3Configuration(credentials: Self.credentials))
        Self.expectNoSecrets(try S3Client(bucket: "b", configuration: S3Configuration(credentials: Self.credentials)))
        #expect(Self.credentials.description.contains("…MPLE"))
        #expect(!Self.credentials.description.contains("AKIAIOSFODNN7EXAMPLE"))
        #expect(S3Configuration(endpoint: "http://user:pa55word@host:9000/x").description.contains("<redacted>@host"))
        #expect(!S3Configuration(endpoint: "http://user:pa55word@host:9000/x").description.contains("pa55word"))
    }

    /// Failures name the URL and the cause but not the secret, the token or the signature.
    @Test func errorsCarryNoSecrets() async throws {
        // Nothing listens on port 9 of loopback: every attempt fails at once.
        let configuration = S3Configuration(
            endpoint: "http://127.0.0.1:9", credentials: Self.credentials, retryPolicy: .init(maximumAttempts: 2, baseDelay: .milliseconds(1)),
            requestTimeout: .seconds(5))
        let client = try S3Client(bucket: "bucket", configuration: configuration)
        do {
            _ = try await client.getObject("some/key")
            Issue.record("a request to a closed port succeeded")
        } catch let error as ImMetaIOError {
            #expect(error.code == .io)
            #expect(error.file == "s3://bucket/some/key")
            #expect(error.message.contains("GetObject failed after 2 attempts"))
            Self.expectNoSecrets(error)
            #expect(!"\(error)".contains("Signature="))
        }
        let invalid = try #require(throws: ImMetaIOError.self) {
            try S3Client(bucket: "b", configuration: S3Configuration(endpoint: "http://admin:\(Self.secret)@h/?q"))
        }
        Self.expectNoSecrets(invalid)
    }

    @Test func errorBodiesAreRead() {
        let body = Array("""
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>SlowDown</Code><Message>Please reduce your request rate &amp; retry.</Message>
            <RequestId>4442587FB7D0A2F9</RequestId></Error>
            """.utf8)
        let error = S3ErrorResponse(status: 503, body: body)
        #expect(error.code == "SlowDown")
        #expect(error.message == "Please reduce your request rate & retry.")
        #expect(error.isTransient)
        #expect(error.summary == "HTTP 503 SlowDown: Please reduce your request rate & retry. (request ID 4442587FB7D0A2F9)")
        #expect(S3ErrorResponse(status: 404, body: Array("<Error><Code>NoSuchKey</Code></Error>".utf8)).errorCode == .missingFile)
        #expect(S3ErrorResponse(status: 400, body: Array("<Error><Code>RequestTimeout</Code></Error>".utf8)).isTransient)
        #expect(!S3ErrorResponse(status: 403, body: Array("<Error><Code>AccessDenied</Code></Error>".utf8)).isTransient)
        #expect(S3ErrorResponse(status: 403, body: Array("<Error><Code>AccessDenied</Code></Error>".utf8)).errorCode == .io)
        #expect(S3ErrorResponse(status: 400, body: Array("<Error><Code>EntityTooSmall</Code></Error>".utf8)).errorCode == .invalidArgument)
        #expect(S3ErrorResponse(status: 502, body: Array("<html>bad gateway</html>".utf8)).code == nil)
        let long = S3ErrorResponse(status: 500, body: Array("<Error><Message>\(String(repeating: "x", count: 5000))</Message></Error>".utf8))
        #expect((long.message?.count ?? 0) < 600)
    }

    @Test func xmlReaderHandlesTheS3Forms() throws {
        let text = """
            \u{FEFF}<?xml version="1.0"?><!-- c --><ns:ListBucketResult xmlns:ns="http://s3.amazonaws.com/doc/2006-03-01/">
            <ns:Contents><ns:Key>a&lt;b&gt;&#65;&#x42;<![CDATA[<raw>]]></ns:Key><Size a='>'>3</Size><Empty/></ns:Contents>
            </ns:ListBucketResult>
            """
        let root = try #require(S3XML.parse(Array(text.utf8)))
        #expect(root.name == "ListBucketResult")
        #expect(root.child("Contents")?.text(of: "Key") == "a<b>AB<raw>")
        #expect(root.child("Contents")?.text(of: "Size") == "3")
        #expect(root.child("Contents")?.child("Empty") != nil)
        #expect(S3XML.escape("<a & 'b' \"c\">") == "&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;")
    }

    @Test func xmlReaderRejectsMalformedInputWithoutTrapping() {
        let bad = [
            "", "<", "<a>", "<a></b>", "<a>&unknown;</a>", "<a>&#xFFFFFFFF;</a>", "<a>&#;</a>", "<a><![CDATA[x</a>",
            "<a><!-- x</a>", "<a b=\"unclosed></a>", "text", "<a>&amp</a>",
            String(repeating: "<a>", count: 100_000),
        ]
        for text in bad { #expect(S3XML.parse(Array(text.utf8)) == nil, "\(text.prefix(40))") }
        // Random bytes, and random cuts of a valid document: any answer but a crash is fine.
        var generator = SystemRandomNumberGenerator()
        let valid = Array("<Error><Code>NoSuchKey</Code><Message>The key &amp; more</Message></Error>".utf8)
        for _ in 0..<2000 {
            let count = Int.random(in: 0..<200, using: &generator)
            _ = S3XML.parse((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
            var mutated = valid
            mutated[Int.random(in: 0..<mutated.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            _ = S3XML.parse(Array(mutated.prefix(Int.random(in: 0...mutated.count, using: &generator))))
        }
    }
}
