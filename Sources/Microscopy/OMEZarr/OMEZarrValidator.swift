import Zarr

/// Checks OME-Zarr 0.5 image metadata against the specification's rules: what ``OMEZarrWriter``
/// runs on everything it is about to finalise, so that a bug in the writer can never leave a
/// store that other tools reject.
enum OMEZarrValidator {
    static let spaceUnits: Set<String> = [
        "angstrom", "attometer", "centimeter", "decimeter", "exameter", "femtometer", "foot", "gigameter", "hectometer", "inch",
        "kilometer", "megameter", "meter", "micrometer", "mile", "millimeter", "nanometer", "parsec", "petameter", "picometer",
        "terameter", "yard", "yoctometer", "yottameter", "zeptometer", "zettameter",
    ]
    static let timeUnits: Set<String> = [
        "attosecond", "centisecond", "day", "decisecond", "exasecond", "femtosecond", "gigasecond", "hectosecond", "hour",
        "kilosecond", "megasecond", "microsecond", "millisecond", "minute", "nanosecond", "petasecond", "picosecond", "second",
        "terasecond", "yoctosecond", "yottasecond", "zeptosecond", "zettasecond",
    ]
    static let labelTypes: Set<DType> = [.uint8, .int8, .uint16, .int16, .uint32, .int32, .uint64, .int64]

    /// The rules an image group's attributes break, empty when none.
    /// - Parameters:
    ///   - attributes: the group's `attributes`.
    ///   - array: the metadata of the array at a path relative to the group, `nil` when missing.
    ///   - isLabel: a label image (integer arrays; `image-label` checked).
    static func problems(image attributes: JSONObject, array: (String) -> ZarrArrayMetadata?, isLabel: Bool = false) -> [String] {
        var problems: [String] = []
        guard let ome = attributes["ome"]?.objectValue else { return ["attributes have no 'ome' object"] }
        if ome["version"]?.stringValue != "0.5" { problems.append("ome.version must be \"0.5\"") }
        guard let multiscales = ome["multiscales"]?.arrayValue, !multiscales.isEmpty else {
            return problems + ["ome.multiscales must be a non-empty list"]
        }
        for (number, multiscale) in multiscales.enumerated() {
            problems += check(multiscale: multiscale, at: "ome.multiscales[\(number)]", array: array, isLabel: isLabel)
        }
        if let omero = ome["omero"] {
            problems += check(omero: omero, multiscale: multiscales[0], array: array)
        }
        if isLabel, let label = ome["image-label"] {
            problems += check(imageLabel: label)
        }
        return problems
    }

    /// The rules a `labels` group's attributes break.
    static func problems(labels attributes: JSONObject, children: Set<String>) -> [String] {
        guard let ome = attributes["ome"]?.objectValue else { return ["labels group attributes have no 'ome' object"] }
        var problems: [String] = []
        if ome["version"]?.stringValue != "0.5" { problems.append("labels: ome.version must be \"0.5\"") }
        guard let names = ome["labels"]?.arrayValue, names.allSatisfy({ $0.stringValue != nil }) else {
            return problems + ["labels: ome.labels must be a list of paths"]
        }
        for name in names.compactMap(\.stringValue) where !children.contains(name) {
            problems.append("labels: '\(name)' is listed but not written")
        }
        return problems
    }

    private static func check(
        multiscale: JSONValue, at place: String, array: (String) -> ZarrArrayMetadata?, isLabel: Bool
    ) -> [String] {
        var problems: [String] = []
        guard let axes = multiscale["axes"]?.arrayValue, (2...5).contains(axes.count) else {
            return ["\(place).axes must list 2 to 5 axes"]
        }
        let names = axes.map { $0["name"]?.stringValue ?? "" }
        let types = axes.map { $0["type"]?.stringValue }
        if names.contains("") { problems.append("\(place).axes: every axis needs a name") }
        if Set(names).count != names.count { problems.append("\(place).axes: names \(names) are not unique") }
        let spaceCount = types.filter { $0 == "space" }.count
        if !(2...3).contains(spaceCount) { problems.append("\(place).axes: \(spaceCount) space axes (2 or 3 needed)") }
        if types.filter({ $0 == "time" }).count > 1 { problems.append("\(place).axes: more than one time axis") }
        if types.filter({ $0 == "channel" }).count > 1 { problems.append("\(place).axes: more than one channel axis") }
        if types.filter({ $0 != "space" && $0 != "time" && $0 != "channel" }).count > 1 {
            problems.append("\(place).axes: more than one custom axis")
        }
        if !types.suffix(spaceCount).allSatisfy({ $0 == "space" }) { problems.append("\(place).axes: space axes must come last") }
        if let time = types.firstIndex(of: "time"), time != 0 { problems.append("\(place).axes: the time axis must come first") }
        for (axis, entry) in axes.enumerated() {
            guard let unit = entry["unit"] else { continue }
            let valid = types[axis] == "space" ? unit.stringValue.map(spaceUnits.contains) : types[axis] == "time" ? unit.stringValue.map(timeUnits.contains) : true
            if valid != true { problems.append("\(place).axes[\(axis)]: unit \(unit) is not a UDUNITS-2 \(types[axis] ?? "") unit") }
        }
        guard let datasets = multiscale["datasets"]?.arrayValue, !datasets.isEmpty else {
            return problems + ["\(place).datasets must be a non-empty list"]
        }
        var previousScale: [Double]?
        var previousShape: [Int]?
        for (level, dataset) in datasets.enumerated() {
            let here = "\(place).datasets[\(level)]"
            guard let path = dataset["path"]?.stringValue, !path.isEmpty else {
                problems.append("\(here).path must be a non-empty string")
                continue
            }
            let transforms = dataset["coordinateTransformations"]?.arrayValue ?? []
            let kinds = transforms.map { $0["type"]?.stringValue ?? "" }
            if kinds != ["scale"] && kinds != ["scale", "translation"] {
                problems.append("\(here).coordinateTransformations must be one scale, optionally followed by one translation, not \(kinds)")
            }
            var scale: [Double]?
            for transform in transforms {
                let kind = transform["type"]?.stringValue ?? ""
                guard let vector = transform[kind]?.arrayValue?.compactMap(\.doubleValue), vector.count == transform[kind]?.arrayValue?.count
                else {
                    problems.append("\(here): the \(kind) must be a list of numbers")
                    continue
                }
                if vector.count != axes.count {
                    problems.append("\(here): the \(kind) has \(vector.count) entries for \(axes.count) axes")
                }
                if !vector.allSatisfy(\.isFinite) { problems.append("\(here): the \(kind) has a non-finite entry") }
                if kind == "scale" {
                    if !vector.allSatisfy({ $0 > 0 }) { problems.append("\(here): scale entries must be positive") }
                    scale = vector
                }
            }
            if let scale, let previousScale, scale.count == previousScale.count, zip(scale, previousScale).contains(where: { $0 < $1 }) {
                problems.append("\(here): the scale \(scale) is finer than the level above (\(previousScale))")
            }
            previousScale = scale ?? previousScale
            guard let metadata = array(path) else {
                problems.append("\(here): no array at '\(path)'")
                continue
            }
            if metadata.shape.count != axes.count {
                problems.append("\(here): the array has \(metadata.shape.count) dimensions for \(axes.count) axes")
            }
            if metadata.dimensionNames?.map({ $0 ?? "" }) != names {
                problems.append("\(here): dimension_names \(metadata.dimensionNames.map { $0.map { $0 ?? "null" } } ?? []) differ from the axes \(names)")
            }
            if isLabel, !labelTypes.contains(metadata.dtype) { problems.append("\(here): a label array must be integer, not \(metadata.dtype)") }
            if let previousShape, previousShape.count == metadata.shape.count, zip(metadata.shape, previousShape).contains(where: { $0 > $1 }) {
                problems.append("\(here): the shape \(metadata.shape) is larger than the level above (\(previousShape))")
            }
            previousShape = metadata.shape
        }
        return problems
    }

    private static func check(omero: JSONValue, multiscale: JSONValue, array: (String) -> ZarrArrayMetadata?) -> [String] {
        var problems: [String] = []
        guard let channels = omero["channels"]?.arrayValue else { return ["omero.channels must be a list"] }
        let axes = multiscale["axes"]?.arrayValue ?? []
        if let channelAxis = axes.firstIndex(where: { $0["type"]?.stringValue == "channel" }),
            let path = multiscale["datasets"]?.arrayValue?.first?["path"]?.stringValue, let metadata = array(path),
            channelAxis < metadata.shape.count, metadata.shape[channelAxis] != channels.count
        {
            problems.append("omero.channels has \(channels.count) entries for \(metadata.shape[channelAxis]) channels")
        }
        for (index, channel) in channels.enumerated() {
            let color = channel["color"]?.stringValue ?? ""
            if color.count != 6 || UInt32(color, radix: 16) == nil { problems.append("omero.channels[\(index)].color must be RRGGBB hex") }
            let window = channel["window"]
            if !["start", "end", "min", "max"].allSatisfy({ window?[$0]?.doubleValue != nil }) {
                problems.append("omero.channels[\(index)].window needs numbers start, end, min and max")
            }
        }
        return problems
    }

    private static func check(imageLabel: JSONValue) -> [String] {
        var problems: [String] = []
        for (index, color) in (imageLabel["colors"]?.arrayValue ?? []).enumerated() {
            if color["label-value"]?.intValue == nil { problems.append("image-label.colors[\(index)] needs an integer label-value") }
            if let rgba = color["rgba"] {
                let parts = rgba.arrayValue?.compactMap(\.intValue) ?? []
                if parts.count != 4 || !parts.allSatisfy({ (0...255).contains($0) }) {
                    problems.append("image-label.colors[\(index)].rgba must be four integers 0…255")
                }
            }
        }
        return problems
    }
}
