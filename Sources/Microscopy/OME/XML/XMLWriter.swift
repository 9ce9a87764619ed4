/// Serialises an element tree as XML text: deterministic (attributes in their stored order, one
/// fixed indentation), escaped so that parsing the output gives back the same tree.
extension XMLTreeElement {
    /// The element as an XML document or fragment.
    ///
    /// - Parameters:
    ///   - declaration: Whether to begin with `<?xml version="1.0" encoding="UTF-8"?>`.
    ///   - indentation: The text of one indentation level, or `nil` for no line breaks. Elements
    ///     holding text are written on one line, so their text is never altered.
    /// - Returns: The XML text. Characters XML cannot represent (most control characters)
    ///   become U+FFFD.
    public func xmlString(declaration: Bool = true, indentation: String? = "  ") -> String {
        var output = ""
        if declaration {
            output += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
            if indentation != nil { output += "\n" }
        }
        XMLWriter(indentation: indentation).write(self, level: 0, into: &output)
        if indentation != nil { output += "\n" }
        return output
    }
}

struct XMLWriter {
    var indentation: String?

    func write(_ element: XMLTreeElement, level: Int, into output: inout String) {
        output += "<"
        output += element.name
        for attribute in element.attributes {
            output += " "
            output += attribute.name
            output += "=\""
            Self.appendEscaped(attribute.value, attribute: true, to: &output)
            output += "\""
        }
        if element.children.isEmpty {
            output += "/>"
            return
        }
        output += ">"
        let holdsText = element.children.contains { node in
            switch node {
            case .text, .cdata: true
            default: false
            }
        }
        let indent = holdsText ? nil : indentation
        for child in element.children {
            if let indent {
                output += "\n"
                for _ in 0...level { output += indent }
            }
            switch child {
            case .element(let child):
                XMLWriter(indentation: indent).write(child, level: level + 1, into: &output)
            case .text(let text):
                Self.appendEscaped(text, attribute: false, to: &output)
            case .cdata(let text):
                output += "<![CDATA["
                output += Self.legal(text).replacing("]]>", with: "]]]]><![CDATA[>")
                output += "]]>"
            case .comment(let text):
                var safe = Self.legal(text).replacing("--", with: "- -")
                if safe.hasSuffix("-") { safe += " " }
                output += "<!--"
                output += safe
                output += "-->"
            case .processingInstruction(let target, let data):
                output += "<?"
                output += target
                if !data.isEmpty {
                    output += " "
                    output += Self.legal(data).replacing("?>", with: "? >")
                }
                output += "?>"
            }
        }
        if let indent {
            output += "\n"
            for _ in 0..<level { output += indent }
        }
        output += "</"
        output += element.name
        output += ">"
    }

    /// Escapes markup characters; in attributes also quotes, tabs and line ends (as character
    /// references, which survive attribute-value normalisation).
    static func appendEscaped(_ text: String, attribute: Bool, to output: inout String) {
        let needsWork = text.unicodeScalars.contains { scalar in
            switch scalar {
            case "&", "<", ">", "\r", "\"": true
            case "\n", "\t": attribute
            default: !XMLTextDecoding.isXMLChar(scalar.value)
            }
        }
        guard needsWork else {
            output += text
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\r": output += "&#13;"
            case "\"" where attribute: output += "&quot;"
            case "\n" where attribute: output += "&#10;"
            case "\t" where attribute: output += "&#9;"
            default:
                if XMLTextDecoding.isXMLChar(scalar.value) {
                    output.unicodeScalars.append(scalar)
                } else {
                    output += "\u{FFFD}"
                }
            }
        }
    }

    /// The text with characters XML cannot hold replaced by U+FFFD.
    static func legal(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { !XMLTextDecoding.isXMLChar($0.value) }) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { result.append(XMLTextDecoding.isXMLChar(scalar.value) ? scalar : "\u{FFFD}") }
        return String(result)
    }
}
