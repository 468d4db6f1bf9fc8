import Foundation
import Synchronization
import PaddockServices
import Testing

@Suite("Service events")
struct ServiceEventTests {
    @Test("a JSON line per event, named, with its fields")
    func jsonLines() throws {
        let lines = LinesBox()
        let delegate = JSONLinesDelegate { lines.append($0) }
        delegate.handle(.willInstall(product: "django", version: "5.2.19"))
        delegate.handle(.willRollBack)
        #expect(
            lines.all == [
                #"{"event":"will-install","product":"django","version":"5.2.19"}"# + "\n",
                #"{"event":"will-roll-back"}"# + "\n",
            ])
    }

    @Test("the recording delegate keeps the order")
    func recording() {
        let recorder = RecordingDelegate()
        recorder.handle(.willRunDeployHook(app: "a"))
        recorder.handle(.didRunDeployHook(app: "a"))
        #expect(recorder.events == [.willRunDeployHook(app: "a"), .didRunDeployHook(app: "a")])
    }
}

final class LinesBox: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
