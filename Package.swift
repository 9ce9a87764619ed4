// swift-tools-version: 6.0
import PackageDescription

/// C libraries come from the system (Debian/Ubuntu packages, or Homebrew on macOS);
/// `make deps` installs them. Each one is a `.systemLibrary` target so that a missing
/// library makes `swift build` name the package to install.
let package = Package(
    name: "immetaio",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "ImMetaIO", targets: ["ImMetaIO"]),
        .library(name: "NDArrayModule", targets: ["NDArrayModule"]),
        // Bulk conversion of image folders into sharded Zarr with a Parquet table.
        .library(name: "ImageConversion", targets: ["ImageConversion"]),
        // Our Parquet reader and writer (the conversion's table).
        .library(name: "Parquet", targets: ["Parquet"]),
        // Microscopy I/O: the OME model, OME-TIFF/LSM/CZI/Thorlabs RAW/OME-Zarr readers and writers.
        .library(name: "Microscopy", targets: ["Microscopy"]),
        // Video through FFmpeg, apart so that applications without video need not link FFmpeg.
        .library(name: "ImMetaIOVideo", targets: ["ImMetaIOVideo"]),
        // The S3 client (object-store Zarr builds on it).
        .library(name: "S3", targets: ["S3"]),
        .executable(name: "immetaio", targets: ["ImMetaIOCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The S3 client: HTTP through AsyncHTTPClient, Signature V4 with swift-crypto.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // MARK: System libraries
        .systemLibrary(
            name: "CSPNG", path: "Sources/C/CSPNG", pkgConfig: "spng",
            providers: [.apt(["libspng-dev"]), .brew(["libspng"])]),
        .systemLibrary(
            name: "CJPEG", path: "Sources/C/CJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"]), .brew(["jpeg-turbo"])]),
        .systemLibrary(
            name: "CDeflate", path: "Sources/C/CDeflate", pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"]), .brew(["libdeflate"])]),

        .systemLibrary(
            name: "CWebP", path: "Sources/C/CWebP", pkgConfig: "libwebpdemux",
            providers: [.apt(["libwebp-dev"]), .brew(["webp"])]),
        .systemLibrary(
            name: "CZstd", path: "Sources/C/CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),
        .systemLibrary(
            name: "CBlosc", path: "Sources/C/CBlosc", pkgConfig: "blosc", providers: [.apt(["libblosc-dev"]), .brew(["c-blosc"])]),
        .systemLibrary(
            name: "CGIF", path: "Sources/C/CGIF", pkgConfig: "libgif", providers: [.apt(["libgif-dev"]), .brew(["giflib"])]),
        .systemLibrary(
            name: "CSnappy", path: "Sources/C/CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"]), .brew(["snappy"])]),
        // jxrlib (JPEG XR, for CZI). No pkg-config: libjxr's .pc file carries -D flags, which SwiftPM
        // drops with a warning; CJXRShims adds the include path and the defines itself.
        .systemLibrary(name: "CJXR", path: "Sources/C/CJXR", providers: [.apt(["libjxr-dev"]), .brew(["jxrlib"])]),
        // libtiff, for the TIFF compressions our own reader has no codec for (CCITT fax, old-style
        // JPEG, LZMA, …) and YCbCr that converts to RGB.
        .systemLibrary(
            name: "CTIFF", path: "Sources/C/CTIFF", pkgConfig: "libtiff-4",
            providers: [.apt(["libtiff-dev"]), .brew(["libtiff"])]),
        .systemLibrary(
            name: "CFITSIO", path: "Sources/C/CFITSIO", pkgConfig: "cfitsio",
            providers: [.apt(["libcfitsio-dev"]), .brew(["cfitsio"])]),
        // OpenEXR's C API (OpenEXRCore). No pkg-config: OpenEXR's .pc file pulls in its C++ libraries.
        .systemLibrary(
            name: "COpenEXR", path: "Sources/C/COpenEXR",
            providers: [.apt(["libopenexr-dev"]), .brew(["openexr"])]),

        .systemLibrary(
            name: "CFFmpeg", path: "Sources/C/CFFmpeg", pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"]), .brew(["ffmpeg"])]),

        // MARK: C shims (what Swift cannot do: setjmp/longjmp error managers)
        // JPEG XR decoding behind one C function that reports jxrlib's failures as status codes
        // (and on Linux runs each decode in a child process: jxrlib asserts and crashes on damaged data).
        .target(
            name: "CJXRShims", dependencies: ["CJXR"], path: "Sources/C/CJXRShims",
            cSettings: [
                .headerSearchPath("../CJXR"), .headerSearchPath("../CJXR/forward"),
                .define("__ANSI__"), .define("DISABLE_PERF_MEASUREMENT"),
            ],
            linkerSettings: [.linkedLibrary("jpegxr"), .linkedLibrary("jxrglue")]),
        .target(name: "CFileShims", path: "Sources/C/CFileShims"),
        .target(name: "CShims", dependencies: ["CJPEG"], path: "Sources/C/CShims", linkerSettings: [.linkedLibrary("jpeg")]),
        .target(
            name: "CEXRShims", dependencies: ["COpenEXR"], path: "Sources/C/CEXRShims",
            linkerSettings: [.linkedLibrary("OpenEXRCore")]),
        // libtiff over bytes in memory, with per-handle error handlers (libtiff's va_list messages).
        .target(name: "CTIFFShims", dependencies: ["CTIFF"], path: "Sources/C/CTIFFShims"),
        // FFmpeg's error macros and its va_list log callback.
        .target(name: "CFFmpegShims", dependencies: ["CFFmpeg"], path: "Sources/C/CFFmpegShims"),
        // OpenEXR's C++ library for pixel decoding (DWA codecs, faster PIZ, its own thread pool).
        // Imath's pkg-config file supplies the include path its headers need (OpenEXR's own adds
        // -pthread, which SwiftPM refuses with a warning); the libraries are named here.
        .systemLibrary(
            name: "CImath", path: "Sources/C/CImath", pkgConfig: "Imath",
            providers: [.apt(["libimath-dev"]), .brew(["imath"])]),
        .target(
            name: "CEXRCxx", dependencies: ["CImath"], path: "Sources/C/CEXRCxx",
            linkerSettings: [
                .linkedLibrary("OpenEXR"), .linkedLibrary("Iex"), .linkedLibrary("IlmThread"),
                .linkedLibrary("Imath"),
            ]),

        // MARK: Swift modules
        .target(name: "NDArrayModule", path: "Sources/NDArrayModule"),
        .target(
            name: "ImMetaIOCore",
            dependencies: ["NDArrayModule", "CFileShims", .product(name: "OrderedCollections", package: "swift-collections")],
            path: "Sources/ImMetaIOCore"),
        .target(
            name: "PNGFormat", dependencies: ["ImMetaIOCore", "CSPNG", "CDeflate"],
            path: "Sources/Formats/PNG"),
        .target(
            name: "JPEGFormat", dependencies: ["ImMetaIOCore", "CShims"],
            path: "Sources/Formats/JPEG"),
        .target(name: "NPYFormat", dependencies: ["ImMetaIOCore"], path: "Sources/Formats/NPY"),
        .target(name: "EXRFormat", dependencies: ["ImMetaIOCore", "CEXRShims", "CEXRCxx"], path: "Sources/Formats/EXR"),
        .target(name: "WebPFormat", dependencies: ["ImMetaIOCore", "CWebP"], path: "Sources/Formats/WebP"),
        .target(
            name: "TIFFFormat", dependencies: ["ImMetaIOCore", "JPEGFormat", "CDeflate", "CZstd", "CWebP", "CShims", "CTIFFShims"],
            path: "Sources/Formats/TIFF"),
        .target(name: "GIFFormat", dependencies: ["ImMetaIOCore", "CGIF"], path: "Sources/Formats/GIF"),
        .target(name: "BMPFormat", dependencies: ["ImMetaIOCore", "PNGFormat", "JPEGFormat"], path: "Sources/Formats/BMP"),
        .target(name: "FITSFormat", dependencies: ["ImMetaIOCore", "CFITSIO", "CDeflate"], path: "Sources/Formats/FITS"),
        // MARK: Zarr v3 engine (arrays, groups, codecs, sharding, stores)
        .target(name: "Zarr", dependencies: ["ImMetaIOCore", "NDArrayModule", "CBlosc", "CDeflate", "CZstd"], path: "Sources/Zarr"),
        // MARK: S3 client (Signature V4, AWS-style configuration, retries) for object-store Zarr
        .target(
            name: "S3",
            dependencies: ["ImMetaIOCore", "Zarr", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            path: "Sources/S3"),
        // MARK: Parquet (our own reader and writer) and bulk conversion
        .target(name: "Parquet", dependencies: ["CZstd", "CSnappy", "CDeflate"], path: "Sources/Parquet"),
        .target(
            name: "ImageConversion", dependencies: ["ImMetaIO", "Zarr", "Parquet", "CFileShims"], path: "Sources/ImageConversion"),
        // MARK: Microscopy (OME model, vendor readers, merges, OME writers)
        .target(
            name: "Microscopy",
            dependencies: ["ImMetaIO", "ImMetaIOCore", "NDArrayModule", "TIFFFormat", "Zarr", "CZstd", "CShims", "CJXRShims",
                .product(name: "OrderedCollections", package: "swift-collections")],
            path: "Sources/Microscopy"),
        .target(
            name: "VideoFormat",
            dependencies: ["ImMetaIOCore", "CFFmpeg", "CFFmpegShims", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Formats/Video"),
        .target(
            name: "ImMetaIO",
            dependencies: ["NDArrayModule", "ImMetaIOCore", "PNGFormat", "JPEGFormat", "NPYFormat", "EXRFormat", "WebPFormat",
                "FITSFormat", "TIFFFormat", "BMPFormat", "GIFFormat", "Zarr",
            ],
            path: "Sources/ImMetaIO"),
        .target(name: "ImMetaIOVideo", dependencies: ["ImMetaIO", "VideoFormat"], path: "Sources/ImMetaIOVideo"),
        .executableTarget(
            name: "ImMetaIOCLI",
            dependencies: ["ImMetaIOVideo", "ImageConversion", "Microscopy", "S3", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/CLI"),

        // A child process for the kill-during-save test (not a product).
        .executableTarget(name: "immetaio-test-saver", dependencies: ["ImMetaIO"], path: "Sources/ImMetaIOTestSaver"),

        // MARK: Tests
        .testTarget(name: "NDArrayModuleTests", dependencies: ["NDArrayModule"]),
        .testTarget(name: "ZarrTests", dependencies: ["Zarr", "ImMetaIOCore", "NDArrayModule"]),
        .testTarget(
            name: "S3Tests",
            dependencies: ["S3", "ImMetaIOCore", "ImMetaIO", "Zarr", "ImageConversion", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            exclude: ["Golden", "check_sigv4.py", "seaweedfs.py", "s3_bench.py"]),
        .testTarget(name: "ParquetTests", dependencies: ["Parquet"], exclude: ["Golden", "Interop"]),
        // The corpus manifest and SHA-256 for the conformance tests of several test targets.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "MicroscopyTests", dependencies: ["Microscopy", "ImMetaIO", "Zarr", "TestSupport"], exclude: ["OMEZarr/check_ome_zarr.py", "OME/check_ome_xml.py", "Thorlabs/check_thorlabs_omio.py", "CZI/check_czi.py"]),
        .testTarget(name: "ImageConversionTests", dependencies: ["ImageConversion", "ImMetaIO", "Zarr", "Parquet"]),
        .testTarget(
            name: "ImMetaIOTests", dependencies: ["ImMetaIO", "ImMetaIOVideo", "VideoFormat", "PNGFormat", "JPEGFormat", "NPYFormat", "EXRFormat", "WebPFormat", "FITSFormat", "TIFFFormat", "BMPFormat", "GIFFormat", "CDeflate", "CFileShims",
                "CTIFF", .product(name: "Logging", package: "swift-log"), "TestSupport",
            ],
            exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
