import FeedModel

/// A reason something cannot be installed, before it is phrased for whoever needed it.
struct Reason {
    var kind: ResolutionFailure.Kind
    /// The sentence as it stands; a dependent W wraps it as
    /// `W needs <requirement>; <text>; so W cannot be installed here`.
    var text: String
}

/// Explains an unsatisfiable request in sentences, PubGrub style.
///
/// First it looks for a requested product that cannot be installed on its own terms (a chain of
/// requirements ending at an unknown product, a missing installer, no matching version, a clash
/// with something installed, an `or` whose branches all fail). Then for two requirements that
/// cannot hold together (two versions of one product, an incompatibility between two products the
/// request must install). Failing both, it names the products the solver's conflicts went through.
final class FailureExplainer {
    let context: ResolutionContext
    /// nil while being explored (a cycle counts as installable here: cycles are reported apart).
    private var candidateReasons: [Int: Reason?] = [:]

    init(context: ResolutionContext) { self.context = context }

    enum Dependent {
        case request
        case branch
        case product(String)
    }

    /// `conflictCandidates`: the candidates the solver's conflicts went through, in discovery order.
    /// Whatever the cause, the products the request refers to that no loaded feed defines are
    /// listed after it (see `addingMissingProducts`).
    func explain(requests: [ProductRequirement], conflictCandidates: [Int]) throws -> ResolutionFailure {
        var failure = try cause(requests: requests, conflictCandidates: conflictCandidates)
        failure.message = try addingMissingProducts(to: failure.message, requests: requests)
        return failure
    }

    private func cause(requests: [ProductRequirement], conflictCandidates: [Int]) throws -> ResolutionFailure {
        for request in requests {
            if let reason = try requirementReason(request, dependent: .request, feed: "", sets: []) {
                return ResolutionFailure(kind: reason.kind, message: finish(reason.text))
            }
        }
        if let pairwise = try PairwiseConflictFinder(context: context, explainer: self).find(requests: requests) {
            return pairwise
        }
        return ResolutionFailure(kind: .conflict, message: listConflict(requests: requests, candidates: conflictCandidates))
    }

    private func finish(_ text: String) -> String {
        text.hasSuffix("?") || text.hasSuffix(".") ? text : text + "."
    }

    // MARK: Requirements

    /// Why a requirement leaf cannot be met at all, or nil when some candidate could be installed.
    func requirementReason(_ requirement: ProductRequirement, dependent: Dependent, feed: String, sets: [String]) throws -> Reason? {
        let constraint = context.parse(requirement.constraint)
        let id = requirement.productId
        if case .invalid(let error) = constraint {
            return phrase(Reason(kind: .invalidConstraint, text: error.description), requirement, dependent, sets)
        }
        if let satisfied = context.installedSatisfies(id, constraint) {
            if satisfied { return nil }
            let version = context.installed.version(of: id) ?? "of an unknown version"
            return phrase(
                Reason(
                    kind: .installedVersionMismatch,
                    text: "the installed \(id) is \(version) (paddock does not replace installed products)"),
                requirement, dependent, sets)
        }
        let all = try context.candidates(of: id)
        if all.isEmpty { return try unknownProduct(id, dependent: dependent, sets: sets) }
        let installable = all.filter { context.allCandidates[$0].installerIndex != nil }
        if installable.isEmpty {
            let product = context.allCandidates[all[0]].entry.product
            let targets = InstallerSelection.describeTargets(of: product)
            let detail = targets.isEmpty ? "it lists no installers" : "its installers are for \(targets)"
            return phrase(
                Reason(kind: .noInstaller, text: "\"\(id)\" has no installer for \(context.machine.platformDescription) (\(detail))"),
                requirement, dependent, sets)
        }
        let matching = installable.filter { context.satisfies(context.allCandidates[$0], constraint) }
        if matching.isEmpty {
            return phrase(Reason(kind: .noMatchingVersion, text: availableVersions(id, installable)), requirement, dependent, sets)
        }
        var failures: [(Candidate, Reason)] = []
        for index in matching {
            guard let reason = try candidateReason(index) else { return nil }
            failures.append((context.allCandidates[index], reason))
        }
        if failures.count == 1 {
            return phrase(failures[0].1, requirement, dependent, sets)
        }
        let lines = failures.map { "\n  - \($0.0.displayName) [feed \($0.0.entry.feed)]: " + indent($0.1.text) }
        return phrase(
            Reason(kind: failures[0].1.kind, text: "no candidate of \(id) can be installed:" + lines.joined()),
            requirement, dependent, sets)
    }

    private func indent(_ text: String) -> String { text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ") }

    /// `the only python for linux/x86_64 in feed 'zoo' is 3.9`, or the list of versions by feed.
    private func availableVersions(_ id: String, _ indices: [Int]) -> String {
        let platform = context.machine.platformDescription
        let candidates = indices.map { context.allCandidates[$0] }
        if candidates.count == 1 {
            let only = candidates[0]
            return "the only \(id) for \(platform) in feed '\(only.entry.feed)' is \(only.entry.product.version ?? "unversioned")"
        }
        var feeds: [String] = []
        var versionsByFeed: [String: [String]] = [:]
        for candidate in candidates {
            if versionsByFeed[candidate.entry.feed] == nil { feeds.append(candidate.entry.feed) }
            versionsByFeed[candidate.entry.feed, default: []].append(candidate.entry.product.version ?? "unversioned")
        }
        let listed = feeds.map { "\(versionsByFeed[$0]!.joined(separator: ", ")) in feed '\($0)'" }
        return "the versions of \(id) for \(platform) are \(listed.joined(separator: " and "))"
    }

    private func unknownProduct(_ id: String, dependent: Dependent, sets: [String]) throws -> Reason {
        var suggestion = ""
        if let close = DidYouMean.suggestion(for: id, among: try context.catalog.allProductIds) {
            suggestion = "; did you mean \"\(close)\"?"
        }
        let text = "no loaded feed defines \"\(id)\"" + suggestion
        switch dependent {
        case .request, .branch:
            return Reason(kind: .unknownProduct, text: text)
        case .product(let name):
            return Reason(kind: .unknownProduct, text: "\(name) needs \"\(id)\"\(through(sets)), and " + text)
        }
    }

    func through(_ sets: [String]) -> String {
        switch sets.count {
        case 0: return ""
        case 1: return " through the set \"\(sets[0])\""
        default: return " through the sets " + sets.map { "\"\($0)\"" }.joined(separator: " -> ")
        }
    }

    /// `python >= 3.10`: a leaf as messages name it.
    func describe(_ requirement: ProductRequirement) -> String {
        guard let constraint = requirement.constraint else { return requirement.productId }
        if case .constraint(let parsed) = context.parse(constraint) { return "\(requirement.productId) \(parsed)" }
        return "\(requirement.productId) \(constraint)"
    }

    /// Phrases a leaf's reason for whoever needed the leaf.
    private func phrase(_ reason: Reason, _ requirement: ProductRequirement, _ dependent: Dependent, _ sets: [String]) -> Reason {
        switch dependent {
        case .request:
            let text =
                requirement.constraint == nil || reason.kind == .invalidConstraint
                ? reason.text : "\(describe(requirement)) was requested; \(reason.text)"
            return Reason(kind: reason.kind, text: text)
        case .branch:
            let text = requirement.constraint == nil ? reason.text : "\(describe(requirement)): \(reason.text)"
            return Reason(kind: reason.kind, text: text)
        case .product(let name):
            // A listed reason ends with its list, so the conclusion goes on a line of its own.
            let conclusion = reason.text.contains("\n") ? "\nso" : "; so"
            return Reason(
                kind: reason.kind,
                text: "\(name) needs \(describe(requirement))\(through(sets)); \(reason.text)\(conclusion) \(name) cannot be installed here")
        }
    }

    // MARK: Candidates and expressions

    /// Why one candidate cannot be installed whatever else is chosen, or nil.
    func candidateReason(_ index: Int) throws -> Reason? {
        if let known = candidateReasons[index] { return known }
        candidateReasons[index] = .some(nil)
        let candidate = context.allCandidates[index]
        let reason = try computeCandidateReason(candidate)
        candidateReasons[index] = reason
        return reason
    }

    private func computeCandidateReason(_ candidate: Candidate) throws -> Reason? {
        let product = candidate.entry.product
        for requirement in product.incompatibilities where context.installedMatches(requirement) {
            let installed = context.installed.version(of: requirement.productId).map { " \($0)" } ?? ""
            return Reason(kind: .incompatible, text: "\(candidate.displayName) is incompatible with the installed \(requirement.productId)\(installed)")
        }
        for productId in context.installed.versions.keys.sorted() {
            guard let installedProduct = try context.installedEntry(productId) else { continue }
            for requirement in installedProduct.incompatibilities where requirement.productId == candidate.productId {
                if context.satisfies(candidate, context.parse(requirement.constraint)) {
                    let installed = context.installed.version(of: productId).map { " \($0)" } ?? ""
                    return Reason(kind: .incompatible, text: "the installed \(productId)\(installed) is incompatible with \(candidate.displayName)")
                }
            }
        }
        guard let dependency = product.dependency else { return nil }
        return try expressionReason(dependency, dependent: .product(candidate.productId), feed: candidate.entry.feed, sets: [])
    }

    func expressionReason(_ expression: DependencyExpression, dependent: Dependent, feed: String, sets: [String]) throws -> Reason? {
        switch expression {
        case .product(let requirement):
            return try requirementReason(requirement, dependent: dependent, feed: feed, sets: sets)
        case .all(let children):
            for child in children {
                if let reason = try expressionReason(child, dependent: dependent, feed: feed, sets: sets) { return reason }
            }
            return nil
        case .any(let children):
            var lines: [String] = []
            var kinds: [ResolutionFailure.Kind] = []
            for child in children {
                guard let reason = try expressionReason(child, dependent: .branch, feed: feed, sets: sets) else { return nil }
                lines.append("\n  - " + indent(reason.text))
                kinds.append(reason.kind)
            }
            let options = children.map(describe).joined(separator: ", ")
            let need: String
            switch dependent {
            case .product(let name): need = "\(name) needs one of \(options)\(through(sets)), and none can be installed:"
            case .request, .branch: need = "none of \(options) can be installed:"
            }
            var text = need + lines.joined()
            if case .product(let name) = dependent { text += "\nso \(name) cannot be installed here" }
            return Reason(kind: .noBranch, text: text)
        case .named(let name):
            if let start = sets.firstIndex(of: name) {
                let loop = (sets[start...] + [name]).map { "\"\($0)\"" }.joined(separator: " -> ")
                return setReason(.cycle, "the set \"\(name)\" refers to itself: \(loop)", dependent: dependent, name: name)
            }
            guard let set = try context.namedSet(name, feed: feed) else {
                return setReason(.unknownSet, "no loaded feed defines a set \"\(name)\"", dependent: dependent, name: name)
            }
            return try expressionReason(set, dependent: dependent, feed: feed, sets: sets + [name])
        }
    }

    private func setReason(_ kind: ResolutionFailure.Kind, _ text: String, dependent: Dependent, name: String) -> Reason {
        if case .product(let product) = dependent {
            return Reason(kind: kind, text: "\(product) needs the set \"\(name)\"; \(text); so \(product) cannot be installed here")
        }
        return Reason(kind: kind, text: text)
    }

    /// `python >= 3.10`, `(a and b)`, `one of a, b`, `the set "S"`: a short name for an `or` branch.
    func describe(_ expression: DependencyExpression) -> String {
        switch expression {
        case .product(let requirement): return describe(requirement)
        case .all(let children): return "(" + children.map(describe).joined(separator: " and ") + ")"
        case .any(let children): return "(" + children.map(describe).joined(separator: " or ") + ")"
        case .named(let name): return "the set \"\(name)\""
        }
    }
}
