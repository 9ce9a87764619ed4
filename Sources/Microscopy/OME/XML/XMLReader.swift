/// The parser: one pass over validated UTF-8 with an explicit stack of open elements (no
/// recursion, so nesting depth costs heap, not stack, and is capped by ``XMLLimits``).
///
/// It never declares, expands or fetches entities: a DOCTYPE with an internal subset or an
/// external identifier is refused, and only the five predefined entities and character
/// references are decoded.
struct XMLReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let start: Int
    private var position: Int
    private let limits: XMLLimits
    private let keepsWhitespace: Bool
    private var elementCount = 0
    /// Namespace bindings in scope: prefix (`""` for the default namespace) to a stack of URIs.
    private var namespaces: [String: [String]] = ["xml": [XMLName.xmlNamespace]]

    private struct Frame {
        var element: XMLTreeElement
        var declaredPrefixes: [String]
        var hasElementChild = false
    }

    private init(bytes: UnsafeBufferPointer<UInt8>, start: Int, limits: XMLLimits, keepsWhitespace: Bool) {
        self.bytes = bytes
        self.start = start
        self.position = start
        self.limits = limits
        self.keepsWhitespace = keepsWhitespace
    }

    /// Parses a whole document and returns its root element.
    static func parse(_ input: UnsafeBufferPointer<UInt8>, limits: XMLLimits, keepsWhitespace: Bool) throws(XMLParseError) -> XMLTreeElement {
        guard input.count <= limits.maxInputBytes else {
            throw XMLParseError(.limitExceeded, "the document has \(input.count) bytes, more than the limit of \(limits.maxInputBytes)")
        }
        switch try XMLTextDecoding.decode(input) {
        case .utf8(let skip):
            var reader = XMLReader(bytes: input, start: skip, limits: limits, keepsWhitespace: keepsWhitespace)
            return try reader.parseDocument()
        case .transcoded(let utf8):
            // Transcoding can grow the text (Latin-1 to UTF-8): the size limit holds for the result too.
            guard utf8.count <= limits.maxInputBytes else {
                throw XMLParseError(
                    .limitExceeded, "the document has \(utf8.count) bytes as UTF-8, more than the limit of \(limits.maxInputBytes)")
            }
            return try utf8.withUnsafeBufferPointer { (buffer) throws(XMLParseError) -> XMLTreeElement in
                var reader = XMLReader(bytes: buffer, start: 0, limits: limits, keepsWhitespace: keepsWhitespace)
                return try reader.parseDocument()
            }
        }
    }

    // MARK: Document

    private mutating func parseDocument() throws(XMLParseError) -> XMLTreeElement {
        if matches("<?xml"), let next = byte(at: position + 5), Self.isSpace(next) {
            try parseXMLDeclaration()
        }
        var sawDoctype = false
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw error(.malformed, "the document has no root element") }
            if matches("<!--") {
                _ = try parseComment()
            } else if matches("<?") {
                _ = try parseProcessingInstruction()
            } else if matches("<!DOCTYPE") {
                guard !sawDoctype else { throw error(.malformed, "a second document type declaration") }
                sawDoctype = true
                try parseDoctype()
            } else if bytes[position] == UInt8(ascii: "<"), let next = byte(at: position + 1), Self.isNameStart(next) {
                break
            } else {
                throw error(.malformed, "expected the root element")
            }
        }
        let root = try parseElementTree()
        while true {
            skipWhitespace()
            guard position < bytes.count else { return root }
            if matches("<!--") {
                _ = try parseComment()
            } else if matches("<?") {
                _ = try parseProcessingInstruction()
            } else {
                throw error(.malformed, "content after the root element")
            }
        }
    }

    private mutating func parseXMLDeclaration() throws(XMLParseError) {
        let declarationStart = position
        guard let end = find("?>", from: position + 5) else { throw error(.malformed, "the XML declaration is not closed") }
        let text = String(decoding: bytes[(position + 5)..<end], as: UTF8.self)
        guard text.contains("version") else {
            position = declarationStart
            throw error(.malformed, "the XML declaration has no version")
        }
        position = end + 2
    }

    /// `<!DOCTYPE name>` is skipped; anything that could declare or load entities is refused.
    private mutating func parseDoctype() throws(XMLParseError) {
        position += 9
        guard skipWhitespace() else { throw error(.malformed, "expected whitespace after <!DOCTYPE") }
        _ = try readName()
        skipWhitespace()
        guard let next = byte(at: position) else { throw error(.malformed, "unexpected end of input in the document type declaration") }
        if next == UInt8(ascii: ">") {
            position += 1
            return
        }
        if next == UInt8(ascii: "[") {
            throw error(
                .forbiddenDeclaration, "a document type declaration with an internal subset is not allowed (it could declare entities)")
        }
        if matches("SYSTEM") || matches("PUBLIC") {
            throw error(.forbiddenDeclaration, "a document type declaration naming an external DTD is not allowed")
        }
        throw error(.malformed, "malformed document type declaration")
    }

    // MARK: Elements

    private mutating func parseElementTree() throws(XMLParseError) -> XMLTreeElement {
        var stack: [Frame] = []
        var root: XMLTreeElement?
        func attach(_ element: XMLTreeElement, to stack: inout [Frame], root: inout XMLTreeElement?) {
            if stack.isEmpty {
                root = element
            } else {
                stack[stack.count - 1].element.children.append(.element(element))
                stack[stack.count - 1].hasElementChild = true
            }
        }

        var frame = try parseStartTag(depth: 1)
        if frame.selfClosing { return frame.frame.element }
        stack.append(frame.frame)
        // The open element is reached through `stack[stack.count - 1]`, never copied out: a copy
        // would share its children's storage and make every append copy the whole array.
        while !stack.isEmpty {
            guard position < bytes.count else {
                throw error(.malformed, "unexpected end of input: <\(stack[stack.count - 1].element.name)> is not closed")
            }
            if bytes[position] != UInt8(ascii: "<") {
                let text = try parseText()
                if !text.isEmpty { stack[stack.count - 1].element.children.append(.text(text)) }
                continue
            }
            if matches("</") {
                position += 2
                let nameStart = position
                let name = try readName()
                let openName = stack[stack.count - 1].element.name
                guard name == openName else {
                    position = nameStart
                    throw error(.malformed, "the end tag </\(name)> does not match <\(openName)>")
                }
                skipWhitespace()
                guard byte(at: position) == UInt8(ascii: ">") else { throw error(.malformed, "expected '>' to close </\(name)>") }
                position += 1
                var closed = stack.removeLast()
                finish(&closed)
                attach(closed.element, to: &stack, root: &root)
            } else if matches("<!--") {
                let comment = try parseComment()
                stack[stack.count - 1].element.children.append(.comment(comment))
            } else if matches("<![CDATA[") {
                let content = try parseCDATA()
                stack[stack.count - 1].element.children.append(.cdata(content))
            } else if matches("<?") {
                let instruction = try parseProcessingInstruction()
                stack[stack.count - 1].element.children.append(.processingInstruction(target: instruction.target, data: instruction.data))
            } else if matches("<!") {
                throw error(.malformed, "unexpected markup declaration inside an element")
            } else {
                frame = try parseStartTag(depth: stack.count + 1)
                if frame.selfClosing {
                    attach(frame.frame.element, to: &stack, root: &root)
                } else {
                    stack.append(frame.frame)
                }
            }
        }
        guard let root else { throw error(.malformed, "the document has no root element") }
        return root
    }

    /// Pops the namespace bindings an element declared and drops whitespace-only text between
    /// child elements (indentation), unless asked to keep it.
    private mutating func finish(_ frame: inout Frame) {
        for prefix in frame.declaredPrefixes { namespaces[prefix]?.removeLast() }
        if !keepsWhitespace, frame.hasElementChild {
            frame.element.children.removeAll { node in
                if case .text(let text) = node { return text.utf8.allSatisfy(Self.isSpace) }
                return false
            }
        }
    }

    private mutating func parseStartTag(depth: Int) throws(XMLParseError) -> (frame: Frame, selfClosing: Bool) {
        guard depth <= limits.maxDepth else {
            throw error(.limitExceeded, "elements are nested more than \(limits.maxDepth) deep")
        }
        elementCount += 1
        guard elementCount <= limits.maxElements else {
            throw error(.limitExceeded, "the document has more than \(limits.maxElements) elements")
        }
        position += 1
        let name = try readName()
        var attributes: [XMLAttribute] = []
        var seen: Set<String> = []
        var selfClosing = false
        while true {
            let spaced = skipWhitespace()
            guard let next = byte(at: position) else { throw error(.malformed, "unexpected end of input in the start tag of <\(name)>") }
            if next == UInt8(ascii: ">") {
                position += 1
                break
            }
            if next == UInt8(ascii: "/") {
                guard byte(at: position + 1) == UInt8(ascii: ">") else {
                    throw error(.malformed, "expected '/>' in the start tag of <\(name)>")
                }
                position += 2
                selfClosing = true
                break
            }
            guard spaced else { throw error(.malformed, "expected whitespace before an attribute of <\(name)>") }
            let attributeStart = position
            let attributeName = try readName()
            skipWhitespace()
            guard byte(at: position) == UInt8(ascii: "=") else {
                throw error(.malformed, "expected '=' after the attribute \(attributeName)")
            }
            position += 1
            skipWhitespace()
            let value = try parseAttributeValue(name: attributeName)
            // Few attributes: a linear scan beats hashing; many: a set keeps the check linear overall.
            let duplicate: Bool
            if attributes.count < 16 {
                duplicate = attributes.contains { $0.name == attributeName }
            } else {
                if seen.isEmpty { seen = Set(attributes.map(\.name)) }
                duplicate = !seen.insert(attributeName).inserted
            }
            if duplicate {
                position = attributeStart
                throw error(.malformed, "the attribute \(attributeName) appears twice in <\(name)>")
            }
            attributes.append(XMLAttribute(attributeName, value))
        }
        var declared: [String] = []
        for attribute in attributes {
            if attribute.name == "xmlns" {
                namespaces["", default: []].append(attribute.value)
                declared.append("")
            } else if attribute.name.hasPrefix("xmlns:") {
                let prefix = String(attribute.name.dropFirst(6))
                namespaces[prefix, default: []].append(attribute.value)
                declared.append(prefix)
            }
        }
        let prefix = XMLName.split(name).prefix ?? ""
        let uri = namespaces[prefix]?.last.flatMap { $0.isEmpty ? nil : $0 }
        var frame = Frame(element: XMLTreeElement(name, attributes: attributes, namespaceURI: uri), declaredPrefixes: declared)
        if selfClosing { finish(&frame) }
        return (frame, selfClosing)
    }

    private mutating func parseAttributeValue(name: String) throws(XMLParseError) -> String {
        guard let quote = byte(at: position), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            throw error(.malformed, "expected a quoted value for the attribute \(name)")
        }
        position += 1
        let valueStart = position
        var index = position
        let count = bytes.count
        while index < count, bytes[index] != quote {
            if bytes[index] == UInt8(ascii: "<") {
                position = index
                throw error(.malformed, "'<' is not allowed in the value of the attribute \(name)")
            }
            index += 1
            if index - valueStart > limits.maxAttributeValueBytes {
                position = valueStart
                throw error(
                    .limitExceeded, "the value of the attribute \(name) is longer than the limit of \(limits.maxAttributeValueBytes) bytes")
            }
        }
        guard index < count else {
            position = valueStart
            throw error(.malformed, "the value of the attribute \(name) is not closed")
        }
        position = valueStart
        let value = try decodeCharacterData(upTo: index, isAttribute: true)
        position = index + 1
        return value
    }

    // MARK: Character data

    private mutating func parseText() throws(XMLParseError) -> String {
        var end = position
        let count = bytes.count
        while end < count, bytes[end] != UInt8(ascii: "<") { end += 1 }
        let text = try decodeCharacterData(upTo: end, isAttribute: false)
        position = end
        return text
    }

    /// Decodes `bytes[position..<end]`: entities and character references, line ends (CR LF and
    /// CR become LF) and, in attribute values, literal tabs and line ends become spaces.
    private mutating func decodeCharacterData(upTo end: Int, isAttribute: Bool) throws(XMLParseError) -> String {
        var needsWork = false
        var index = position
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "&") || byte == 0x0D || (isAttribute && (byte == 0x0A || byte == 0x09)) {
                needsWork = true
                break
            }
            index += 1
        }
        if !needsWork { return String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self) }

        var output: [UInt8] = []
        output.reserveCapacity(end - position)
        index = position
        while index < end {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "&"):
                position = index
                index = try decodeReference(from: index, end: end, into: &output)
            case 0x0D:
                output.append(isAttribute ? 0x20 : 0x0A)
                index += index + 1 < end && bytes[index + 1] == 0x0A ? 2 : 1
            case 0x0A where isAttribute, 0x09 where isAttribute:
                output.append(0x20)
                index += 1
            default:
                output.append(byte)
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes the reference starting at `start` (`&`) and returns the index after its `;`.
    private func decodeReference(from start: Int, end: Int, into output: inout [UInt8]) throws(XMLParseError) -> Int {
        var semicolon = start + 1
        while semicolon < end, semicolon - start <= 40, bytes[semicolon] != UInt8(ascii: ";") { semicolon += 1 }
        guard semicolon < end, bytes[semicolon] == UInt8(ascii: ";") else {
            throw error(.malformed, "'&' must start an entity or character reference ending in ';'")
        }
        let body = UnsafeBufferPointer(rebasing: bytes[(start + 1)..<semicolon])
        if body.first == UInt8(ascii: "#") {
            var digits = UnsafeBufferPointer(rebasing: body[1...])
            var radix: UInt32 = 10
            if digits.first == UInt8(ascii: "x") {
                radix = 16
                digits = UnsafeBufferPointer(rebasing: digits[1...])
            }
            guard !digits.isEmpty else { throw error(.malformed, "empty character reference") }
            var value: UInt32 = 0
            for digit in digits {
                let number: UInt32
                switch digit {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): number = UInt32(digit - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: number = UInt32(digit - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: number = UInt32(digit - UInt8(ascii: "A") + 10)
                default: throw error(.malformed, "invalid digit in a character reference")
                }
                value = value * radix + number
                guard value <= 0x10FFFF else { throw error(.malformed, "character reference beyond U+10FFFF") }
            }
            guard XMLTextDecoding.isXMLChar(value) else {
                throw error(.malformed, "character reference to U+\(String(value, radix: 16, uppercase: true)), which XML does not allow")
            }
            XMLTextDecoding.appendUTF8(value, to: &output)
            return semicolon + 1
        }
        switch String(decoding: body, as: UTF8.self) {
        case "lt": output.append(UInt8(ascii: "<"))
        case "gt": output.append(UInt8(ascii: ">"))
        case "amp": output.append(UInt8(ascii: "&"))
        case "apos": output.append(UInt8(ascii: "'"))
        case "quot": output.append(UInt8(ascii: "\""))
        case let name:
            guard let first = body.first, Self.isNameStart(first), body.allSatisfy(Self.isNameChar) else {
                throw error(.malformed, "'&' must start an entity or character reference")
            }
            throw error(.undefinedEntity, "undefined entity '&\(name);' (only the five predefined entities are recognised)")
        }
        return semicolon + 1
    }

    private mutating func parseComment() throws(XMLParseError) -> String {
        guard let end = find("-->", from: position + 4) else { throw error(.malformed, "the comment is not closed") }
        let content = String(decoding: UnsafeBufferPointer(rebasing: bytes[(position + 4)..<end]), as: UTF8.self)
        position = end + 3
        return content
    }

    private mutating func parseCDATA() throws(XMLParseError) -> String {
        guard let end = find("]]>", from: position + 9) else { throw error(.malformed, "the CDATA section is not closed") }
        let content = String(decoding: UnsafeBufferPointer(rebasing: bytes[(position + 9)..<end]), as: UTF8.self)
        position = end + 3
        return content.contains("\r") ? Self.normalizingLineEnds(content) : content
    }

    private mutating func parseProcessingInstruction() throws(XMLParseError) -> (target: String, data: String) {
        position += 2
        let targetStart = position
        let target = try readName()
        if target.lowercased() == "xml" {
            position = targetStart
            throw error(.malformed, "an XML declaration is only allowed at the very start of the document")
        }
        let spaced = skipWhitespace()
        guard let end = find("?>", from: position) else { throw error(.malformed, "the processing instruction is not closed") }
        guard spaced || end == position else { throw error(.malformed, "expected whitespace after the processing instruction target") }
        let data = String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
        position = end + 2
        return (target, data)
    }

    // MARK: Lexing helpers

    private func byte(at index: Int) -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private func matches(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<count where bytes[position + offset] != pointer[offset] { return false }
        return true
    }

    private func find(_ literal: StaticString, from index: Int) -> Int? {
        let count = literal.utf8CodeUnitCount
        let pointer = literal.utf8Start
        let first = pointer[0]
        var candidate = index
        let last = bytes.count - count
        while candidate <= last {
            if bytes[candidate] == first {
                var offset = 1
                while offset < count, bytes[candidate + offset] == pointer[offset] { offset += 1 }
                if offset == count { return candidate }
            }
            candidate += 1
        }
        return nil
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let begin = position
        while position < bytes.count, Self.isSpace(bytes[position]) { position += 1 }
        return position > begin
    }

    private mutating func readName() throws(XMLParseError) -> String {
        guard let first = byte(at: position), Self.isNameStart(first) else { throw error(.malformed, "expected a name") }
        let nameStart = position
        position += 1
        while position < bytes.count, Self.isNameChar(bytes[position]) { position += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[nameStart..<position]), as: UTF8.self)
    }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D }

    /// Name start characters; any non-ASCII byte is accepted as part of a (validated UTF-8) letter.
    @inline(__always)
    static func isNameStart(_ byte: UInt8) -> Bool {
        (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
            || byte >= 0x80
    }

    @inline(__always)
    static func isNameChar(_ byte: UInt8) -> Bool {
        isNameStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: ".")
    }

    private static func normalizingLineEnds(_ text: String) -> String {
        text.replacing("\r\n", with: "\n").replacing("\r", with: "\n")
    }

    private func error(_ kind: XMLParseError.Kind, _ message: String) -> XMLParseError {
        let (line, column) = XMLTextDecoding.location(of: position, in: bytes, from: start)
        return XMLParseError(kind, message, line: line, column: column)
    }
}

extension XMLTreeElement {
    /// Parses an XML document (UTF-8, or UTF-16 with a byte-order mark; ISO-8859-1 and
    /// windows-1252 when declared) and returns its root element.
    ///
    /// Comments and processing instructions outside the root element are dropped. Unless
    /// `keepsWhitespace` is set, text made only of whitespace is dropped from elements that have
    /// child elements (indentation); it is kept in elements with text only.
    ///
    /// - Throws: ``XMLParseError`` with the line and column of the problem.
    public init(parsing bytes: some Collection<UInt8>, limits: XMLLimits = .default, keepsWhitespace: Bool = false) throws(XMLParseError) {
        let parse = { (buffer: UnsafeBufferPointer<UInt8>) -> Result<XMLTreeElement, XMLParseError> in
            Result { () throws(XMLParseError) -> XMLTreeElement in
                try XMLReader.parse(buffer, limits: limits, keepsWhitespace: keepsWhitespace)
            }
        }
        if let result = bytes.withContiguousStorageIfAvailable(parse) {
            self = try result.get()
            return
        }
        guard bytes.count <= limits.maxInputBytes else {
            throw XMLParseError(.limitExceeded, "the document has \(bytes.count) bytes, more than the limit of \(limits.maxInputBytes)")
        }
        self = try Array(bytes).withUnsafeBufferPointer(parse).get()
    }

    /// Parses an XML document held in a string.
    public init(parsing text: String, limits: XMLLimits = .default, keepsWhitespace: Bool = false) throws(XMLParseError) {
        try self.init(parsing: Array(text.utf8), limits: limits, keepsWhitespace: keepsWhitespace)
    }
}
