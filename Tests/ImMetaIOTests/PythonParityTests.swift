import Foundation
import ImMetaIO
import TestSupport
import Testing

/// Behaviours that must match Python immetaio and imageio rather than differ silently: colour
/// order, which files a folder load reads, metadata already applied to pixels, and the leftovers
/// of killed writes.
@Suite struct PythonParityTests {
    @Test func bgrSavesSwapRedAndBlueInTheFileAndLoadsBack() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for channels in [3, 4] {
            let image = try TestImages.gradient(height: 5, width: 7, channels: channels)
            let files = try save(image, to: "\(folder)/bgr\(channels)", metadata: ["k": 1], colorOrder: .bgr)
            #expect(files.image.hasSuffix(".png"))
            // In the file, the first channel holds blue, as OpenCV's imwrite leaves it.
            let raw = try readImage(from: .path(files.image))
            #expect(raw != image)
            #expect(try load(from: files.image, colorOrder: .bgr).image == image)
        }
        // Gray images and NPY files are never swapped.
        let gray = try TestImages.gradient(height: 4, width: 4, channels: 0)
        #expect(try readImage(from: .path(save(gray, to: "\(folder)/gray", colorOrder: .bgr).image)) == gray)
        let stack = try TestImages.gradient(height: 4, width: 4, channels: 3).astype(.int16)
        let npy = try save(stack, to: "\(folder)/stack", colorOrder: .bgr)
        #expect(npy.image.hasSuffix(".npy"))
        #expect(try readImage(from: .path(npy.image)) == stack)
        // Lists and folders take the order too.
        let images = try (0..<3).map { try TestImages.gradient(height: 3, width: 3, channels: 3, seed: UInt64($0 * 2 + 1)) }
        try save(images, toFolder: "\(folder)/many", colorOrder: .bgr)
        #expect(try load(folder: "\(folder)/many", colorOrder: .bgr).images == images)
        #expect(try load(folder: "\(folder)/many").images != images)
    }

    @Test func folderLoadsReadPythonImmetaiosExtensionsUnlessAskedForMore() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = try TestImages.gradient(height: 4, width: 4, channels: 3)
        try save(image, to: "\(folder)/1.png")
        try save(image.astype(.float32), to: "\(folder)/2.exr")
        try save(image, to: "\(folder)/3.npy")
        try save(image, to: "\(folder)/4.tif")
        try save(image, to: "\(folder)/5.jpg")
        #expect(try load(folder: folder).paths.map { ($0 as NSString).lastPathComponent } == ["1.png", "2.exr", "3.npy"])
        #expect(try load(folder: folder, extensions: nil).paths.count == 5)
        #expect(try load(folder: folder, extensions: ["TIF", ".jpg"]).paths.map { ($0 as NSString).lastPathComponent } == ["4.tif", "5.jpg"])
    }

    @Test func automaticFormatIsPythonImmetaiosRule() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let rgba = NDArray(shape: [2, 2, 4], dtype: .float32)
        #expect(try save(rgba, to: "\(folder)/rgba").image.hasSuffix(".npy"))
        #expect(try save(NDArray(shape: [2, 2], dtype: .float16), to: "\(folder)/half").image.hasSuffix(".npy"))
        // Named explicitly, OpenEXR keeps both.
        #expect(try load(from: save(rgba, to: "\(folder)/rgba.exr").image).image == rgba)
    }

    @Test(.enabled(if: Corpus.isAvailable, Corpus.missingNote))
    func appliedOrientationIsLeftOutOfTheMetadata() throws {
        let path = try #require(Corpus.root).appendingPathComponent("jpeg/pillow/hopper_orientation_6.jpg").path
        // Not applied: the file's orientation is reported.
        #expect(try imageMetadata(of: .path(path))["orientation"] == 6)
        // Applied: left out by default, as imageio's exclude_applied does; kept on request.
        let applied: JSONObject = ["apply_orientation": true]
        let excluded = try imageMetadata(of: .path(path), options: applied)
        #expect(excluded["orientation"] == nil)
        #expect(excluded["exif"]?["Orientation"] == nil)
        let everything = try imageMetadata(of: .path(path), excludeApplied: false, options: applied)
        #expect(everything["orientation"] == 6)
    }

    @Test func abandonedTemporariesAreFoundAndRemovedButLiveOnesKept() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(LeftoverTemporaryFile.destinationName(ofTemporary: ".frame.png.immetaio-a1B2c3") == "frame.png")
        #expect(LeftoverTemporaryFile.destinationName(ofTemporary: ".frame.png.immetaio-a1B2") == nil)
        #expect(LeftoverTemporaryFile.destinationName(ofTemporary: "frame.png.immetaio-a1B2c3") == nil)
        // A live writer's temporary: locked, and made old on purpose. (Made first: the first sink in a
        // folder sweeps it, which another test checks.)
        let sink = try OutputSink(path: "\(folder)/live.png")
        try sink.write([1, 2, 3])
        let live = try #require(
            try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasPrefix(".live.png.immetaio-") })
        let past = Date().addingTimeInterval(-2 * LeftoverTemporaryFile.gracePeriod)
        // A killed write's leftover: unlocked and older than the grace period.
        let old = "\(folder)/.frame.png.immetaio-AbC123"
        try Data(count: 1000).write(to: URL(fileURLWithPath: old))
        try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: old)
        // A recent one (a writer may be between creating and locking it).
        let recent = "\(folder)/.other.png.immetaio-XyZ789"
        try Data(count: 10).write(to: URL(fileURLWithPath: recent))
        try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: "\(folder)/\(live)")

        let found = try LeftoverTemporaryFile.find(in: folder)
        #expect(found.map(\.destinationName).sorted() == ["frame.png", "live.png", "other.png"])
        #expect(found.filter { !$0.isInUse }.map(\.destinationName) == ["frame.png"])
        #expect(try LeftoverTemporaryFile.find(in: folder, destinationName: "frame.png").first?.byteCount == 1000)
        for leftover in found { leftover.removeIfAbandoned() }
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(FileManager.default.fileExists(atPath: recent))
        #expect(FileManager.default.fileExists(atPath: "\(folder)/\(live)"))
        try sink.commit()
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/live.png")) == Data([1, 2, 3]))
    }

    @Test func aWriteIntoAFolderSweepsItsAbandonedTemporaries() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let leftover = "\(folder)/.frame.png.immetaio-QwE456"
        try Data(count: 100).write(to: URL(fileURLWithPath: leftover))
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-2 * LeftoverTemporaryFile.gracePeriod)], ofItemAtPath: leftover)
        try save(try TestImages.gradient(height: 2, width: 2, channels: 3), to: "\(folder)/frame.png")
        #expect(!FileManager.default.fileExists(atPath: leftover))
    }
}
