import Zarr

/// An OME-Zarr store opened for reading: OME-Zarr 0.5 (NGFF on Zarr v3), as written by
/// ``OMEZarrWriter``, ome-zarr-py and ngff-zarr.
///
/// ```swift
/// let file = try OMEZarrFile(path: "cells.ome.zarr")
/// let image = file.images[0]
/// let plane = try image.read(MicroscopyRegion(t: 0..<1, z: 5..<6), level: 1)
/// ```
///
/// The store's root may be an image (a group with `ome.multiscales`; one image per multiscale
/// entry) or a bioformats2raw collection (`ome."bioformats2raw.layout"`: one image per series,
/// listed in `OME/zarr.json` or numbered `0`, `1`, …). Each image is an ``OMEZarrImage``.
///
/// ### Errors
/// `missingFile` when there is no `zarr.json`; `unsupportedFeature` for OME-Zarr 0.4 and earlier
/// on Zarr v2 (`.zattrs`/`.zgroup`: the Zarr engine reads Zarr v3 only), for plates and for
/// axes this model cannot hold; `unsupportedFormat` for a Zarr group that is not OME-Zarr;
/// `corruptData` for broken metadata.
public struct OMEZarrFile: MicroscopyFile {
    /// `OME-Zarr`.
    public let formatName = "OME-Zarr"
    /// The store's folder (or display name) and the group's path in it.
    public let path: String
    /// The images (``OMEZarrImage`` each), in the file's order.
    public let images: [any MicroscopyImage]
    /// The images, with their OME-Zarr specifics (labels).
    public let omeZarrImages: [OMEZarrImage]

    /// Opens the store in the folder at `path`.
    /// - Parameters:
    ///   - path: the store's folder.
    ///   - limits: bounds on each window read (a whole image of a large store may need more).
    public init(path: String, limits: DecodeLimits = .default) throws(ImMetaIOError) {
        try self.init(store: ZarrStoreLocation.store(for: path), limits: limits)
    }

    /// Opens the OME-Zarr hierarchy at `path` in `store`.
    /// - Parameters:
    ///   - store: the Zarr store holding the hierarchy.
    ///   - path: the group's path in the store (empty for its root).
    ///   - limits: bounds on each window read.
    public init(store: any ZarrStore, path: String = "", limits: DecodeLimits = .default) throws(ImMetaIOError) {
        self.path = path.isEmpty ? store.displayName : "\(store.displayName)/\(path)"
        let images = try Self.images(in: store, path: path, limits: limits)
        omeZarrImages = images
        self.images = images
    }

    /// The images of the group at `path`: its multiscales, or a bioformats2raw collection's
    /// series.
    static func images(in store: any ZarrStore, path: String, limits: DecodeLimits, depth: Int = 0) throws(ImMetaIOError) -> [OMEZarrImage] {
        let name = path.isEmpty ? store.displayName : "\(store.displayName)/\(path)"
        let prefix = path.isEmpty ? "" : path + "/"
        let attributes = try groupAttributes(in: store, path: path, name: name)
        let ome = attributes["ome"]?.objectValue
        // OME-Zarr 0.5 keeps everything under `ome`; a 0.4-style layout inside a Zarr v3 group
        // (metadata at the top of the attributes) is read the same way.
        let metadata = ome ?? attributes
        let version = ome?["version"]?.stringValue ?? attributes["multiscales"]?.arrayValue?.first?["version"]?.stringValue ?? "0.4"
        if let multiscales = metadata["multiscales"]?.arrayValue {
            guard ome == nil || version.hasPrefix("0.5") else {
                throw ImMetaIOError(.unsupportedFeature, "OME-Zarr version \(version) is not supported (0.5 is)", file: name)
            }
            guard !multiscales.isEmpty, multiscales.count <= 64 else {
                throw ImMetaIOError(.corruptData, "ome.multiscales must list 1 to 64 images", file: name)
            }
            var images: [OMEZarrImage] = []
            for multiscale in multiscales {
                images.append(try OMEZarrImage(store: store, path: path, attributes: attributes, multiscale: multiscale, version: version, limits: limits))
            }
            return images
        }
        if metadata["plate"] != nil || metadata["well"] != nil {
            throw ImMetaIOError(
                .unsupportedFeature, "high-content screening plates and wells are not supported: open a field's image group (row/column/field)",
                file: name)
        }
        if metadata["bioformats2raw.layout"]?.intValue == 3 {
            var series = (try? groupAttributes(in: store, path: prefix + "OME", name: name))?["ome"]?["series"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if series.isEmpty {
                while series.count < 10_000, (try? store.contains(prefix + "\(series.count)/zarr.json")) == true { series.append("\(series.count)") }
            }
            guard !series.isEmpty else { throw ImMetaIOError(.corruptData, "a bioformats2raw collection without images", file: name) }
            var images: [OMEZarrImage] = []
            guard depth < 4 else { throw ImMetaIOError(.corruptData, "bioformats2raw collections nested too deeply", file: name) }
            for entry in series.prefix(10_000) {
                guard isRelativePath(entry) else { throw ImMetaIOError(.corruptData, "invalid series path '\(entry)'", file: name) }
                images += try Self.images(in: store, path: prefix + entry, limits: limits, depth: depth + 1)
            }
            return images
        }
        throw ImMetaIOError(.unsupportedFormat, "a Zarr group without OME-Zarr image metadata (no ome.multiscales)", file: name)
    }

    /// Whether `path` names a node below a group: non-empty segments, none `.` or `..`, no
    /// leading `/`.
    static func isRelativePath(_ path: String) -> Bool {
        !path.isEmpty && !path.hasPrefix("/") && path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    /// The attributes of the Zarr v3 group at `path`.
    private static func groupAttributes(in store: any ZarrStore, path: String, name: String) throws(ImMetaIOError) -> JSONObject {
        let prefix = path.isEmpty ? "" : path + "/"
        let hasV3 = try withImMetaIOErrors(file: name) { try store.contains(prefix + "zarr.json") }
        guard hasV3 else {
            let hasV2 = try withImMetaIOErrors(file: name) {
                try store.contains(prefix + ".zattrs") || store.contains(prefix + ".zgroup")
            }
            if hasV2 {
                throw ImMetaIOError(
                    .unsupportedFeature,
                    "OME-Zarr 0.4 and earlier (Zarr v2) is not supported: the Zarr engine reads Zarr v3 (OME-Zarr 0.5) only",
                    file: name)
            }
            throw ImMetaIOError(.missingFile, "no zarr.json: not a Zarr v3 store", file: name)
        }
        let node = try withImMetaIOErrors(file: name) { try ZarrNode.open(in: store, path: path) }
        guard case .group(let group) = node else {
            throw ImMetaIOError(.unsupportedFormat, "a Zarr array, not an OME-Zarr image group", file: name)
        }
        return group.attributes
    }
}
