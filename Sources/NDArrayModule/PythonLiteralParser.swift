/// A Python literal as found in NPY headers: dicts, tuples, lists, strings, integers, booleans, None.
enum PythonLiteral: Equatable, CustomStringConvertible {
    case dict([String: PythonLiteral])
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case string(String)
    case int(Int)
    case bool(Bool)
    case none

    var description: String {
        switch self {
        case .dict(let fields): "{" + fields.map { "'\($0.key)': \($0.value)" }.sorted().joined(separator: ", ") + "}"
        case .tuple(let items): "(" + items.map(\.description).joined(separator: ", ") + ")"
        case .list(let items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .string(let text): "'\(text)'"
        case .int(let value): "\(value)"
        case .bool(let value): value ? "True" : "False"
        case .none: "None"
        }
    }
}

/// A recursive-descent parser for the subset of Python literal syntax numpy writes in NPY headers.
/// Nesting is limited so that a crafted header cannot exhaust the stack.
struct PythonLiteralParser {
    struct SyntaxError: Error, CustomStringConvertible {
        var description: String
    }

    private let characters: [Character]
    private var position = 0
    private var depth = 0

    init(_ text: String) { characters = Array(text) }

    mutating func parse() throws(SyntaxError) -> PythonLiteral {
        let value = try parseValue()
        skipWhitespace()
        guard position == characters.count else { throw SyntaxError(description: "unexpected text at \(position)") }
        return value
    }

    private mutating func skipWhitespace() {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
    }

    private mutating func expect(_ character: Character) throws(SyntaxError) {
        skipWhitespace()
        guard position < characters.count, characters[position] == character else {
            throw SyntaxError(description: "expected '\(character)' at \(position)")
        }
        position += 1
    }

    private mutating func peek() -> Character? {
        skipWhitespace()
        return position < characters.count ? characters[position] : nil
    }

    private mutating func parseValue() throws(SyntaxError) -> PythonLiteral {
        guard let next = peek() else { throw SyntaxError(description: "unexpected end") }
        switch next {
        case "{":
            return .dict(try nested { (parser: inout Self) throws(SyntaxError) in try parser.parseDict() })
        case "(":
            let (items, trailingComma) = try nested { (parser: inout Self) throws(SyntaxError) in
                try parser.parseSequence(closing: ")")
            }
            // "(x)" is just x in Python; "(x,)" is a tuple.
            if items.count == 1, !trailingComma { return items[0] }
            return .tuple(items)
        case "[":
            return .list(try nested { (parser: inout Self) throws(SyntaxError) in try parser.parseSequence(closing: "]").0 })
        case "'", "\"":
            return .string(try parseString())
        default:
            return try parseAtom()
        }
    }

    private mutating func nested<T>(_ body: (inout Self) throws(SyntaxError) -> T) throws(SyntaxError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 32 else { throw SyntaxError(description: "nesting too deep") }
        return try body(&self)
    }

    private mutating func parseDict() throws(SyntaxError) -> [String: PythonLiteral] {
        try expect("{")
        var fields: [String: PythonLiteral] = [:]
        while peek() != "}" {
            guard case .string(let key) = try parseValue() else { throw SyntaxError(description: "dict key is not a string") }
            try expect(":")
            fields[key] = try parseValue()
            if peek() == "," { position += 1 } else { break }
        }
        try expect("}")
        return fields
    }

    private mutating func parseSequence(closing: Character) throws(SyntaxError) -> ([PythonLiteral], Bool) {
        position += 1  // the opening bracket
        var items: [PythonLiteral] = []
        var trailingComma = false
        while peek() != closing {
            items.append(try parseValue())
            trailingComma = false
            if peek() == "," {
                position += 1
                trailingComma = true
            } else {
                break
            }
        }
        try expect(closing)
        return (items, trailingComma)
    }

    private mutating func parseString() throws(SyntaxError) -> String {
        let quote = characters[position]
        position += 1
        var text = ""
        while position < characters.count, characters[position] != quote {
            if characters[position] == "\\", position + 1 < characters.count { position += 1 }
            text.append(characters[position])
            position += 1
        }
        guard position < characters.count else { throw SyntaxError(description: "unterminated string") }
        position += 1
        return text
    }

    private mutating func parseAtom() throws(SyntaxError) -> PythonLiteral {
        let start = position
        while position < characters.count,
            characters[position].isLetter || characters[position].isNumber || "-+_".contains(characters[position])
        {
            position += 1
        }
        let word = String(characters[start..<position])
        switch word {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .none
        default:
            // numpy writes shapes of Python ints; "3L" appears in files from Python 2.
            let digits = word.hasSuffix("L") ? String(word.dropLast()) : word
            guard let value = Int(digits) else { throw SyntaxError(description: "unexpected '\(word)' at \(start)") }
            return .int(value)
        }
    }
}
