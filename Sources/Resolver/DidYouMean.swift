/// "Did you mean" suggestions by edit distance.
enum DidYouMean {
    /// The closest id (case-insensitive Levenshtein distance), if close enough to be a typo:
    /// at most 2 edits, or a third of the name for long names. Ties go to the smaller id.
    static func suggestion(for name: String, among candidates: [String]) -> String? {
        let target = Array(name.lowercased())
        let limit = max(2, target.count / 3)
        var best: (distance: Int, id: String)?
        for candidate in candidates where candidate != name {
            let letters = Array(candidate.lowercased())
            if abs(letters.count - target.count) > limit { continue }
            let distance = editDistance(target, letters)
            guard distance <= limit else { continue }
            if best == nil || distance < best!.distance || (distance == best!.distance && candidate < best!.id) {
                best = (distance, candidate)
            }
        }
        return best?.id
    }

    static func editDistance(_ left: [Character], _ right: [Character]) -> Int {
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
