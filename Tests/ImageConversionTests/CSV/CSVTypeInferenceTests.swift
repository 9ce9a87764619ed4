import Testing

@testable import ImageConversion

// Column types and values. Expected results checked against pandas 3.1.1 (see
// CSVTestSupport.swift for how).
@Suite("CSV type inference")
struct CSVTypeInferenceTests {
    @Test("integers: signs, leading zeros, surrounding C whitespace")
    func integers() throws {
        let table = try csvTable("a\n +1\n-2\n007\n 3\t\n\t4\n5\u{0B}\n6\u{0C}\n-0\n+0\n")
        #expect(table["a"] == .int64([1, -2, 7, 3, 4, 5, 6, 0, 0]))
        let limits = try csvTable("a\n9223372036854775807\n-9223372036854775808\n")
        #expect(limits["a"] == .int64([Int64.max, Int64.min]))
    }

    @Test("an integer column with a missing value becomes doubles")
    func integersWithMissingValues() throws {
        #expect(try csvTable("a\n1\nNA\n")["a"] == .double([1, nil]))
        #expect(try csvTable("a,b\n1,x\n,y\n")["a"] == .double([1, nil]))
        // Blank lines are not rows, so they do not make a column nullable.
        #expect(try csvTable("a\n1\n\n2\n")["a"] == .int64([1, 2]))
        // Large values round to nearest, as pandas' int64-to-float64 cast does.
        #expect(try csvTable("a\n9007199254740993\nNA\n")["a"] == .double([9_007_199_254_740_992, nil]))
    }

    @Test("-0 is -0.0 among floats but 0.0 in an integer column with missing values")
    func negativeZero() throws {
        let withFloat = try #require(csvDoubles(try csvTable("a\n-0\n1.5\n")["a"]))
        #expect(withFloat[0] == 0 && withFloat[0]?.sign == .minus)
        let withMissing = try #require(csvDoubles(try csvTable("a\n-0\nNA\n")["a"]))
        #expect(withMissing[0] == 0 && withMissing[0]?.sign == .plus)
        let float = try #require(csvDoubles(try csvTable("a\n-0.0\n")["a"]))
        #expect(float[0]?.sign == .minus)
        #expect(try csvTable("a\n-0\n5\n")["a"] == .int64([0, 5]))
    }

    @Test("mixed integers and floats are doubles")
    func mixedNumbers() throws {
        #expect(try csvTable("a\n1\n1.0\n")["a"] == .double([1, 1]))
        #expect(try csvTable("a\n1\n1.5\nNA\n")["a"] == .double([1, 1.5, nil]))
        #expect(try csvTable("a\ninf\n1\n")["a"] == .double([.infinity, 1]))
    }

    @Test("float spellings pandas accepts")
    func floatSpellings() throws {
        let table = try csvTable("a\n1e5\n1E-3\n.5\n5.\n+.5\n-.5e-1\n1.e5\n1e+5\n1E+05\n 1.5\n2.5 \n\t3.25\t\n00.5\n1e0000000000000000000000005\n")
        #expect(table["a"] == .double([1e5, 1e-3, 0.5, 5, 0.5, -0.05, 1e5, 1e5, 1e5, 1.5, 2.5, 3.25, 0.5, 1e5]))
    }

    @Test("infinities: inf and infinity in any case, signed, without spaces")
    func infinities() throws {
        let table = try csvTable("a\ninf\n-inf\nInfinity\n-Infinity\n+inf\nINF\ninfinity\n+Infinity\nInF\niNfInItY\n-INFINITY\n")
        #expect(table["a"] == .double([.infinity, -.infinity, .infinity, -.infinity, .infinity, .infinity,
                                       .infinity, .infinity, .infinity, .infinity, -.infinity]))
        // With spaces, or other spellings, pandas reads text.
        for text in [" inf", "inf ", "--inf", "infin", "+inf5"] {
            #expect(try csvTable("a\n\(text)\n")["a"] == .string([text]), "\(text.debugDescription)")
        }
    }

    @Test("out-of-range exponents give infinity or zero, as in pandas")
    func exponentRange() throws {
        let table = try csvTable("a\n1e400\n-1e400\n1e-400\n0e500\n1.7976931348623159e308\n1e99999999999999999999\n1e-99999999999999999999\n")
        #expect(table["a"] == .double([.infinity, -.infinity, 0, 0, .infinity, .infinity, 0]))
    }

    @Test("floats are correctly rounded, subnormals included")
    func rounding() throws {
        let table = try csvTable("a\n0.1\n1e-320\n123456789012345678.0\n4.9406564584124654e-324\n2.4703282292062328e-324\n2.4703282292062327e-324\n2.2250738585072011e-308\n9007199254740993.0\n0.12345678901234567\n0.\(String(repeating: "0", count: 400))1e400\n1\(String(repeating: "0", count: 400))e-400\n")
        // pandas 3.1 prints these values (its default parser is fast_float, correctly rounded);
        // they are written as text because Swift warns about subnormal literals.
        let pandas = ["0.1", "1e-320", "1.2345678901234568e+17", "5e-324", "5e-324", "0.0", "2.225073858507201e-308",
                      "9007199254740992.0", "0.12345678901234566", "0.1", "1.0"]
        #expect(table["a"] == .double(pandas.map { Double($0) }))
    }

    @Test("exact decimal conversion agrees with Double(String) on many numbers")
    func exactPathMatchesStandardLibrary() throws {
        var random = CSVTestRandom(seed: 42)
        var lines = ["a"]
        for _ in 0..<20_000 {
            let digits = Int.random(in: 1...19, using: &random)
            var mantissa = String(UInt64.random(in: 1...UInt64.max, using: &random) % 10_000_000_000_000_000_000)
            mantissa = String(mantissa.prefix(digits))
            let point = Int.random(in: 0...mantissa.count, using: &random)
            let text = String(mantissa.prefix(point)) + "." + String(mantissa.dropFirst(point))
                + "e\(Int.random(in: -30...30, using: &random))"
            lines.append(Bool.random(using: &random) ? "-" + text : text)
        }
        let table = try csvTable(lines.joined(separator: "\n"))
        let values = try #require(csvDoubles(table["a"]))
        for (text, value) in zip(lines.dropFirst(), values) {
            #expect(value == Double(text), "\(text)")
        }
    }

    @Test("not numbers: thousands separators, underscores, hex, partial exponents, other NaNs")
    func notNumbers() throws {
        for text in ["\"1,000\"", "1_000", "0x10", "1e", "1e+", "--1", "+-1", "+", "-", ".", "1d5", "1.5.5", "e5",
                     "1e5.5", "1 5", "1.5 x", "NAN", "nAn", "+nan", "-NAN", "\u{A0}1", "１２"] {
            let table = try csvTable("a\n\(text)\n")
            let expected = text.hasPrefix("\"") ? String(text.dropFirst().dropLast()) : text
            #expect(table["a"] == .string([expected]), "\(text.debugDescription)")
        }
    }

    @Test("integers outside Int64 keep their text")
    func bigIntegers() throws {
        // Deliberate difference: pandas gives uint64 for 9223372036854775808...18446744073709551615,
        // object (Python ints) beyond or below, and str when mixed with negatives.
        #expect(try csvTable("a\n9223372036854775808\n1\n")["a"] == .string(["9223372036854775808", "1"]))
        #expect(try csvTable("a\n18446744073709551616\n")["a"] == .string(["18446744073709551616"]))
        #expect(try csvTable("a\n-9223372036854775809\n")["a"] == .string(["-9223372036854775809"]))
        // pandas keeps `NA` as the text "NA" next to a uint64-range value; we keep it missing.
        #expect(try csvTable("a\n9223372036854775808\nNA\n")["a"] == .string(["9223372036854775808", nil]))
        // With a float in the column, pandas (for these two) and we make doubles.
        #expect(try csvTable("a\n9223372036854775808\n1.5\n")["a"] == .double([9_223_372_036_854_775_808, 1.5]))
        #expect(try csvTable("a\n-9223372036854775809\n1.5\n")["a"] == .double([-9_223_372_036_854_775_808, 1.5]))
    }

    @Test("booleans: true and false in any case")
    func booleans() throws {
        #expect(try csvTable("a\nTrue\nFALSE\ntrue\nTrUe\nfalse\n")["a"] == .boolean([true, false, true, true, false]))
        // With missing values pandas gives an object column of True/False/NaN.
        #expect(try csvTable("a\nTrue\nFalse\nNA\n\n")["a"] == .boolean([true, false, nil]))
        #expect(try csvTable("a,b\nTrue,1\n,2\n")["a"] == .boolean([true, nil]))
        // Booleans mixed with numbers or text, or spaced, are text.
        #expect(try csvTable("a\nTrue\n1\n")["a"] == .string(["True", "1"]))
        #expect(try csvTable("a\n1.5\nTrue\n")["a"] == .string(["1.5", "True"]))
        #expect(try csvTable("a\ninf\nTrue\n")["a"] == .string(["inf", "True"]))
        #expect(try csvTable("a\n True\n")["a"] == .string([" True"]))
        #expect(try csvTable("a\nyes\n")["a"] == .string(["yes"]))
    }

    @Test("every default missing-value string is missing, exactly")
    func missingValueStrings() throws {
        let list = ["#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]
        #expect(Set(list + [""]) == Set(CSVNullValues.strings))
        let table = try csvTable("a\n" + list.joined(separator: "\n") + "\n")
        #expect(table["a"] == .double(Array(repeating: nil, count: list.count)))
        // Case and spaces count.
        for text in ["none", "None ", " NA", "Na", "NAN", "nul"] {
            #expect(try csvTable("a\n\(text)\n1\n")["a"] == .string([text, "1"]), "\(text.debugDescription)")
        }
    }

    @Test("a column of only missing values is doubles, all nil")
    func allMissing() throws {
        let table = try csvTable("a,b,c\nNA,,1\nNULL,,2\n")
        #expect(table["a"] == .double([nil, nil]))
        #expect(table["b"] == .double([nil, nil]))
        #expect(table["c"] == .int64([1, 2]))
    }

    @Test("strings keep their text; missing values in them are nil")
    func strings() throws {
        let table = try csvTable("filename,note\nimg_1.tif,hello\nimg_2.tif,\nimg_3.tif,NA\nimg_4.tif, x \n")
        #expect(table["filename"] == .string(["img_1.tif", "img_2.tif", "img_3.tif", "img_4.tif"]))
        #expect(table["note"] == .string(["hello", nil, nil, " x "]))
        #expect(try csvTable("a\n1\nx\n")["a"] == .string(["1", "x"]))
    }

    @Test("column type names match pandas' dtypes")
    func typeNames() throws {
        let table = try csvTable("i,f,b,s\n1,1.5,True,x\n")
        #expect(table.columns.map(\.typeName) == ["int64", "float64", "bool", "str"])
        #expect(table.columns.map(\.count) == [1, 1, 1, 1])
        #expect(table.columns.map { $0.isNull(at: 0) } == [false, false, false, false])
    }
}
