import CFFmpeg
import CFFmpegShims
import Foundation
import ImMetaIOCore

/// FFmpeg reads our bytes (memory-mapped files or arrays) and writes to our sinks through custom
/// I/O contexts, so that files appear atomically and in-memory sources and outputs work like files.

/// The read side: a cursor over ``ResourceBytes``. Positioned reads of the file (`pread`) keep a
/// long video's pages out of the process's memory; in-memory bytes are copied from the array.
final class AVIOInput {
    let bytes: ResourceBytes
    var cursor = 0

    init(_ bytes: ResourceBytes) { self.bytes = bytes }

    /// An FFmpeg I/O context reading these bytes; the caller frees it with ``freeContext(_:)`` and
    /// keeps this object alive as long as the context.
    func makeContext() throws(ImMetaIOError) -> UnsafeMutablePointer<AVIOContext> {
        try makeIOContext { buffer, size in
            avio_alloc_context(buffer, size, 0, Unmanaged.passUnretained(self).toOpaque(), readPacket, nil, seekInput)
        }
    }
}

/// The write side: bytes go to an ``OutputSink`` at FFmpeg's cursor. Muxers seek back to fill in
/// sizes (MP4's `mdat`, Matroska's cues); those writes replace bytes already written.
final class AVIOOutput {
    let sink: OutputSink
    var cursor = 0
    /// The first failure of the sink, which FFmpeg only sees as `EIO`.
    var failure: ImMetaIOError?

    init(_ sink: OutputSink) { self.sink = sink }

    func makeContext() throws(ImMetaIOError) -> UnsafeMutablePointer<AVIOContext> {
        try makeIOContext { buffer, size in
            immetaio_avio_alloc_writer(buffer, size, Unmanaged.passUnretained(self).toOpaque(), writePacket, seekOutput)
        }
    }

    fileprivate func write(_ bytes: UnsafeRawBufferPointer) throws(ImMetaIOError) {
        var bytes = bytes
        if cursor < sink.position {
            // Replacing earlier bytes (a muxer going back to patch a header).
            let replaced = min(bytes.count, sink.position - cursor)
            try sink.overwrite(Array(bytes.prefix(replaced)), at: cursor)
            cursor += replaced
            bytes = UnsafeRawBufferPointer(rebasing: bytes.dropFirst(replaced))
        }
        guard !bytes.isEmpty else { return }
        if cursor > sink.position {
            // A seek past the end: fill the gap with zeros, as a file would read back.
            try sink.write([UInt8](repeating: 0, count: cursor - sink.position))
        }
        try sink.write(bytes)
        cursor = sink.position
    }
}

/// An I/O context over a new 256 KiB buffer, made by `allocate(buffer, size)`.
private func makeIOContext(
    _ allocate: (UnsafeMutablePointer<UInt8>, Int32) -> UnsafeMutablePointer<AVIOContext>?
) throws(ImMetaIOError) -> UnsafeMutablePointer<AVIOContext> {
    let size = 256 << 10
    guard let buffer = av_malloc(size) else { throw ImMetaIOError(.limitExceeded, "out of memory for an I/O buffer") }
    guard let context = allocate(buffer.assumingMemoryBound(to: UInt8.self), Int32(size)) else {
        av_free(buffer)
        throw ImMetaIOError(.limitExceeded, "out of memory for an I/O context")
    }
    return context
}

/// Frees a context made by ``AVIOInput/makeContext()`` or ``AVIOOutput/makeContext()`` and its
/// buffer (which FFmpeg may have replaced).
func freeContext(_ context: UnsafeMutablePointer<AVIOContext>?) {
    guard let context else { return }
    av_freep(&context.pointee.buffer)
    var pointer: UnsafeMutablePointer<AVIOContext>? = context
    avio_context_free(&pointer)
}

private func readPacket(_ opaque: UnsafeMutableRawPointer?, _ buffer: UnsafeMutablePointer<UInt8>?, _ size: Int32) -> Int32 {
    guard let opaque, let buffer, size > 0 else { return immetaio_averror_einval() }
    let input = Unmanaged<AVIOInput>.fromOpaque(opaque).takeUnretainedValue()
    let count = min(Int(size), input.bytes.count - input.cursor)
    guard count > 0 else { return FFmpeg.endOfFile }
    let target = UnsafeMutableRawBufferPointer(start: buffer, count: count)
    if !input.bytes.read(into: target, from: input.cursor) {
        let source = input.bytes.stableBytes
        target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[input.cursor..<(input.cursor + count)]))
    }
    input.cursor += count
    return Int32(count)
}

/// AVIO seek: `whence` is SEEK_SET/CUR/END, or AVSEEK_SIZE to ask for the size; AVSEEK_FORCE may
/// be or-ed in.
private func seekInput(_ opaque: UnsafeMutableRawPointer?, _ offset: Int64, _ whence: Int32) -> Int64 {
    guard let opaque else { return Int64(immetaio_averror_einval()) }
    let input = Unmanaged<AVIOInput>.fromOpaque(opaque).takeUnretainedValue()
    guard let target = seekTarget(offset, whence, cursor: input.cursor, size: input.bytes.count) else {
        return Int64(immetaio_averror_einval())
    }
    if whence & AVSEEK_SIZE != 0 { return target }
    guard target <= Int64(input.bytes.count) else { return Int64(immetaio_averror_einval()) }
    input.cursor = Int(target)
    return target
}

private func writePacket(_ opaque: UnsafeMutableRawPointer?, _ buffer: UnsafePointer<UInt8>?, _ size: Int32) -> Int32 {
    guard let opaque, let buffer, size >= 0 else { return immetaio_averror_einval() }
    let output = Unmanaged<AVIOOutput>.fromOpaque(opaque).takeUnretainedValue()
    guard output.failure == nil else { return immetaio_averror_eio() }
    do {
        try output.write(UnsafeRawBufferPointer(start: buffer, count: Int(size)))
        return size
    } catch {
        output.failure = error
        return immetaio_averror_eio()
    }
}

private func seekOutput(_ opaque: UnsafeMutableRawPointer?, _ offset: Int64, _ whence: Int32) -> Int64 {
    guard let opaque else { return Int64(immetaio_averror_einval()) }
    let output = Unmanaged<AVIOOutput>.fromOpaque(opaque).takeUnretainedValue()
    guard let target = seekTarget(offset, whence, cursor: output.cursor, size: output.sink.position) else {
        return Int64(immetaio_averror_einval())
    }
    if whence & AVSEEK_SIZE != 0 { return target }
    output.cursor = Int(target)
    return target
}

/// The absolute position a seek asks for, or the size for AVSEEK_SIZE; `nil` when invalid.
private func seekTarget(_ offset: Int64, _ whence: Int32, cursor: Int, size: Int) -> Int64? {
    if whence & AVSEEK_SIZE != 0 { return Int64(size) }
    let base: Int64
    switch whence & ~AVSEEK_FORCE {
    case SEEK_SET: base = 0
    case SEEK_CUR: base = Int64(cursor)
    case SEEK_END: base = Int64(size)
    default: return nil
    }
    let (target, overflow) = base.addingReportingOverflow(offset)
    guard !overflow, target >= 0, target <= Int64(Int32.max) << 16 else { return nil }
    return target
}
