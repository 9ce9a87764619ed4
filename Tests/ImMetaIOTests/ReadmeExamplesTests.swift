import Foundation
import ImMetaIO
import ImMetaIOVideo
import Logging
import Testing

// The README's and the DocC articles' Swift examples, compiled with the tests. Each block is
// copied verbatim (indented once) into a function whose parameters stand for what the block
// takes as given; values the block only shows are marked used after it. The functions are not
// run: the examples read and write files by relative names. `everySwiftBlockIsCompiled` checks
// that the documents and these copies agree.

/// README: the quick tour.
private func readmeQuickTour(frame: NDArray, planes: [NDArray]) throws {
    // An image and its metadata: frame_0001.png + frame_0001.json (Python immetaio's layout).
    let files = try save(frame, to: "captures/frame_0001", metadata: ["exposure_time": 0.01])
    let (image, metadata) = try load(from: files.image)
    try save(frame, to: "captures/frame_0002", metadata: ["exposure_time": 0.02], nonblocking: true)
    try waitSaves()                                                // every failure since the last wait
    let batch = try load(folder: "captures")                       // natural order, per-key lists

    let photo = try readImage(from: "photo.jpg")                   // NDArray, 480×640×3 uint8
    let props = try imageProperties(of: "scan.png")                // shape, dtype, count, spacing
    let meta = try imageMetadata(of: "scan.png")                   // text chunks, dpi, EXIF …
    try writeImage(photo, to: "photo.png", options: ["compression": 6])
    let bytes = try encodeImage(photo, as: ".jpg", options: ["quality": 95])

    let file = try openImage("animation.png")                      // several operations, one parse
    var frames = try file.frames()
    while let frame = try frames.next() { print(frame.shape) }

    // A TIFF stack written page by page (BigTIFF chosen from the final size), read back as one array.
    let writer = try ImageFileWriter(path: "stack.tif", options: ["compression": "deflate"], registry: .standard)
    for plane in planes { try writer.append(plane) }
    try writer.finish()

    // Zarr v3: sharded, zstd-compressed, readable by zarr-python and tensorstore.
    let store = FileSystemStore(path: "frames.zarr")
    var array = try ZarrArray.create(in: store, metadata: ZarrArrayMetadata(
        shape: [0, 3, 256, 256], dtype: .uint8, chunkShape: [100, 3, 256, 256],
        codecs: [.sharding(chunkShape: [1, 3, 256, 256], codecs: [.bytes(), .zstd(level: 3)])]))
    try array.append(NDArray.stacked(batch.images).transposed([0, 3, 1, 2]))  // the 256×256 RGB captures as N×3×256×256: grows axis 0
    let one = try array.read(start: [7, 0, 0, 0], shape: [1, 3, 256, 256])  // byte-range reads only
    _ = (image, metadata, photo, props, meta, bytes, one)
}

/// README: video.
private func readmeVideo(process: (NDArray) -> Void, rendered: [NDArray], myLogger: Logger) throws {
    let registry = FormatRegistry.standardWithVideo
    var frames = try imageFrames(of: "take1.mp4", registry: registry)  // one 1080p frame in memory at a time
    while let frame = try frames.next() { process(frame) }           // H×W×3 uint8 RGB
    let clip = try openImage("take1.mp4", registry: registry)
    let frame120 = try clip.read(index: 120)                         // seeks to the key frame before it
    let info = try clip.metadata()                                   // fps, duration, codec, frame_count …
    let writer = try ImageFileWriter(path: "review.mp4", options: ["fps": 30, "crf": 20], registry: registry)
    for frame in rendered { try writer.append(frame) }               // libx264, yuv420p; .webm: VP9
    try writer.finish()
    VideoFormat.logger = myLogger                                    // FFmpeg's messages go to swift-log
    _ = (frame120, info)
}

/// GettingStarted: reading.
private func gettingStartedReading() throws {
    let image = try readImage(from: "frame_0001.png")
    print(image.shape, image.dtype)   // [1080, 1920, 3] uint8
}

/// GettingStarted: typed pixel access.
private func gettingStartedPixels(image: NDArray) throws {
    image.withUnsafeBufferPointer(of: UInt8.self) { pixels in
        print(pixels[0], pixels[1], pixels[2])   // the first pixel's R, G, B
    }
}

/// GettingStarted: properties and metadata.
private func gettingStartedInspecting() throws {
    let props = try imageProperties(of: "scan.png")
    print(props.shape, props.dtype, props.imageCount ?? 0, props.spacing ?? [])
    let meta = try imageMetadata(of: "photo.jpg")
    print(meta["orientation"] ?? "none", meta["exif"] ?? "")
}

/// GettingStarted: frames.
private func gettingStartedFrames(process: (NDArray) -> Void) throws {
    let file = try openImage("animation.png")
    var frames = try file.frames()
    while let frame = try frames.next() { process(frame) }
}

/// GettingStarted: writing.
private func gettingStartedWriting(image: NDArray) throws {
    try writeImage(image, to: "out.png")                                   // fast default
    try writeImage(image, to: "small.png", options: ["compression": 12, "filter": "adaptive"])
    try writeImage(image, to: "out.jpg", options: ["quality": 95, "subsampling": "4:4:4"])
    try writeImage(image, to: "exact.npy")                                 // any dtype, bit-exact
}

/// GettingStarted: images with metadata.
private func gettingStartedSidecars(frame: NDArray) throws {
    let files = try save(frame, to: "captures/0001", metadata: [
        "exposure_time": 0.01,
        "camera_matrix": [[1000, 0, 320], [0, 1000, 240], [0, 0, 1]],
    ])
    // files.image == "captures/0001.png" (uint8 → PNG, float32 → OpenEXR, other arrays → NPY)
    let (image, metadata) = try load(from: files.image)
    _ = (image, metadata)
}

/// GettingStarted: errors.
private func gettingStartedErrors(path: String) throws {
    do {
        _ = try readImage(from: .path(path), limits: DecodeLimits(maxPixels: 50_000_000))
    } catch let error as ImMetaIOError {
        switch error.code {
        case .missingFile: print("no such file:", error.file ?? "")
        case .limitExceeded: print("too large:", error.message)
        default: print(error)
        }
    }
}

/// FastPNGEncoder: options.
private func fastPNGEncoderOptions(frame: NDArray) throws {
    try writeImage(frame, to: "fast.png")                                       // default
    try writeImage(frame, to: "small.png", options: ["compression": 12, "filter": "adaptive"])
    try writeImage(frame, to: "one-core.png", options: ["threads": 1])          // no row bands
}

/// Video: reading frame by frame.
private func videoReading(process: (NDArray) -> Void) throws {
    let registry = FormatRegistry.standardWithVideo
    var frames = try imageFrames(of: "take1.mp4", registry: registry)
    while let frame = try frames.next() { process(frame) }      // 1080×1920×3 uint8, one at a time
}

/// Video: writing.
private func videoWriting(registry: FormatRegistry, rendered: [NDArray]) throws {
    let writer = try ImageFileWriter(path: "review.mp4", options: ["fps": 30, "crf": 20], registry: registry)
    for frame in rendered { try writer.append(frame) }
    try writer.finish()                                         // appears atomically under its name
}

/// Zarr: a sharded volume.
private func zarrVolume(volume: NDArray) throws {
    let store = FileSystemStore(path: "volume.zarr")
    let array = try ZarrArray.create(in: store, metadata: ZarrArrayMetadata(
        shape: [64, 2048, 2048], dtype: .uint16, chunkShape: [16, 512, 512],
        codecs: [.sharding(chunkShape: [1, 256, 256], codecs: [.bytes(), .zstd(level: 3)])],
        dimensionNames: ["z", "y", "x"]))
    try array.write(volume)
    let plane = try array.read(start: [10, 0, 0], shape: [1, 2048, 2048])
    _ = plane
}

/// The files holding the compiled copies of the documentation's Swift blocks.
@Suite struct ReadmeExamplesTests {
    /// The package's root: Tests/ImMetaIOTests/ReadmeExamplesTests.swift, three levels up.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let exampleFiles = [
        "Tests/ImMetaIOTests/ReadmeExamplesTests.swift", "Tests/ImageConversionTests/ReadmeExamples.swift",
        "Tests/MicroscopyTests/ReadmeExamples.swift", "Tests/S3Tests/ReadmeExamples.swift",
    ]

    /// One ```swift block of a document.
    struct Block: CustomStringConvertible {
        var document: String
        var line: Int
        var imports: [String]
        /// The block without its leading `import` lines, each line indented by four spaces.
        var indentedBody: String
        var description: String { "\(document):\(line)" }
    }

    /// README.md and every DocC article under Sources.
    static func documents() throws -> [String] {
        let sources = root.appendingPathComponent("Sources")
        let enumerator = try #require(FileManager.default.enumerator(atPath: sources.path))
        let articles = enumerator.compactMap { $0 as? String }.filter { $0.contains(".docc/") && $0.hasSuffix(".md") }
        return ["README.md"] + articles.sorted().map { "Sources/" + $0 }
    }

    /// The ```swift blocks of `document`, except Package.swift fragments (`.package(…)`), which
    /// only a manifest compiles.
    static func blocks(of document: String) throws -> [Block] {
        let text = try String(contentsOf: root.appendingPathComponent(document), encoding: .utf8)
        var blocks: [Block] = []
        var current: (line: Int, lines: [String])?
        for (number, line) in text.components(separatedBy: "\n").enumerated() {
            if current == nil, line.hasPrefix("```swift") {
                current = (number + 1, [])
            } else if var block = current {
                if line.hasPrefix("```") {
                    var body = block.lines[...]
                    var imports: [String] = []
                    while let first = body.first, first.hasPrefix("import ") || first.trimmingCharacters(in: .whitespaces).isEmpty {
                        if first.hasPrefix("import ") {
                            // The statement, without a trailing comment.
                            let statement = first.components(separatedBy: "//")[0]
                            imports.append(statement.trimmingCharacters(in: .whitespaces))
                        }
                        body = body.dropFirst()
                    }
                    while let last = body.last, last.trimmingCharacters(in: .whitespaces).isEmpty { body = body.dropLast() }
                    if !(body.first?.hasPrefix(".package(") ?? false) {
                        let indented = body.map { $0.isEmpty ? "" : "    " + $0 }.joined(separator: "\n")
                        blocks.append(Block(document: document, line: block.line, imports: imports, indentedBody: indented))
                    }
                    current = nil
                } else {
                    block.lines.append(line)
                    current = block
                }
            }
        }
        return blocks
    }

    /// Every ```swift block of the README and the DocC articles appears verbatim (indented once)
    /// in one of the example files, which also imports what the block imports.
    @Test func everySwiftBlockIsCompiled() throws {
        let examples = try Self.exampleFiles.map { try String(contentsOf: Self.root.appendingPathComponent($0), encoding: .utf8) }
        var checked = 0
        for document in try Self.documents() {
            for block in try Self.blocks(of: document) {
                let holders = examples.filter { file in
                    (block.indentedBody.isEmpty || file.contains(block.indentedBody))
                        && block.imports.allSatisfy { file.components(separatedBy: "\n").contains($0) }
                }
                #expect(!holders.isEmpty, "the Swift block at \(block) is not copied into \(Self.exampleFiles.joined(separator: ", ")) with its imports")
                checked += 1
            }
        }
        // README.md has 4 blocks and the articles 14 more (one Package.swift fragment aside).
        #expect(checked >= 18)
    }

    /// The check above finds a block that is missing: a changed README line would not pass.
    @Test func aChangedBlockIsNotFound() throws {
        let readme = try #require(try Self.blocks(of: "README.md").first)
        let examples = try String(contentsOf: Self.root.appendingPathComponent(Self.exampleFiles[0]), encoding: .utf8)
        #expect(examples.contains(readme.indentedBody))
        #expect(!examples.contains(readme.indentedBody.replacingOccurrences(of: "try", with: "try?")))
    }
}
