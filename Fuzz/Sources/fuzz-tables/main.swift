// Fuzzes the conversion's table inputs: arbitrary bytes as a Parquet file (footer, Thrift,
// pages, levels, dictionaries, compression) and as a metadata CSV must give a table or a typed
// error (ParquetError, CSVError), never a crash or an unbounded allocation.
import ImageConversion
import Parquet

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if data[0] & 1 == 0 {
        do {
            let reader = try ParquetFileReader(bytes: bytes, limits: ParquetReaderLimits(maximumPageSize: 1 << 24, maximumValueCount: 1 << 20))
            _ = try reader.readTable(columns: reader.schema.map(\.name).filter { name in
                !reader.unsupportedColumns.contains { $0.column == name }
            })
        } catch is ParquetError {
            return 0
        } catch {
            preconditionFailure("untyped error: \(error)")
        }
    } else {
        do {
            _ = try CSVTable(bytes: bytes, fileName: "fuzz.csv", textColumns: ["filename"])
        } catch is CSVError {
            return 0
        } catch {
            preconditionFailure("untyped error: \(error)")
        }
    }
    return 0
}
