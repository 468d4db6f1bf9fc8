@testable import FeedModel
import Foundation
import Testing

@Suite("Feed dates")
struct FeedDateParserTests {
    static let cases: [(String, TimeInterval?)] = [
        ("2013-07-03T22:10:13Z", 1_372_889_413),
        ("2009-1-13T18:30:02Z", 1_231_871_402),
        ("2009-10-5T16:30:00Z", 1_254_760_200),
        ("2012-03-25T13:22:48.440870", 1_332_681_768.44087),
        ("2014-12-17", 1_418_774_400),
        ("3-13-2012", 1_331_596_800),
        ("6/7/2010", 1_275_868_800),
        ("2016-08-04T20:38:17+02:00", 1_470_335_897),
        ("2012-01-03 00:00:00Z", 1_325_548_800),
        ("not a date", nil),
        ("2012-13-01", nil),
        ("", nil),
    ]

    @Test("the forms real feeds use", arguments: cases)
    func parse(text: String, expected: TimeInterval?) {
        let parsed = FeedDateParser.parse(text)?.timeIntervalSince1970
        if let expected, let parsed {
            #expect(abs(parsed - expected) < 0.001, "\(text)")
        } else {
            #expect(parsed == expected, "\(text)")
        }
    }

    /// The parser counts days itself; Calendar (which it used before) is the reference,
    /// including leap years (1900, 2000, 2024) and days past a month's end, which roll over.
    @Test("the same instants as Calendar, every day from 1900 to 2100 and past months' ends")
    func matchesCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        var checked = 0
        for year in stride(from: 1900, through: 2100, by: 1) {
            for month in 1...12 {
                for day in [1, 15, 28, 29, 30, 31] {
                    let text = "\(year)-\(month)-\(day)T23:59:60+05:30"
                    let components = DateComponents(year: year, month: month, day: day, hour: 23, minute: 59, second: 60)
                    let reference = calendar.date(from: components)!.timeIntervalSince1970 - 19_800
                    guard FeedDateParser.parse(text)?.timeIntervalSince1970 == reference else {
                        Issue.record("\(text): \(String(describing: FeedDateParser.parse(text))) != \(reference)")
                        return
                    }
                    checked += 1
                }
            }
        }
        #expect(checked == 201 * 12 * 6)
    }

    /// The byte-level reader of the common forms must decide exactly as the general one: the
    /// same instant, or no answer (and then the general one decides).
    @Test("the fast reader of the common forms agrees with the general one")
    func commonFormAgrees() {
        var texts = Self.cases.map(\.0)
        texts += [
            "2013-07-03T22:10:13z", "2013-07-03T22:10", "2013-07-03T22:10:13.5Z", "2013-07-03T22:10:13.123456+05:30",
            "2013-07-03T22:10:13-0800", "2013-07-03T22:10:13+02", "2013-07-03T22:10:13+2:00", "2013-07-03T22:10:13+0200Z",
            "2013-07-03T24:00:00Z", "2013-07-03T23:60:00Z", "2013-07-03T23:59:61Z", "2013-02-31", "1899-01-01",
            "10000-01-01", "12-31-1999", "1/2/2003", "1/2/2003T10:00", "2003/1/2", "2014--12-17", "2014-12-17T",
            " 2014-12-17", "2014-12-17 ", "2014-12-17T10:00:00.Z", "2014-12-17T10::00", "+2014-12-17", "2014-12-17X",
            "0002014-12-17", "3-13-12", "2014-12-17T10:00:00Z ", "2014-1-1T1:2:3Z", "٢٠١٤-12-17",
        ]
        for text in texts {
            guard let fast = FeedDateParser.parseCommonForm(text) else { continue }
            #expect(fast == FeedDateParser.parseAnyForm(text), "\(text)")
        }
        #expect(FeedDateParser.parseCommonForm("2013-07-03T22:10:13Z") != nil)
        #expect(FeedDateParser.parseCommonForm("6/7/2010") != nil)
    }
}
