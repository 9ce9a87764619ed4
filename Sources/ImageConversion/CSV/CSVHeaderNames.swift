/// Column names as pandas' `read_csv` makes them from a header row.
///
/// Checked against pandas 3.1 (`pandas.io.common.mangle_dupe_names`, which mirrors its C reader):
/// - an empty name becomes `Unnamed: i` (`i` is the 0-based column position);
/// - a repeated name gets `.1`, `.2`, ... in order, skipping any suffix that is already a name
///   in the header: `a,a,a.1` becomes `a, a.2, a.1`;
/// - named columns are renamed before the `Unnamed: i` ones, so a header's own names win.
enum CSVHeaderNames {
    /// The unique names for the raw header fields `raw`.
    static func pandasNames(_ raw: [String]) -> [String] {
        var names = raw
        var unnamed: [Int] = []
        for index in names.indices where names[index].isEmpty {
            names[index] = "Unnamed: \(index)"
            unnamed.append(index)
        }
        let unnamedSet = Set(unnamed)
        let order = names.indices.filter { !unnamedSet.contains($0) } + unnamed
        // How many times each name is in `names` now (pandas tests `col in names` on the list as
        // it is being renamed), kept as counts so that each test is O(1).
        var present: [String: Int] = [:]
        for name in names { present[name, default: 0] += 1 }
        // pandas' `counts`: for a name, the next suffix to try.
        var counts: [String: Int] = [:]
        for index in order {
            let original = names[index]
            var name = original
            var count = counts[original] ?? 0
            while count > 0 {
                counts[original] = count + 1
                name = "\(original).\(count)"
                if present[name, default: 0] > 0 {
                    count += 1
                } else {
                    count = counts[name] ?? 0
                }
            }
            if name != original {
                present[original, default: 1] -= 1
                present[name, default: 0] += 1
                names[index] = name
            }
            counts[name] = count + 1
        }
        return names
    }
}
