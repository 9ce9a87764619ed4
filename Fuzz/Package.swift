// swift-tools-version: 6.0
import Foundation
import PackageDescription

// libFuzzer targets. Build with `make fuzz` (swift build --sanitize=fuzzer --sanitize=address).
// SwiftPM names the path dependency after its folder, which differs between checkouts.
let parentIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "ImMetaIOFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: ".."), .package(url: "https://github.com/apple/swift-log", from: "1.16.2")],
    targets: [
        .executableTarget(
            name: "fuzz-png-encoder", dependencies: [.product(name: "ImMetaIO", package: parentIdentity)],
            path: "Sources/fuzz-png-encoder"),
        .executableTarget(
            name: "fuzz-decoders", dependencies: [.product(name: "ImMetaIO", package: parentIdentity)],
            path: "Sources/fuzz-decoders"),
        .executableTarget(
            name: "fuzz-video",
            dependencies: [
                .product(name: "ImMetaIOVideo", package: parentIdentity), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/fuzz-video"),
        .executableTarget(
            name: "fuzz-zarr", dependencies: [.product(name: "ImMetaIO", package: parentIdentity)],
            path: "Sources/fuzz-zarr"),
        .executableTarget(
            name: "fuzz-microscopy", dependencies: [.product(name: "Microscopy", package: parentIdentity)],
            path: "Sources/fuzz-microscopy"),
        .executableTarget(
            name: "fuzz-tables",
            dependencies: [
                .product(name: "ImageConversion", package: parentIdentity), .product(name: "Parquet", package: parentIdentity),
            ],
            path: "Sources/fuzz-tables"),
    ],
    swiftLanguageModes: [.v6]
)
