import ArgumentParser
import Foundation
import ImMetaIOVideo

/// Strict parsing of the values flags take: a value that does not parse is an error naming the
/// flag, never truncated, dropped or taken as a string.
enum Arguments {
    /// Comma-separated integers (`16,16` or `-1, 0`), each within `range`; nothing else.
    static func integers(_ text: String, flag: String, in range: ClosedRange<Int> = Int.min...Int.max, count: Int? = nil) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap { Int($0) }
        let what = range.lowerBound == 1 ? "positive integers" : range.lowerBound == 0 ? "integers of 0 or more" : "integers"
        guard !text.isEmpty, values.count == parts.count, values.allSatisfy(range.contains) else {
            throw ValidationError("\(flag) takes comma-separated \(what), not '\(text)'")
        }
        if let count, values.count != count {
            throw ValidationError("\(flag) needs \(count) comma-separated value\(count == 1 ? "" : "s"), not \(values.count) in '\(text)'")
        }
        return values
    }

    /// One of a fixed set of words.
    static func choice(_ text: String, flag: String, from allowed: [String]) throws -> String {
        guard allowed.contains(text) else {
            throw ValidationError("\(flag) must be one of \(allowed.joined(separator: ", ")), not '\(text)'")
        }
        return text
    }

    /// `KEY=VALUE` pairs whose values are JSON when they parse as JSON and strings otherwise
    /// (`--option quality=95`, `--option codec=mjpeg`): plugins check the types themselves.
    static func options(_ pairs: [String], flag: String) throws -> JSONObject {
        var object = JSONObject()
        for pair in pairs {
            let (key, text) = try keyAndValue(pair, flag: flag)
            object[key] = (try? JSONParser.parse(text)) ?? .string(text)
        }
        return object
    }

    /// `KEY=JSON` pairs whose values must be JSON (`--meta exposure=0.01`, `--meta 'lens="50mm"'`).
    static func jsonPairs(_ pairs: [String], flag: String) throws -> JSONObject {
        var object = JSONObject()
        for pair in pairs {
            let (key, text) = try keyAndValue(pair, flag: flag)
            do {
                object[key] = try JSONParser.parse(text)
            } catch {
                throw ValidationError(
                    "\(flag) \(pair): the value is not JSON (\(error)); a string needs JSON quotes, e.g. \(flag) '\(key)=\"\(text)\"'")
            }
        }
        return object
    }

    private static func keyAndValue(_ pair: String, flag: String) throws -> (String, String) {
        guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
            throw ValidationError("\(flag) expects KEY=VALUE, not '\(pair)'")
        }
        return (String(pair[..<equals]), String(pair[pair.index(after: equals)...]))
    }

    /// An image index that may count from the end (`-1`: the last image).
    static func resolve(index: Int, count: Int, source: String) throws -> Int {
        let resolved = index < 0 ? count + index : index
        guard (0..<count).contains(resolved) else {
            throw CommandFailure(
                description: "\(source): image index \(index) is out of range: the file holds \(count) image\(count == 1 ? "" : "s")")
        }
        return resolved
    }
}

/// How a command finds and opens the files it reads: plugin and extension hints, read options,
/// and `-` for standard input.
struct ReadArguments: ParsableArguments {
    @Option(help: "Read with this plugin (see `immetaio formats`), skipping automatic choice.")
    var plugin: String?

    @Option(name: .customLong("extension"), help: "Try the plugin of this extension first (e.g. .png); for standard input, the format of its bytes.")
    var extensionHint: String?

    @Option(name: .customLong("read-option"), help: "A read option KEY=VALUE (repeatable), e.g. --read-option apply_orientation=true.")
    var readOptionPairs: [String] = []

    /// The parsed read options.
    func readOptions() throws -> JSONObject { try Arguments.options(readOptionPairs, flag: "--read-option") }

    /// `-` is standard input, read whole; anything else a path.
    func source(_ path: String) throws -> ImageSource {
        guard path == "-" else { return .path(path) }
        return .bytes(Array(FileHandle.standardInput.readDataToEndOfFile()))
    }

    /// Opens `path` (or standard input) with the hints and options given.
    func open(_ path: String, limits: DecodeLimits = .default) throws -> ImageFile {
        try openImage(
            source(path), format: plugin, extensionHint: extensionHint, limits: limits, options: readOptions(), registry: registry)
    }
}

/// Writes data (not diagnostics) to standard output.
enum StandardOutput {
    static func write(_ bytes: [UInt8]) {
        FileHandle.standardOutput.write(Data(bytes))
    }

    /// Prints one JSON document.
    static func printJSON(_ value: JSONValue) {
        print(JSONText.encode(value, indent: 2))
    }
}

/// The files named on a command line: files as given, folders expanded to the images they hold
/// (natural order, hidden files and sidecars left out).
enum SourceList {
    static func expand(_ arguments: [String]) throws -> [String] {
        var files: [String] = []
        for argument in arguments {
            var isFolder: ObjCBool = false
            if argument != "-", FileManager.default.fileExists(atPath: argument, isDirectory: &isFolder), isFolder.boolValue {
                files += try imagePaths(inFolder: argument, extensions: nil, registry: registry)
            } else {
                files.append(argument)
            }
        }
        return files
    }
}

/// One source and where its output goes.
struct SourceAndDestination {
    var source: String
    var destination: String
}

extension SourceList {
    /// `SRC DST`, or every source (folders expanded) into `outDir` under the names `pattern` makes.
    static func pairs(_ paths: [String], outDir: String?, pattern: String) throws -> [SourceAndDestination] {
        guard let outDir else { return [SourceAndDestination(source: paths[0], destination: paths[1])] }
        let names = try NamePattern(pattern)
        let sources = try reportingErrors { try expand(paths) }
        guard !sources.isEmpty else { throw CommandFailure(description: "no images found in \(paths.joined(separator: ", "))") }
        // Object stores (s3://) have no folders to make; a local "s3:" folder must never appear.
        if RemoteResources.scheme(of: outDir) == nil {
            try reportingErrors {
                do {
                    try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
                } catch {
                    throw ImMetaIOError(.io, "cannot create the folder: \(error.localizedDescription)", file: outDir)
                }
            }
        }
        let pairs = try sources.enumerated().map {
            SourceAndDestination(source: $0.element, destination: outDir + "/" + (try names.name(for: $0.element, index: $0.offset)))
        }
        if Set(pairs.map(\.destination)).count != pairs.count {
            throw ValidationError("--name '\(pattern)' gives several sources the same output name; add {index} or {stem}")
        }
        return pairs
    }

    /// Runs `work` on each pair with a progress bar, reporting each failure on stderr and going on;
    /// prints the JSON reports (one object for a single pair) when `json`. Returns the failure count.
    static func each(
        _ pairs: [SourceAndDestination], unit: String, json: Bool, single: Bool, _ work: (SourceAndDestination) throws -> JSONObject
    ) -> Int {
        let progress = ProgressLine(unit: unit, total: pairs.count, quiet: json)
        var reports: [JSONValue] = []
        var failures = 0
        for (done, pair) in pairs.enumerated() {
            do {
                reports.append(.object(try work(pair)))
            } catch {
                failures += 1
                progress.finish()
                let message = (error as? ImMetaIOError)?.description ?? "\(error)"
                printError("Error: \(message)")
                reports.append(["source": .string(pair.source), "error": .string(message)])
            }
            progress.step(done + 1, of: pairs.count)
        }
        progress.finish()
        if json { StandardOutput.printJSON(single && reports.count == 1 ? reports[0] : .array(reports)) }
        return failures
    }
}

/// Output names for many sources: `{stem}`, `{name}`, `{ext}` and `{index}` (0-based position,
/// `{index:04}` zero-padded) replaced per source.
struct NamePattern {
    let pattern: String

    init(_ pattern: String) throws {
        guard pattern.contains("{stem}") || pattern.contains("{name}") || pattern.contains("{index") else {
            throw ValidationError("--name needs {stem}, {name} or {index} so that outputs differ, not '\(pattern)'")
        }
        guard !pattern.contains("/") else { throw ValidationError("--name is a file name inside --out-dir, not a path: '\(pattern)'") }
        self.pattern = pattern
    }

    func name(for source: String, index: Int) throws -> String {
        let file = source == "-" ? "stdin" : (source as NSString).lastPathComponent
        let ext = FileExtension.of(file) ?? ""
        let stem = String(file.dropLast(ext.count))
        var result = pattern.replacingOccurrences(of: "{stem}", with: stem).replacingOccurrences(of: "{name}", with: file)
            .replacingOccurrences(of: "{ext}", with: ext)
        while let open = result.range(of: "{index") {
            guard let close = result[open.upperBound...].firstIndex(of: "}") else {
                throw ValidationError("--name has an unclosed {index in '\(pattern)'")
            }
            let format = result[open.upperBound..<close]
            var text = String(index)
            if format.hasPrefix(":") {
                guard let width = Int(format.dropFirst()), (0...12).contains(width) else { throw ValidationError("--name: {index\(format)} is not {index} or {index:WIDTH}") }
                text = String(repeating: "0", count: max(0, width - text.count)) + text
            } else if !format.isEmpty {
                throw ValidationError("--name: {index\(format)} is not {index} or {index:WIDTH}")
            }
            result.replaceSubrange(open.lowerBound...close, with: text)
        }
        return result
    }
}
