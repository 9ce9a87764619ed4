import Foundation
import ImMetaIOCore
import OrderedCollections
import TIFFFormat

/// The images of an OME-TIFF (or of a multi-file set described by a companion file): every
/// `Image` of the OME-XML as a TZCYX(S) image whose planes are the IFDs its `TiffData` blocks name,
/// in this file or in the set's other files.
enum OMETIFFLayout {
    /// The images of `document`. TIFFs of a multi-file set are found by `TiffData` file names
    /// relative to `folder`, opened once each; `container` is the file the document came from
    /// (`nil` for a companion XML file).
    static func images(
        of document: OMEDocument, container: TIFFContainer?, folder: String, documentPath: String, limits: DecodeLimits
    ) throws(ImMetaIOError) -> [any MicroscopyImage] {
        var files: [String: TIFFContainer] = [:]
        if let container { files[URL(fileURLWithPath: container.path).lastPathComponent] = container }
        func open(_ name: String?, uuid: String? = nil) throws(ImMetaIOError) -> TIFFContainer {
            // The document's own UUID is the file it came from, whatever it is called now.
            if let container, let uuid, uuid == document.uuid { return container }
            guard let name, !name.isEmpty else {
                guard let container else {
                    throw ImMetaIOError(.corruptData, "a TiffData block of the companion file names no file", file: documentPath)
                }
                return container
            }
            if let open = files[name] { return open }
            // Names are plain file names beside the document; anything with a path is refused.
            guard !name.contains("/"), name != "..", name != "." else {
                throw ImMetaIOError(.corruptData, "TiffData names the file '\(name)' outside the set's folder", file: documentPath)
            }
            let path = folder.isEmpty ? name : "\(folder)/\(name)"
            guard FileManager.default.fileExists(atPath: path) else {
                // A renamed single-file OME-TIFF still names its old self: only a set needs the others.
                if let container, document.images.allSatisfy({ $0.pixels.tiffData.allSatisfy { $0.fileName == name || $0.fileName == nil } }) {
                    return container
                }
                throw ImMetaIOError(.missingFile, "the multi-file OME-TIFF set lacks '\(name)', which its OME-XML names", file: documentPath)
            }
            let opened = try TIFFContainer(path: path)
            files[name] = opened
            return opened
        }
        var result: [any MicroscopyImage] = []
        for (index, image) in document.images.enumerated() {
            var metadata = try image.microscopyMetadata(in: document)
            metadata.provenance["source_file"] = documentPath
            metadata.provenance["source_format"] = "OME-TIFF"
            metadata.provenance["scene"] = String(index)
            let pixels = image.pixels
            // RGB pages described as one single-sample channel (the OME-XML leaves SamplesPerPixel
            // out): the page's samples become the S axis rather than being dropped.
            let block = pixels.tiffData.first ?? OMETiffData()
            if !metadata.hasSamples, let file = try? open(block.fileName, uuid: block.uuid), file.pages.indices.contains(block.ifd) {
                let pageSamples = file.pages[block.ifd].samples
                if pageSamples > 1, metadata.shape[2] % pageSamples != 0 {
                    metadata.axes.append(.s)
                    metadata.shape.append(pageSamples)
                }
            }
            let samples = metadata.hasSamples ? metadata.shape[5] : 1
            let (sizeT, sizeZ, sizeC) = (metadata.shape[0], metadata.shape[1], metadata.shape[2])
            guard let planeCount = NDArray.checkedElementCount([sizeT, sizeZ, sizeC]), planeCount <= 1 << 24 else {
                throw ImMetaIOError(.limitExceeded, "image \(index) has too many planes", file: documentPath)
            }
            // The order in which planes follow each other in IFDs, and each plane's place in TZC order.
            let order = pixels.planeCoordinates()
            guard order.count == planeCount else {
                throw ImMetaIOError(.corruptData, "image \(index): the sizes and dimension order do not agree", file: documentPath)
            }
            var position: [Int: Int] = [:]
            for (sequence, plane) in order.enumerated() { position[(plane.t * sizeZ + plane.z) * sizeC + plane.c] = sequence }
            let tzc = order.map { ($0.t * sizeZ + $0.z) * sizeC + $0.c }
            var planes = [TIFFPlaneReference?](repeating: nil, count: planeCount)
            // IFDs run in dimension order; a page with more samples than the plane needs holds
            // several channels (Bio-Formats' reading of RGB pages declared as separate channels).
            func assign(sequence start: Int, count: Int, ifd: Int, in file: TIFFContainer) {
                var page = ifd, sample = 0
                for sequence in start..<min(start + count, planeCount) {
                    guard page >= 0, page < file.pages.count else { return }
                    let pageSamples = file.pages[page].samples
                    let split = samples == 1 && pageSamples > 1
                    planes[tzc[sequence]] = TIFFPlaneReference(container: file, page: page, sample: split ? sample : nil)
                    if split, sample + 1 < pageSamples {
                        sample += 1
                    } else {
                        sample = 0
                        page += 1
                    }
                }
            }
            if pixels.tiffData.isEmpty {
                assign(sequence: 0, count: planeCount, ifd: 0, in: try open(nil))
            } else {
                for block in pixels.tiffData {
                    let file = try open(block.fileName, uuid: block.uuid)
                    let first = (block.firstT * sizeZ + block.firstZ) * sizeC + block.firstC
                    guard block.firstT < sizeT, block.firstZ < sizeZ, block.firstC < sizeC, let start = position[first] else {
                        throw ImMetaIOError(.corruptData, "image \(index): a TiffData block starts outside the image", file: documentPath)
                    }
                    let count = block.planeCount ?? (pixels.tiffData.count == 1 ? planeCount - start : 1)
                    assign(sequence: start, count: count, ifd: block.ifd, in: file)
                }
            }
            let missing = planes.filter { $0 == nil }.count
            guard missing < planeCount else {
                throw ImMetaIOError(.corruptData, "image \(index): none of its planes is in the file", file: documentPath)
            }
            if missing > 0 { metadata.annotations["OME-TIFF.missingPlanes"] = String(missing) }
            result.append(try TIFFPlaneImage(metadata: metadata, planes: planes, pyramid: true, limits: limits))
        }
        return result
    }
}
