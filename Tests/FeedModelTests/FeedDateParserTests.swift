import FeedModel
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
}
