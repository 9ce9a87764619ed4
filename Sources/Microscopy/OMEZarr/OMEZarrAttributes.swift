import Foundation

/// The attributes ``OMEZarrWriter`` writes: `ome` (version, multiscales, omero, image-label)
/// and `immetaio` (the model's fields OME-Zarr has no place for).
enum OMEZarrAttributes {
    static let version = "0.5"
    static let axisNames = ["t", "c", "z", "y", "x"]
    /// The key of our own block in a group's attributes.
    static let ownKey = "immetaio"

    /// Colours of channels that give none: a single channel is grey; several cycle through red,
    /// green, blue, magenta, cyan, yellow, white.
    static let palette = ["FF0000", "00FF00", "0000FF", "FF00FF", "00FFFF", "FFFF00", "FFFFFF"]
    static let sampleNames = ["R", "G", "B", "A"]
    static let sampleColors = ["FF0000", "00FF00", "0000FF", "FFFFFF"]

    /// `multiscales[0]`: axes, one dataset per level (scale, and the half-pixel translation of
    /// averaged levels), name, downsampling type.
    static func multiscale(
        metadata: MicroscopyMetadata, layout: OMEZarrLayout, downsampling: OMEZarrDownsampling, paths: [String]
    ) -> JSONValue {
        let sizes = physicalSizes(metadata)
        var axes: [JSONValue] = []
        for (axis, name) in axisNames.enumerated() {
            var entry: JSONObject = ["name": .string(name), "type": .string(axis == 0 ? "time" : axis == 1 ? "channel" : "space")]
            if let unit = sizes[axis].unit { entry["unit"] = .string(unit) }
            axes.append(.object(entry))
        }
        var datasets: [JSONValue] = []
        for level in 0..<layout.levelCount {
            let factors = (0..<5).map { layout.halved[$0] ? Double(1 << level) : 1 }
            let scale = (0..<5).map { sizes[$0].value * factors[$0] }
            // Scales are sizes times powers of two, exact in binary: written as they are, so that a
            // physical size survives the round trip to the last bit.
            var transforms: [JSONValue] = [["type": "scale", "scale": .array(scale.map(number))]]
            if level > 0, downsampling == .mean {
                // A mean's pixel sits at the centre of its block: half a block minus half a pixel.
                let translation = (0..<5).map { 0.5 * (factors[$0] - 1) * sizes[$0].value }
                transforms.append(["type": "translation", "translation": .array(translation.map(transformNumber))])
            }
            datasets.append(["path": .string(paths[level]), "coordinateTransformations": .array(transforms)])
        }
        var multiscale: JSONObject = ["axes": .array(axes), "datasets": .array(datasets)]
        if let name = metadata.name { multiscale["name"] = .string(name) }
        multiscale["type"] = downsampling == .mean ? "mean" : "nearest"
        multiscale["metadata"] = [
            "description": .string(
                downsampling == .mean
                    ? "mean of each 2×2 block (2×2×2 when z is halved); odd edges average the pixels present; integers rounded to nearest, halves up"
                    : "top-left pixel of each block"),
            "halved_axes": .array(axisNames.enumerated().filter { layout.halved[$0.offset] }.map { .string($0.element) }),
        ]
        return .object(multiscale)
    }

    /// Each axis's scale at full resolution and its UDUNITS unit (none where the size is unknown).
    static func physicalSizes(_ metadata: MicroscopyMetadata) -> [(value: Double, unit: String?)] {
        func space(_ length: Length?) -> (Double, String?) {
            guard let length, length.value.isFinite, length.value > 0 else { return (1, nil) }
            if let name = length.unit.udunitsName { return (length.value, name) }
            // No UDUNITS name (thou, light year …): in micrometres; none at all for pixels.
            if let micrometres = length.converted(to: .micrometer) { return (micrometres.value, "micrometer") }
            return (1, nil)
        }
        var time: (Double, String?) = (1, nil)
        if let increment = metadata.timeIncrement, increment.value.isFinite, increment.value > 0 {
            time = (increment.value, increment.unit.udunitsName)
        }
        return [time, (1, nil), space(metadata.physicalSizeZ), space(metadata.physicalSizeY), space(metadata.physicalSizeX)]
    }

    /// The `omero` block: one channel per OME-Zarr channel (samples of RGB pixels each their
    /// own), with label, colour and window, and the rendering defaults.
    ///
    /// Windows: `min`/`max` are the dtype's range for integers (up to `2^significantBits − 1`
    /// when the metadata gives it) and the data's range for floats; `start`/`end` are the data's
    /// range, so a viewer opens with the contrast stretched over what is there.
    static func omero(metadata: MicroscopyMetadata, samples: Int, channels: Int, ranges: [ClosedRange<Double>?]) -> JSONValue {
        let dtype = metadata.dtype
        let (typeLow, typeHigh) = dtypeRange(dtype, significantBits: metadata.significantBits)
        var entries: [JSONValue] = []
        let modelChannels = channels / samples
        for index in 0..<channels {
            let modelIndex = index / samples, sample = index % samples
            let channel = metadata.channels.indices.contains(modelIndex) ? metadata.channels[modelIndex] : nil
            var label: String
            var color: String
            if samples > 1 {
                let sampleName = sample < sampleNames.count ? sampleNames[sample] : "S\(sample)"
                let base = channel?.name ?? (modelChannels > 1 ? "Channel \(modelIndex)" : nil)
                label = base.map { "\($0) \(sampleName)" } ?? sampleName
                color = sample < sampleColors.count ? sampleColors[sample] : "FFFFFF"
            } else {
                label = channel?.name ?? "Channel \(index)"
                color = channel?.color?.hexRGB ?? (channels == 1 ? "FFFFFF" : palette[index % palette.count])
            }
            if label.isEmpty { label = "Channel \(index)" }
            let data = ranges.indices.contains(index) ? ranges[index] : nil
            let low = dtype.isFloatingPoint ? (data?.lowerBound ?? 0) : typeLow
            let high = dtype.isFloatingPoint ? (data?.upperBound ?? 1) : typeHigh
            let window: JSONValue = [
                "start": number(data?.lowerBound ?? low), "end": number(data?.upperBound ?? high), "min": number(low),
                "max": number(high),
            ]
            entries.append([
                "active": .bool(!(samples == 4 && sample == 3)), "coefficient": 1, "color": .string(color), "family": "linear",
                "inverted": false, "label": .string(label), "window": window,
            ])
        }
        var omero: JSONObject = [:]
        if let name = metadata.name { omero["name"] = .string(name) }
        omero["channels"] = .array(entries)
        let depth = metadata.extent(of: .z)
        omero["rdefs"] = ["defaultT": 0, "defaultZ": .int(depth / 2), "model": channels > 1 ? "color" : "greyscale"]
        return .object(omero)
    }

    /// The integer range of a dtype (`0…2^bits − 1` for unsigned data of fewer significant bits).
    static func dtypeRange(_ dtype: DType, significantBits: Int?) -> (Double, Double) {
        switch dtype {
        case .bool: return (0, 1)
        case .uint8, .uint16, .uint32, .uint64:
            let bits = min(significantBits.map { max($0, 1) } ?? dtype.itemSize * 8, dtype.itemSize * 8)
            return (0, Double(bits >= 64 ? UInt64.max : (UInt64(1) << UInt64(bits)) - 1))
        case .int8: return (Double(Int8.min), Double(Int8.max))
        case .int16: return (Double(Int16.min), Double(Int16.max))
        case .int32: return (Double(Int32.min), Double(Int32.max))
        case .int64: return (Double(Int64.min), Double(Int64.max))
        default: return (0, 1)
        }
    }

    /// The `immetaio` block: what the model holds that OME-Zarr has no field for, so that our
    /// reader gives back the metadata it was given. `channels` is always there (its presence marks
    /// the block); other empty entries are left out.
    static func ownBlock(metadata: MicroscopyMetadata, samples: Int) -> JSONObject {
        var block: JSONObject = [:]
        if samples > 1 { block["samplesPerPixel"] = .int(samples) }
        block["channels"] = .array(metadata.channels.map { channel in
            var entry: JSONObject = [:]
            if let name = channel.name { entry["name"] = .string(name) }
            if let color = channel.color { entry["color"] = .string(color.hexRGB + String(hexByte: color.alpha)) }
            if let length = channel.excitationWavelength { entry["excitationWavelength"] = lengthJSON(length) }
            if let length = channel.emissionWavelength { entry["emissionWavelength"] = lengthJSON(length) }
            if let count = channel.samplesPerPixel { entry["samplesPerPixel"] = .int(count) }
            return .object(entry)
        })
        // Sizes whose unit OME-Zarr cannot name exactly, kept as given.
        for (key, length) in [("physicalSizeX", metadata.physicalSizeX), ("physicalSizeY", metadata.physicalSizeY), ("physicalSizeZ", metadata.physicalSizeZ)] {
            if let length, length.unit.udunitsName == nil { block[key] = lengthJSON(length) }
        }
        if let date = metadata.acquisitionDate { block["acquisitionDate"] = .string(date) }
        if let bits = metadata.significantBits { block["significantBits"] = .int(bits) }
        if let instrument = metadata.instrument {
            var entry: JSONObject = [:]
            if let value = instrument.microscope { entry["microscope"] = .string(value) }
            if let value = instrument.objective { entry["objective"] = .string(value) }
            if let value = instrument.nominalMagnification { entry["nominalMagnification"] = .double(value) }
            if let value = instrument.lensNA { entry["lensNA"] = .double(value) }
            if let value = instrument.immersion { entry["immersion"] = .string(value) }
            if let value = instrument.detector { entry["detector"] = .string(value) }
            block["instrument"] = .object(entry)
        }
        if !metadata.provenance.isEmpty { block["provenance"] = .object(JSONObject(metadata.provenance.map { ($0.key, .string($0.value)) })) }
        if !metadata.annotations.isEmpty {
            block["annotations"] = .object(JSONObject(metadata.annotations.map { ($0.key, .string($0.value)) }))
        }
        return block
    }

    static func lengthJSON(_ length: Length) -> JSONValue { ["value": .double(length.value), "unit": .string(length.unit.symbol)] }

    /// A number as JSON: integral values as integers (`1`, not `1.0`).
    static func number(_ value: Double) -> JSONValue {
        if value.rounded() == value, abs(value) < 0x1p53 { return .int(Int(value)) }
        return .double(value)
    }

    /// A translation as JSON, to 15 significant digits: products of sizes and odd factors carry
    /// binary noise (`0.48750000000000004`) that people reading the metadata need not see.
    static func transformNumber(_ value: Double) -> JSONValue {
        guard value.isFinite, value != 0 else { return number(value) }
        let scale = pow(10, 14 - floor(log10(abs(value))))
        let rounded = (value * scale).rounded() / scale
        return number(rounded.isFinite ? rounded : value)
    }

    /// `image-label` of a label image.
    static func imageLabel(_ label: OMEZarrLabel) -> JSONValue {
        var entry: JSONObject = ["version": .string(version)]
        entry["colors"] = .array(label.colors.keys.sorted().map { value in
            let color = label.colors[value] ?? RGBAColor(red: 0, green: 0, blue: 0)
            return [
                "label-value": .int(value),
                "rgba": [.int(Int(color.red)), .int(Int(color.green)), .int(Int(color.blue)), .int(Int(color.alpha))],
            ]
        })
        if !label.properties.isEmpty {
            entry["properties"] = .array(label.properties.keys.sorted().map { value in
                var object = label.properties[value] ?? [:]
                object["label-value"] = .int(value)
                return .object(object)
            })
        }
        entry["source"] = ["image": "../../"]
        return .object(entry)
    }
}

extension String {
    /// Two upper-case hex digits.
    init(hexByte byte: UInt8) {
        let digits = Array("0123456789ABCDEF")
        self = "\(digits[Int(byte >> 4)])\(digits[Int(byte & 15)])"
    }
}
