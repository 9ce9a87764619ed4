/// The frame timing of an animation writer (GIF, animated PNG, animated WebP), from the options
/// as imageio v3's pillow plugin spells them: `duration` in milliseconds, one number for every
/// frame or a list of them (the last value holds for frames past its end), and `loop`, the
/// format's loop count (0: forever).
///
/// A fractional `duration` below 10 (0.1, 0.04) is refused rather than read as a fraction of a
/// millisecond: it is imageio v2's seconds, and the error says so. Without the options, the
/// `durations` list and `loop` count in the metadata written with the first frame are used (what
/// our GIF, PNG and WebP readers report), so copying an animation keeps its timing.
///
/// ```swift
/// var parser = OptionParser(request.options, plugin: "webp", file: request.sink.displayName)
/// var timing = try AnimationTiming(&parser, loops: 0...65535, maximumDuration: 16_777_215)
/// timing.adopt(firstFrameMetadata)
/// let milliseconds = timing.duration(ofFrame: 3)
/// ```
public struct AnimationTiming: Sendable {
    /// Milliseconds per frame, in frame order; the last value holds for later frames.
    public private(set) var durations: [Double]
    /// The loop count (0: forever), or `nil` for no loop record (GIF's play-once, asked with
    /// `loop: null` where the format allows it).
    public private(set) var loop: Int?
    private let durationsGiven: Bool
    private let loopGiven: Bool
    private let loops: ClosedRange<Int>
    private let maximumDuration: Double

    /// Reads `duration` and `loop` from `parser`.
    ///
    /// - Parameters:
    ///   - parser: the plugin's option parser; `duration` and `loop` are read from it.
    ///   - defaultDuration: milliseconds per frame when neither the options nor the metadata give any.
    ///   - loops: the loop counts the format stores.
    ///   - allowsNoLoop: whether `loop: null` (no loop record) is accepted.
    ///   - maximumDuration: the longest frame the format stores, in milliseconds.
    /// - Throws: ``ImMetaIOError/Code/invalidArgument`` naming the option and what it takes.
    public init(
        _ parser: inout OptionParser, defaultDuration: Double = 100, loops: ClosedRange<Int>, allowsNoLoop: Bool = false,
        maximumDuration: Double
    ) throws(ImMetaIOError) {
        self.loops = loops
        self.maximumDuration = maximumDuration
        let expectation = "milliseconds from 0 to \(Int(maximumDuration)), one number or a list of them"
        switch parser.value("duration") {
        case nil:
            durations = [defaultDuration]
            durationsGiven = false
        case let value?:
            let list = value.arrayValue ?? [value]
            let numbers = list.compactMap(\.doubleValue)
            guard !list.isEmpty, numbers.count == list.count, numbers.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= maximumDuration })
            else { throw parser.invalid("duration", expectation) }
            if let seconds = numbers.first(where: { $0 > 0 && $0 < 10 && $0.rounded() != $0 }) {
                throw parser.invalid(
                    "duration",
                    "milliseconds as imageio v3 takes them (\(seconds) looks like imageio v2's seconds: \(seconds) s is "
                        + "\(Int((seconds * 1000).rounded())) ms)")
            }
            durations = numbers
            durationsGiven = true
        }
        switch parser.value("loop") {
        case nil:
            loop = 0
            loopGiven = false
        case .null? where allowsNoLoop:
            loop = nil
            loopGiven = true
        case let value?:
            guard let count = value.intValue, loops.contains(count) else {
                throw parser.invalid("loop", "an integer in \(loops.lowerBound)...\(loops.upperBound) (0: forever)" + (allowsNoLoop ? " or null" : ""))
            }
            loop = count
            loopGiven = true
        }
    }

    /// Takes `durations` and `loop` from metadata (as our animation readers report them) for
    /// whichever of the two the options did not give; values the format cannot store are ignored.
    public mutating func adopt(_ metadata: JSONObject) {
        if !durationsGiven, let list = metadata["durations"]?.arrayValue, !list.isEmpty {
            let numbers = list.compactMap(\.doubleValue)
            if numbers.count == list.count, numbers.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= maximumDuration }) {
                durations = numbers
            }
        }
        if !loopGiven, let count = metadata["loop"]?.intValue, loops.contains(count) { loop = count }
    }

    /// The milliseconds frame `index` (counted from 0) is shown.
    public func duration(ofFrame index: Int) -> Double { durations[min(max(index, 0), durations.count - 1)] }
}
