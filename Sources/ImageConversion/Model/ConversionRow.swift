import ImMetaIOCore

/// One stored image's row of the table (before the CSV's columns are joined).
struct ConversionRow: Sendable {
    var index: Int
    var path: String
    /// The join key: the base name, or the path relative to its input folder when base names repeat.
    var key: String
    var format: String
    var fileSize: Int
    var shape: [Int]
    var dtype: String
    var statistics: ImageStatistics
    var error: String?
    var zeroFilled: Bool

    var json: JSONValue {
        [
            "index": .int(index), "path": .string(path), "key": .string(key), "format": .string(format), "size": .int(fileSize),
            "shape": .array(shape.map(JSONValue.int)), "dtype": .string(dtype),
            "stats": .array([statistics.minimum, statistics.maximum, statistics.mean, statistics.standardDeviation].map(Self.number)),
            "error": error.map(JSONValue.string) ?? .null, "zeros": .bool(zeroFilled),
        ]
    }

    private static func number(_ value: Double) -> JSONValue { value.isFinite ? .double(value) : .string(String(value)) }
    private static func value(_ json: JSONValue?) -> Double {
        json?.doubleValue ?? json?.stringValue.flatMap(Double.init) ?? .nan
    }

    init(
        index: Int, path: String, key: String, format: String, fileSize: Int, shape: [Int], dtype: String,
        statistics: ImageStatistics, error: String?, zeroFilled: Bool
    ) {
        (self.index, self.path, self.key, self.format, self.fileSize) = (index, path, key, format, fileSize)
        (self.shape, self.dtype, self.statistics, self.error, self.zeroFilled) = (shape, dtype, statistics, error, zeroFilled)
    }

    init?(json: JSONValue) {
        guard let index = json["index"]?.intValue, let path = json["path"]?.stringValue, let key = json["key"]?.stringValue,
            let format = json["format"]?.stringValue, let size = json["size"]?.intValue,
            let shape = json["shape"]?.arrayValue?.compactMap(\.intValue), let dtype = json["dtype"]?.stringValue,
            let stats = json["stats"]?.arrayValue, stats.count == 4
        else { return nil }
        self.init(
            index: index, path: path, key: key, format: format, fileSize: size, shape: shape, dtype: dtype,
            statistics: ImageStatistics(
                minimum: Self.value(stats[0]), maximum: Self.value(stats[1]), mean: Self.value(stats[2]),
                standardDeviation: Self.value(stats[3])),
            error: json["error"]?.stringValue, zeroFilled: json["zeros"]?.boolValue ?? false)
    }
}
