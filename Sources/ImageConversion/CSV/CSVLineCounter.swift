/// Turns a byte offset into the 1-based physical line an editor would show.
///
/// The tokenizer tracks only byte offsets, because counting lines on every byte would slow the
/// common case for the benefit of the rare error; the count is made once, when an error is raised.
enum CSVLineCounter {
    /// The line containing `offset`: one more than the number of line ends (LF, CR, or CRLF
    /// counted once) before it.
    static func line(atOffset offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        let end = min(max(offset, 0), bytes.count)
        var line = 1
        var index = 0
        while index < end {
            let byte = bytes[index]
            if byte == CSVByte.lineFeed {
                line += 1
            } else if byte == CSVByte.carriageReturn {
                // A CR followed by LF is one line end; the LF is counted when it is reached.
                if index + 1 >= bytes.count || bytes[index + 1] != CSVByte.lineFeed { line += 1 }
            }
            index += 1
        }
        return line
    }
}
