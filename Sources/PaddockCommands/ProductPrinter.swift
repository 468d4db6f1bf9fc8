import FeedModel
import PaddockStore

/// The text form of `paddock show`.
struct ProductPrinter {
    let output: Output

    /// `sets` looks up a named set (`<dependencySet>`) so that `show` can say what it holds.
    /// `feedNote`: what to say of the product's feed (its kept copy has expired).
    func print(
        _ entry: CatalogProduct, alsoIn others: [String], sets: (String) -> DependencyExpression? = { _ in nil }, feedNote: String? = nil
    ) {
        let product = entry.product
        let title = product.title ?? product.productId
        // Everything shown comes from a feed: escapes and bidi overrides in it are shown, not obeyed.
        output.line(output.bold(title.terminalSafe()) + (product.version.map { " \($0)" } ?? "").terminalSafe())
        field("id", product.productId + (product.isApplication ? " (application)" : ""))
        field("feed", entry.feed + (others.isEmpty ? "" : "  (also in: \(others.joined(separator: ", ")))") + (feedNote.map { "  " + $0 } ?? ""))
        field("summary", product.summary)
        field("family", product.productFamily ?? product.frameworkFamily)
        field("keywords", product.keywords.isEmpty ? nil : product.keywords.joined(separator: ", "))
        field("author", product.authors.compactMap(\.name).joined(separator: ", ").nilIfEmpty)
        field("published", product.published?.text)
        field("updated", product.updated?.text)
        field("link", product.links.first)
        if let dependency = product.dependency {
            output.line("requires:")
            for line in DependencyPrinter.lines(dependency, sets: sets) { output.line("  " + line.terminalSafe()) }
        }
        if !product.incompatibilities.isEmpty {
            field("conflicts", product.incompatibilities.map(\.productId).joined(separator: ", "))
        }
        if !product.relatedProducts.isEmpty { field("related", product.relatedProducts.joined(separator: ", ")) }
        output.line("installers:")
        if product.installers.isEmpty { output.line("  none (a detection-only entry)") }
        if !product.hasLinuxInstaller && !product.installers.isEmpty {
            output.line("  " + output.yellow("no installer for linux") + " (written for Windows)")
        }
        for installer in product.installers { output.line("  " + describe(installer).terminalSafe()) }
        if let long = product.longSummary, output.verbose {
            output.line()
            output.line(long.terminalSafe(lines: true))
        }
    }

    private func field(_ name: String, _ value: String?) {
        guard let value, !value.isEmpty else { return }
        output.line("\(name):".padding(toLength: 11, withPad: " ", startingAt: 0) + value.terminalSafe())
    }

    private func describe(_ installer: Installer) -> String {
        var parts: [String] = []
        if let linux = installer.linux {
            parts.append("linux \(linux.kind.rawValue) (\(linux.scope.rawValue))")
            if !linux.packages.isEmpty {
                parts.append(linux.packages.map { $0.name + ($0.version.map { " \($0)" } ?? "") }.joined(separator: ", "))
            }
        } else if installer.isMSDeploy {
            parts.append("windows web deploy package")
        } else if installer.commands.contains(where: { if case .msiInstall = $0 { return true } else { return false } }) {
            parts.append("windows msi")
        } else {
            parts.append("windows")
        }
        if !installer.architectures.isEmpty { parts.append(installer.architectures.joined(separator: "/")) }
        if !installer.languageIds.isEmpty { parts.append("lang " + installer.languageIds.joined(separator: ",")) }
        if let file = installer.file {
            if let url = file.url ?? file.relativeURL { parts.append(url) }
            if let size = file.fileSizeKB { parts.append("\(size) KB") }
            if let sha256 = file.sha256 {
                parts.append("sha256 \(sha256.prefix(12))…")
            } else if let sha1 = file.sha1 {
                parts.append("sha1 \(sha1)")
            }
        }
        return parts.joined(separator: "  ")
    }
}

/// Dependency trees as indented lines: `all of:` / `one of:` / `set NAME`, a named set with
/// what it holds, one level deep (`set 'SQL_ASPNET4App': IIS7 and ASPNET4 and (SQLExpress or
/// SQLCE)`): its own sets are named, not opened, as WebPI's feeds nest them deeply.
enum DependencyPrinter {
    static func lines(_ expression: DependencyExpression, depth: Int = 0, sets: (String) -> DependencyExpression? = { _ in nil }) -> [String] {
        let indent = String(repeating: "  ", count: depth)
        switch expression {
        case .product(let requirement):
            return [indent + requirement.productId + (requirement.constraint.map { " \($0)" } ?? "")]
        case .named(let name):
            guard let body = sets(name) else { return [indent + "set '\(name)' (not defined by any loaded feed)"] }
            return [indent + "set '\(name)': " + inline(body, nested: false)]
        case .all(let children):
            return [indent + "all of:"] + children.flatMap { lines($0, depth: depth + 1, sets: sets) }
        case .any(let children):
            return [indent + "one of:"] + children.flatMap { lines($0, depth: depth + 1, sets: sets) }
        }
    }

    /// One line: `a and (b or c)`, a set inside by its name.
    static func inline(_ expression: DependencyExpression, nested: Bool) -> String {
        switch expression {
        case .product(let requirement): return requirement.productId + (requirement.constraint.map { " \($0)" } ?? "")
        case .named(let name): return "set '\(name)'"
        case .all(let children) where children.count == 1: return inline(children[0], nested: nested)
        case .any(let children) where children.count == 1: return inline(children[0], nested: nested)
        case .all(let children):
            let text = children.map { inline($0, nested: true) }.joined(separator: " and ")
            return nested ? "(\(text))" : text
        case .any(let children):
            let text = children.map { inline($0, nested: true) }.joined(separator: " or ")
            return nested ? "(\(text))" : text
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
