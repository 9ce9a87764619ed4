import ImMetaIOCore
import OrderedCollections
import TIFFFormat

/// The CZ_LSMINFO record (TIFF tag 34412) of a Zeiss LSM file and the blocks it points at:
/// dimensions, voxel sizes (metres), time interval, scan type, channel names and colours, time
/// stamps and the recording's name and objective.
struct LSMInfo {
    var dimensionX = 0, dimensionY = 0, dimensionZ = 1, dimensionChannels = 1, dimensionTime = 1
    var voxelSizeX = 0.0, voxelSizeY = 0.0, voxelSizeZ = 0.0
    var timeInterval = 0.0
    var scanType = 0
    var channelNames: [String] = []
    var channelColors: [RGBAColor] = []
    var timeStamps: [Double] = []
    var recording: OrderedDictionary<String, String> = [:]

    /// Reads the record of `page` in `container`, or `nil` when the page has no CZ_LSMINFO tag.
    init?(_ page: TIFFContainerPage, container: TIFFContainer) throws(ImMetaIOError) {
        guard let record = page.byteValues(34412) else { return nil }
        let path = container.path
        guard record.count >= 208, Self.u32(record, 0) == 0x0400_494C || Self.u32(record, 0) == 0x0300_494C else {
            throw ImMetaIOError(.corruptData, "invalid LSM: the CZ_LSMINFO record is too short or has a wrong magic number", file: path)
        }
        func i32(_ at: Int) -> Int { Int(Int32(bitPattern: Self.u32(record, at))) }
        dimensionX = i32(8)
        dimensionY = i32(12)
        dimensionZ = i32(16)
        dimensionChannels = i32(20)
        dimensionTime = i32(24)
        voxelSizeX = Self.f64(record, 40)
        voxelSizeY = Self.f64(record, 48)
        voxelSizeZ = Self.f64(record, 56)
        scanType = Int(Self.u16(record, 88))
        timeInterval = Self.f64(record, 112)
        guard [dimensionX, dimensionY, dimensionZ, dimensionChannels, dimensionTime].allSatisfy({ $0 >= 1 && $0 < 1 << 24 }) else {
            throw ImMetaIOError(.corruptData, "invalid LSM: CZ_LSMINFO dimensions out of range", file: path)
        }
        let file = container.bytes.stableBytes
        readChannelColors(at: Int(Self.u32(record, 108)), file: file)
        readTimeStamps(at: Int(Self.u32(record, 132)), file: file)
        readScanInformation(at: Int(Self.u32(record, 124)), file: file)
    }

    /// ChannelColors: a header of six 32-bit fields, colours as R, G, B, 0 bytes, names each
    /// after its 32-bit length.
    private mutating func readChannelColors(at offset: Int, file: UnsafeRawBufferPointer) {
        guard offset > 0, offset <= file.count - 24 else { return }
        let size = Int(Self.u32(file, offset)), colors = Int(Self.u32(file, offset + 4)), names = Int(Self.u32(file, offset + 8))
        let colorsOffset = Int(Self.u32(file, offset + 12)), namesOffset = Int(Self.u32(file, offset + 16))
        guard colors == names, colors <= 1024, size <= file.count - offset else { return }
        let colorStart = offset + colorsOffset
        if colorsOffset >= 24, colorStart + 4 * colors <= offset + size {
            channelColors = (0..<colors).map { RGBAColor(red: file[colorStart + 4 * $0], green: file[colorStart + 4 * $0 + 1], blue: file[colorStart + 4 * $0 + 2]) }
        }
        var at = offset + namesOffset
        let end = offset + size
        guard namesOffset >= 24 else { return }
        while at + 4 <= end, channelNames.count < names {
            let length = Int(Self.u32(file, at))
            guard length >= 1, at + 4 + length <= end else { break }
            let bytes = UnsafeRawBufferPointer(rebasing: file[(at + 4)..<(at + 4 + length)]).prefix { $0 != 0 }
            channelNames.append(String(decoding: bytes, as: UTF8.self))
            at += 4 + length
        }
    }

    private mutating func readTimeStamps(at offset: Int, file: UnsafeRawBufferPointer) {
        guard offset > 0, offset <= file.count - 8 else { return }
        let size = Int(Int32(bitPattern: Self.u32(file, offset))), count = Int(Int32(bitPattern: Self.u32(file, offset + 4)))
        guard count >= 0, count < 1 << 20, size == 8 + 8 * count, offset + size <= file.count else { return }
        timeStamps = (0..<count).map { Self.f64(file, offset + 8 + 8 * $0) }
    }

    /// The recording level of the ScanInformation block: its name, description, notes and
    /// objective (the tracks, lasers and detectors below it are not read).
    private mutating func readScanInformation(at offset: Int, file: UnsafeRawBufferPointer) {
        guard offset > 0, offset <= file.count - 12, Self.u32(file, offset) == 0x1000_0000 else { return }
        let names: [UInt32: String] = [0x1000_0001: "Name", 0x1000_0002: "Description", 0x1000_0003: "Notes", 0x1000_0004: "Objective",
                                       0x1000_0040: "StartScanTime", 0x1000_0011: "User"]
        var at = offset + 12, depth = 0, entries = 0
        while at <= file.count - 12, entries < 100_000 {
            entries += 1
            let entry = Self.u32(file, at), type = Self.u32(file, at + 4), size = Int(Self.u32(file, at + 8))
            at += 12
            guard size <= file.count - at else { return }
            if entry == 0xFFFF_FFFF {
                if depth == 0 { return }
                depth -= 1
            } else if type == 0 {
                depth += 1
            } else if depth == 0, let name = names[entry] {
                switch type {
                case 2:
                    let text = UnsafeRawBufferPointer(rebasing: file[at..<(at + size)]).prefix { $0 != 0 }
                    let value = String(decoding: text, as: UTF8.self)
                    if !value.isEmpty { recording[name] = value }
                case 4 where size >= 4: recording[name] = String(Int32(bitPattern: Self.u32(file, at)))
                case 5 where size >= 8: recording[name] = "\(Self.f64(file, at))"
                default: break
                }
            }
            at += size
        }
    }

    static func u16(_ bytes: some RandomAccessCollection<UInt8>, _ at: Int) -> UInt16 { little(bytes, at) }

    static func u32(_ bytes: some RandomAccessCollection<UInt8>, _ at: Int) -> UInt32 { little(bytes, at) }

    static func f64(_ bytes: some RandomAccessCollection<UInt8>, _ at: Int) -> Double { Double(bitPattern: little(bytes, at)) }

    /// The little-endian integer at `at` (the caller has checked that its bytes are there).
    private static func little<T: FixedWidthInteger>(_ bytes: some RandomAccessCollection<UInt8>, _ at: Int) -> T {
        var value: T = 0
        var index = bytes.index(bytes.startIndex, offsetBy: at)
        for shift in stride(from: 0, to: T.bitWidth, by: 8) {
            value |= T(bytes[index]) << T(shift)
            index = bytes.index(after: index)
        }
        return value
    }
}
