import CEXRShims

/// OpenEXR's PIZ compression of one chunk, in Swift: range reduction to the words present, a
/// wavelet per sample plane, then Huffman coding (``PIZWavelet``, ``PIZHuffman``).
///
/// OpenEXRCore drives reading and writing; it hands PIZ chunks to these functions through the
/// hooks in `CEXRShims`. The format is OpenEXR's, so files read and write the same in every
/// OpenEXR reader; the implementation is ours because the reference's Huffman stages (a heap
/// rebuilt per chunk, a linear search for codes over 14 bits) made PIZ the slowest part of
/// saving and loading float images.
///
/// A chunk in "packed" form holds, for each line, each channel's samples of that line as
/// little-endian words (one word per half sample, two per float or uint sample). PIZ works on
/// the same words regrouped plane by plane.
enum PIZCodec {
    /// The bitmap of words present covers all 2^16 values, eight per byte.
    static let bitmapSize = 8192

    /// One channel of a chunk.
    struct Plane {
        var width: Int
        var height: Int
        /// 1 for half samples, 2 for float and uint samples.
        var wordsPerSample: Int
        var wordsPerLine: Int { width * wordsPerSample }
        var wordCount: Int { width * height * wordsPerSample }
    }

    /// Installs the hooks once; OpenEXRCore uses them for every PIZ chunk from then on.
    static let installed: Void = immetaio_exr_set_piz_codec(
        { source, sourceSize, destination, destinationSize, planes, planeCount in
            guard let source, let destination, let planes, planeCount > 0 else { return 1 }
            do throws(PIZHuffmanDecoder.Corrupt) {
                try PIZCodec.decompress(
                    UnsafeRawBufferPointer(start: source, count: sourceSize),
                    into: UnsafeMutableRawBufferPointer(start: destination, count: destinationSize),
                    planes: PIZCodec.planes(planes, count: Int(planeCount)))
                return 0
            } catch {
                return 1
            }
        },
        { source, sourceSize, destination, capacity, planes, planeCount in
            guard let source, let destination, let planes, planeCount > 0 else { return 0 }
            return PIZCodec.compress(
                UnsafeRawBufferPointer(start: source, count: sourceSize),
                into: UnsafeMutableRawBufferPointer(start: destination, count: capacity),
                planes: PIZCodec.planes(planes, count: Int(planeCount))) ?? 0
        })

    private static func planes(_ pointer: UnsafePointer<immetaio_exr_plane>, count: Int) -> [Plane] {
        (0..<count).map {
            Plane(width: Int(pointer[$0].width), height: Int(pointer[$0].height), wordsPerSample: Int(pointer[$0].bytes_per_sample) / 2)
        }
    }

    // MARK: - Decompression

    /// Decompresses a PIZ chunk into its packed form, which must be exactly `destination.count` bytes.
    static func decompress(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, planes: [Plane]
    ) throws(PIZHuffmanDecoder.Corrupt) {
        typealias Corrupt = PIZHuffmanDecoder.Corrupt
        let wordCount = try checkLayout(planes, byteCount: destination.count)
        guard source.count >= 4 else { throw Corrupt(reason: "PIZ chunk cut short") }
        try PIZScratch.withScratch { scratch throws(Corrupt) in
            try decompress(source, into: destination, planes: planes, wordCount: wordCount, scratch: scratch)
        }
    }

    private static func decompress(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, planes: [Plane], wordCount: Int,
        scratch: PIZScratch
    ) throws(PIZHuffmanDecoder.Corrupt) {
        typealias Corrupt = PIZHuffmanDecoder.Corrupt
        let minNonZero = Int(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 0, as: UInt16.self)))
        let maxNonZero = Int(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
        guard maxNonZero < bitmapSize else { throw Corrupt(reason: "PIZ bitmap range ends past 8192") }
        var offset = 4
        let lut = scratch.lut
        lut.initialize(repeating: 0, count: 65_536)
        var maxValue = 0
        // Value 0 is always present; the bitmap lists the others.
        if minNonZero <= maxNonZero {
            let bytes = maxNonZero - minNonZero + 1
            guard offset + bytes <= source.count else { throw Corrupt(reason: "PIZ bitmap cut short") }
            for byte in minNonZero...maxNonZero {
                var bits = source[offset + byte - minNonZero]
                if byte == 0 { bits &= 0xFE }
                while bits != 0 {
                    let bit = bits.trailingZeroBitCount
                    maxValue += 1
                    lut[maxValue] = UInt16(byte * 8 + bit)
                    bits &= bits - 1
                }
            }
            offset += bytes
        }
        guard offset + 4 <= source.count else { throw Corrupt(reason: "PIZ chunk cut short") }
        let length = Int(UInt32(littleEndian: source.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
        offset += 4
        guard length <= source.count - offset else { throw Corrupt(reason: "PIZ Huffman data runs past the chunk") }
        scratch.reserveWords(wordCount)
        let words = scratch.words
        try PIZHuffmanDecoder.decompress(
            UnsafeRawBufferPointer(rebasing: source[offset..<(offset + length)]), into: words, count: wordCount, scratch: scratch)
        var plane = words
        for layout in planes {
            for word in 0..<layout.wordsPerSample {
                PIZWavelet.decode(
                    plane + word, width: layout.width, xStride: layout.wordsPerSample, height: layout.height,
                    yStride: layout.wordsPerLine, maxValue: UInt16(maxValue))
            }
            plane += layout.wordCount
        }
        // Back to the full range, line by line, channel after channel.
        let out = destination.baseAddress!.assumingMemoryBound(to: UInt16.self)
        var position = 0
        let height = planes[0].height
        for line in 0..<height {
            var planeStart = words
            for layout in planes {
                let row = planeStart + line * layout.wordsPerLine
                for index in 0..<layout.wordsPerLine {
                    out[position + index] = lut[Int(row[index])].littleEndian
                }
                position += layout.wordsPerLine
                planeStart += layout.wordCount
            }
        }
    }

    /// The chunk's word count, after checking that the planes fill `byteCount` exactly and share
    /// one height (PIZ chunks with subsampled channels stay with OpenEXRCore).
    private static func checkLayout(_ planes: [Plane], byteCount: Int) throws(PIZHuffmanDecoder.Corrupt) -> Int {
        guard let height = planes.first?.height else { throw PIZHuffmanDecoder.Corrupt(reason: "chunk without channels") }
        var words = 0
        for plane in planes {
            guard plane.height == height, plane.width >= 0, plane.height >= 0, plane.wordsPerSample == 1 || plane.wordsPerSample == 2,
                plane.width <= Int(Int32.max), plane.height <= Int(Int32.max)
            else { throw PIZHuffmanDecoder.Corrupt(reason: "unexpected chunk layout") }
            words += plane.wordCount
        }
        guard words * 2 == byteCount else { throw PIZHuffmanDecoder.Corrupt(reason: "chunk size does not match its channels") }
        return words
    }

    // MARK: - Compression

    /// Compresses a chunk in packed form; returns the compressed size, or nil when it would not
    /// be smaller than the chunk (which is then stored as it is).
    static func compress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, planes: [Plane])
        -> Int?
    {
        guard let wordCount = try? checkLayout(planes, byteCount: source.count), wordCount > 0 else { return nil }
        return try? PIZScratch.withScratch { scratch in
            compress(source, into: destination, planes: planes, wordCount: wordCount, scratch: scratch)
        }
    }

    private static func compress(
        _ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer, planes: [Plane], wordCount: Int,
        scratch: PIZScratch
    ) -> Int? {
        scratch.reserveWords(wordCount)
        let words = scratch.words
        let present = scratch.present
        present.initialize(repeating: 0, count: 65_536)
        // Regroup plane by plane, noting which words occur.
        let input = source.baseAddress!.assumingMemoryBound(to: UInt16.self)
        var position = 0
        for line in 0..<planes[0].height {
            var planeStart = words
            for layout in planes {
                let row = planeStart + line * layout.wordsPerLine
                for index in 0..<layout.wordsPerLine {
                    let word = UInt16(littleEndian: input[position + index])
                    row[index] = word
                    present[Int(word)] = 1
                }
                position += layout.wordsPerLine
                planeStart += layout.wordCount
            }
        }
        // The words present, numbered densely (0 always counts as present).
        let lut = scratch.lut
        var bitmap = [UInt8](repeating: 0, count: bitmapSize)
        var next = 0
        lut[0] = 0
        for value in 1..<65_536 {
            if present[value] != 0 {
                next += 1
                lut[value] = UInt16(next)
                bitmap[value >> 3] |= 1 << UInt8(value & 7)
            } else {
                lut[value] = 0
            }
        }
        let maxValue = UInt16(next)
        for index in 0..<wordCount { words[index] = lut[Int(words[index])] }
        var plane = words
        for layout in planes {
            for word in 0..<layout.wordsPerSample {
                PIZWavelet.encode(
                    plane + word, width: layout.width, xStride: layout.wordsPerSample, height: layout.height,
                    yStride: layout.wordsPerLine, maxValue: maxValue)
            }
            plane += layout.wordCount
        }

        var minNonZero = bitmapSize - 1, maxNonZero = 0
        for (index, byte) in bitmap.enumerated() where byte != 0 {
            minNonZero = min(minNonZero, index)
            maxNonZero = max(maxNonZero, index)
        }
        let out = destination.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var size = 4
        let bitmapBytes = minNonZero <= maxNonZero ? maxNonZero - minNonZero + 1 : 0
        guard size + bitmapBytes + 4 < destination.count, size + bitmapBytes + 4 < source.count else { return nil }
        destination.storeBytes(of: UInt16(minNonZero).littleEndian, toByteOffset: 0, as: UInt16.self)
        destination.storeBytes(of: UInt16(maxNonZero).littleEndian, toByteOffset: 2, as: UInt16.self)
        for index in 0..<bitmapBytes { out[size + index] = bitmap[minNonZero + index] }
        size += bitmapBytes
        let lengthOffset = size
        size += 4
        // Anything not smaller than the raw chunk is pointless: readers take a chunk of the raw size as raw.
        let room = min(destination.count, source.count - 1) - size
        guard room > 0, let coded = PIZHuffman.compress(words, count: wordCount, into: out + size, capacity: room, scratch: scratch) else {
            return nil
        }
        destination.storeBytes(of: UInt32(coded).littleEndian, toByteOffset: lengthOffset, as: UInt32.self)
        return size + coded
    }
}
