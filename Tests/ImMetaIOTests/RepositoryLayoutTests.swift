import Foundation
import Testing

/// Checks that the checkout builds on disks that compare names case-insensitively (macOS's default),
/// where `Sources/immetaio` and `Sources/ImMetaIO` would be one folder.
@Suite struct RepositoryLayoutTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Folders that are build output or local state, never part of a checkout.
    static func isScratch(_ name: String) -> Bool {
        name.hasPrefix(".") || name == "out" || name == "demo"
    }

    @Test func noTwoPathsDifferByCaseOnly() throws {
        var seen: [String: String] = [:]
        var collisions: [String] = []
        var pending = [""]
        let manager = FileManager.default
        while let relative = pending.popLast() {
            let folder = relative.isEmpty ? Self.root : Self.root.appendingPathComponent(relative)
            for name in try manager.contentsOfDirectory(atPath: folder.path) where !Self.isScratch(name) {
                let path = relative.isEmpty ? name : relative + "/" + name
                let key = path.lowercased()
                if let earlier = seen[key] { collisions.append("\(earlier) and \(path)") } else { seen[key] = path }
                // Symbolic links are not followed (attributesOfItem describes the link itself).
                let attributes = try manager.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
                if attributes[.type] as? FileAttributeType == .typeDirectory { pending.append(path) }
            }
        }
        #expect(seen.count > 100, "the walk found the package's files")
        #expect(collisions.isEmpty, "paths that differ by case only: \(collisions)")
    }

    /// SwiftPM names build folders and modules after targets, so target names must differ by more than case too.
    @Test func targetNamesDifferByMoreThanCase() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        // Only the targets: the package and the `immetaio` executable product are names of files, not of modules.
        let targetList = try #require(manifest.range(of: "\n    targets: ["))
        let section = String(manifest[targetList.upperBound...])
        let pattern = try NSRegularExpression(pattern: #"name: "([^"]+)""#)
        var targets: [String: String] = [:]
        var collisions: [String] = []
        for match in pattern.matches(in: section, range: NSRange(section.startIndex..., in: section)) {
            guard let nameRange = Range(match.range(at: 1), in: section) else { continue }
            let name = String(section[nameRange])
            if let earlier = targets[name.lowercased()], earlier != name { collisions.append("\(earlier) and \(name)") }
            targets[name.lowercased()] = name
        }
        #expect(targets.count > 20, "the manifest's targets were found")
        #expect(collisions.isEmpty, "targets whose names differ by case only: \(collisions)")
    }
}
