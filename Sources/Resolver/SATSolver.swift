/// A literal: variable `v` true is `2v`, false is `2v+1`.
typealias Literal = Int32

extension Literal {
    static func positive(_ variable: Int32) -> Literal { variable << 1 }
    static func negative(_ variable: Int32) -> Literal { (variable << 1) | 1 }
    var variable: Int32 { self >> 1 }
    var isNegative: Bool { self & 1 == 1 }
    var negated: Literal { self ^ 1 }
}

/// A CDCL SAT solver (two watched literals, first-UIP clause learning, non-chronological
/// backjumping) with a package manager's decision strategy instead of VSIDS.
///
/// Why that strategy: clauses of the form `head -> (a or b or ...)` are "requirements". The
/// solver only ever decides a literal *true* to satisfy a requirement whose head is true, picking
/// the first unassigned literal in preference order (installed first, then feed order). When no
/// active requirement is unsatisfied, every remaining variable is set false, which satisfies all
/// clauses: requirements with a false head, negative clauses (conflicts, at most one version) and,
/// because learned clauses follow from the others, the learned ones. So plans contain only what a
/// request needs, prefer what the feeds prefer, and the search stays complete (CDCL with learning
/// terminates and is complete under any decision order).
final class SATSolver {
    private(set) var variableCount: Int32 = 0
    /// -1 unassigned, 0 false, 1 true.
    private var values: [Int8] = []
    private var levels: [Int32] = []
    private var reasons: [Int32] = []
    private var trail: [Literal] = []
    private var levelStarts: [Int] = []

    private var clauseStarts: [Int] = []
    private var clauseLengths: [Int32] = []
    private var literals: [Literal] = []
    private var watches: [[Int32]] = []

    /// Requirement clauses by head variable, each with its literals in preference order.
    private var requirementsByHead: [[[Literal]]] = []
    /// Position in the trail up to which every true variable's requirements were satisfied, and
    /// the trail length when each was checked (to know what a backjump invalidates).
    private var requirementCursor = 0
    private var checkedAtTrailLength: [Int] = []

    private var seen: [Bool] = []
    private var unsatisfiable = false
    /// Variables whose clauses are generated only when they first become true (lazy clause
    /// generation): most candidates of a big catalogue are never chosen, so never expanded.
    private var expandsWhenTrue: [Bool] = []
    private var pendingExpansions: [Int32] = []
    /// Variables that took part in some conflict: the raw material of a fallback explanation.
    /// For explanations: the clauses each learned clause was resolved from, the original clauses
    /// (those not learned), and the clause falsified at level 0 when the problem is unsatisfiable.
    private var antecedents: [Int32: [Int32]] = [:]
    private var finalConflict: Int32?
    private(set) var conflictCount = 0

    func newVariable(expandsWhenTrue lazy: Bool = false) -> Int32 {
        expandsWhenTrue.append(lazy)
        let variable = variableCount
        variableCount += 1
        values.append(-1)
        levels.append(0)
        reasons.append(-1)
        watches.append([])
        watches.append([])
        requirementsByHead.append([])
        seen.append(false)
        return variable
    }

    func value(_ variable: Int32) -> Bool { values[Int(variable)] == 1 }

    private func literalValue(_ literal: Literal) -> Int8 {
        let value = values[Int(literal.variable)]
        if value < 0 { return -1 }
        return literal.isNegative ? 1 - value : value
    }

    /// Adds `head -> (alternatives...)`; the solver satisfies it by deciding alternatives in order.
    func addRequirement(head: Int32, alternatives: [Literal]) {
        requirementsByHead[Int(head)].append(alternatives)
        addClause([Literal.negative(head)] + alternatives)
    }

    /// Adds a clause, before or during the search. During the search the clause may already be
    /// unit or false under the current assignment: the solver then jumps back to where it became so
    /// and propagates or learns from it, exactly as if it had been there from the start.
    func addClause(_ clause: [Literal]) {
        var unique: [Literal] = []
        unique.reserveCapacity(clause.count)
        for literal in clause where !unique.contains(literal) {
            if unique.contains(literal.negated) { return }  // Always true: nothing to add.
            unique.append(literal)
        }
        if unique.isEmpty {
            unsatisfiable = true
            return
        }
        if unique.count == 1 {
            // A fact: it belongs at level 0. Stored (unwatched) so explanations can cite it.
            backjump(to: 0)
            let index = storeUnit(unique[0])
            switch literalValue(unique[0]) {
            case 0: finalConflict = index; unsatisfiable = true
            case -1: assign(unique[0], reason: index)
            default: break
            }
            return
        }
        // Watch the two best literals: not false first, then false ones assigned latest.
        for slot in 0..<2 {
            var best = slot
            for index in (slot + 1)..<unique.count where watchRank(unique[index]) > watchRank(unique[best]) { best = index }
            unique.swapAt(slot, best)
        }
        let index = storeClause(unique)
        let first = literalValue(unique[0])
        let second = literalValue(unique[1])
        if second != 0 { return }  // Two literals not false: an ordinary watched clause.
        let secondLevel = Int(levels[Int(unique[1].variable)])
        if first != 0 {
            // Unit since `secondLevel`: propagate it there.
            if first == 1, Int(levels[Int(unique[0].variable)]) <= secondLevel { return }
            backjump(to: secondLevel)
            if literalValue(unique[0]) < 0 { assign(unique[0], reason: index) }
            return
        }
        // Every literal false: a conflict at the level of the latest one.
        let firstLevel = Int(levels[Int(unique[0].variable)])
        if firstLevel == 0 {
            finalConflict = index
            unsatisfiable = true
            return
        }
        backjump(to: firstLevel)
        learn(from: index)
    }

    /// Higher is a better watch: unassigned or true above false; among false, the latest level.
    private func watchRank(_ literal: Literal) -> Int {
        literalValue(literal) != 0 ? Int.max : Int(levels[Int(literal.variable)])
    }

    /// A one-literal clause: kept for explanations, never watched (its literal is set at level 0).
    private func storeUnit(_ literal: Literal) -> Int32 {
        let index = Int32(clauseStarts.count)
        clauseStarts.append(literals.count)
        clauseLengths.append(1)
        literals.append(literal)
        return index
    }

    @discardableResult
    private func storeClause(_ clause: [Literal]) -> Int32 {
        let index = Int32(clauseStarts.count)
        clauseStarts.append(literals.count)
        clauseLengths.append(Int32(clause.count))
        literals.append(contentsOf: clause)
        watches[Int(clause[0].negated)].append(index)
        watches[Int(clause[1].negated)].append(index)
        return index
    }

    private func assign(_ literal: Literal, reason: Int32) {
        let variable = Int(literal.variable)
        values[variable] = literal.isNegative ? 0 : 1
        levels[variable] = Int32(levelStarts.count)
        reasons[variable] = reason
        trail.append(literal)
        if !literal.isNegative, expandsWhenTrue[variable] {
            expandsWhenTrue[variable] = false
            pendingExpansions.append(literal.variable)
        }
    }

    /// Unit propagation from `queueHead`; returns a falsified clause, or nil.
    private var queueHead = 0

    private func propagate() -> Int32? {
        while queueHead < trail.count {
            let falsified = trail[queueHead].negated  // Literals watching this one became false.
            queueHead += 1
            var watching = watches[Int(falsified.negated)]
            watches[Int(falsified.negated)] = []
            var kept = 0
            var conflict: Int32?
            var position = 0
            while position < watching.count {
                let clauseIndex = watching[position]
                position += 1
                if conflict != nil {
                    watching[kept] = clauseIndex
                    kept += 1
                    continue
                }
                let start = clauseStarts[Int(clauseIndex)]
                let length = Int(clauseLengths[Int(clauseIndex)])
                // Keep the falsified watch in slot 1.
                if literals[start] == falsified { literals.swapAt(start, start + 1) }
                let other = literals[start]
                if literalValue(other) == 1 {
                    watching[kept] = clauseIndex
                    kept += 1
                    continue
                }
                var foundWatch = false
                for slot in 2..<max(2, length) where literalValue(literals[start + slot]) != 0 {
                    literals.swapAt(start + 1, start + slot)
                    watches[Int(literals[start + 1].negated)].append(clauseIndex)
                    foundWatch = true
                    break
                }
                if foundWatch { continue }
                watching[kept] = clauseIndex
                kept += 1
                if literalValue(other) == 0 {
                    conflict = clauseIndex
                } else {
                    assign(other, reason: clauseIndex)
                }
            }
            watching.removeLast(watching.count - kept)
            watches[Int(falsified.negated)].append(contentsOf: watching)
            if let conflict { return conflict }
        }
        return nil
    }

    private func clauseLiterals(_ index: Int32) -> ArraySlice<Literal> {
        let start = clauseStarts[Int(index)]
        return literals[start..<(start + Int(clauseLengths[Int(index)]))]
    }

    /// First-UIP learning: the learned clause (asserting literal first) and the level to jump to.
    private func analyze(_ conflictClause: Int32) -> ([Literal], Int, [Int32]) {
        let currentLevel = Int32(levelStarts.count)
        var learned: [Literal] = [0]
        var pending = 0
        var clause = conflictClause
        var trailIndex = trail.count - 1
        var resolvedLiteral: Literal? = nil
        var touched: [Int32] = []
        var used: [Int32] = [conflictClause]
        while true {
            for literal in clauseLiterals(clause) where literal != resolvedLiteral {
                let variable = literal.variable
                if seen[Int(variable)] || levels[Int(variable)] == 0 { continue }
                seen[Int(variable)] = true
                touched.append(variable)
                if levels[Int(variable)] == currentLevel { pending += 1 } else { learned.append(literal) }
            }
            while !seen[Int(trail[trailIndex].variable)] { trailIndex -= 1 }
            let literal = trail[trailIndex]
            trailIndex -= 1
            seen[Int(literal.variable)] = false
            pending -= 1
            if pending == 0 {
                learned[0] = literal.negated
                break
            }
            clause = reasons[Int(literal.variable)]
            used.append(clause)
            resolvedLiteral = literal
        }
        for variable in touched { seen[Int(variable)] = false }
        var backjumpLevel = 0
        if learned.count > 1 {
            var highest = 1
            for index in 2..<learned.count where levels[Int(learned[index].variable)] > levels[Int(learned[highest].variable)] {
                highest = index
            }
            learned.swapAt(1, highest)
            backjumpLevel = Int(levels[Int(learned[1].variable)])
        }
        return (learned, backjumpLevel, used)
    }

    private func backjump(to level: Int) {
        guard levelStarts.count > level else { return }
        let keep = levelStarts[level]
        for literal in trail[keep...] {
            let variable = Int(literal.variable)
            values[variable] = -1
            reasons[variable] = -1
        }
        trail.removeLast(trail.count - keep)
        levelStarts.removeLast(levelStarts.count - level)
        queueHead = min(queueHead, keep)
        // Requirements checked while the trail was longer may have been satisfied by undone literals.
        requirementCursor = min(requirementCursor, keep)
        while requirementCursor > 0, checkedAtTrailLength[requirementCursor - 1] > keep { requirementCursor -= 1 }
        checkedAtTrailLength.removeLast(checkedAtTrailLength.count - requirementCursor)
    }

    /// The next literal to decide: the preferred alternative of the first unsatisfied active requirement.
    private func nextDecision() -> Literal? {
        while requirementCursor < trail.count {
            let literal = trail[requirementCursor]
            if !literal.isNegative {
                for alternatives in requirementsByHead[Int(literal.variable)] {
                    if alternatives.contains(where: { literalValue($0) == 1 }) { continue }
                    if let open = alternatives.first(where: { literalValue($0) < 0 }) { return open }
                }
            }
            checkedAtTrailLength.append(trail.count)
            requirementCursor += 1
        }
        return nil
    }

    /// Learns from a falsified clause (at least one literal at the current level) and jumps back.
    private func learn(from conflict: Int32) {
        conflictCount += 1
        if levelStarts.isEmpty {
            finalConflict = conflict
            unsatisfiable = true
            return
        }
        let (learned, level, used) = analyze(conflict)
        backjump(to: level)
        let index = learned.count == 1 ? storeUnit(learned[0]) : storeClause(learned)
        antecedents[index] = used
        assign(learned[0], reason: index)
    }

    /// After an unsatisfiable `solve`: the variables of the original clauses the refutation used
    /// (an unsatisfiable core), following learned clauses back to what they were learned from and
    /// level-0 facts back to their reasons.
    func unsatisfiableCoreVariables() -> [Int32] {
        guard let finalConflict else { return [] }
        var visited: Set<Int32> = []
        var stack = [finalConflict]
        var variables: Set<Int32> = []
        while let clause = stack.popLast() {
            guard clause >= 0, visited.insert(clause).inserted else { continue }
            if let sources = antecedents[clause] {
                stack.append(contentsOf: sources)
            } else {
                for literal in clauseLiterals(clause) { variables.insert(literal.variable) }
            }
            for literal in clauseLiterals(clause) where levels[Int(literal.variable)] == 0 && values[Int(literal.variable)] >= 0 {
                stack.append(reasons[Int(literal.variable)])
            }
        }
        return variables.sorted()
    }

    /// Solves; `expand` is called for each lazy variable the first time it becomes true and adds
    /// its clauses. Afterwards `value(_:)` gives the model (unassigned variables read as false).
    /// An error thrown by `expand` ends the search (the solver is then not to be used again).
    func solve(expand: (Int32) throws -> Void) rethrows -> Bool {
        while !unsatisfiable {
            if let conflict = propagate() {
                learn(from: conflict)
                continue
            }
            if let variable = pendingExpansions.popLast() {
                try expand(variable)
                continue
            }
            guard let decision = nextDecision() else { return true }
            levelStarts.append(trail.count)
            assign(decision, reason: -1)
        }
        return false
    }
}
