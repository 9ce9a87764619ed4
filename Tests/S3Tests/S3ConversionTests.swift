import Foundation
import ImMetaIO
import ImageConversion
@testable import S3
import Testing
import Zarr

/// Conversions into an S3 store: in one process (`--out s3://…`) and as a plan whose tasks and
/// records live on the server too.
@Suite(.enabled(if: S3TestServer.current != nil, S3TestServer.skipMessage), .serialized)
struct S3ConversionTests {
    static func folder(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "immetaio-s3-conversion-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path + "/in", withIntermediateDirectories: true)
        for index in 0..<13 {
            let values = (0..<(10 * 12 * 3)).map { UInt8(truncatingIfNeeded: $0 * (index + 3) + index) }
            try writeImage(try NDArray(values, shape: [10, 12, 3]), to: path + "/in/f\(index).png")
        }
        let csv = "filename,score\n" + (0..<13).reversed().map { "f\($0).png,\($0 * 2)" }.joined(separator: "\n") + "\n"
        try csv.write(toFile: path + "/meta.csv", atomically: true, encoding: .utf8)
        return path
    }

    static func images(_ store: String) throws -> NDArray {
        let array = try ZarrArray.open(in: try ZarrStoreLocation.store(for: store), path: "images")
        return try array.read(start: array.shape.map { _ in 0 }, shape: array.shape)
    }

    @Test func foldersConvertIntoAnS3StoreInOneProcessAndAsAPlan() throws {
        let server = try #require(S3TestServer.current)
        S3Store.registerScheme(configuration: server.configuration())
        let local = try Self.folder("convert")
        defer { try? FileManager.default.removeItem(atPath: local) }
        let base = "s3://\(server.bucket)/\(S3TestServer.uniquePrefix("convert"))"
        var options = ConversionOptions(output: local + "/local.zarr")
        options.metadataCSV = local + "/meta.csv"
        options.shardShape = [4]
        let expected = try Self.images(try convert(folders: [local + "/in"], options: options).paths.store)

        options.output = base + "single.zarr"
        let single = try convert(folders: [local + "/in"], options: options)
        #expect(single.total == 13 && single.paths.table == base + "single_metadata.parquet")
        #expect(try Self.images(base + "single.zarr") == expected)
        // Its hidden plan is gone; the table and report are beside the store.
        #expect(try BlockingStore(S3Store(url: base + "single.zarr", configuration: server.configuration())).list(prefix: ".immetaio-convert/").isEmpty)
        let summary = try StoreSummary.inspect(base + "single.zarr")
        #expect(summary.imageCount == 13 && summary.tableRows == 13 && summary.shardCount == 4)

        options.output = base + "planned.zarr"
        let plan = base + "plans/planned"
        let made = try DistributedConversion.plan(folders: [local + "/in"], options: options, tasks: 3, at: plan)
        #expect(made.taskRanges == [0..<4, 4..<8, 8..<13])
        for task in [1, 2, 0] { _ = try DistributedConversion.runTask(task, plan: plan) }
        let report = try DistributedConversion.finalize(plan: plan)
        #expect(report.total == 13 && report.unmatchedCSVRows.isEmpty)
        #expect(try Self.images(base + "planned.zarr") == expected)
        #expect(try StoreSummary.inspect(base + "planned.zarr").tableRows == 13)
    }

    /// `inspect` on S3 tells a table that is not there (none) from one it cannot fetch (an error
    /// naming it), here a table the credentials may not read.
    @Test func inspectReportsATableItCannotFetch() throws {
        let server = try #require(S3TestServer.current)
        S3Store.registerScheme(configuration: server.configuration())
        let local = try Self.folder("inspect")
        defer { try? FileManager.default.removeItem(atPath: local) }
        let prefix = S3TestServer.uniquePrefix("inspect")
        var options = ConversionOptions(output: "s3://\(server.bucket)/\(prefix)survey.zarr")
        options.shardShape = [4]
        _ = try convert(folders: [local + "/in"], options: options)

        // The same objects under a scheme of this test's own, through a proxy that refuses the table.
        let proxy = try FaultProxy(upstreamPort: server.port, mode: .deny(containing: "_metadata.parquet"))
        defer { proxy.stop() }
        let proxied = server.configuration(endpoint: "http://127.0.0.1:\(proxy.port)")
        let scheme = "s3deny"
        let s3: @Sendable (String) -> String = { "s3" + $0.dropFirst(scheme.count) }
        RemoteResources.register(scheme: scheme, handler: ProxiedObjects(configuration: proxied, rename: s3))
        ZarrStoreLocation.register(scheme: scheme) { url in try S3Store(url: s3(url), configuration: proxied) }
        let refused = "\(scheme)://\(server.bucket)/\(prefix)survey.zarr"
        let error = try #require(throws: ImMetaIOError.self) { try StoreSummary.inspect(refused) }
        #expect(error.code == .io && error.message.contains("AccessDenied"))
        #expect(error.file?.hasSuffix("/\(prefix)survey_metadata.parquet") == true)

        // Without the table the summary has none.
        try BlockingWait.run { try await S3Client(bucket: server.bucket, configuration: server.configuration()).deleteObject(prefix + "survey_metadata.parquet") }
        let summary = try StoreSummary.inspect("s3://\(server.bucket)/\(prefix)survey.zarr")
        #expect(summary.table == nil && summary.tableRows == nil && summary.imageCount == 13)
    }
}

/// Whole objects at `s3://` URLs written under another scheme, through a given configuration.
private struct ProxiedObjects: RemoteResourceHandler {
    let objects: S3Objects
    let rename: @Sendable (String) -> String

    init(configuration: S3Configuration, rename: @escaping @Sendable (String) -> String) {
        objects = S3Objects(configuration: configuration)
        self.rename = rename
    }

    func read(_ url: String) throws -> [UInt8] { try objects.read(rename(url)) }
    func write(_ url: String, _ bytes: [UInt8]) throws { try objects.write(rename(url), bytes) }
}
