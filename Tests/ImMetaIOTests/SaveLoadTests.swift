import Foundation
import ImMetaIO
import Testing

@Suite struct SaveLoadTests {
    @Test func savesImageAndSidecarAndLoadsBoth() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = try TestImages.gradient(height: 48, width: 64, channels: 3)
        let metadata: JSONObject = ["exposure_time": 0.01, "camera_matrix": [[1000, 0, 320], [0, 1000, 240], [0, 0, 1]]]
        let files = try save(image, to: "\(folder)/sub/dir/frame", metadata: metadata)
        #expect(files.image == "\(folder)/sub/dir/frame.png")
        #expect(files.sidecar == "\(folder)/sub/dir/frame.json")
        let (loaded, loadedMetadata) = try load(from: files.image)
        #expect(loaded == image)
        #expect(loadedMetadata == metadata)
        #expect(try loadMetadata(from: files.image) == metadata)
        #expect(try loadMetadata(from: try #require(files.sidecar)) == metadata)

        let plain = try save(image, to: "\(folder)/plain.png")
        #expect(plain.sidecar == nil)
        #expect(try load(from: plain.image).metadata.isEmpty)
        #expect(throws: ImMetaIOError.self) { try loadMetadata(from: "\(folder)/missing.json") }
    }

    @Test func formatMatrix() throws {
        let cases: [(DType, [Int], String)] = [
            (.uint8, [4, 5], ".png"), (.uint8, [4, 5, 3], ".png"), (.uint8, [4, 5, 4], ".png"), (.uint16, [4, 5], ".png"),
            (.uint16, [4, 5, 3], ".png"), (.uint16, [4, 5, 4], ".png"), (.uint8, [4, 5, 1], ".npy"), (.uint8, [4, 5, 2], ".npy"),
            (.uint8, [2, 4, 5, 3], ".npy"), (.uint8, [20], ".npy"), (.float32, [4, 5], ".exr"), (.float32, [4, 5, 3], ".exr"),
            (.float32, [4, 5, 4], ".npy"), (.float16, [4, 5], ".npy"), (.float16, [4, 5, 3], ".npy"), (.float16, [4, 5, 4], ".npy"),
            (.float32, [4, 5, 2], ".npy"), (.float64, [4, 5], ".npy"), (.int16, [4, 5], ".npy"), (.bool, [4, 5], ".npy"),
            (.uint32, [4, 5, 3], ".npy"),
        ]
        for (dtype, shape, ext) in cases {
            #expect(AutomaticFormat.fileExtension(for: NDArray(shape: shape, dtype: dtype)) == ext, "\(dtype) \(shape)")
        }
        #expect(AutomaticFormat.path("a/b.tif", for: NDArray(shape: [2, 2], dtype: .uint8)) == "a/b.tif")
        #expect(AutomaticFormat.sidecarPath(for: "a/b.c/frame.png") == "a/b.c/frame.json")
        #expect(AutomaticFormat.sidecarPath(for: "a/b.c/frame") == "a/b.c/frame.json")
    }

    @Test func floatImagesGoToOpenEXR() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let render = NDArray([0.25, -1, 1e4, 0.5, 0.125, 3] as [Double]).astype(.float32)
        for (shape, dtype, name) in [([1, 2, 3], DType.float32, "rgb"), ([2, 3], .float32, "gray"), ([1, 2, 3], .float16, "half.exr")] {
            let image = try render.reshaped(shape).astype(dtype)
            let files = try save(image, to: "\(folder)/render-\(name)", metadata: ["unit": "radiance"])
            #expect(files.image.hasSuffix(".exr"))
            let (loaded, metadata) = try load(from: files.image)
            #expect(loaded == image)
            #expect(metadata["unit"] == "radiance")
        }
    }

    @Test func npyKeepsAnyArrayExactly() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let depth = NDArray([1.5, -2, .nan, 4] as [Double])
        let files = try save(depth, to: "\(folder)/depth", metadata: ["unit": "m"])
        #expect(files.image.hasSuffix("depth.npy"))
        #expect(try load(from: files.image).image == depth)
    }

    struct Exposure: Codable, Equatable {
        var exposureTime: Double
        var gain: Int
    }

    @Test func codableMetadataRoundTrips() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = try TestImages.gradient(height: 8, width: 8, channels: 0)
        let files = try save(image, to: "\(folder)/f", metadata: Exposure(exposureTime: 0.02, gain: 3))
        let text = try String(contentsOfFile: try #require(files.sidecar), encoding: .utf8)
        #expect(text == "{\n    \"exposureTime\": 0.02,\n    \"gain\": 3\n}\n")
        let (_, metadata) = try load(from: files.image, as: Exposure.self)
        #expect(metadata == Exposure(exposureTime: 0.02, gain: 3))
        let wrong = try #require(throws: ImMetaIOError.self) { try load(from: files.image, as: SidecarTests.Capture.self) }
        #expect(wrong.code == .invalidArgument)
        #expect(throws: ImMetaIOError.self) { try save(image, to: "\(folder)/g", metadata: [1, 2, 3]) }
    }

    @Test func bgrFilesAreSwappedOnRequest() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = try NDArray([10, 20, 30, 40, 50, 60] as [UInt8], shape: [1, 2, 3])
        let files = try save(image, to: "\(folder)/bgr")
        let swapped = try load(from: files.image, colorOrder: .bgr).image
        #expect(swapped.scalars(as: UInt8.self) == [30, 20, 10, 60, 50, 40])
        let npy = try save(image, to: "\(folder)/raw.npy")
        #expect(try load(from: npy.image, colorOrder: .bgr).image == image)
    }

    @Test func naturalOrder() {
        let names = ["10.png", "2.png", "1.png", "frame10.png", "frame9.png", "a.png", "02.png", "img1_10.png", "img1_9.png"]
        #expect(names.sorted(by: NaturalOrder.precedes) == [
            "1.png", "2.png", "02.png", "10.png", "a.png", "frame9.png", "frame10.png", "img1_9.png", "img1_10.png",
        ])
    }

    @Test func foldersAndListsWithMissingKeys() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let images = try (0..<12).map { try TestImages.gradient(height: 6, width: 7, channels: 3, seed: UInt64($0 + 1)) }
        var metadata: [JSONObject] = images.indices.map { ["index": .int($0)] }
        metadata[3]["extra"] = "only here"
        metadata[5] = [:]
        let files = try save(images, toFolder: folder, metadata: metadata, workers: 3)
        #expect(files.map(\.image).last == "\(folder)/11.png")
        #expect(files[5].sidecar == nil)
        let batch = try load(folder: folder)
        #expect(batch.paths.map { ($0 as NSString).lastPathComponent }.prefix(3) == ["0.png", "1.png", "2.png"])
        #expect(batch.images == images)
        #expect(batch.keys == ["index", "extra"])
        #expect(batch["index"][4] == .int(4))
        #expect(batch["index"][5] == nil)
        #expect(batch["extra"].compactMap { $0 }.count == 1)
        #expect(batch["extra"][3] == "only here")

        let listed = try load(from: [files[2].image, files[10].image], workers: 1)
        #expect(listed.images == [images[2], images[10]])

        let stacked = try NDArray.stacked(Array(images.prefix(3)))
        let batchFiles = try save(batch: stacked, toFolder: "\(folder)/batch")
        #expect(batchFiles.count == 3)
        #expect(try load(folder: "\(folder)/batch").images == Array(images.prefix(3)))
    }

    @Test func lengthAndTypeErrorsAreClear() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = NDArray(shape: [2, 2], dtype: .uint8)
        let paths = try #require(throws: ImMetaIOError.self) { try save([image, image], to: ["\(folder)/a"]) }
        #expect(paths.message == "1 paths were given for 2 images")
        let meta = try #require(throws: ImMetaIOError.self) { try save([image], to: ["\(folder)/a"], metadata: [[:], [:]]) }
        #expect(meta.message.contains("2 metadata objects"))
        #expect(throws: ImMetaIOError.self) { try save(batch: NDArray(shape: [4], dtype: .uint8), toFolder: folder) }
        let missing = try #require(throws: ImMetaIOError.self) { try load(folder: "\(folder)/nope") }
        #expect(missing.code == .missingFile)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: "\(folder)/bad.json"))
        try writeImage(image, to: "\(folder)/bad.png")
        let corrupt = try #require(throws: ImMetaIOError.self) { try load(from: "\(folder)/bad.png") }
        #expect(corrupt.code == .corruptData)
        #expect(corrupt.file == "\(folder)/bad.json")
    }
}

/// Non-blocking saves share one queue, so these tests run one at a time.
@Suite(.serialized) struct NonblockingSaveTests {
    @Test func failuresSurfaceAtTheNextWaitWhileOthersComplete() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try waitSaves()
        // A path below a regular file cannot be created.
        try Data("x".utf8).write(to: URL(fileURLWithPath: "\(folder)/file"))
        let image = try TestImages.gradient(height: 32, width: 32, channels: 3)
        var saved: [SavedFiles] = []
        for index in 0..<8 {
            let path = index == 4 ? "\(folder)/file/blocked/\(index)" : "\(folder)/ok/\(index)"
            saved.append(try save(image, to: path, metadata: ["i": .int(index)], nonblocking: true))
        }
        let failures = try #require(throws: SaveFailures.self) { try waitSaves() }
        #expect(failures.errors.count == 1)
        #expect("\(failures)".contains("blocked"))
        for (index, files) in saved.enumerated() where index != 4 {
            #expect(try load(from: files.image).image == image)
        }
        // The failure was reported once.
        try waitSaves()
    }

    @Test func asyncWaitAndMemoryBound() async throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let queue = SaveQueue.shared
        let previous = queue.maxPendingBytes
        queue.maxPendingBytes = 10_000  // smaller than two images: every save waits for the previous one
        defer { queue.maxPendingBytes = previous }
        var image = try TestImages.gradient(height: 64, width: 64, channels: 3)
        let original = image
        for index in 0..<6 {
            try save(image, to: "\(folder)/\(index)", nonblocking: true)
            #expect(queue.pendingByteCount <= 2 * image.byteCount)
            // Mutating the caller's image after a save must not change what is written.
            image.withUnsafeMutableBufferPointer(of: UInt8.self) { $0[0] = UInt8(index + 1) }
        }
        try await waitSaves()
        #expect(try load(from: "\(folder)/0.png").image == original)
        #expect(try load(from: "\(folder)/5.png").image.scalars(as: UInt8.self)[0] == 5)
        #expect(queue.pendingByteCount == 0)
    }

    @Test(arguments: [false, true])
    func killedProcessLeavesOnlyCompleteFiles(nonblocking: Bool) throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let process = Process()
        process.executableURL = CommandLineTests.binary.deletingLastPathComponent().appendingPathComponent("immetaio-test-saver")
        process.arguments = [folder] + (nonblocking ? ["--nonblocking"] : [])
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        _ = output.fileHandleForReading.availableData  // "ready"
        Thread.sleep(forTimeInterval: 1.5)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        let finals = names.filter { !$0.hasPrefix(".") }
        let images = finals.filter { $0.hasSuffix(".png") }
        #expect(images.count >= 3, "the child saved too little to test: \(names.count) files")
        for name in finals {
            let path = "\(folder)/\(name)"
            if name.hasSuffix(".png") {
                let (image, metadata) = try load(from: path)
                #expect(image.shape == [512, 768, 3], "\(name)")
                // The sidecar is renamed into place before its image.
                #expect(metadata["index"] != nil, "\(name) has no sidecar")
            } else {
                #expect(name.hasSuffix(".json"))
                #expect(try loadMetadata(from: path)["note"] != nil, "\(name)")
            }
        }
    }
}
