/// The sections of an AWS shared `config` or `credentials` file (INI): `[default]`,
/// `[profile name]` (config) or `[name]` (credentials), `key = value` lines, `#` and `;`
/// comment lines, and sub-sections such as
///
/// ```ini
/// [profile minio]
/// s3 =
///   endpoint_url = http://127.0.0.1:9000
///   addressing_style = path
/// ```
///
/// whose indented lines are stored as `s3.endpoint_url`. Unparsable lines are skipped, as the
/// AWS CLI does; keys are lower-cased.
struct AWSProfileFile: Sendable {
    /// Properties by profile name (`profile ` prefix removed for the config file).
    private(set) var profiles: [String: [String: String]] = [:]

    /// Parses `text`; `isConfigFile` selects the config file's `[profile name]` convention.
    init(text: String, isConfigFile: Bool) {
        var current: String?
        var parentKey: String?
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if trimmed.hasPrefix("[") {
                parentKey = nil
                guard trimmed.hasSuffix("]") else {
                    current = nil
                    continue
                }
                current = Self.profileName(section: trimmed.dropFirst().dropLast().trimmingWhitespace(), isConfigFile: isConfigFile)
                if let current, profiles[current] == nil { profiles[current] = [:] }
                continue
            }
            guard let profile = current, let equals = trimmed.firstIndex(of: "=") else { continue }
            let key = trimmed[..<equals].trimmingWhitespace().lowercased()
            guard !key.isEmpty else { continue }
            var value = trimmed[trimmed.index(after: equals)...].trimmingWhitespace()
            if let comment = value.range(of: " #") ?? value.range(of: "\t#") { value = value[..<comment.lowerBound].trimmingWhitespace() }
            let indented = line.first == " " || line.first == "\t"
            if indented, let parentKey {
                profiles[profile]?["\(parentKey).\(key)"] = String(value)
            } else if value.isEmpty {
                parentKey = key
            } else {
                parentKey = nil
                profiles[profile]?[key] = String(value)
            }
        }
    }

    /// The profile a section header names, or `nil` for sections that are not profiles
    /// (`[sso-session x]`, `[services x]`, or an unprefixed name in the config file).
    private static func profileName(section: Substring, isConfigFile: Bool) -> String? {
        guard isConfigFile else { return section.isEmpty ? nil : String(section) }
        if section == "default" { return "default" }
        guard section.hasPrefix("profile ") || section.hasPrefix("profile\t") else { return nil }
        let name = section.dropFirst("profile".count).trimmingWhitespace()
        return name.isEmpty ? nil : String(name)
    }

    /// The properties of `profile`, or `nil` when the file has no such section.
    func properties(of profile: String) -> [String: String]? { profiles[profile] }
}

extension StringProtocol {
    /// The text without leading or trailing spaces and tabs.
    func trimmingWhitespace() -> Substring {
        let scalars = self[...]
        guard let start = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let end = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return Substring() }
        return Substring(scalars[start...end])
    }
}
