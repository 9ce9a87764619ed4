/// Bounds on what parsing one XML document may consume, so that hostile input (deep nesting,
/// millions of elements, huge attribute values) fails with an error instead of exhausting the
/// stack or memory.
///
/// The defaults fit any real OME-XML or vendor metadata block with a wide margin:
/// ```swift
/// let root = try XMLTreeElement(parsing: bytes, limits: XMLLimits(maxInputBytes: 1 << 30))
/// ```
public struct XMLLimits: Sendable, Hashable {
    /// The most bytes of input (before transcoding).
    public var maxInputBytes: Int
    /// The deepest element nesting. Values above ``depthCeiling`` are lowered to it, because the
    /// tree is written and compared recursively.
    public var maxDepth: Int
    /// The most elements in the document.
    public var maxElements: Int
    /// The longest attribute value, counted in bytes of the source text (before entities are
    /// decoded).
    public var maxAttributeValueBytes: Int

    /// The highest ``maxDepth`` honoured.
    public static let depthCeiling = 1024

    /// Creates limits; omitted values take the defaults.
    public init(
        maxInputBytes: Int = XMLLimits.default.maxInputBytes, maxDepth: Int = XMLLimits.default.maxDepth,
        maxElements: Int = XMLLimits.default.maxElements, maxAttributeValueBytes: Int = XMLLimits.default.maxAttributeValueBytes
    ) {
        self.maxInputBytes = max(0, maxInputBytes)
        self.maxDepth = min(max(1, maxDepth), Self.depthCeiling)
        self.maxElements = max(1, maxElements)
        self.maxAttributeValueBytes = max(0, maxAttributeValueBytes)
    }

    /// 128 MiB of input, nesting 256 deep, one million elements, attribute values of 1 MiB.
    public static let `default` = XMLLimits(uncheckedInput: 128 << 20, depth: 256, elements: 1_000_000, attributeValue: 1 << 20)

    private init(uncheckedInput: Int, depth: Int, elements: Int, attributeValue: Int) {
        maxInputBytes = uncheckedInput
        maxDepth = depth
        maxElements = elements
        maxAttributeValueBytes = attributeValue
    }
}
