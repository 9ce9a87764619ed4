/// Reversal of the bytes of every element in a buffer, for data stored in the other byte order.
public enum ByteSwap {
    /// Swaps the bytes of each `itemSize`-byte element of `buffer` in place (sizes 2, 4 and 8;
    /// other sizes are left alone).
    public static func swapInPlace(_ buffer: UnsafeMutableRawBufferPointer, itemSize: Int) {
        switch itemSize {
        case 2: swap(buffer, UInt16.self)
        case 4: swap(buffer, UInt32.self)
        case 8: swap(buffer, UInt64.self)
        default: break
        }
    }

    private static func swap<T: FixedWidthInteger>(_ buffer: UnsafeMutableRawBufferPointer, _: T.Type) {
        let count = buffer.count / MemoryLayout<T>.size
        guard let base = buffer.baseAddress else { return }
        if Int(bitPattern: base) % MemoryLayout<T>.alignment == 0 {
            let typed = base.bindMemory(to: T.self, capacity: count)
            for i in 0..<count { typed[i] = typed[i].byteSwapped }
        } else {
            for i in 0..<count {
                let offset = i * MemoryLayout<T>.size
                let value = buffer.loadUnaligned(fromByteOffset: offset, as: T.self)
                buffer.storeBytes(of: value.byteSwapped, toByteOffset: offset, as: T.self)
            }
        }
    }
}
