import Microscopy
import Testing

@Suite struct MicroscopyModelTests {
    @Test func lengthUnitsParseTheSpellingsFilesUse() {
        #expect(LengthUnit(parsing: "µm") == .micrometer)
        #expect(LengthUnit(parsing: "\u{3bc}m") == .micrometer)
        #expect(LengthUnit(parsing: "um") == .micrometer)
        #expect(LengthUnit(parsing: "micron") == .micrometer)
        #expect(LengthUnit(parsing: "micrometer") == .micrometer)
        #expect(LengthUnit(parsing: "Mm") == .megameter)
        #expect(LengthUnit(parsing: "mm") == .millimeter)
        #expect(LengthUnit(parsing: "furlong") == nil)
        #expect(TimeUnit(parsing: "sec") == .second)
        #expect(TimeUnit(parsing: "millisecond") == .millisecond)
    }

    @Test func conversionsKeepValuesExact() throws {
        let size = Length(0.65, .micrometer)
        let inNanometres = try #require(size.converted(to: .nanometer))
        #expect(abs(inNanometres.value - 650) < 1e-9)
        #expect(Length(1, .pixel).converted(to: .micrometer) == nil)
        #expect(TimeQuantity(1500, .millisecond).converted(to: .second).value == 1.5)
    }

    @Test func colorsRoundTripThroughOMEIntegers() {
        let red = RGBAColor(red: 255, green: 0, blue: 0)
        #expect(red.omeInteger == -16_776_961)
        #expect(RGBAColor(omeInteger: -16_776_961) == red)
        #expect(red.hexRGB == "FF0000")
        #expect(RGBAColor(hex: "#00ff00") == RGBAColor(red: 0, green: 255, blue: 0))
        #expect(RGBAColor(hex: "xyz") == nil)
    }

    @Test func regionsResolveAgainstAShapeAndNameTheAxisThatDoesNotFit() throws {
        let shape = [2, 3, 4, 100, 200]
        let ranges = try MicroscopyRegion(c: 1..<2, y: 10..<20).resolved(against: shape)
        #expect(ranges == [0..<2, 0..<3, 1..<2, 10..<20, 0..<200])
        #expect(throws: ImMetaIOError.self) { try MicroscopyRegion(z: 2..<5).resolved(against: shape) }
        do {
            _ = try MicroscopyRegion(x: 150..<250).resolved(against: shape)
        } catch {
            #expect(error.message.contains("X range"))
        }
    }
}
