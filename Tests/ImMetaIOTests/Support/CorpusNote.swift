import Testing
import TestSupport

extension Corpus {
    /// Why corpus tests are skipped, for `.enabled(if:)`.
    static var missingNote: Comment { Comment(rawValue: missingText) }
}
