/// An element of a parsed XML document: its qualified name, its attributes in document order and
/// its children.
///
/// Names keep their namespace prefix (`SA:XMLAnnotation`); ``localName`` drops it and
/// ``namespaceURI`` gives the namespace the prefix (or the default namespace) was bound to when
/// the element was parsed.
///
/// ```swift
/// let root = try XMLTreeElement(parsing: "<a x='1'><b>hi</b></a>")
/// root.attribute("x")                         // "1"
/// root.firstElement(named: "b")?.text          // "hi"
/// ```
public struct XMLTreeElement: Sendable, Hashable {
    /// The qualified name, with its prefix (`SA:Value`).
    public var name: String
    /// The attributes in document order, namespace declarations (`xmlns`, `xmlns:p`) included.
    public var attributes: [XMLAttribute]
    /// The child nodes in document order.
    public var children: [XMLTreeNode]
    /// The namespace the element's name belongs to, resolved by the parser from the `xmlns`
    /// declarations in scope; `nil` when there is none or the element was built in code.
    public var namespaceURI: String?

    /// Creates an element.
    public init(_ name: String, attributes: [XMLAttribute] = [], children: [XMLTreeNode] = [], namespaceURI: String? = nil) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.namespaceURI = namespaceURI
    }

    /// Creates an element from `(name, value)` attribute pairs, skipping pairs whose value is `nil`.
    public init(_ name: String, attributes pairs: KeyValuePairs<String, String?>, children: [XMLTreeNode] = []) {
        self.init(name, attributes: pairs.compactMap { pair in pair.value.map { XMLAttribute(pair.key, $0) } }, children: children)
    }

    /// The prefix of ``name`` (`SA` for `SA:Value`), or `nil`.
    public var prefix: String? { XMLName.split(name).prefix }

    /// ``name`` without its prefix (`Value` for `SA:Value`).
    public var localName: String { XMLName.split(name).local }

    /// The value of the attribute with this qualified name, or `nil`.
    public func attribute(_ name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// Sets (or, with `nil`, removes) the attribute with this qualified name, keeping its place
    /// when it exists and appending it otherwise.
    public mutating func setAttribute(_ name: String, _ value: String?) {
        if let index = attributes.firstIndex(where: { $0.name == name }) {
            if let value { attributes[index].value = value } else { attributes.remove(at: index) }
        } else if let value {
            attributes.append(XMLAttribute(name, value))
        }
    }

    /// The child elements, in order.
    public var elements: [XMLTreeElement] {
        children.compactMap { if case .element(let element) = $0 { element } else { nil } }
    }

    /// The child elements with this local name, in order.
    public func elements(named localName: String) -> [XMLTreeElement] {
        children.compactMap { if case .element(let element) = $0, element.localName == localName { element } else { nil } }
    }

    /// The first child element with this local name, or `nil`.
    public func firstElement(named localName: String) -> XMLTreeElement? {
        for case .element(let element) in children where element.localName == localName { return element }
        return nil
    }

    /// The text and CDATA children joined (the element's own text, not its descendants').
    public var text: String {
        var result = ""
        for child in children {
            switch child {
            case .text(let text), .cdata(let text): result += text
            default: break
            }
        }
        return result
    }

    /// Appends a child element.
    public mutating func append(_ element: XMLTreeElement) { children.append(.element(element)) }

    /// Appends a text child (nothing for an empty string).
    public mutating func append(text: String) { if !text.isEmpty { children.append(.text(text)) } }
}

/// One attribute: its qualified name and its value, entities decoded.
public struct XMLAttribute: Sendable, Hashable {
    /// The qualified name (`xsi:schemaLocation`).
    public var name: String
    /// The value, with entities and character references decoded.
    public var value: String

    /// Creates an attribute.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    /// ``name`` without its prefix.
    public var localName: String { XMLName.split(name).local }
}

/// A node of the tree under an element.
public enum XMLTreeNode: Sendable, Hashable {
    /// A child element.
    case element(XMLTreeElement)
    /// Character data, entities decoded.
    case text(String)
    /// A CDATA section's content.
    case cdata(String)
    /// A comment's content.
    case comment(String)
    /// A processing instruction (`<?target data?>`).
    case processingInstruction(target: String, data: String)
}

/// Qualified-name helpers.
enum XMLName {
    static func split(_ name: String) -> (prefix: String?, local: String) {
        guard let colon = name.utf8.firstIndex(of: UInt8(ascii: ":")) else { return (nil, name) }
        return (String(name[..<colon]), String(name[name.index(after: colon)...]))
    }

    /// The XML namespace, bound to `xml` without declaration.
    static let xmlNamespace = "http://www.w3.org/XML/1998/namespace"
}
