import Foundation
import ImMetaIOVideo
@testable import VideoFormat
import Testing

/// AVI with the codecs a user names for it, on default settings: MJPEG (full-range YUV, which
/// FFmpeg's encoder requires), MPEG-4 (the default), raw video and FFV1.
@Suite struct AVICodecTests {
    @Test(arguments: [("mjpeg", 30.0), ("mpeg4", 28.0), ("rawvideo", 38.0), ("ffv1", 38.0)])
    func writesAndReadsBack(codec: String, minimumPSNR: Double) throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let frames = try VideoFormatTests.movingFrames(count: 12, height: 48, width: 64)
        let path = "\(folder)/clip.avi"
        try VideoFormatTests.write(frames, to: path, options: ["codec": .string(codec)])
        let file = try openImage(.path(path), registry: VideoFormatTests.registry)
        #expect(try file.imageCount() == 12)
        let metadata = try file.metadata()
        #expect(metadata["codec"]?.stringValue == codec && metadata["container"] == "avi")
        let back = try file.read()
        #expect(back.shape == [12, 48, 64, 3])
        let psnr = TestImages.psnr(frames, back)
        #expect(psnr > minimumPSNR, "\(codec): PSNR \(psnr) dB")
    }

    /// MJPEG frames are coded in full range: black and white survive as 0 and 255 (limited range
    /// read as full, or the reverse, would shift them).
    @Test func mjpegKeepsBlackAndWhite() throws {
        let folder = try TestImages.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var values = [UInt8](repeating: 0, count: 2 * 32 * 32 * 3)
        for index in (values.count / 2)..<values.count { values[index] = 255 }
        let frames = try NDArray(values, shape: [2, 32, 32, 3])
        let path = "\(folder)/bw.avi"
        try VideoFormatTests.write(frames, to: path, options: ["codec": "mjpeg"])
        #expect(try imageMetadata(of: .path(path), registry: VideoFormatTests.registry)["pixel_format"]?.stringValue?.hasPrefix("yuvj") == true)
        let back = try readImage(from: .path(path), registry: VideoFormatTests.registry).scalars(as: UInt8.self)
        #expect(back[..<(back.count / 2)].allSatisfy { $0 <= 1 })
        #expect(back[(back.count / 2)...].allSatisfy { $0 >= 254 })
    }
}
