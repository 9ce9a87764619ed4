import Foundation

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
        OptionCatalog.note(plugin, key, "integer \(range.lowerBound)...\(range.upperBound), default \(value)")
        guard let option = options[key] else { return value }
        guard let number = option.intValue, range.contains(number) else {
            throw invalid(key, "an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    /// A Boolean option.
    public mutating func bool(_ key: String, default value: Bool) throws(ImMetaIOError) -> Bool {
        used.insert(key)
        OptionCatalog.note(plugin, key, "true or false, default \(value)")
        guard let option = options[key] else { return value }
        guard let flag = option.boolValue else { throw invalid(key, "true or false") }
        return flag
    }

    /// A string option that must be one of `allowed`.
    public mutating func string(_ key: String, default value: String, allowed: [String]) throws(ImMetaIOError) -> String {
        used.insert(key)
        OptionCatalog.note(
            plugin, key, "one of \(allowed.map { $0.isEmpty ? "\"\"" : $0 }.joined(separator: ", ")), default \(value.isEmpty ? "\"\"" : value)")
        guard let option = options[key] else { return value }
        guard let text = option.stringValue, allowed.contains(text) else {
            throw invalid(key, "one of " + allowed.map { "'\($0)'" }.joined(separator: ", "))
        }
        return text
    }

    /// Any value (the plugin checks it).
    public mutating func value(_ key: String) -> JSONValue? {
        used.insert(key)
        OptionCatalog.note(plugin, key, nil)
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

/// An option a plugin reads, as ``OptionCatalog`` recorded it.
public struct FormatOption: Sendable, Hashable {
    /// The plugin's name.
    public var plugin: String
    /// The option's key.
    public var name: String
    /// Its type, range or allowed values and default, when the plugin reads it through a typed
    /// ``OptionParser`` call; `nil` for options the plugin checks itself.
    public var summary: String?
}

/// Records the options plugins read while some work runs, for listings such as `immetaio formats`:
/// the options come from the plugins' own parsing, so the listing cannot drift from the code.
public enum OptionCatalog {
    final class Recorder: @unchecked Sendable {
        let lock = NSLock()
        var options: [FormatOption] = []
    }

    @TaskLocal static var recorder: Recorder?

    static func note(_ plugin: String, _ key: String, _ summary: String?) {
        guard let recorder else { return }
        recorder.lock.withLock {
            let option = FormatOption(plugin: plugin, name: key, summary: summary)
            if !recorder.options.contains(where: { $0.plugin == plugin && $0.name == key }) { recorder.options.append(option) }
        }
    }

    /// Runs `body` and returns the options every ``OptionParser`` on this task read meanwhile, in order.
    public static func recording(_ body: () throws -> Void) rethrows -> [FormatOption] {
        let recorder = Recorder()
        try $recorder.withValue(recorder) { try body() }
        return recorder.lock.withLock { recorder.options }
    }
}
