import Testing

@testable import ImageConversion

// Shared helpers of the CSV tests.
//
// Every expected table in these tests was checked against pandas 3.1.1 (C parser, defaults):
// `pd.read_csv(io.BytesIO(data))` in the project's virtual environment, comparing column names,
// dtypes and values (pandas' NaN is `nil` here; its object column of True/False/NaN is
// `.boolean` with `nil`). Where CSVTable deliberately differs, the test says so and what pandas
// does instead. compare.py in the scratch package repeats the comparison on generated files.

/// Reads `text` (as UTF-8) with the file name `test.csv`.
func csvTable(_ text: String) throws -> CSVTable {
    try CSVTable(bytes: Array(text.utf8), fileName: "test.csv")
}

/// Reads raw bytes with the file name `test.csv`.
func csvTable(bytes: [UInt8]) throws -> CSVTable {
    try CSVTable(bytes: bytes, fileName: "test.csv")
}

/// The error that reading `text` throws, or `nil` if it reads.
func csvError(_ text: String) -> CSVError? {
    csvError(bytes: Array(text.utf8))
}

/// The error that reading `bytes` throws, or `nil` if they read.
func csvError(bytes: [UInt8]) -> CSVError? {
    do {
        _ = try CSVTable(bytes: bytes, fileName: "test.csv")
        return nil
    } catch let error as CSVError {
        return error
    } catch {
        Issue.record("not a CSVError: \(error)")
        return nil
    }
}

/// The doubles of a column, or `nil` if it is not a double column.
func csvDoubles(_ column: CSVColumn?) -> [Double?]? {
    if case .double(let values) = column { return values }
    return nil
}

/// The module's seedable generator, so that randomized tests repeat exactly.
typealias CSVTestRandom = SplitMix64
