import ImMetaIO
import S3

// The S3 article's Swift examples, compiled with the tests (not run);
// `ReadmeExamplesTests.everySwiftBlockIsCompiled` in ImMetaIOTests checks that the article and
// these copies agree.

/// S3: the client.
private func s3Overview(json: String) async throws {
    let location = try S3Location(url: "s3://my-bucket/data/images.zarr/")
    let client = try S3Client(bucket: location.bucket, configuration: .fromEnvironment())
    try await client.putObject(location.prefix + "zarr.json", Array(json.utf8))
    let index = try await client.getObject(location.prefix + "c/0/0", range: .suffix(length: 4096))
    let children = try await client.listObjects(prefix: location.prefix, delimiter: "/").commonPrefixes
    _ = (index, children)
}

/// S3: Zarr stores and s3:// paths.
private func s3Stores() async throws {
    S3Store.registerScheme()                                          // credentials from the environment
    let store = try S3Store(url: "s3://survey/images.zarr")
    let array = try await ZarrArray.open(in: store, path: "images")
    let first = try await array.read(start: [0, 0, 0, 0], shape: [1, 3, 256, 256])
    let frame = try readImage(from: "s3://survey/raw/frame_0001.png")
    _ = (first, frame)
}
