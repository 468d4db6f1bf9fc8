import FeedModel
import Foundation

/// Copies a template's project folder, filling `{{name}}` placeholders in text files and in
/// file and folder names. Binary files are copied as they are.
public enum TemplateRenderer {
    public struct RenderError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Renders `template` into `destination` (created if missing), returning the files written.
    /// A file that is already there is never overwritten: a path written twice (a top-level file
    /// and a `project/` file of the same name, or two names that render alike) is an error.
    @discardableResult
    public static func render(_ template: URL, into destination: URL, values: [String: String]) throws -> [String] {
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(at: template, includingPropertiesForKeys: [.isDirectoryKey, .isSymbolicLinkKey]) else {
            throw RenderError(message: "cannot read the template folder '\(template.path)'")
        }
        try manager.createDirectory(at: destination, withIntermediateDirectories: true)
        var written: [String] = []
        let base = template.standardizedFileURL.path
        for case let url as URL in enumerator {
            let relative = String(url.standardizedFileURL.path.dropFirst(base.count + 1))
            let renderedRelative = Placeholders.render(relative, values)
            let components = renderedRelative.split(separator: "/")
            guard !renderedRelative.hasPrefix("/"), !components.contains(".."), !components.isEmpty else {
                throw RenderError(message: "the template path '\(relative)' renders to '\(renderedRelative)', which leaves the app folder")
            }
            let target = destination.appendingPathComponent(renderedRelative)
            let values0 = try url.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
            if values0.isSymbolicLink == true {
                throw RenderError(message: "the template contains a symbolic link '\(relative)'; templates hold plain files only")
            }
            if values0.isDirectory == true {
                try manager.createDirectory(at: target, withIntermediateDirectories: true)
                continue
            }
            if manager.fileExists(atPath: target.path) {
                throw RenderError(message: "the template writes '\(renderedRelative)' twice (from '\(relative)'); each path may be written once")
            }
            let data = try Data(contentsOf: url)
            if !data.contains(0), let text = String(data: data, encoding: .utf8) {
                try Data(Placeholders.render(text, values).utf8).write(to: target, options: .withoutOverwriting)
            } else {
                try data.write(to: target, options: .withoutOverwriting)
            }
            // Keep the executable bit (scripts such as manage.py).
            if let permissions = try? manager.attributesOfItem(atPath: url.path)[.posixPermissions] {
                try? manager.setAttributes([.posixPermissions: permissions], ofItemAtPath: target.path)
            }
            written.append(renderedRelative)
        }
        return written.sorted()
    }
}
