import Foundation
import S3
import Testing

/// PUT then GET of many small objects with a fixed number in flight, against the test server.
/// Runs only with `IMMETAIO_S3_BENCH=1` (`s3_bench.py` runs it beside boto3 and compares);
/// prints one `S3BENCH {json}` line.
@Suite(
    .enabled(
        if: S3TestServer.current != nil && ProcessInfo.processInfo.environment["IMMETAIO_S3_BENCH"] == "1",
        "set IMMETAIO_S3_BENCH=1 and start a test server to time PUT/GET"))
struct S3BenchmarkTests {
    @Test func putAndGetManySmallObjects() async throws {
        let server = try #require(S3TestServer.current)
        let environment = ProcessInfo.processInfo.environment
        let count = environment["IMMETAIO_S3_BENCH_COUNT"].flatMap(Int.init) ?? 2000
        let size = environment["IMMETAIO_S3_BENCH_SIZE"].flatMap(Int.init) ?? 64 << 10
        let inFlight = environment["IMMETAIO_S3_BENCH_IN_FLIGHT"].flatMap(Int.init) ?? 16
        let client = try server.client()
        let prefix = S3TestServer.uniquePrefix("bench-swift")
        let keys = (0..<count).map { "\(prefix)\($0)" }
        let payload = S3TestServer.randomBytes(size)

        let clock = ContinuousClock()
        let putTime = try await clock.measure {
            try await S3IntegrationTests.forEach(keys, inFlight: inFlight) { try await client.putObject($0, payload) }
        }
        let getTime = try await clock.measure {
            try await S3IntegrationTests.forEach(keys, inFlight: inFlight) { key in
                let value = try await client.getObject(key)
                guard value?.count == size else { throw BenchmarkFailure(key: key) }
            }
        }
        try await client.deleteObjects(keys)
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
        }
        print(
            "S3BENCH {\"client\": \"swift\", \"count\": \(count), \"size\": \(size), \"in_flight\": \(inFlight), "
                + "\"put_seconds\": \(seconds(putTime)), \"get_seconds\": \(seconds(getTime))}")
    }

    struct BenchmarkFailure: Error {
        var key: String
    }
}
