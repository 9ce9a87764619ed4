import Foundation
import ImMetaIOCore
import NDArrayModule
import Parquet
import Zarr

/// `immetaio samples`: a grid of images from a converted store, each stretched between its own
/// 0.5th and 99.5th percentiles (so FITS frames of any range are visible) and labelled with its
/// index and file name.
public enum SampleSheet {
    /// Renders `count` images chosen at random with `seed` (without repetition, in index order),
    /// or exactly `indices` when given (negative ones count from the end), as an H×W×3 uint8 image.
    /// - Throws: `invalidArgument` for an index outside the array or more than
    ///   ``SampleGrid/maximumTiles`` images.
    public static func render(store path: String, count: Int = 6, seed: UInt64 = 0, indices: [Int]? = nil) throws -> NDArray {
        let store = try ZarrStoreLocation.store(for: path)
        let array = try ZarrArray.open(in: store, path: ImageConverter.arrayName)
        let chw = try ImageConverter.imageShape(of: array, store: path)
        let total = array.shape[0]
        let chosen = try indices.map { list in
            try list.map { index in
                let resolved = index < 0 ? total + index : index
                guard (0..<total).contains(resolved) else {
                    throw ImMetaIOError(.invalidArgument, "index \(index) is outside the store's \(total) images", file: path)
                }
                return resolved
            }
        } ?? randomIndices(count: min(count, total), below: total, seed: seed)
        guard chosen.count <= SampleGrid.maximumTiles else {
            throw ImMetaIOError(.invalidArgument, "at most \(SampleGrid.maximumTiles) images fit a sheet, not \(chosen.count)")
        }
        let names = captions(ConversionPaths(output: path).table)
        let normalization = DisplayNormalization(maximumOutputSide: 256)
        var tiles: [SampleGrid.Tile] = []
        let (channels, height, width) = (chw[0], chw[1], chw[2])
        let zeros = array.shape.map { _ in 0 }
        for index in chosen {
            var start = zeros
            start[0] = index
            var image = try array.read(start: start, shape: [1] + array.shape.dropFirst())
            if image.dtype == .bool || image.dtype == .float16 { image = image.astype(.float32) }
            let rendered: RGB8Image
            do {
                rendered = try render(image, normalization, channels: channels, height: height, width: width)
            } catch {
                throw ImMetaIOError(.invalidArgument, "cannot draw image \(index): \(error)", file: path)
            }
            tiles.append(SampleGrid.Tile(image: rendered, index: index, caption: names.flatMap { $0.indices.contains(index) ? $0[index] : nil }))
        }
        let sheet: RGB8Image
        do {
            sheet = try SampleGrid(title: "\(chosen.count) of \(total) images in \((path as NSString).lastPathComponent)").render(tiles)
        } catch {
            throw ImMetaIOError(.invalidArgument, "cannot lay out the sheet: \(error)", file: path)
        }
        return try NDArray(sheet.pixels, shape: [sheet.height, sheet.width, 3])
    }

    private static func render(
        _ image: NDArray, _ normalization: DisplayNormalization, channels: Int, height: Int, width: Int
    ) throws -> RGB8Image {
        func typed<T: DisplayScalar & NDArrayElement>(_: T.Type) throws -> RGB8Image {
            try image.withUnsafeBufferPointer(of: T.self) { try normalization.render($0, channels: channels, height: height, width: width) }
        }
        switch image.dtype {
        case .uint8: return try typed(UInt8.self)
        case .uint16: return try typed(UInt16.self)
        case .uint32: return try typed(UInt32.self)
        case .uint64: return try typed(UInt64.self)
        case .int8: return try typed(Int8.self)
        case .int16: return try typed(Int16.self)
        case .int32: return try typed(Int32.self)
        case .int64: return try typed(Int64.self)
        case .float64: return try typed(Double.self)
        default: return try typed(Float.self)
        }
    }

    /// `count` distinct indices below `total` drawn with a generator seeded with `seed`, sorted.
    static func randomIndices(count: Int, below total: Int, seed: UInt64) -> [Int] {
        var random = SplitMix64(seed: seed)
        // A partial Fisher–Yates shuffle over a sparse map: memory grows with `count`, not `total`.
        var swapped: [Int: Int] = [:]
        var chosen: [Int] = []
        for position in 0..<count {
            let pick = position + Int(random.next() % UInt64(total - position))
            let value = swapped[pick] ?? pick
            swapped[pick] = swapped[position] ?? position
            chosen.append(value)
        }
        return chosen.sorted()
    }

    /// The table's `original_filename` (else `filename`) column, when readable.
    private static func captions(_ table: String) -> [String?]? {
        guard FileManager.default.fileExists(atPath: table), let reader = try? ParquetFileReader(path: table) else { return nil }
        for name in ["original_filename", "filename"] where reader.schema.contains(where: { $0.name == name }) {
            if case .string(let values)? = try? reader.readColumn(named: name) { return values }
        }
        return nil
    }
}
