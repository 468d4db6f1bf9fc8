/// Prints a plan for people: a tree per requested product, marking what is already there.
///
///     blank-django 1.0 [feed zoo]
///     ├─ django 4.2 [feed zoo]
///     │  └─ ✓ python3 3.11 (installed)
///     └─ ✓ python3 3.11 (installed)
public enum PlanRenderer {
    public static func render(_ plan: InstallPlan) -> String {
        let steps = Dictionary(plan.steps.map { ($0.productId, $0) }, uniquingKeysWith: { first, _ in first })
        var lines: [String] = []
        var shown: Set<String> = []
        func label(_ step: PlanStep) -> String {
            let version = step.version.map { " \($0)" } ?? ""
            if step.alreadyInstalled { return "✓ \(step.productId)\(version) (installed)" }
            return "\(step.productId)\(version) [feed \(step.feed ?? "?")]"
        }
        func draw(_ productId: String, prefix: String, childPrefix: String) {
            guard let step = steps[productId] else { return }
            let repeated = !step.alreadyInstalled && !step.dependsOn.isEmpty && shown.contains(productId)
            lines.append(prefix + label(step) + (repeated ? " (see above)" : ""))
            if repeated { return }
            shown.insert(productId)
            for (position, child) in step.dependsOn.enumerated() {
                let isLast = position == step.dependsOn.count - 1
                draw(child, prefix: childPrefix + (isLast ? "└─ " : "├─ "), childPrefix: childPrefix + (isLast ? "   " : "│  "))
            }
        }
        for productId in plan.requested { draw(productId, prefix: "", childPrefix: "") }
        let listed = Self.licences(plan)
        if !listed.isEmpty {
            lines.append("Licences (installing accepts them):")
            let width = listed.map(\.productId.count).max() ?? 0
            for licence in listed {
                lines.append("  \(licence.productId)\(String(repeating: " ", count: width - licence.productId.count))  \(licence.url)")
            }
        }
        let summary = plan.downloadSummary
        let count = plan.stepsToInstall.count
        var footer = "\(count) to install in \(plan.stages.filter { $0.steps.contains { !$0.alreadyInstalled } }.count) stage(s)"
        footer += ", \(summary.knownKB) KB to download"
        if summary.unknownSizeCount > 0 { footer += " (+\(summary.unknownSizeCount) of unknown size)" }
        lines.append(footer)
        return lines.joined(separator: "\n")
    }

    /// The licence (the installer's `eulaURL`, WebPI's EULA) of each product the plan installs
    /// that has one, in plan order.
    public static func licences(_ plan: InstallPlan) -> [(productId: String, url: String)] {
        plan.stepsToInstall.compactMap { step in
            guard let url = step.installer?.eulaURL, !url.isEmpty else { return nil }
            return (step.productId, url)
        }
    }

    /// Answers "why is X in the plan?": `python3 is needed by blank-django -> django -> python3`.
    public static func renderWhy(_ productId: String, in plan: InstallPlan) -> String {
        guard let paths = plan.why(productId), !paths.isEmpty else {
            let roots = plan.requested.joined(separator: ", ")
            return "\(productId) is not needed by \(roots.isEmpty ? "what was asked" : roots): nothing they need pulls it in"
        }
        if paths.allSatisfy({ $0 == [productId] }) { return "\(productId) was requested" }
        let chains = paths.map { $0.count == 1 ? "requested" : $0.joined(separator: " -> ") }
        return "\(productId) is needed by " + chains.joined(separator: "; ")
    }
}
