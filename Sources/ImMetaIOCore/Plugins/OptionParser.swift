/// Reads a plugin's options from a ``JSONObject`` with type and range checks, and refuses keys the
/// plugin does not know (a misspelt option is an error, not silently ignored).
///
/// ```swift
/// var parser = OptionParser(request.options, plugin: "png", file: request.sink.displayName)
/// let level = try parser.int("compression", default: 2, in: 0...12)
/// try parser.finish()
/// ```
public struct OptionParser {
    private let options: JSONObject
    private let plugin: String
    private let file: String?
    private var used: Set<String> = []

    /// Creates a parser over `options` for the named plugin.
    public init(_ options: JSONObject, plugin: String, file: String?) {
        self.options = options
        self.plugin = plugin
        self.file = file
    }

    /// The error for option `key` when its value is not what the plugin takes: "<plugin> option
    /// '<key>' must be <expectation>, not <value>".
    public func invalid(_ key: String, _ expectation: String) -> ImMetaIOError {
        ImMetaIOError(
            .invalidArgument,
            "\(plugin) option '\(key)' must be \(expectation), not \(options[key].map { "\($0)" } ?? "missing")",
            file: file)
    }

    /// An integer option within `range`.
    public mutating func int(_ key: String, default value: Int, in range: ClosedRange<Int>) throws(ImMetaIOError) -> Int {
        used.insert(key)
        guard let option = options[key] else { return value }
        guard let number = option.intValue, range.contains(number) else {
            throw invalid(key, "an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// A Boolean option.
    public mutating func bool(_ key: String, default value: Bool) throws(ImMetaIOError) -> Bool {
        used.insert(key)
        guard let option = options[key] else { return value }
        guard let flag = option.boolValue else { throw invalid(key, "true or false") }
        return flag
    }

    /// A string option that must be one of `allowed`.
    public mutating func string(_ key: String, default value: String, allowed: [String]) throws(ImMetaIOError) -> String {
        used.insert(key)
        guard let option = options[key] else { return value }
        guard let text = option.stringValue, allowed.contains(text) else {
            throw invalid(key, "one of " + allowed.map { "'\($0)'" }.joined(separator: ", "))
        }
        return text
    }

    /// Any value (the plugin checks it).
    public mutating func value(_ key: String) -> JSONValue? {
        used.insert(key)
        return options[key]
    }

    /// Throws if an option was given that the plugin did not ask for.
    public func finish() throws(ImMetaIOError) {
        let unknown = options.keys.filter { !used.contains($0) }
        guard unknown.isEmpty else {
            throw ImMetaIOError(
                .invalidArgument,
                "unknown \(plugin) option\(unknown.count > 1 ? "s" : "") \(unknown.map { "'\($0)'" }.joined(separator: ", "));"
                    + " known: \(used.sorted().joined(separator: ", "))",
                file: file)
        }
    }
}
