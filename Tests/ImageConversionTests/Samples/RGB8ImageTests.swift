@testable import ImageConversion
import Testing

@Suite struct RGB8ImageTests {
    @Test func validatesSizes() throws {
        #expect(throws: SampleRenderingError.countMismatch(expected: 6, actual: 5)) {
            try RGB8Image(width: 2, height: 1, pixels: [1, 2, 3, 4, 5])
        }
        #expect(throws: SampleRenderingError.negativeDimension("width -1")) { try RGB8Image(width: -1, height: 1) }
        #expect(throws: SampleRenderingError.tooLarge(width: Int.max, height: 2)) {
            try RGB8Image(width: Int.max, height: 2)
        }
        let filled = try RGB8Image(width: 2, height: 1, fill: RGB8Color(red: 1, green: 2, blue: 3))
        #expect(filled.pixels == [1, 2, 3, 1, 2, 3])
        #expect(filled.pixel(x: 2, y: 0) == nil)
        #expect(filled.pixel(x: -1, y: 0) == nil)
    }

    @Test func nearestNeighbourResizeKeepsBlocksAndEnds() throws {
        let source = try RGB8Image(width: 2, height: 1, pixels: [0, 0, 0, 255, 255, 255])
        let up = source.resized(width: 6, height: 2)
        #expect(up.pixels.count == 36)
        #expect((0..<6).map { up.pixel(x: $0, y: 1)?.red } == [0, 0, 0, 255, 255, 255])
        let ramp = try RGB8Image(width: 10, height: 1, pixels: (0..<10).flatMap { [UInt8($0), 0, 0] })
        #expect((0..<5).map { ramp.resized(width: 5, height: 1).pixel(x: $0, y: 0)?.red } == [1, 3, 5, 7, 9])
        #expect(ramp.resized(width: 0, height: 3).isEmpty)
    }

    @Test func drawAndFillClip() throws {
        var canvas = try RGB8Image(width: 3, height: 3)
        let patch = try RGB8Image(width: 2, height: 2, fill: .white)
        canvas.draw(patch, x: 2, y: -1)
        #expect(canvas.pixel(x: 2, y: 0) == .white)
        #expect(canvas.pixels.filter { $0 == 255 }.count == 3)
        canvas.fillRect(x: Int.min, y: Int.min, width: Int.max, height: Int.max, color: .white)
        canvas.fillRect(x: 1, y: 1, width: Int.max, height: Int.max, color: RGB8Color(grey: 9))
        #expect(canvas.pixel(x: 2, y: 2) == RGB8Color(grey: 9))
        canvas.draw(patch, x: Int.max, y: Int.min)
    }
}
