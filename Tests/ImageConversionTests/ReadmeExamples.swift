import ImMetaIO
import ImageConversion

// The README's and the ImageConversion article's Swift examples, compiled with the tests (not
// run); `ReadmeExamplesTests.everySwiftBlockIsCompiled` in ImMetaIOTests checks that the
// documents and these copies agree.

/// README: bulk conversion.
private func readmeConversion(stack: NDArray, rows: [JSONObject]) throws {
    var options = ConversionOptions(output: "survey")
    options.metadataCSV = "catalogue.csv"
    let report = try convert(folders: ["cutouts"], options: options)   // report.skipped, .unmatchedCSVRows …
    let stored = try convert(images: stack, metadata: rows, options: options)  // stack: an N×C×H×W NDArray
    _ = (report, stored)
}

/// ImageConversion: converting folders.
private func imageConversionFolders() throws {
    var options = ConversionOptions(output: "survey")      // survey/catalogue.zarr
    options.metadataCSV = "catalogue.csv"
    options.compressor = "zstd"
    options.compressionLevel = 9
    let report = try convert(folders: ["cutouts"], options: options)
    print(report.summary)
}
