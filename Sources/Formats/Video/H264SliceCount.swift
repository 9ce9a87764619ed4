/// Counts the slices of an H.264 access unit (one packet), to choose between frame and slice
/// threading before the decoder opens.
enum H264SliceCount {
    /// Slice NAL units (types 1 and 5) in `packet`: length-prefixed NAL units when `extradata` is
    /// an `avcC` record (MP4, Matroska), else Annex B start codes.
    static func count(in packet: UnsafeRawBufferPointer, extradata: UnsafeRawBufferPointer) -> Int {
        if extradata.count >= 7, extradata[0] == 1 {
            return countLengthPrefixed(packet, lengthSize: Int(extradata[4] & 3) + 1)
        }
        return countAnnexB(packet)
    }

    private static func isSlice(_ header: UInt8) -> Bool {
        let type = header & 0x1F
        return type == 1 || type == 5
    }

    private static func countLengthPrefixed(_ packet: UnsafeRawBufferPointer, lengthSize: Int) -> Int {
        var offset = 0, slices = 0
        while offset + lengthSize < packet.count {
            var length = 0
            for index in 0..<lengthSize { length = length << 8 | Int(packet[offset + index]) }
            offset += lengthSize
            guard length > 0, length <= packet.count - offset else { break }
            if isSlice(packet[offset]) { slices += 1 }
            offset += length
        }
        return slices
    }

    private static func countAnnexB(_ packet: UnsafeRawBufferPointer) -> Int {
        var slices = 0, zeros = 0, index = 0
        while index < packet.count {
            let byte = packet[index]
            if byte == 1, zeros >= 2, index + 1 < packet.count {
                if isSlice(packet[index + 1]) { slices += 1 }
                zeros = 0
            } else {
                zeros = byte == 0 ? zeros + 1 : 0
            }
            index += 1
        }
        return slices
    }
}
