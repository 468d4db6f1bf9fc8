import FeedModel
import PaddockXML
import Foundation
import Resolver
import Testing
import TestSupport

/// The plans of the feed that ships (Feeds/paddock.xml) on a bare Debian 12, where python3 is
/// present but nothing else is: the order of what runs is decided by dependencies, never by
/// names. On such a machine an order by name ran pip (django) before apt (python3-venv), and
/// the install failed.
@Suite struct BuiltinFeedPlanTests {
    static func catalog() throws -> InMemoryCatalog {
        let feed = try FeedDocumentReader.read(path: TestPaths.builtinFeed.path)
        var catalog = InMemoryCatalog()
        catalog.add(feed: "builtin", feed)
        return catalog
    }

    /// Every template, alone and with each database driver its parameters can bring in.
    static let requests: [[String]] = [
        ["blank-django"], ["blank-flask"], ["blank-django", "psycopg"], ["blank-django", "pymysql"],
        ["blank-django", "mysqlclient"], ["blank-flask", "psycopg"], ["django"], ["gunicorn"],
    ]

    @Test("every pip step comes after python3-venv, and no stage runs a product before one it needs", arguments: requests)
    func pipAfterTheEnvironment(request: [String]) throws {
        let bareDebian = InstalledProducts(["python3": "3.11.2"])
        let resolver = Resolver(catalog: try Self.catalog(), machine: Fixtures.linux, installed: bareDebian)
        let plan = try resolver.resolve(request).get()
        #expect(plan.orderViolations.isEmpty, "\(request): \(plan.orderViolations)")
        let stageOf = Dictionary(
            uniqueKeysWithValues: plan.stages.enumerated().flatMap { index, stage in stage.steps.map { ($0.productId, index) } })
        let venvStage = try #require(stageOf["python3-venv"], "\(request): python3-venv is not in the plan")
        let pipSteps = plan.stepsToInstall.filter { $0.installer?.linux?.kind == .pip }
        #expect(!pipSteps.isEmpty)
        for step in pipSteps {
            #expect(stageOf[step.productId]! > venvStage, "\(request): \(step.productId) in stage \(stageOf[step.productId]!), python3-venv in \(venvStage)")
            #expect(step.dependsOn.contains("python3-venv"), "\(step.productId) does not say it needs python3-venv")
        }
    }

    @Test("a plan that runs a product beside one it needs is named by orderViolations")
    func violationsAreFound() {
        func step(_ id: String, needs: [String], installed: Bool = false) -> PlanStep {
            PlanStep(
                productId: id, version: "1", feed: "f", installer: nil, installerIndex: nil, scope: nil, downloadSizeKB: nil,
                alreadyInstalled: installed, dependsOn: needs, requestedBy: [], why: [])
        }
        let byName = InstallPlan(
            requested: ["app"],
            stages: [PlanStage(steps: [step("django", needs: ["python3-venv"]), step("python3-venv", needs: [])]), PlanStage(steps: [step("app", needs: ["django"])])])
        #expect(byName.orderViolations == ["django needs python3-venv"])
        let backwards = InstallPlan(
            requested: ["app"], stages: [PlanStage(steps: [step("app", needs: ["lib"])]), PlanStage(steps: [step("lib", needs: [])])])
        #expect(backwards.orderViolations == ["app needs lib"])
        let fine = InstallPlan(
            requested: ["app"],
            stages: [PlanStage(steps: [step("python3", needs: [], installed: true), step("lib", needs: ["python3"])]), PlanStage(steps: [step("app", needs: ["lib", "python3"])])])
        #expect(fine.orderViolations.isEmpty)
    }
}
