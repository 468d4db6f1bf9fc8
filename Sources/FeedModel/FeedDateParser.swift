import Foundation

/// Reads the date forms real WebPI feeds use, none of which is guaranteed:
/// `2013-07-03T22:10:13Z`, unpadded `2009-1-13T18:30:02Z`, no zone with microseconds
/// `2012-03-25T13:22:48.440870`, date only `2014-12-17`, US `3-13-2012` or `6/7/2010`,
/// and offsets `+02:00`. A date without a zone is taken as UTC.
public enum FeedDateParser {
    public static func parse(_ raw: String) -> Date? {
        if let date = parseCommonForm(raw) { return date }
        return parseAnyForm(raw)
    }

    /// The forms that make up nearly every feed's dates, read from the UTF-8 bytes without
    /// splitting into substrings: `yyyy-M-d`, `M-d-yyyy` or `M/d/yyyy`, optionally followed by
    /// `T` or a space, `h:m[:s[.fraction]]` and `Z`, `+hh:mm`, `+hhmm` or `+hh`. Anything else
    /// (and anything out of range) is left to `parseAnyForm`, which decides the same way.
    static func parseCommonForm(_ text: String) -> Date? {
        text.utf8.withContiguousStorageIfAvailable { bytes -> Date? in
            var index = 0
            let count = bytes.count
            func number() -> (value: Int, digits: Int)? {
                var value = 0
                let start = index
                while index < count, bytes[index] &- 0x30 < 10, index - start < 9 {
                    value = value * 10 + Int(bytes[index] &- 0x30)
                    index += 1
                }
                return index > start ? (value, index - start) : nil
            }
            guard let first = number(), index < count else { return nil }
            let separator = bytes[index]
            guard separator == UInt8(ascii: "-") || separator == UInt8(ascii: "/") else { return nil }
            index += 1
            guard let second = number(), index < count, bytes[index] == separator else { return nil }
            index += 1
            guard let third = number() else { return nil }
            let (year, month, day) = first.digits == 4 ? (first.value, second.value, third.value) : (third.value, first.value, second.value)
            guard (1...12).contains(month), (1...31).contains(day), year >= 1900, year <= 9999 else { return nil }
            var hour = 0, minute = 0, secondValue = 0, offsetSeconds = 0
            var fraction = 0.0
            if index < count {
                guard bytes[index] == UInt8(ascii: "T") || bytes[index] == UInt8(ascii: " "), separator == UInt8(ascii: "-")
                else { return nil }
                index += 1
                guard let h = number(), index < count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                guard let m = number() else { return nil }
                hour = h.value
                minute = m.value
                if index < count, bytes[index] == UInt8(ascii: ":") {
                    index += 1
                    guard let s = number() else { return nil }
                    secondValue = s.value
                    if index < count, bytes[index] == UInt8(ascii: ".") {
                        index += 1
                        let start = index
                        while index < count, bytes[index] &- 0x30 < 10 { index += 1 }
                        guard index > start else { return nil }
                        let digits = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                        guard let decimals = Double("0." + digits) else { return nil }
                        fraction = decimals
                    }
                }
                if index < count {
                    let sign = bytes[index]
                    if sign == UInt8(ascii: "Z") || sign == UInt8(ascii: "z") {
                        index += 1
                    } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                        index += 1
                        guard let hours = number(), hours.digits == 2 || hours.digits == 4 else { return nil }
                        var zone = hours.value
                        var zoneDigits = hours.digits
                        if hours.digits == 2, index < count, bytes[index] == UInt8(ascii: ":") {
                            index += 1
                            guard let minutes = number(), minutes.digits == 2 else { return nil }
                            zone = zone * 100 + minutes.value
                            zoneDigits = 4
                        }
                        let zoneHours = zoneDigits == 4 ? zone / 100 : zone
                        let zoneMinutes = zoneDigits == 4 ? zone % 100 : 0
                        offsetSeconds = (zoneHours * 3600 + zoneMinutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
                    } else {
                        return nil
                    }
                    guard index == count else { return nil }
                }
                guard (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(secondValue) else { return nil }
            }
            guard index == count else { return nil }
            let seconds = daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + secondValue
            return Date(timeIntervalSince1970: Double(seconds - offsetSeconds) + fraction)
        } ?? nil
    }

    static func parseAnyForm(_ raw: String) -> Date? {
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
