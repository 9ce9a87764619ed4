import ImMetaIOCore

extension MicroscopyMetadata {
    /// The metadata as JSON (what `immetaio ome info --json` prints): axes, shape, dtype,
    /// physical sizes as `{value, unit}`, channels, instrument, provenance and annotations.
    public var json: JSONValue {
        func length(_ value: Length?) -> JSONValue {
            value.map { ["value": .double($0.value), "unit": .string($0.unit.symbol)] } ?? .null
        }
        var object: JSONObject = [
            "name": name.map(JSONValue.string) ?? .null,
            "axes": .string(axesString),
            "shape": .array(shape.map(JSONValue.int)),
            "dtype": .string(dtype.rawValue),
            "significant_bits": significantBits.map(JSONValue.int) ?? .null,
            "physical_size_x": length(physicalSizeX),
            "physical_size_y": length(physicalSizeY),
            "physical_size_z": length(physicalSizeZ),
            "time_increment": timeIncrement.map { ["value": .double($0.value), "unit": .string($0.unit.symbol)] } ?? .null,
            "acquisition_date": acquisitionDate.map(JSONValue.string) ?? .null,
        ]
        object["channels"] = .array(
            channels.map { channel in
                [
                    "name": channel.name.map(JSONValue.string) ?? .null,
                    "color": channel.color.map { .string($0.hexRGB) } ?? .null,
                    "excitation_wavelength": length(channel.excitationWavelength),
                    "emission_wavelength": length(channel.emissionWavelength),
                ]
            })
        if let instrument {
            object["instrument"] = [
                "microscope": instrument.microscope.map(JSONValue.string) ?? .null,
                "objective": instrument.objective.map(JSONValue.string) ?? .null,
                "nominal_magnification": instrument.nominalMagnification.map(JSONValue.double) ?? .null,
                "lens_na": instrument.lensNA.map(JSONValue.double) ?? .null,
                "immersion": instrument.immersion.map(JSONValue.string) ?? .null,
                "detector": instrument.detector.map(JSONValue.string) ?? .null,
            ]
        }
        object["provenance"] = .object(JSONObject(provenance.map { ($0.key, JSONValue.string($0.value)) }))
        object["annotations"] = .object(JSONObject(annotations.map { ($0.key, JSONValue.string($0.value)) }))
        return .object(object)
    }
}
