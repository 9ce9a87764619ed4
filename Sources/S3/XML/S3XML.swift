/// An element of an S3 XML response: its local name (namespace prefix dropped), its text and its
/// child elements.
struct S3XMLElement: Sendable, Equatable {
    var name: String
    var text: String = ""
    var children: [S3XMLElement] = []

    /// The first child named `name`.
    func child(_ name: String) -> S3XMLElement? { children.first { $0.name == name } }
    /// Every child named `name`.
    func children(_ name: String) -> [S3XMLElement] { children.filter { $0.name == name } }
    /// The text of the first child named `name`.
    func text(of name: String) -> String? { child(name)?.text }
}

/// A small XML reader for S3's responses (errors, listings, multipart results): elements, text,
/// the five predefined entities and numeric character references, CDATA; declarations,
/// comments, processing instructions and attributes are skipped. It never traps: malformed or
/// hostile input (unclosed tags, nesting deeper than `maximumDepth`, undefined entities) gives
/// `nil`.
enum S3XML {
    static let maximumDepth = 64

    /// The document's root element, or `nil` when `bytes` is not well-formed enough to read.
    static func parse(_ bytes: [UInt8]) -> S3XMLElement? {
        var parser = Parser(bytes: bytes)
        return parser.document()
    }

    /// `text` with `&`, `<`, `>`, `"` and `'` escaped, for request bodies.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#13;"
            default: out.append(character)
            }
        }
        return out
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func document() -> S3XMLElement? {
            // Skip a byte-order mark, the declaration, comments and white space before the root.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else { return nil }
                if starts(with: "<?") {
                    guard skip(past: "?>") else { return nil }
                } else if starts(with: "<!--") {
                    guard skip(past: "-->") else { return nil }
                } else if starts(with: "<!") {
                    guard skip(past: ">") else { return nil }  // DOCTYPE: entities in it are not expanded
                } else {
                    return element(depth: 0)
                }
            }
        }

        /// An element starting at `<name`.
        mutating func element(depth: Int) -> S3XMLElement? {
            guard depth < S3XML.maximumDepth, index < bytes.count, bytes[index] == UInt8(ascii: "<") else { return nil }
            index += 1
            guard let qualifiedName = name() else { return nil }
            var node = S3XMLElement(name: Self.localName(qualifiedName))
            // Attributes are skipped, honouring quotes so that a `>` inside one does not end the tag.
            while index < bytes.count, bytes[index] != UInt8(ascii: ">") {
                let byte = bytes[index]
                if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: ">") {
                    index += 2
                    return node
                }
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    index += 1
                    while index < bytes.count, bytes[index] != byte { index += 1 }
                }
                index += 1
            }
            guard index < bytes.count else { return nil }
            index += 1
            var text: [UInt8] = []
            while index < bytes.count {
                if bytes[index] != UInt8(ascii: "<") {
                    if bytes[index] == UInt8(ascii: "&") {
                        guard decodeEntity(into: &text) else { return nil }
                    } else {
                        text.append(bytes[index])
                        index += 1
                    }
                } else if starts(with: "</") {
                    index += 2
                    guard let closing = name(), closing == qualifiedName else { return nil }
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ">") else { return nil }
                    index += 1
                    node.text = String(decoding: text, as: UTF8.self)
                    return node
                } else if starts(with: "<![CDATA[") {
                    index += 9
                    let start = index
                    guard skip(past: "]]>") else { return nil }
                    text.append(contentsOf: bytes[start..<(index - 3)])
                } else if starts(with: "<!--") {
                    guard skip(past: "-->") else { return nil }
                } else if starts(with: "<?") {
                    guard skip(past: "?>") else { return nil }
                } else {
                    guard let child = element(depth: depth + 1) else { return nil }
                    node.children.append(child)
                }
            }
            return nil
        }

        mutating func name() -> String? {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
                    || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "/")
                    || byte == UInt8(ascii: "<") || byte == UInt8(ascii: "=")
                {
                    break
                }
                index += 1
            }
            return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }

        /// Appends the character that the reference at `index` (`&amp;`, `&#65;`, `&#x41;`) stands for.
        mutating func decodeEntity(into text: inout [UInt8]) -> Bool {
            guard let end = bytes[index...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else { return false }
            let body = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
            index = end + 1
            switch body {
            case "amp": text.append(UInt8(ascii: "&"))
            case "lt": text.append(UInt8(ascii: "<"))
            case "gt": text.append(UInt8(ascii: ">"))
            case "quot": text.append(UInt8(ascii: "\""))
            case "apos": text.append(UInt8(ascii: "'"))
            default:
                let value: UInt32?
                if body.hasPrefix("#x") || body.hasPrefix("#X") {
                    value = UInt32(body.dropFirst(2), radix: 16)
                } else if body.hasPrefix("#") {
                    value = UInt32(body.dropFirst(), radix: 10)
                } else {
                    value = nil
                }
                guard let value, let scalar = Unicode.Scalar(value) else { return false }
                text.append(contentsOf: Array(String(Character(scalar)).utf8))
            }
            return true
        }

        mutating func skipWhitespace() {
            while index < bytes.count,
                bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") || bytes[index] == UInt8(ascii: "\n")
                    || bytes[index] == UInt8(ascii: "\r")
            {
                index += 1
            }
        }

        func starts(with text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            return text.withUTF8Buffer { bytes[index..<(index + count)].elementsEqual($0) }
        }

        /// Moves past the next occurrence of `terminator`; `false` when there is none.
        mutating func skip(past terminator: StaticString) -> Bool {
            let pattern = terminator.withUTF8Buffer { Array($0) }
            guard let first = pattern.first else { return true }
            var position = index
            while position + pattern.count <= bytes.count {
                if bytes[position] == first, bytes[position..<(position + pattern.count)].elementsEqual(pattern) {
                    index = position + pattern.count
                    return true
                }
                position += 1
            }
            return false
        }

        static func localName(_ qualified: String) -> String {
            guard let colon = qualified.lastIndex(of: ":") else { return qualified }
            return String(qualified[qualified.index(after: colon)...])
        }
    }
}
