import OrderedCollections
import Zarr

/// One multiscale image of an OME-Zarr store: its levels as a pyramid, its axes mapped to
/// `TZCYX`, read a window at a time.
///
/// - **Axes**: the file's axes in any order are transposed to `TZCYX`; missing ones have extent
///   1. Images written by ``OMEZarrWriter`` from RGB pixels open as `TZCYXS` again.
/// - **Calibration**: the full-resolution `scale` (times any multiscale-wide `scale`) gives the
///   physical sizes in the axes' units, and the time increment for `t`.
/// - **Channels**: names and colours from `omero.channels`.
/// - **Annotations**: the other attributes, flattened (`ome.omero.rdefs.defaultZ`,
///   `ome.multiscales.type` …).
///
/// ``read(_:level:)`` reads only the chunks (and, in shards, only the inner chunks) the window
/// meets, in parallel.
public struct OMEZarrImage: MicroscopyImage {
    /// Axes (`TZCYX`, or `TZCYXS` for RGB written by ``OMEZarrWriter``), shape, dtype,
    /// calibration, channels and annotations of the full-resolution level.
    public let metadata: MicroscopyMetadata
    /// Each level's shape in ``MicroscopyMetadata/axes`` order, in the order of
    /// `multiscales[].datasets` (full resolution first).
    public let levelShapes: [[Int]]
    /// The names of the label images in the image's `labels` group.
    public let labelNames: [String]

    private let arrays: [ZarrArray]
    private let axisMap: OMEZarrAxisMap
    /// Samples folded into the channel axis by ``OMEZarrWriter`` (1 otherwise).
    private let samples: Int
    private let limits: DecodeLimits
    private let store: any ZarrStore
    private let groupPath: String
    private let name: String

    /// The most levels, axes and channels read from one image's metadata.
    static let maximumLevels = 64
    static let maximumChannels = 1 << 16

    /// Opens the multiscale image `multiscale` of the group at `path`.
    init(
        store: any ZarrStore, path: String, attributes: JSONObject, multiscale: JSONValue, version: String, limits: DecodeLimits
    ) throws(ImMetaIOError) {
        let name = path.isEmpty ? store.displayName : "\(store.displayName)/\(path)"
        let prefix = path.isEmpty ? "" : path + "/"
        self.store = store
        groupPath = path
        self.name = name
        self.limits = limits
        let axisMap = try OMEZarrAxisMap(multiscale["axes"], file: name)
        self.axisMap = axisMap
        guard let datasets = multiscale["datasets"]?.arrayValue, (1...Self.maximumLevels).contains(datasets.count) else {
            throw ImMetaIOError(.corruptData, "multiscales datasets must list 1 to \(Self.maximumLevels) levels", file: name)
        }
        var arrays: [ZarrArray] = []
        for dataset in datasets {
            guard let datasetPath = dataset["path"]?.stringValue, OMEZarrFile.isRelativePath(datasetPath) else {
                throw ImMetaIOError(.corruptData, "a multiscales dataset has no valid path", file: name)
            }
            let array = try withImMetaIOErrors(file: "\(name)/\(datasetPath)") { try ZarrArray.open(in: store, path: prefix + datasetPath) }
            try axisMap.check(shape: array.shape, file: "\(name)/\(datasetPath)")
            guard array.dtype == arrays.first?.dtype ?? array.dtype else {
                throw ImMetaIOError(.corruptData, "the levels have different data types", file: name)
            }
            arrays.append(array)
        }
        self.arrays = arrays
        let own = attributes[OMEZarrAttributes.ownKey]?.objectValue
        var samples = own?["samplesPerPixel"]?.intValue ?? 1
        // Folded samples need a channel axis that every level divides evenly.
        let channelAxis = axisMap.index(of: .c)
        if samples < 1 || samples > 64 || channelAxis == nil
            || !arrays.allSatisfy({ array in channelAxis.map { array.shape[$0] % samples == 0 } ?? false })
        {
            samples = 1
        }
        self.samples = samples
        var shapes = arrays.map { axisMap.canonicalShape($0.shape) }
        if samples > 1 {
            shapes = shapes.map { shape in
                var split = shape
                split[2] /= samples
                return split + [samples]
            }
        }
        levelShapes = shapes
        var metadata = MicroscopyMetadata(
            axes: samples > 1 ? MicroscopyAxis.canonical + [.s] : MicroscopyAxis.canonical, shape: shapes[0], dtype: arrays[0].dtype)
        Self.calibrate(&metadata, axisMap: axisMap, multiscale: multiscale, datasets: datasets)
        metadata.name = multiscale["name"]?.stringValue ?? attributes["ome"]?["omero"]?["name"]?.stringValue
        Self.readChannels(&metadata, attributes: attributes, count: shapes[0][2], samples: samples)
        if let own {
            // Written by us: the block holds the metadata as it was given (what else there is
            // was derived from it).
            Self.restore(&metadata, from: own)
        } else {
            metadata.annotations = Self.annotations(attributes: attributes, multiscale: multiscale, axisMap: axisMap)
            metadata.provenance = ["format": "OME-Zarr \(version)"]
        }
        self.metadata = metadata
        var labels: [String] = []
        if let group = try? ZarrGroup.open(in: store, path: prefix + "labels") {
            let listed = group.attributes["ome"]?["labels"]?.arrayValue ?? group.attributes["labels"]?.arrayValue ?? []
            labels = listed.compactMap(\.stringValue).prefix(1024).filter(OMEZarrFile.isRelativePath)
        }
        labelNames = labels
    }

    /// Reads a window of one level, in ``MicroscopyMetadata/axes`` order.
    /// - Throws: `invalidArgument` for a level or window outside the image, `limitExceeded` for a
    ///   window larger than the file's limits, the Zarr engine's errors for damaged chunks.
    public func read(_ region: MicroscopyRegion, level: Int) throws(ImMetaIOError) -> NDArray {
        guard levelShapes.indices.contains(level) else {
            throw ImMetaIOError(.invalidArgument, "level \(level) does not exist: the image has \(levelShapes.count) levels", file: name)
        }
        var ranges = try region.resolved(against: levelShapes[level], file: name)
        if samples > 1 {
            // The file's channels are the model's channels times the samples.
            ranges[2] = (ranges[2].lowerBound * samples)..<(ranges[2].upperBound * samples)
        }
        let (start, extent) = axisMap.fileRegion(Array(ranges.prefix(5)))
        let array = arrays[level]
        let pixels = try withImMetaIOErrors(file: name) { try array.read(start: start, shape: extent, limits: limits) }
        if samples > 1 {
            return SampleFolding.unfold(axisMap.arranged(pixels, as: [.t, .c, .z, .y, .x]), samples: samples)
        }
        return axisMap.arranged(pixels, as: MicroscopyAxis.canonical)
    }

    /// Opens the label image `name` of the image's `labels` group.
    public func label(named label: String) throws(ImMetaIOError) -> OMEZarrImage {
        guard labelNames.contains(label) else {
            throw ImMetaIOError(.invalidArgument, "no label image '\(label)' (the image has \(labelNames))", file: name)
        }
        let path = (groupPath.isEmpty ? "" : groupPath + "/") + "labels/" + label
        let images = try OMEZarrFile.images(in: store, path: path, limits: limits)
        guard let first = images.first else { throw ImMetaIOError(.corruptData, "the label image '\(label)' holds no image", file: name) }
        return first
    }

    // MARK: Metadata

    /// Physical sizes and time increment from the full-resolution scale.
    private static func calibrate(_ metadata: inout MicroscopyMetadata, axisMap: OMEZarrAxisMap, multiscale: JSONValue, datasets: [JSONValue]) {
        func scale(_ transforms: JSONValue?) -> [Double]? {
            let vector = transforms?.arrayValue?.first { $0["type"]?.stringValue == "scale" }?["scale"]?.arrayValue
            let values = vector?.compactMap(\.doubleValue)
            return values?.count == axisMap.axes.count ? values : nil
        }
        var factors = scale(datasets[0]["coordinateTransformations"]) ?? Array(repeating: 1, count: axisMap.axes.count)
        if let global = scale(multiscale["coordinateTransformations"]) { factors = zip(factors, global).map(*) }
        for (index, axis) in axisMap.axes.enumerated() {
            let value = factors[index]
            guard let axis, value.isFinite, value > 0, let unitName = axisMap.units[index] else { continue }
            switch axis {
            case .t:
                if let unit = TimeUnit(parsing: unitName) { metadata.timeIncrement = TimeQuantity(value, unit) }
            case .x, .y, .z:
                guard let unit = LengthUnit(parsing: unitName) else { continue }
                let length = Length(value, unit)
                if axis == .x { metadata.physicalSizeX = length } else if axis == .y { metadata.physicalSizeY = length } else {
                    metadata.physicalSizeZ = length
                }
            default: break
            }
        }
    }

    /// Channel names and colours from `omero.channels` (the sample channels of folded RGB
    /// pixels are merged back: their names came from our own block).
    private static func readChannels(_ metadata: inout MicroscopyMetadata, attributes: JSONObject, count: Int, samples: Int) {
        guard samples == 1, let list = attributes["ome"]?["omero"]?["channels"]?.arrayValue ?? attributes["omero"]?["channels"]?.arrayValue
        else { return }
        metadata.channels = list.prefix(min(count, maximumChannels)).map { entry in
            MicroscopyChannel(name: entry["label"]?.stringValue, color: entry["color"]?.stringValue.flatMap { RGBAColor(hex: $0) })
        }
    }

    /// The attributes with no field of their own, flattened to `path: value` pairs.
    private static func annotations(attributes: JSONObject, multiscale: JSONValue, axisMap: OMEZarrAxisMap) -> OrderedDictionary<String, String> {
        var result: OrderedDictionary<String, String> = [:]
        func flatten(_ value: JSONValue, _ key: String) {
            guard result.count < 10_000 else { return }
            switch value {
            case .object(let object):
                for (member, item) in object { flatten(item, key.isEmpty ? member : "\(key).\(member)") }
            case .array(let items) where !items.allSatisfy(\.isScalarValue):
                for (index, item) in items.enumerated() { flatten(item, "\(key).\(index)") }
            case .string(let text):
                result[key] = String(text.prefix(65_536))
            default:
                result[key] = String(value.description.prefix(65_536))
            }
        }
        for (key, value) in attributes where key != OMEZarrAttributes.ownKey {
            guard key == "ome", var ome = value.objectValue else {
                if key != "multiscales" && key != "omero" { flatten(value, key) }
                continue
            }
            ome["version"] = nil
            ome["multiscales"] = nil
            if var omero = ome["omero"]?.objectValue {
                omero["channels"] = nil
                ome["omero"] = omero.isEmpty ? nil : .object(omero)
            }
            flatten(.object(ome), "ome")
        }
        for key in ["type", "metadata", "coordinateTransformations"] {
            if let value = multiscale[key] { flatten(value, "ome.multiscales.\(key)") }
        }
        for (index, unit) in axisMap.units.enumerated() {
            guard let unit, let axis = axisMap.axes[index] else { continue }
            let known = axis == .t ? TimeUnit(parsing: unit) != nil : axis == .c || LengthUnit(parsing: unit) != nil
            if !known { result["ome.axes.\(axisMap.names[index]).unit"] = unit }
        }
        return result
    }

    /// The model's fields our writer kept in the `immetaio` attribute.
    private static func restore(_ metadata: inout MicroscopyMetadata, from own: JSONObject) {
        func length(_ value: JSONValue?) -> Length? {
            guard let number = value?["value"]?.doubleValue, let unit = value?["unit"]?.stringValue.flatMap(LengthUnit.init(parsing:))
            else { return nil }
            return Length(number, unit)
        }
        let channels = own["channels"]?.arrayValue ?? []
        metadata.channels = channels.prefix(maximumChannels).map { entry in
            MicroscopyChannel(
                name: entry["name"]?.stringValue, color: entry["color"]?.stringValue.flatMap { RGBAColor(hex: $0) },
                excitationWavelength: length(entry["excitationWavelength"]), emissionWavelength: length(entry["emissionWavelength"]),
                samplesPerPixel: entry["samplesPerPixel"]?.intValue)
        }
        if let size = length(own["physicalSizeX"]) { metadata.physicalSizeX = size }
        if let size = length(own["physicalSizeY"]) { metadata.physicalSizeY = size }
        if let size = length(own["physicalSizeZ"]) { metadata.physicalSizeZ = size }
        metadata.acquisitionDate = own["acquisitionDate"]?.stringValue
        metadata.significantBits = own["significantBits"]?.intValue
        if let instrument = own["instrument"]?.objectValue {
            metadata.instrument = InstrumentSummary(
                microscope: instrument["microscope"]?.stringValue, objective: instrument["objective"]?.stringValue,
                nominalMagnification: instrument["nominalMagnification"]?.doubleValue, lensNA: instrument["lensNA"]?.doubleValue,
                immersion: instrument["immersion"]?.stringValue, detector: instrument["detector"]?.stringValue)
        }
        if let provenance = own["provenance"]?.objectValue {
            metadata.provenance = OrderedDictionary(uniqueKeysWithValues: provenance.compactMap { entry in entry.value.stringValue.map { (entry.key, $0) } })
        }
        metadata.annotations = OrderedDictionary(
            uniqueKeysWithValues: (own["annotations"]?.objectValue ?? [:]).compactMap { entry in entry.value.stringValue.map { (entry.key, $0) } })
    }
}

extension JSONValue {
    /// Whether the value is a number, string, boolean or null.
    var isScalarValue: Bool {
        switch self {
        case .array, .object, .ndarray: false
        default: true
        }
    }
}
