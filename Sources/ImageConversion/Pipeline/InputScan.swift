import Foundation
import ImMetaIO

/// One input file and what its header says.
struct InputFile: Sendable {
    /// The path as found.
    var path: String
    /// The join key (base name, or the path relative to its input folder when base names repeat).
    var key: String
    /// File size and modification time, recorded so that `--resume` can refuse changed inputs.
    var size: Int
    var modified: Double
    /// From the header (nil when it could not be read; `headerError` says why).
    var layout: ImageLayout?
    var dtype: DType?
    var format: String = ""
    var headerError: String?

    var lowercasedExtension: String { InputScan.fileExtension(path) }

    /// Whether the file still has the size and modification time recorded when it was found
    /// (a resumed job or a planned task refuses changed inputs).
    var isUnchanged: Bool {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.size] as? NSNumber)?.intValue == size
            && (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 == modified
    }

    /// Whether `--fits-ext` applies to it.
    var isFITS: Bool { InputScan.fitsExtensions.contains(lowercasedExtension) }
}

/// Finds the input files and reads their headers (no pixels) in parallel.
enum InputScan {
    /// The extensions of FITS files.
    static let fitsExtensions: Set<String> = [".fits", ".fit", ".fts", ".fits.gz"]

    /// The extension with its dot, lower case (`.fits.gz` counts as one); empty when none.
    static func fileExtension(_ path: String) -> String {
        path.lowercased().hasSuffix(".fits.gz") ? ".fits.gz" : FileExtension.of(path) ?? ""
    }

    /// Files with a wanted extension in `folders` (sub-folders too when `recursive`), sorted by
    /// path as images_to_zarr sorts them; each with its join key. A folder that does not exist
    /// is an error (images_to_zarr only warns, and converts nothing from it).
    static func discover(folders: [String], recursive: Bool, extensions: Set<String>) throws -> [InputFile] {
        var found: [(path: String, relative: String)] = []
        let manager = FileManager.default
        for folder in folders {
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: folder, isDirectory: &isFolder) else {
                throw ImMetaIOError(.missingFile, "no such folder", file: folder)
            }
            guard isFolder.boolValue else {
                // A file named directly is an input of its own.
                found.append((folder, (folder as NSString).lastPathComponent))
                continue
            }
            let root = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
            let names: [String]
            if recursive {
                guard let enumerator = manager.enumerator(atPath: root) else {
                    throw ImMetaIOError(.io, "cannot list the folder", file: folder)
                }
                names = enumerator.compactMap { $0 as? String }
            } else {
                do { names = try manager.contentsOfDirectory(atPath: root) } catch {
                    throw ImMetaIOError(.io, "cannot list the folder: \(error.localizedDescription)", file: folder)
                }
            }
            for name in names where extensions.contains(fileExtension(name)) {
                let path = root + "/" + name
                var isDirectory: ObjCBool = false
                guard manager.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                found.append((path, name))
            }
        }
        found.sort { $0.path < $1.path }
        // Base names join the CSV unless two inputs share one; then relative paths do.
        let baseNames = found.map { ($0.path as NSString).lastPathComponent }
        let unique = Set(baseNames).count == baseNames.count
        return zip(found, baseNames).map { entry, base in
            let attributes = try? manager.attributesOfItem(atPath: entry.path)
            return InputFile(
                path: entry.path, key: unique ? base : entry.relative, size: (attributes?[.size] as? NSNumber)?.intValue ?? 0,
                modified: (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)
        }
    }

    /// Reads every header (shape and dtype, no pixels) with `workers` threads.
    static func probe(_ files: inout [InputFile], fitsExtensions: [FITSExtension], workers: Int) {
        let count = files.count
        var results = files
        results.withUnsafeMutableBufferPointer { buffer in
            ParallelLoop.forEach(count, workers: min(workers, ProcessInfo.processInfo.activeProcessorCount)) { index in
                probe(&buffer[index], fitsExtensions: fitsExtensions)
            }
        }
        files = results
    }

    static func probe(_ file: inout InputFile, fitsExtensions: [FITSExtension]) {
        do {
            let extensions = file.isFITS ? fitsExtensions : []
            if extensions.count > 1 {
                // Several HDUs stacked as channels: each must be one H×W plane of one size.
                var planes: [ImageProperties] = []
                for hdu in extensions {
                    let image = try openImage(.path(file.path), options: ["hdu": hdu.option])
                    planes.append(try image.properties())
                    file.format = image.format.name
                }
                guard let first = planes.first, planes.allSatisfy({ $0.shape.count == 2 && $0.shape == first.shape }) else {
                    throw ImMetaIOError(
                        .invalidArgument, "FITS extensions \(extensions) are not 2-D planes of one size: \(planes.map(\.shape))",
                        file: file.path)
                }
                file.layout = ImageLayout(channelsFirst: planes.count, height: first.shape[0], width: first.shape[1])
                file.dtype = planes.dropFirst().reduce(first.dtype) { PromotionRule.promote($0, $1.dtype) }
            } else {
                let image = try openImage(.path(file.path), options: extensions.first.map { ["hdu": $0.option] } ?? [:])
                // With an HDU option the file has one image; otherwise the first of a multi-image file.
                let properties = try extensions.isEmpty ? image.properties(index: 0) : image.properties()
                file.format = image.format.name
                file.layout = try ImageLayout(shape: properties.shape)
                file.dtype = properties.dtype
            }
        } catch {
            file.headerError = (error as? ImMetaIOError)?.description ?? String(describing: error)
        }
    }
}
