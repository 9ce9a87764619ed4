import Zarr

/// Writes a ``MicroscopyImage`` as an OME-Zarr 0.5 image (NGFF on Zarr v3): a group whose
/// `zarr.json` holds `attributes.ome` (`version`, `multiscales`, `omero`), with one sharded,
/// compressed array per pyramid level (`0`, `1`, …) and optional label images.
///
/// ```swift
/// var options = OMEZarrWriteOptions()
/// options.levelCount = 4
/// try OMEZarrWriter(options: options).write(image, to: "cells.ome.zarr")
/// ```
///
/// **Layout.** Every image gets the five axes `t, c, z, y, x` (types time, channel, space),
/// whatever its extents, so all images share one layout. Units are the UDUNITS names of the
/// metadata's units (`micrometer`, `second`); a size whose unit has none is converted to
/// micrometres. Each level's `scale` is the physical size times the level's factor (the time
/// increment for `t`, 1 for `c`); averaged levels also carry the half-pixel `translation` that
/// centres their pixels on the blocks they summarise (as ngff-zarr writes).
///
/// **RGB.** OME-Zarr has no sample axis: the samples of an RGB image become channels (`c = C × S`,
/// channel `c·S + s`), labelled `R`, `G`, `B` (after the channel's name, if any) and coloured red,
/// green and blue in `omero`. The `immetaio` attribute records the sample count, and
/// ``OMEZarrFile`` gives the image back as `TZCYXS`.
///
/// **Pyramid.** Levels halve `y` and `x` (and `z` with ``OMEZarrWriteOptions/downsamplesZ``); see
/// ``OMEZarrDownsampling`` for how pixels are combined. They are computed from the level above
/// while the full resolution streams in, block by block: each source pixel is read once, through
/// ``MicroscopyImage/read(_:level:)``, and memory stays at a few blocks per core whatever the
/// image's size. Blocks are shards, encoded in parallel; no shard is written twice.
///
/// **Metadata.** Channel names and colours go to `omero.channels` (with a default palette where
/// the image has none: grey for one channel, else red, green, blue, magenta, cyan, yellow,
/// white); each window's `min`/`max` is the dtype's range (the data's for floats) and its
/// `start`/`end` the channel's range in the data. The metadata OME-Zarr has no field for
/// (acquisition date, instrument, provenance, annotations, wavelengths) goes to the group's
/// `immetaio` attribute, so that ``OMEZarrFile`` reads back what was written.
///
/// **Finishing.** The arrays are written first; the group's `zarr.json` is written last, in one
/// atomic step, after the metadata has been checked against the specification's rules (axis
/// count, order and types, transform lengths, `dimension_names`, channel count). A store
/// interrupted before that has no image group.
///
/// ### Errors
/// `invalidArgument` for options or images that cannot be written (and for a destination that
/// holds a Zarr node, unless ``OMEZarrWriteOptions/overwrite``), the reader's errors for the
/// source's pixels, `io` for the store, and `corruptData` when the metadata about to be written
/// breaks the specification (a bug in this writer: please report it).
public struct OMEZarrWriter: Sendable {
    /// How the image is laid out, compressed and downsampled.
    public var options: OMEZarrWriteOptions

    /// Creates a writer.
    public init(options: OMEZarrWriteOptions = OMEZarrWriteOptions()) {
        self.options = options
    }

    /// Writes `image` (and `labels`) to a folder, created if missing.
    /// - Returns: the shapes and attributes written.
    @discardableResult
    public func write(_ image: any MicroscopyImage, to path: String, labels: [OMEZarrLabel] = []) throws(ImMetaIOError) -> OMEZarrWriteSummary {
        try write(image, to: ZarrStoreLocation.store(for: path), labels: labels)
    }

    /// Writes `image` (and `labels`) as the group at `path` of `store`.
    /// - Returns: the shapes and attributes written.
    @discardableResult
    public func write(
        _ image: any MicroscopyImage, to store: any ZarrStore, path: String = "", labels: [OMEZarrLabel] = []
    ) throws(ImMetaIOError) -> OMEZarrWriteSummary {
        let name = path.isEmpty ? store.displayName : "\(store.displayName)/\(path)"
        let prefix = path.isEmpty ? "" : path + "/"
        let metadata = image.metadata
        let (shape, samples) = try Self.omeShape(of: metadata, file: name)
        let layout = try OMEZarrLayout(
            shape: shape, dtype: metadata.dtype, chunkShape: options.chunkShape, shardShape: shardShape, compression: options.compression,
            halvesZ: options.downsamplesZ, levelCount: options.levelCount, file: name)
        try checkLabels(labels, imageShape: shape, file: name)

        try withImMetaIOErrors(file: name) {
            if try store.contains(prefix + "zarr.json") {
                guard options.overwrite else {
                    throw ImMetaIOError(.invalidArgument, "a Zarr node exists here already (set overwrite to replace it)", file: name)
                }
                try store.deleteAll(prefix: prefix)
            }
        }
        let ranges = ChannelRanges(channels: shape[1])
        let paths = (0..<layout.levelCount).map(String.init)
        try writeLevels(
            of: image, layout: layout, samples: samples, downsampling: options.downsampling, ranges: ranges, store: store,
            prefix: prefix, paths: paths, name: name)

        var labelNames: [String] = []
        for label in labels {
            try writeLabel(label, levelCount: layout.levelCount, store: store, prefix: prefix, name: name)
            labelNames.append(label.name)
        }
        if !labelNames.isEmpty {
            let attributes: JSONObject = [
                "ome": ["version": .string(OMEZarrAttributes.version), "labels": .array(labelNames.map(JSONValue.string))]
            ]
            try finish(
                attributes, problems: OMEZarrValidator.problems(labels: attributes, children: Set(labelNames)), store: store,
                path: prefix + "labels", name: name)
        }

        var ome: JSONObject = ["version": .string(OMEZarrAttributes.version)]
        ome["multiscales"] = [OMEZarrAttributes.multiscale(metadata: metadata, layout: layout, downsampling: options.downsampling, paths: paths)]
        ome["omero"] = OMEZarrAttributes.omero(metadata: metadata, samples: samples, channels: shape[1], ranges: ranges.ranges)
        var attributes: JSONObject = ["ome": .object(ome)]
        attributes[OMEZarrAttributes.ownKey] = .object(OMEZarrAttributes.ownBlock(metadata: metadata, samples: samples))
        let problems = OMEZarrValidator.problems(image: attributes) { path in
            try? ZarrArray.open(in: store, path: prefix + path).metadata
        }
        try finish(attributes, problems: problems, store: store, path: path, name: name)
        return OMEZarrWriteSummary(levelShapes: layout.levelShapes, attributes: attributes)
    }

    /// The shard shape the options ask for (`nil`: no sharding).
    private var shardShape: [Int]? {
        guard options.sharded else { return nil }
        return options.shardShape ?? OMEZarrWriteOptions.defaultShardShape(chunkShape: options.chunkShape)
    }

    /// The image's shape in OME-Zarr order (`t, c·S, z, y, x`) and its samples per pixel.
    static func omeShape(of metadata: MicroscopyMetadata, file: String) throws(ImMetaIOError) -> (shape: [Int], samples: Int) {
        let canonical = metadata.axes == MicroscopyAxis.canonical || metadata.axes == MicroscopyAxis.canonical + [.s]
        guard canonical, metadata.shape.count == metadata.axes.count, metadata.shape.allSatisfy({ $0 > 0 }) else {
            throw ImMetaIOError(
                .invalidArgument, "cannot write an image of axes \(metadata.axesString) and shape \(metadata.shape) (TZCYX[S], no empty axis)",
                file: file)
        }
        let samples = metadata.hasSamples ? metadata.shape[5] : 1
        let (channels, overflow) = metadata.shape[2].multipliedReportingOverflow(by: samples)
        guard !overflow, NDArray.checkedElementCount(metadata.shape) != nil else {
            throw ImMetaIOError(.invalidArgument, "the image shape \(metadata.shape) is too large", file: file)
        }
        return ([metadata.shape[0], channels, metadata.shape[1], metadata.shape[3], metadata.shape[4]], samples)
    }

    /// Creates the level arrays and streams the pyramid into them.
    private func writeLevels(
        of image: any MicroscopyImage, layout: OMEZarrLayout, samples: Int, downsampling: OMEZarrDownsampling, ranges: ChannelRanges?,
        store: any ZarrStore, prefix: String, paths: [String], name: String
    ) throws(ImMetaIOError) {
        let dtype = image.metadata.dtype
        try withImMetaIOErrors(file: name) {
            var arrays: [ZarrArray] = []
            for level in 0..<layout.levelCount {
                let metadata = ZarrArrayMetadata(
                    shape: layout.levelShapes[level], dtype: dtype, chunkShape: layout.shardShapes[level] ?? layout.chunkShapes[level],
                    fillValue: dtype == .bool ? false : 0, codecs: layout.codecs[level], dimensionNames: OMEZarrAttributes.axisNames)
                // Arrays left by an interrupted write (no group yet) are replaced.
                arrays.append(try ZarrArray.create(in: store, path: prefix + paths[level], metadata: metadata, overwrite: true))
            }
            let streamer = PyramidStreamer(
                source: image, layout: layout, arrays: arrays, dtype: dtype, samples: samples, downsampling: downsampling, ranges: ranges,
                sourceName: image.metadata.name ?? "the image")
            try streamer.run()
        }
    }

    /// Writes one label image as `labels/<name>`, with the image's level count.
    private func writeLabel(_ label: OMEZarrLabel, levelCount: Int, store: any ZarrStore, prefix: String, name: String) throws(ImMetaIOError) {
        let metadata = label.image.metadata
        let (shape, _) = try Self.omeShape(of: metadata, file: name)
        let layout = try OMEZarrLayout(
            shape: shape, dtype: metadata.dtype, chunkShape: options.chunkShape, shardShape: shardShape, compression: options.compression,
            halvesZ: options.downsamplesZ, levelCount: levelCount, file: name)
        let groupPath = prefix + "labels/" + label.name
        let paths = (0..<levelCount).map(String.init)
        try writeLevels(
            of: label.image, layout: layout, samples: 1, downsampling: .nearest, ranges: nil, store: store, prefix: groupPath + "/",
            paths: paths, name: name)
        var ome: JSONObject = ["version": .string(OMEZarrAttributes.version)]
        var labelMetadata = metadata
        labelMetadata.name = metadata.name ?? label.name
        ome["multiscales"] = [OMEZarrAttributes.multiscale(metadata: labelMetadata, layout: layout, downsampling: .nearest, paths: paths)]
        ome["image-label"] = OMEZarrAttributes.imageLabel(label)
        let attributes: JSONObject = ["ome": .object(ome)]
        let problems = OMEZarrValidator.problems(image: attributes, array: { path in
            try? ZarrArray.open(in: store, path: groupPath + "/" + path).metadata
        }, isLabel: true)
        try finish(attributes, problems: problems, store: store, path: groupPath, name: name)
    }

    /// Label images must be integer, one channel or as many as the image, and match the image's
    /// `t`, `z`, `y`, `x` extents (or have extent 1 there).
    private func checkLabels(_ labels: [OMEZarrLabel], imageShape: [Int], file: String) throws(ImMetaIOError) {
        var seen = Set<String>()
        for label in labels {
            let metadata = label.image.metadata
            guard !label.name.isEmpty, label.name != ".", label.name != "..", !label.name.contains("/"), seen.insert(label.name).inserted else {
                throw ImMetaIOError(.invalidArgument, "the label name '\(label.name)' is empty, repeated or not a single path segment", file: file)
            }
            guard OMEZarrValidator.labelTypes.contains(metadata.dtype), !metadata.hasSamples else {
                throw ImMetaIOError(.invalidArgument, "the label image '\(label.name)' must be an integer image without samples, not \(metadata.dtype)", file: file)
            }
            let (shape, _) = try Self.omeShape(of: metadata, file: file)
            for axis in 0..<5 where shape[axis] != imageShape[axis] && shape[axis] != 1 {
                throw ImMetaIOError(
                    .invalidArgument,
                    "the label image '\(label.name)' has \(OMEZarrAttributes.axisNames[axis]) extent \(shape[axis]); the image has \(imageShape[axis]) (1 is allowed too)",
                    file: file)
            }
        }
    }

    /// Writes a group's `zarr.json` (atomically) once its attributes break no rule.
    private func finish(_ attributes: JSONObject, problems: [String], store: any ZarrStore, path: String, name: String) throws(ImMetaIOError) {
        guard problems.isEmpty else {
            throw ImMetaIOError(
                .corruptData,
                "internal error: the OME-Zarr metadata about to be written breaks the specification (\(problems.joined(separator: "; "))); the group was not written",
                file: name)
        }
        try withImMetaIOErrors(file: name) { _ = try ZarrGroup.create(in: store, path: path, attributes: attributes) }
    }
}

/// What ``OMEZarrWriter`` wrote.
public struct OMEZarrWriteSummary: Sendable {
    /// Each level's shape in `t, c, z, y, x` order, full resolution first.
    public var levelShapes: [[Int]]
    /// The image group's attributes (`ome` and `immetaio`).
    public var attributes: JSONObject
}
