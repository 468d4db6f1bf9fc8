import FeedModel

/// Reads the plan out of a solved problem: follows, from each request, the branch the solution
/// took in every dependency, so the plan holds exactly what the request needs.
struct PlanBuilder {
    /// A product in the plan: a candidate to install, or an installed product.
    enum Node: Hashable {
        case candidate(Int)
        case installed(String)
    }

    let encoder: ProblemEncoder
    var context: ResolutionContext { encoder.context }

    private func isChosen(_ candidate: Int) -> Bool {
        encoder.variableOfCandidate[candidate].map(encoder.solver.value) ?? false
    }

    func productId(_ node: Node) -> String {
        switch node {
        case .candidate(let index): return context.allCandidates[index].productId
        case .installed(let productId): return productId
        }
    }

    private func isInstalled(_ node: Node) -> Bool {
        if case .installed = node { return true }
        return false
    }

    func chooseLeaf(_ requirement: ProductRequirement) throws -> Node? {
        if context.installedSatisfies(requirement.productId, context.parse(requirement.constraint)) == true {
            return .installed(requirement.productId)
        }
        return try context.matchingCandidates(requirement).first(where: isChosen).map(Node.candidate)
    }

    /// The products that satisfy `expression` in the solution, or nil when it is not satisfied.
    func choose(_ expression: DependencyExpression, feed: String, sets: [String]) throws -> [Node]? {
        switch expression {
        case .product(let requirement):
            return try chooseLeaf(requirement).map { [$0] }
        case .all(let children):
            var nodes: [Node] = []
            for child in children {
                guard let chosen = try choose(child, feed: feed, sets: sets) else { return nil }
                nodes.append(contentsOf: chosen)
            }
            return nodes
        case .any(let children):
            // Same preference as the encoding: a branch already installed, then the feed's order.
            let options = try children.map { try choose($0, feed: feed, sets: sets) }
            return options.first { $0?.allSatisfy(isInstalled) == true } ?? options.first { $0 != nil } ?? nil
        case .named(let name):
            guard !sets.contains(name), let set = try context.namedSet(name, feed: feed) else { return nil }
            return try choose(set, feed: feed, sets: sets + [name])
        }
    }

    /// What the solution gives: a plan, or a dependency cycle among the products it chose.
    enum Outcome {
        case plan(InstallPlan)
        /// The cycle as a closed path (first node repeated at the end), and its message.
        case cycle([Node], ResolutionFailure)
    }

    func build(requests: [ProductRequirement]) throws -> Outcome {
        var roots: [Node] = []
        for request in requests {
            // The solver satisfied every request, so each has a chosen node.
            guard let node = try chooseLeaf(request) else { preconditionFailure("the solution misses \(request.productId)") }
            if !roots.contains(node) { roots.append(node) }
        }
        // Discover the plan's products and their chosen dependencies.
        var edges: [Node: [Node]] = [:]
        var order: [Node] = []
        var queue = roots
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            if edges[node] != nil { continue }
            var children: [Node] = []
            if case .candidate(let index) = node, let dependency = context.allCandidates[index].entry.product.dependency {
                let feed = context.allCandidates[index].entry.feed
                for child in try choose(dependency, feed: feed, sets: []) ?? [] where !children.contains(child) {
                    children.append(child)
                }
            }
            edges[node] = children
            order.append(node)
            queue.append(contentsOf: children.filter { edges[$0] == nil })
        }
        if let cycle = findCycle(order: order, edges: edges) {
            let path = cycle.map(productId).joined(separator: " -> ")
            return .cycle(cycle, ResolutionFailure(kind: .cycle, message: "there is a dependency cycle: \(path)."))
        }
        return .plan(assemble(roots: roots, order: order, edges: edges))
    }

    /// A cycle among products to install (installed products need no ordering), as a closed path.
    private func findCycle(order: [Node], edges: [Node: [Node]]) -> [Node]? {
        var state: [Node: Int] = [:]  // 1 visiting, 2 done.
        var stack: [Node] = []
        func visit(_ node: Node) -> [Node]? {
            if state[node] == 2 || isInstalled(node) { return nil }
            if state[node] == 1 {
                let start = stack.firstIndex(of: node)!
                return Array(stack[start...]) + [node]
            }
            state[node] = 1
            stack.append(node)
            for child in edges[node] ?? [] {
                if let cycle = visit(child) { return cycle }
            }
            stack.removeLast()
            state[node] = 2
            return nil
        }
        for node in order {
            if let cycle = visit(node) { return cycle }
        }
        return nil
    }

    private func assemble(roots: [Node], order: [Node], edges: [Node: [Node]]) -> InstallPlan {
        // One shortest path from each requested product, by breadth-first search.
        var paths: [Node: [[String]]] = [:]
        var requestedBy: [Node: [String]] = [:]
        for root in roots {
            var parent: [Node: Node] = [root: root]
            var queue = [root]
            var head = 0
            while head < queue.count {
                let node = queue[head]
                head += 1
                for child in edges[node] ?? [] where parent[child] == nil {
                    parent[child] = node
                    queue.append(child)
                }
            }
            for node in queue {
                var path = [productId(node)]
                var current = node
                while current != root {
                    current = parent[current]!
                    path.insert(productId(current), at: 0)
                }
                paths[node, default: []].append(path)
                requestedBy[node, default: []].append(productId(root))
            }
        }
        var stageOf: [Node: Int] = [:]
        func stage(_ node: Node) -> Int {
            if let known = stageOf[node] { return known }
            let needed = (edges[node] ?? []).filter { !isInstalled($0) }
            let value = isInstalled(node) || needed.isEmpty ? 0 : 1 + needed.map(stage).max()!
            stageOf[node] = value
            return value
        }
        var stages: [[PlanStep]] = []
        for node in order {
            let index = stage(node)
            while stages.count <= index { stages.append([]) }
            stages[index].append(step(for: node, edges: edges, requestedBy: requestedBy, paths: paths))
        }
        return InstallPlan(
            requested: roots.map(productId),
            stages: stages.map { PlanStage(steps: $0.sorted(by: PlanBuilder.stageOrder)) })
    }

    /// Within a stage: what is already there first (it comes first in dependency order), then
    /// the machine before the user before an app (an app's environment is built on what the
    /// system provides), then by id. Dependencies alone decide the stages; this order only
    /// makes the steps of one stage run in the same order on every machine, and never lets a
    /// name put an app's step before a system one it might rely on without saying so.
    private static func stageOrder(_ left: PlanStep, _ right: PlanStep) -> Bool {
        if left.alreadyInstalled != right.alreadyInstalled { return left.alreadyInstalled }
        let leftScope = scopeRank(left.scope), rightScope = scopeRank(right.scope)
        if leftScope != rightScope { return leftScope < rightScope }
        return left.productId < right.productId
    }

    private static func scopeRank(_ scope: LinuxInstall.Scope?) -> Int {
        switch scope {
        case .system: return 0
        case .user, nil: return 1
        case .app: return 2
        }
    }

    private func step(for node: Node, edges: [Node: [Node]], requestedBy: [Node: [String]], paths: [Node: [[String]]]) -> PlanStep {
        let dependsOn = (edges[node] ?? []).map(productId)
        switch node {
        case .installed(let productId):
            return PlanStep(
                productId: productId, version: context.installed.version(of: productId), feed: nil, installer: nil,
                installerIndex: nil, scope: nil, downloadSizeKB: nil, alreadyInstalled: true, dependsOn: dependsOn,
                requestedBy: requestedBy[node] ?? [], why: paths[node] ?? [])
        case .candidate(let index):
            let candidate = context.allCandidates[index]
            let installer = candidate.installerIndex.map { candidate.entry.product.installers[$0] }
            return PlanStep(
                productId: candidate.productId, version: candidate.entry.product.version, feed: candidate.entry.feed,
                installer: installer, installerIndex: candidate.installerIndex, scope: installer?.linux?.scope,
                downloadSizeKB: installer?.file?.fileSizeKB, alreadyInstalled: false, dependsOn: dependsOn,
                requestedBy: requestedBy[node] ?? [], why: paths[node] ?? [])
        }
    }
}
