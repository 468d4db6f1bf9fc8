import Foundation

/// Reads the date forms real WebPI feeds use, none of which is guaranteed:
/// `2013-07-03T22:10:13Z`, unpadded `2009-1-13T18:30:02Z`, no zone with microseconds
/// `2012-03-25T13:22:48.440870`, date only `2014-12-17`, US `3-13-2012` or `6/7/2010`,
/// and offsets `+02:00`. A date without a zone is taken as UTC.
public enum FeedDateParser {
    public static func parse(_ raw: String) -> Date? {
        // The reader hands over trimmed text; trim here only when needed (Foundation's trim is slow).
        let text =
            raw.first?.isWhitespace == true || raw.last?.isWhitespace == true
            ? raw.trimmingCharacters(in: .whitespacesAndNewlines) : raw
        guard !text.isEmpty else { return nil }
        let datePart: Substring
        var timePart: Substring = ""
        if let separator = text.firstIndex(where: { $0 == "T" || $0 == " " }) {
            datePart = text[..<separator]
            timePart = text[text.index(after: separator)...]
        } else {
            datePart = Substring(text)
        }
        guard let (year, month, day) = parseDay(datePart) else { return nil }
        var hour = 0, minute = 0, second = 0
        var offsetSeconds = 0
        var fraction = 0.0
        if !timePart.isEmpty {
            var clock = timePart
            // Split off a zone: Z, +hh:mm, -hh:mm, +hhmm.
            if clock.hasSuffix("Z") || clock.hasSuffix("z") {
                clock = clock.dropLast()
            } else if let signIndex = clock.lastIndex(where: { $0 == "+" || $0 == "-" }) {
                let zone = clock[clock.index(after: signIndex)...].replacingOccurrences(of: ":", with: "")
                guard zone.count == 4 || zone.count == 2, let value = Int(zone) else { return nil }
                let hours = zone.count == 4 ? value / 100 : value
                let minutes = zone.count == 4 ? value % 100 : 0
                offsetSeconds = (hours * 3600 + minutes * 60) * (clock[signIndex] == "-" ? -1 : 1)
                clock = clock[..<signIndex]
            }
            let pieces = clock.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count >= 2, pieces.count <= 3,
                let parsedHour = Int(pieces[0]), let parsedMinute = Int(pieces[1])
            else { return nil }
            hour = parsedHour
            minute = parsedMinute
            if pieces.count == 3 {
                let secondsText = pieces[2].split(separator: ".", maxSplits: 1)
                guard let whole = secondsText.first.flatMap({ Int($0) }) else { return nil }
                second = whole
                if secondsText.count == 2, let decimals = Double("0." + secondsText[1]) { fraction = decimals }
            }
            guard (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        }
        // Days since 1970-01-01 by Howard Hinnant's days-from-civil: no Calendar, no allocation.
        // Out-of-range days (Feb 31) roll over into the next month, as Calendar's did.
        let seconds = Self.daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
        return Date(timeIntervalSince1970: Double(seconds - offsetSeconds) + fraction)
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// `yyyy-M-d` (ISO order), or `M-d-yyyy` / `M/d/yyyy` (US order, as in `addToFeedDate`).
    private static func parseDay(_ text: Substring) -> (Int, Int, Int)? {
        let separator: Character = text.contains("/") ? "/" : "-"
        let numbers = text.split(separator: separator).map { Int($0) }
        guard numbers.count == 3, let a = numbers[0], let b = numbers[1], let c = numbers[2] else { return nil }
        let (year, month, day) = text.split(separator: separator)[0].count == 4 ? (a, b, c) : (c, a, b)
        guard (1...12).contains(month), (1...31).contains(day), year >= 1900, year <= 9999 else { return nil }
        return (year, month, day)
    }
}
