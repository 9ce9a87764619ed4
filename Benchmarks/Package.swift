// swift-tools-version: 6.0
import Foundation
import PackageDescription

// The benchmarks depend on the immetaio package one folder up; SwiftPM names a path dependency
// after its folder, which differs between checkouts, so the name is computed here.
let parentIdentity = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .lastPathComponent.lowercased()

let package = Package(
    name: "ImMetaIOBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "..")],
    targets: [
        // libjpeg-turbo's TurboJPEG API, called directly as the baseline for our JPEG path.
        .systemLibrary(
            name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"]), .brew(["jpeg-turbo"])]),
        .executableTarget(
            name: "immetaio-bench",
            dependencies: [
                .product(name: "ImMetaIO", package: parentIdentity), .product(name: "ImMetaIOVideo", package: parentIdentity),
                .product(name: "Microscopy", package: parentIdentity), .product(name: "S3", package: parentIdentity),
                "CTurboJPEG",
            ],
            path: "Sources/immetaio-bench"),
    ],
    swiftLanguageModes: [.v6]
)
