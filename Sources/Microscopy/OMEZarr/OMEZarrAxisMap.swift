/// How the axes of a multiscale image in a file map to the model's `TZCYX`: any order, any
/// subset (missing axes have extent 1), a custom axis allowed when its extent is 1.
struct OMEZarrAxisMap: Sendable, Equatable {
    /// The model axis of each file axis, `nil` for a custom axis of extent 1 (read as index 0).
    let axes: [MicroscopyAxis?]
    /// Each file axis's name and unit.
    let names: [String]
    let units: [String?]

    /// Reads `multiscales[].axes`. Axes without a type (files of 0.3 and earlier) are typed by
    /// name; two space axes are `y, x` and three `z, y, x` (in the file's order, unless they are
    /// named `x`, `y`, `z`).
    init(_ json: JSONValue?, file: String) throws(ImMetaIOError) {
        func corrupt(_ message: String) -> ImMetaIOError { ImMetaIOError(.corruptData, message, file: file) }
        guard let list = json?.arrayValue, (1...8).contains(list.count) else {
            throw corrupt("multiscales axes must be a list of 1 to 8 axes")
        }
        var names: [String] = [], types: [String?] = [], units: [String?] = []
        for entry in list {
            // OME-Zarr 0.3 lists axes as bare names.
            guard let name = entry["name"]?.stringValue ?? entry.stringValue else { throw corrupt("an axis has no name") }
            names.append(name)
            var type = entry["type"]?.stringValue
            if type == nil {
                switch name.lowercased() {
                case "t": type = "time"
                case "c": type = "channel"
                case "x", "y", "z": type = "space"
                default: break
                }
            }
            types.append(type)
            units.append(entry["unit"]?.stringValue)
        }
        guard Set(names).count == names.count else { throw corrupt("axis names \(names) are not unique") }
        var axes: [MicroscopyAxis?] = Array(repeating: nil, count: names.count)
        let space = types.indices.filter { types[$0] == "space" }
        guard (1...3).contains(space.count) else { throw corrupt("\(space.count) space axes (1 to 3 expected)") }
        let spaceNames = space.map { names[$0].lowercased() }
        if Set(spaceNames).isSubset(of: ["x", "y", "z"]) {
            for index in space { axes[index] = MicroscopyAxis(rawValue: Character(names[index].uppercased())) }
        } else {
            let positional: [MicroscopyAxis] = Array([MicroscopyAxis.z, .y, .x].suffix(space.count))
            for (index, axis) in zip(space, positional) { axes[index] = axis }
        }
        for (kind, axis) in [("time", MicroscopyAxis.t), ("channel", MicroscopyAxis.c)] {
            let matching = types.indices.filter { types[$0] == kind }
            guard matching.count <= 1 else { throw corrupt("more than one \(kind) axis") }
            if let index = matching.first { axes[index] = axis }
        }
        let mapped = axes.compactMap { $0 }
        guard Set(mapped).count == mapped.count else { throw corrupt("axes \(names) name one model axis twice") }
        self.axes = axes
        self.names = names
        self.units = units
    }

    /// The file axis of a model axis.
    func index(of axis: MicroscopyAxis) -> Int? { axes.firstIndex(of: axis) }

    /// Checks that every custom axis has extent 1 in `shape` (a level's shape in file order).
    func check(shape: [Int], file: String) throws(ImMetaIOError) {
        guard shape.count == axes.count else {
            throw ImMetaIOError(.corruptData, "an array has \(shape.count) dimensions for \(axes.count) axes", file: file)
        }
        for (index, axis) in axes.enumerated() where axis == nil && shape[index] != 1 {
            throw ImMetaIOError(
                .unsupportedFeature, "the axis '\(names[index])' (not time, channel or space) has \(shape[index]) entries", file: file)
        }
    }

    /// A level's shape in `TZCYX` order (missing axes: 1).
    func canonicalShape(_ shape: [Int]) -> [Int] {
        MicroscopyAxis.canonical.map { axis in index(of: axis).map { shape[$0] } ?? 1 }
    }

    /// The region of `ranges` (in `TZCYX` order) in file order: start and extent per file axis.
    func fileRegion(_ ranges: [Range<Int>]) -> (start: [Int], extent: [Int]) {
        var start: [Int] = [], extent: [Int] = []
        for axis in axes {
            guard let axis, let position = MicroscopyAxis.canonical.firstIndex(of: axis) else {
                start.append(0)
                extent.append(1)
                continue
            }
            start.append(ranges[position].lowerBound)
            extent.append(ranges[position].count)
        }
        return (start, extent)
    }

    /// An array read in file order, in `order` (model axes among `TZCYX`), missing axes of
    /// extent 1 added.
    func arranged(_ array: NDArray, as order: [MicroscopyAxis]) -> NDArray {
        // The file's model axes, in file order, with the missing ones in front (extent 1).
        let present = axes.compactMap { $0 }
        let missing = order.filter { !present.contains($0) }
        let sourceAxes = missing + present
        let sourceShape = missing.map { _ in 1 } + axes.indices.filter { axes[$0] != nil }.map { array.shape[$0] }
        let reshaped = NDArray(reshaping: array, to: sourceShape)
        let permutation = order.map { axis in sourceAxes.firstIndex(of: axis) ?? 0 }
        return reshaped.permuted(permutation)
    }
}
