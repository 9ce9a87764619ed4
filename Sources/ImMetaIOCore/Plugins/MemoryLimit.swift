/// How many bytes of pixels a multi-image read may hold before it stops with an error, taken the
/// way imageio v2 takes `memtest`: `true` (the default limit, 256 MB), `false` or `0` (no limit),
/// a number of bytes, or a size string such as `"1GiB"` (see ``MemorySize``).
///
/// ```swift
/// let frames = try readImages(from: "clip.gif", memoryLimit: "1GB")
/// let all = try readImages(from: "clip.gif", memoryLimit: false)
/// ```
///
/// A size string is parsed when the limit is used, so a misspelt literal is a thrown
/// `invalidArgument` error there, never a trap.
public struct MemoryLimit: Sendable, Hashable, CustomStringConvertible, ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByStringLiteral
{
    private enum Storage: Sendable, Hashable {
        case bytes(Int?)
        case text(String)
    }

    private let storage: Storage

    /// imageio's default, 256 MB.
    public static let `default` = MemoryLimit(bytes: 256_000_000)
    /// No limit.
    public static let unlimited = MemoryLimit(bytes: nil)

    /// A limit in bytes; `nil` or `0` means none (imageio treats a zero `memtest` as off).
    public init(bytes: Int?) { storage = .bytes(bytes == 0 ? nil : bytes) }

    /// `true`: the default limit; `false`: none.
    public init(booleanLiteral value: Bool) { self = value ? .default : .unlimited }

    /// A number of bytes (`0`: none).
    public init(integerLiteral value: Int) { self.init(bytes: value) }

    /// A limit as text, parsed by ``bytes()`` with ``init(parsing:)``'s rules.
    public init(stringLiteral value: String) { storage = .text(value) }

    /// Parses a limit as the command line takes it: `true`/`false`, `none`, a number of bytes
    /// (`0`: none) or a size string (`256MB`, `1GiB`).
    /// - Throws: ``ImMetaIOError/Code/invalidArgument`` naming the text when it is none of these.
    public init(parsing text: String) throws(ImMetaIOError) {
        storage = .bytes(try Self.parse(text))
    }

    /// The limit in bytes, or `nil` for none.
    /// - Throws: ``ImMetaIOError/Code/invalidArgument`` for a size string that does not parse.
    public func bytes() throws(ImMetaIOError) -> Int? {
        switch storage {
        case .bytes(let count): return count
        case .text(let text): return try Self.parse(text)
        }
    }

    private static func parse(_ text: String) throws(ImMetaIOError) -> Int? {
        switch text.lowercased() {
        case "true": return 256_000_000
        case "false", "none": return nil
        default:
            if let count = Int(text) {
                guard count >= 0 else { throw ImMetaIOError(.invalidArgument, "a memory limit cannot be negative: \(text)") }
                return count == 0 ? nil : count
            }
            return try MemorySize(parsing: text).bytes
        }
    }

    /// `256000000 bytes`, `no limit`, or the text as given.
    public var description: String {
        switch storage {
        case .bytes(let count): count.map { "\($0) bytes" } ?? "no limit"
        case .text(let text): text
        }
    }
}
