import Microscopy
import Testing

@Suite struct MergedImageTests {
    /// A TZCYX uint16 image whose values encode the source and position.
    private func image(_ shape: [Int], tag: Int, name: String) throws -> ArrayMicroscopyImage {
        let count = shape.reduce(1, *)
        let array = try NDArray((0..<count).map { UInt16(truncatingIfNeeded: tag * 10_000 + $0) }, shape: shape)
        var metadata = MicroscopyMetadata(axes: MicroscopyAxis.canonical, shape: shape, dtype: .uint16)
        metadata.provenance["source_file"] = name
        metadata.channels = (0..<shape[2]).map { MicroscopyChannel(name: "\(name)-c\($0)") }
        return try ArrayMicroscopyImage(array, metadata: metadata)
    }

    @Test(arguments: [MicroscopyAxis.t, .z, .c])
    func strictMergesConcatenateAlongTheAxis(axis: MicroscopyAxis) throws {
        var first = [2, 3, 2, 5, 4], second = first
        let index = MicroscopyAxis.canonical.firstIndex(of: axis)!
        second[index] = 1
        let a = try image(first, tag: 1, name: "a.tif"), b = try image(second, tag: 2, name: "b.tif")
        let merged = try MergedImage([a, b], along: axis, policy: .strict)
        first[index] += 1
        #expect(merged.metadata.shape == first)
        let whole = try merged.read()
        #expect(try ArrayMicroscopyImage(whole).read(MicroscopyRegion.along(axis, 0..<(first[index] - 1))) == a.array)
        #expect(try ArrayMicroscopyImage(whole).read(MicroscopyRegion.along(axis, (first[index] - 1)..<first[index])) == b.array)
        #expect(merged.metadata.provenance["merge.axis"] == axis.description)
        #expect(merged.metadata.provenance["merge.source.1"]?.hasPrefix("b.tif") == true)
        if axis == .c { #expect(merged.metadata.channels.compactMap(\.name) == ["a.tif-c0", "a.tif-c1", "b.tif-c0"]) }
        // A window across the seam equals the same window of the whole.
        let window = MicroscopyRegion(t: 1..<2, z: 1..<3, c: 0..<2, y: 1..<4, x: 2..<4)
        let clipped = try clip(window, to: merged.metadata.shape)
        #expect(try merged.read(clipped) == ArrayMicroscopyImage(whole).read(clipped))
    }

    private func clip(_ region: MicroscopyRegion, to shape: [Int]) throws -> MicroscopyRegion {
        func cut(_ range: Range<Int>?, _ extent: Int) -> Range<Int>? { range.map { $0.clamped(to: 0..<extent) } }
        return MicroscopyRegion(t: cut(region.t, shape[0]), z: cut(region.z, shape[1]), c: cut(region.c, shape[2]), y: cut(region.y, shape[3]), x: cut(region.x, shape[4]))
    }

    @Test func strictMergeOfDifferentSizesNamesTheAxisTheFilesAndTheirSizes() throws {
        let a = try image([1, 2, 1, 5, 4], tag: 1, name: "a.tif"), b = try image([1, 2, 1, 6, 4], tag: 2, name: "b.tif")
        do {
            _ = try MergedImage([a, b], along: .t, policy: .strict)
            Issue.record("a strict merge of different Y sizes must fail")
        } catch {
            #expect(error.message.contains("Y sizes differ"))
            #expect(error.message.contains("a.tif: 5") && error.message.contains("b.tif: 6"))
        }
        #expect(throws: ImMetaIOError.self) { try MergedImage([a, b], along: .y, policy: .pad) }
        #expect(throws: ImMetaIOError.self) { try MergedImage([], along: .t, policy: .pad) }
    }

    @Test func paddedMergeZeroFillsTheSmallerInputs() throws {
        let a = try image([1, 2, 1, 5, 4], tag: 1, name: "a.tif"), b = try image([2, 1, 1, 3, 6], tag: 2, name: "b.tif")
        let merged = try MergedImage([a, b], along: .t, policy: .pad)
        #expect(merged.metadata.shape == [3, 2, 1, 5, 6])
        let whole = try ArrayMicroscopyImage(try merged.read())
        #expect(try whole.read(MicroscopyRegion(t: 0..<1, x: 0..<4)) == a.array)
        #expect(try whole.read(MicroscopyRegion(t: 1..<3, z: 0..<1, y: 0..<3)) == b.array)
        // Outside each input's own extent: zeros.
        #expect(try whole.read(MicroscopyRegion(t: 0..<1, x: 4..<6)).scalars(as: UInt16.self).allSatisfy { $0 == 0 })
        #expect(try whole.read(MicroscopyRegion(t: 1..<3, z: 1..<2)).scalars(as: UInt16.self).allSatisfy { $0 == 0 })
        #expect(try whole.read(MicroscopyRegion(t: 1..<3, y: 3..<5)).scalars(as: UInt16.self).allSatisfy { $0 == 0 })
    }
}

extension MicroscopyRegion {
    /// A region that limits one axis.
    static func along(_ axis: MicroscopyAxis, _ range: Range<Int>) -> MicroscopyRegion {
        switch axis {
        case .t: MicroscopyRegion(t: range)
        case .z: MicroscopyRegion(z: range)
        case .c: MicroscopyRegion(c: range)
        case .y: MicroscopyRegion(y: range)
        default: MicroscopyRegion(x: range)
        }
    }
}
