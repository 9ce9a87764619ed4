// The CZI reader reads its metadata segment with the package's safe XML parser.
typealias CZIXMLElement = XMLTreeElement
typealias CZIXMLError = XMLParseError
