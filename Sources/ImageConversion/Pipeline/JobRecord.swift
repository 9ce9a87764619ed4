import Foundation
import ImMetaIOCore
import NDArrayModule

/// A conversion as the journal records it: the inputs in order with what their headers said,
/// and every option that decides the stored bytes, so that `--resume` redoes exactly the same.
struct JobRecord {
    var inputs: [InputFile]
    var folders: [String]
    var startLength: Int
    var csv: String?
    var options: ConversionOptions
    /// The array and group a new conversion creates (so that a conversion killed before they
    /// exist resumes by creating them); nil for an append.
    var arrayMetadata: JSONValue?
    var groupAttributes: JSONObject?
    /// The CSV's size and modification time when the job began (a resume refuses a changed one).
    var csvSize: Int?
    var csvModified: Double?

    init(
        inputs: [InputFile], folders: [String], startLength: Int, csv: String?, options: ConversionOptions, arrayMetadata: JSONValue? = nil,
        groupAttributes: JSONObject? = nil
    ) {
        (self.inputs, self.folders, self.startLength, self.csv, self.options) = (inputs, folders, startLength, csv, options)
        (self.arrayMetadata, self.groupAttributes) = (arrayMetadata, groupAttributes)
        if let csv {
            let attributes = try? FileManager.default.attributesOfItem(atPath: csv)
            csvSize = (attributes?[.size] as? NSNumber)?.intValue
            csvModified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970
        }
    }

    var json: JSONValue {
        let files: [JSONValue] = inputs.map { file in
            var entry: JSONObject = [
                "path": .string(file.path), "key": .string(file.key), "size": .int(file.size), "modified": .double(file.modified),
                "format": .string(file.format),
            ]
            if let layout = file.layout {
                entry["layout"] = .array([.string(layout.order.rawValue)] + layout.chw.map(JSONValue.int))
            }
            if let dtype = file.dtype { entry["dtype"] = .string(dtype.rawValue) }
            if let error = file.headerError { entry["header_error"] = .string(error) }
            return .object(entry)
        }
        return [
            "version": 1, "inputs": .array(files), "folders": .array(folders.map(JSONValue.string)), "start_length": .int(startLength),
            "array": arrayMetadata ?? .null, "group_attributes": groupAttributes.map(JSONValue.object) ?? .null,
            "csv_size": csvSize.map(JSONValue.int) ?? .null, "csv_modified": csvModified.map(JSONValue.double) ?? .null,
            "options": [
                "output": .string(options.output), "metadata_csv": options.metadataCSV.map(JSONValue.string) ?? .null,
                "recursive": .bool(options.recursive), "fits_extensions": .array(options.fitsExtensions.map(\.option)),
                "compressor": .string(options.compressor), "compression_level": .int(options.compressionLevel),
                "resize": options.resize.map { .array($0.map(JSONValue.int)) } ?? .null,
                "interpolation_order": .int(options.interpolationOrder), "dtype": options.dtype.map { .string($0.rawValue) } ?? .null,
                "on_error": .string(options.onError.rawValue), "append": .bool(options.append),
                "slabs_in_flight": .int(options.slabsInFlight), "checkpoint_interval": .double(options.checkpointInterval),
            ],
        ]
    }

    init(json: JSONValue) throws {
        func bad(_ what: String) -> ImMetaIOError { ImMetaIOError(.corruptData, "the conversion journal's job has no valid \(what)") }
        guard json["version"]?.intValue == 1 else { throw bad("version") }
        guard let list = json["inputs"]?.arrayValue, let start = json["start_length"]?.intValue, let settings = json["options"],
            let output = settings["output"]?.stringValue
        else { throw bad("inputs, start or options") }
        var inputs: [InputFile] = []
        for entry in list {
            guard let path = entry["path"]?.stringValue, let key = entry["key"]?.stringValue, let size = entry["size"]?.intValue,
                let modified = entry["modified"]?.doubleValue
            else { throw bad("input") }
            var file = InputFile(path: path, key: key, size: size, modified: modified)
            file.format = entry["format"]?.stringValue ?? ""
            if let layout = entry["layout"]?.arrayValue, layout.count == 4, let order = layout[0].stringValue.flatMap(ImageLayout.Order.init),
                let c = layout[1].intValue, let h = layout[2].intValue, let w = layout[3].intValue
            {
                file.layout = ImageLayout(order: order, channels: c, height: h, width: w)
            }
            file.dtype = entry["dtype"]?.stringValue.flatMap(DType.init(rawValue:))
            file.headerError = entry["header_error"]?.stringValue
            inputs.append(file)
        }
        var options = ConversionOptions(output: output)
        options.metadataCSV = settings["metadata_csv"]?.stringValue
        options.recursive = settings["recursive"]?.boolValue ?? false
        options.fitsExtensions = (settings["fits_extensions"]?.arrayValue ?? []).compactMap { value in
            value.intValue.map(FITSExtension.index) ?? value.stringValue.map(FITSExtension.name)
        }
        options.compressor = settings["compressor"]?.stringValue ?? options.compressor
        options.compressionLevel = settings["compression_level"]?.intValue ?? options.compressionLevel
        options.resize = settings["resize"]?.arrayValue?.compactMap(\.intValue)
        options.interpolationOrder = settings["interpolation_order"]?.intValue ?? 1
        options.dtype = settings["dtype"]?.stringValue.flatMap(DType.init(rawValue:))
        options.onError = settings["on_error"]?.stringValue.flatMap(DecodeErrorPolicy.init(rawValue:)) ?? .skip
        options.append = settings["append"]?.boolValue ?? false
        options.slabsInFlight = settings["slabs_in_flight"]?.intValue ?? 2
        options.checkpointInterval = settings["checkpoint_interval"]?.doubleValue ?? 10
        self.init(
            inputs: inputs, folders: (json["folders"]?.arrayValue ?? []).compactMap(\.stringValue), startLength: start,
            csv: options.metadataCSV, options: options, arrayMetadata: json["array"].flatMap { $0 == .null ? nil : $0 },
            groupAttributes: json["group_attributes"]?.objectValue)
        // As recorded when the job began, not as the file is now.
        csvSize = json["csv_size"]?.intValue
        csvModified = json["csv_modified"]?.doubleValue
    }
}
