import PaddockApps
import Testing

@Suite("Supervisor restart backoff")
struct RestartBackoffTests {
    @Test("an engine that keeps dying waits 2, 4, 8, 16 s, then 30 s at most")
    func keepsDying() {
        var backoff = RestartBackoff()
        let delays = (0..<8).map { _ in backoff.delayAfterExit(ranFor: 0.5) }
        #expect(delays == [2, 4, 8, 16, 30, 30, 30, 30])
    }

    @Test("an engine that ran longer than 30 s starts the schedule over; exactly 30 s does not")
    func healthyRunResets() {
        var backoff = RestartBackoff()
        #expect([backoff.delayAfterExit(ranFor: 1), backoff.delayAfterExit(ranFor: 1), backoff.delayAfterExit(ranFor: 1)] == [2, 4, 8])
        #expect(backoff.delayAfterExit(ranFor: 30) == 16)
        #expect(backoff.delayAfterExit(ranFor: 30.5) == 1)
        #expect(backoff.delayAfterExit(ranFor: 2) == 2)
        #expect(backoff.delayAfterExit(ranFor: 3600) == 1)
    }

    @Test("an engine that cannot be started waits 1 s first, then doubles up to 30 s")
    func startFailures() {
        var backoff = RestartBackoff()
        #expect((0..<8).map { _ in backoff.delayAfterStartFailure() } == [1, 2, 4, 8, 16, 30, 30, 30])
        #expect(backoff.current == 30)
        #expect(backoff.delayAfterExit(ranFor: 60) == 1)
    }

    @Test("start failures and exits share one schedule")
    func mixed() {
        var backoff = RestartBackoff()
        #expect(backoff.delayAfterStartFailure() == 1)
        #expect(backoff.delayAfterExit(ranFor: 0) == 4)
        #expect(backoff.delayAfterStartFailure() == 4)
        #expect(backoff.delayAfterExit(ranFor: 0) == 16)
    }
}
