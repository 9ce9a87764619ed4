import Microscopy
import Testing

@Suite struct XMLParserTests {
    @Test func parsesNamesAttributesTextAndNamespaces() throws {
        let text = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- leading comment -->
            <OME xmlns="urn:a" xmlns:SA="urn:sa" b="2" a="1">
              <Image ID="Image:0">Some &amp; text &lt;here&gt; &#65;&#x42;&quot;&apos;</Image>
              <SA:Value><![CDATA[<raw> & stuff]]></SA:Value>
              <!-- inner -->
              <?target some data?>
              <Empty/>
            </OME>
            """
        let root = try XMLTreeElement(parsing: text)
        #expect(root.name == "OME")
        #expect(root.namespaceURI == "urn:a")
        #expect(root.attributes.map(\.name) == ["xmlns", "xmlns:SA", "b", "a"])
        #expect(root.attribute("a") == "1")
        let image = try #require(root.firstElement(named: "Image"))
        #expect(image.text == "Some & text <here> AB\"'")
        #expect(image.namespaceURI == "urn:a")
        let value = try #require(root.firstElement(named: "Value"))
        #expect(value.name == "SA:Value")
        #expect(value.prefix == "SA")
        #expect(value.localName == "Value")
        #expect(value.namespaceURI == "urn:sa")
        #expect(value.children == [.cdata("<raw> & stuff")])
        #expect(root.children.contains(.comment(" inner ")))
        #expect(root.children.contains(.processingInstruction(target: "target", data: "some data")))
        // Indentation between elements is dropped; elements with text keep theirs.
        #expect(root.children.count == 5)
        #expect(root.firstElement(named: "Empty")?.children.isEmpty == true)
    }

    @Test func normalisesLineEndsAndAttributeWhitespace() throws {
        let root = try XMLTreeElement(parsing: Array("<a v=\"x\ty\r\nz&#10;w\">l1\r\nl2\rl3</a>".utf8))
        #expect(root.attribute("v") == "x y z\nw")
        #expect(root.text == "l1\nl2\nl3")
        let spaced = try XMLTreeElement(parsing: "<a> <b/> </a>", keepsWhitespace: true)
        #expect(spaced.children.count == 3)
        let textOnly = try XMLTreeElement(parsing: "<a>  </a>")
        #expect(textOnly.text == "  ")
    }

    @Test func readsUTF16AndDeclaredSingleByteEncodings() throws {
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><a n=\"µm 😀\">é</a>"
        var littleEndian: [UInt8] = [0xFF, 0xFE]
        var bigEndian: [UInt8] = [0xFE, 0xFF]
        for unit in text.utf16 {
            littleEndian += [UInt8(unit & 0xFF), UInt8(unit >> 8)]
            bigEndian += [UInt8(unit >> 8), UInt8(unit & 0xFF)]
        }
        for bytes in [littleEndian, bigEndian, Array(bigEndian.dropFirst(2))] {
            let root = try XMLTreeElement(parsing: bytes)
            #expect(root.attribute("n") == "µm 😀")
            #expect(root.text == "é")
        }
        let latin1: [UInt8] = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>".utf8) + [0xB5, 0x6D] + Array("</a>".utf8)
        #expect(try XMLTreeElement(parsing: latin1).text == "µm")
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("<a>x</a>".utf8)
        #expect(try XMLTreeElement(parsing: bom).text == "x")
        #expect(throws: XMLParseError.self) { try XMLTreeElement(parsing: Array("<?xml version='1.0' encoding='EBCDIC'?><a/>".utf8)) }
    }

    @Test func skipsAPlainDoctypeButRefusesSubsetsAndExternalDTDs() throws {
        #expect(try XMLTreeElement(parsing: "<!DOCTYPE note><note>x</note>").text == "x")
        let billionLaughs = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [
             <!ENTITY lol "lol">
             <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
             <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
            ]>
            <lolz>&lol3;</lolz>
            """
        let laughs = parseError(billionLaughs)
        #expect(laughs?.kind == .forbiddenDeclaration)
        #expect(laughs?.line == 2)
        let external = parseError("<?xml version=\"1.0\"?><!DOCTYPE foo SYSTEM \"file:///etc/passwd\"><foo>&xxe;</foo>")
        #expect(external?.kind == .forbiddenDeclaration)
        #expect(parseError("<!DOCTYPE foo PUBLIC \"-//x//y\" \"http://example.com/x.dtd\"><foo/>")?.kind == .forbiddenDeclaration)
        // Without a DTD an entity reference is simply undefined: nothing is ever fetched.
        #expect(parseError("<foo>&xxe;</foo>")?.kind == .undefinedEntity)
        #expect(parseError("<foo><!ENTITY x 'y'></foo>")?.kind == .malformed)
    }

    @Test func reportsMalformedInputWithLineAndColumn() {
        let error = parseError("<a>\n  <b>\n</a>")
        #expect(error?.kind == .malformed)
        #expect(error?.line == 3)
        #expect(error?.column == 3)
        let cases = [
            "", "   ", "text", "<a>", "<a></b>", "<a x='1' x='2'/>", "<a x=1/>", "<a x='<'/>", "<a>&#0;</a>", "<a>&#xD800;</a>",
            "<a>&amp</a>", "<a>& b</a>", "<a/><b/>", "<a/>text", "<a><!-- x</a>", "<a><![CDATA[x</a>", "<a><?xml x?></a>",
            "<1a/>", "<a b='1'c='2'/>", "<a>&#xFFFFFFFF;</a>", "<?xml?><a/>", "<a", "<a b", "<a b=", "<a b='x", "</a>",
        ]
        for text in cases {
            #expect(parseError(text) != nil, "expected an error for \(text.debugDescription)")
        }
    }

    @Test func rejectsInvalidUTF8AndForbiddenControlCharacters() {
        let samples: [[UInt8]] = [
            Array("<a>".utf8) + [0xC3] + Array("</a>".utf8),
            Array("<a>".utf8) + [0xFF, 0xFE] + Array("</a>".utf8),
            Array("<a>".utf8) + [0xC0, 0xAF] + Array("</a>".utf8),
            Array("<a>".utf8) + [0xED, 0xA0, 0x80] + Array("</a>".utf8),
            Array("<a>".utf8) + [0x01] + Array("</a>".utf8),
            Array("<a>".utf8) + [0xF0, 0x9F, 0x98],
            [0xFF, 0xFE, 0x3C],
        ]
        for bytes in samples {
            #expect(throws: XMLParseError.self) { try XMLTreeElement(parsing: bytes) }
        }
        let error = parseError(bytes: Array("<a>\nok ".utf8) + [0xC3, 0x28] + Array("</a>".utf8))
        #expect(error?.kind == .invalidEncoding)
        #expect(error?.line == 2)
        #expect(error?.column == 4)
    }

    @Test func enforcesLimitsWithoutExhaustingStackOrMemory() {
        let depth = 100_000
        let deep = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        #expect(parseError(deep)?.kind == .limitExceeded)
        let deepSelfClosing = String(repeating: "<a>", count: 300) + "<b/>" + String(repeating: "</a>", count: 300)
        #expect(parseError(deepSelfClosing)?.kind == .limitExceeded)

        var huge = Array("<a v=\"".utf8)
        huge += [UInt8](repeating: UInt8(ascii: "x"), count: 50 << 20)
        huge += Array("\"/>".utf8)
        #expect(parseError(bytes: huge)?.kind == .limitExceeded)

        let many = "<r>" + String(repeating: "<e/>", count: 2000) + "</r>"
        #expect(parseError(many, limits: XMLLimits(maxElements: 1000))?.kind == .limitExceeded)
        #expect(parseError(many, limits: XMLLimits(maxInputBytes: 100))?.kind == .limitExceeded)
        #expect((try? XMLTreeElement(parsing: many)) != nil)
        #expect(XMLLimits(maxDepth: 1 << 40).maxDepth == XMLLimits.depthCeiling)
    }

    @Test func everyTruncationOfADocumentFailsCleanly() throws {
        let text = """
            <?xml version="1.0" encoding="UTF-8"?><OME xmlns="urn:x"><Image ID="Image:0" Name="a &amp; b"><!-- c --><Pixels SizeX="2"><![CDATA[d]]></Pixels><?p q?></Image></OME>
            """
        let bytes = Array(text.utf8)
        _ = try XMLTreeElement(parsing: bytes)
        for length in 0..<bytes.count {
            #expect(throws: XMLParseError.self) { try XMLTreeElement(parsing: bytes[0..<length]) }
        }
    }

    @Test func writesEscapedDeterministicTextThatParsesBack() throws {
        var root = XMLTreeElement("r", attributes: [XMLAttribute("xmlns:p", "urn:p"), XMLAttribute("q", "a\"b<c>&d\te\nf\rg'")])
        root.append(XMLTreeElement("p:child", attributes: [XMLAttribute("k", "v")], children: [.text("x < y & z > w\r\n ]]> \u{1}")]))
        root.children.append(.cdata("one ]]> two"))
        root.children.append(.comment("a -- b -"))
        root.children.append(.processingInstruction(target: "pi", data: "x ?> y"))
        var nested = XMLTreeElement("n")
        nested.append(XMLTreeElement("leaf"))
        root.append(nested)
        let written = root.xmlString()
        #expect(written == root.xmlString())
        let reparsed = try XMLTreeElement(parsing: written)
        #expect(reparsed.attribute("q") == "a\"b<c>&d\te\nf\rg'")
        #expect(reparsed.firstElement(named: "child")?.text == "x < y & z > w\r\n ]]> \u{FFFD}")
        #expect(reparsed.firstElement(named: "child")?.namespaceURI == "urn:p")
        #expect(reparsed.text == "one ]]> two")
        #expect(reparsed.children.contains(.comment("a - - b - ")))
        #expect(reparsed.children.contains(.processingInstruction(target: "pi", data: "x ? > y")))
        #expect(try XMLTreeElement(parsing: reparsed.xmlString()) == reparsed)
        #expect(try XMLTreeElement(parsing: reparsed.xmlString(declaration: false, indentation: nil)) == reparsed)
        #expect(
            XMLTreeElement("e", attributes: ["a": "1", "b": nil, "c": "3"]).xmlString(declaration: false, indentation: nil)
                == "<e a=\"1\" c=\"3\"/>")
    }

    @Test func indentsOnlyElementsWithoutText() {
        var root = XMLTreeElement("a")
        var b = XMLTreeElement("b")
        b.append(text: "t")
        b.append(XMLTreeElement("i"))
        root.append(b)
        root.append(XMLTreeElement("c"))
        #expect(root.xmlString(declaration: false) == "<a>\n  <b>t<i/></b>\n  <c/>\n</a>\n")
    }

    @Test func convertsToImMetaIOErrors() {
        let error = ImMetaIOError(XMLParseError(.limitExceeded, "too deep", line: 1, column: 2), file: "x.xml")
        #expect(error.code == .limitExceeded)
        #expect(error.message.contains("line 1, column 2"))
        #expect(ImMetaIOError(XMLParseError(.malformed, "m")).code == .corruptData)
    }

    private func parseError(_ text: String, limits: XMLLimits = .default) -> XMLParseError? {
        parseError(bytes: Array(text.utf8), limits: limits)
    }

    private func parseError(bytes: [UInt8], limits: XMLLimits = .default) -> XMLParseError? {
        do {
            _ = try XMLTreeElement(parsing: bytes, limits: limits)
            return nil
        } catch {
            return error
        }
    }
}
