@testable import ImageConversion
import Testing

@Suite struct DisplayScalarTests {
    @Test func onlyNarrowIntegersUseHistograms() {
        #expect(UInt8.histogramRange == 0...255)
        #expect(Int8.histogramRange == -128...127)
        #expect(UInt16.histogramRange == 0...65535)
        #expect(Int16.histogramRange == -32768...32767)
        #expect(Int32.histogramRange == nil)
        #expect(Float.histogramRange == nil)
        #expect(Double.histogramRange == nil)
        #expect(Float.nan.displayValue.isNaN)
        #expect(UInt64.max.displayValue == 18_446_744_073_709_551_616)
    }
}
