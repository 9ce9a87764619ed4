import Microscopy
import Testing

/// Hostile and damaged OME-XML: typed errors, no trap, bounded memory; and a mutation loop over
/// real documents proving the parser never traps and the writer's output is a fixed point.
@Suite struct OMEHostileInputTests {
    private func code(_ bytes: [UInt8], limits: XMLLimits = .default) -> ImMetaIOError.Code? {
        do {
            _ = try OMEDocument(parsing: bytes, limits: limits)
            return nil
        } catch {
            return error.code
        }
    }

    private func code(_ text: String) -> ImMetaIOError.Code? { code(Array(text.utf8)) }

    @Test func entityDeclarationsAndExternalEntitiesAreRefused() {
        let laughs = """
            <?xml version="1.0"?><!DOCTYPE OME [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
            <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
            <OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" Creator="&d;"/>
            """
        #expect(code(laughs) == .corruptData)
        let external = """
            <?xml version="1.0"?><!DOCTYPE OME [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06" Creator="&xxe;"/>
            """
        #expect(code(external) == .corruptData)
        #expect(code("<!DOCTYPE OME SYSTEM \"file:///etc/passwd\"><OME/>") == .corruptData)
        #expect(code("<OME Creator=\"&xxe;\"/>") == .corruptData)
        do {
            _ = try OMEDocument(parsing: laughs)
        } catch {
            #expect(error.message.contains("internal subset"))
            #expect((error.underlying as? XMLParseError)?.kind == .forbiddenDeclaration)
        }
    }

    @Test func deepNestingHugeValuesAndSizesHitLimits() {
        let depth = 100_000
        let deep = "<OME>" + String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth) + "</OME>"
        #expect(code(deep) == .limitExceeded)
        var huge = Array("<OME Creator=\"".utf8)
        huge += [UInt8](repeating: UInt8(ascii: "x"), count: 50 << 20)
        huge += Array("\"/>".utf8)
        #expect(code(huge) == .limitExceeded)
        #expect(code(Array(richOMEXML.utf8), limits: XMLLimits(maxInputBytes: 1000)) == .limitExceeded)
        #expect(code(Array(richOMEXML.utf8), limits: XMLLimits(maxElements: 10)) == .limitExceeded)
        #expect(code(Array(richOMEXML.utf8), limits: XMLLimits(maxDepth: 3)) == .limitExceeded)
        // Sizes beyond memory are only numbers here: the model holds them without allocating.
        let enormous = """
            <OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"><Pixels ID="Pixels:0" DimensionOrder="XYZCT"
            Type="uint16" SizeX="9223372036854775807" SizeY="9223372036854775807" SizeZ="1" SizeC="1" SizeT="1"><MetadataOnly/></Pixels></Image></OME>
            """
        #expect(code(enormous) == nil)
        let enormousPixels = try? OMEDocument(
            parsing: enormous.replacing("SizeZ=\"1\"", with: "SizeZ=\"9223372036854775807\"")
                .replacing("SizeT=\"1\"", with: "SizeT=\"9223372036854775807\"")
        ).images[0].pixels
        #expect(enormousPixels?.planeCount == nil)
        #expect(enormousPixels?.planeCoordinates().isEmpty == true)
        #expect(code(enormous.replacing("9223372036854775807", with: "99999999999999999999")) == .corruptData)
    }

    @Test func truncatedAndInvalidlyEncodedDocumentsFail() {
        let bytes = Array(richOMEXML.utf8)
        var failures = 0
        for length in stride(from: 0, to: bytes.count - 10, by: 7) where code(Array(bytes[0..<length])) != nil { failures += 1 }
        #expect(failures == (bytes.count - 10 + 6) / 7)
        var broken = bytes
        broken[200] = 0xFF
        #expect(code(broken) == .corruptData)
        broken = bytes
        broken[300] = 0x00
        #expect(code(broken) == .corruptData)
    }

    /// Random mutations of real documents: parsing never traps, and whatever parses writes a
    /// document that parses again and writes identically.
    @Test func mutatedDocumentsNeverTrapAndWriteFixedPoints() throws {
        var seeds: [[UInt8]] = [Array(richOMEXML.utf8)]
        for file in OMETestCorpus.omeFiles.prefix(8) {
            if let xml = OMETestCorpus.xml(file) { seeds.append(xml) }
        }
        let tokens: [[UInt8]] = [
            "<", ">", "&", "\"", "'", "/>", "</", "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE x [", "&#0;", "&#x10FFFF;", "&lt;",
            "xmlns=\"\"",
            "xmlns:SA=\"urn:x\"", "SA:", "<Image ID=\"Image:9\">", "<Pixels ", "SizeX=\"-1\"", "Type=\"bit\"", "<Channel/>", "\u{FF}",
            "\u{1F600}",
        ].map { Array($0.utf8) }
        var random = SplitMix64(state: 0x5EED)
        var parsed = 0
        let rounds = 3000
        for round in 0..<rounds {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &random) where !bytes.isEmpty {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<6, using: &random) {
                case 0: bytes[position] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.insert(contentsOf: tokens.randomElement(using: &random) ?? [], at: position)
                case 2: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...64, using: &random)))
                case 3:
                    let end = min(bytes.count, position + Int.random(in: 1...256, using: &random))
                    bytes.insert(contentsOf: bytes[position..<end], at: Int.random(in: 0...bytes.count, using: &random))
                case 4: bytes.removeSubrange(position...)
                default: bytes[position] ^= 1 << UInt8.random(in: 0...7, using: &random)
                }
            }
            guard let document = try? OMEDocument(parsing: bytes) else { continue }
            parsed += 1
            for image in document.images {
                _ = try? image.microscopyMetadata(in: document)
                _ = image.pixels.planeCoordinates(limit: 4096)
            }
            let written = document.xmlString()
            let reread = try OMEDocument(parsing: written)
            #expect(reread.xmlString() == written, "round \(round): the written document is not a fixed point")
        }
        #expect(parsed > rounds / 20, "too few mutants parsed (\(parsed)) for the fixed-point check to mean much")
    }
}
