/// "Did you mean" suggestions by edit distance: for product ids (the resolver's explanations,
/// `show`, `install`) and for subcommands. One place, so every "did you mean" agrees.
public enum DidYouMean {
    /// The closest id (case-insensitive Levenshtein distance), if close enough to be a typo:
    /// at most 2 edits, or a third of the name for long names. Ties go to the smaller id.
    public static func suggestion(for name: String, among candidates: [String]) -> String? {
        suggestions(for: name, among: candidates, limit: 1).first
    }

    /// Up to `limit` close candidates, closest first (ties by name).
    public static func suggestions(for name: String, among candidates: [String], limit: Int) -> [String] {
        let target = Array(name.lowercased())
        let threshold = max(2, target.count / 3)
        var scored: [(distance: Int, id: String)] = []
        for candidate in candidates where candidate != name {
            let letters = Array(candidate.lowercased())
            if abs(letters.count - target.count) > threshold { continue }
            let distance = editDistance(target, letters)
            if distance <= threshold { scored.append((distance, candidate)) }
        }
        return scored.sorted { ($0.distance, $0.id) < ($1.distance, $1.id) }.prefix(limit).map(\.id)
    }

    public static func editDistance(_ left: [Character], _ right: [Character]) -> Int {
        if left.isEmpty { return right.count }
        var previous = Array(0...right.count)
        var current = previous
        for (row, leftCharacter) in left.enumerated() {
            current[0] = row + 1
            for (column, rightCharacter) in right.enumerated() {
                let substitution = previous[column] + (leftCharacter == rightCharacter ? 0 : 1)
                current[column + 1] = min(substitution, previous[column + 1] + 1, current[column] + 1)
            }
            swap(&previous, &current)
        }
        return previous[right.count]
    }
}
