import Foundation

/// Runs `body`, passing `ImMetaIOError`s through and naming `file` in any other error.
func withImMetaIOErrors<T>(file: String, _ body: () throws -> T) throws(ImMetaIOError) -> T {
    do {
        return try body()
    } catch let error as ImMetaIOError {
        throw error.naming(file)
    } catch {
        throw ImMetaIOError(.io, "\(error)", file: file, underlying: error)
    }
}
