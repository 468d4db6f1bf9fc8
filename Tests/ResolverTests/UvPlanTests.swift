import FeedModel
import Foundation
import Resolver
import Testing

/// The built-in feed's uv (issue 17): every Python product needs it, so it is installed before
/// any pip step; on x86_64 and aarch64 it is its wheel from PyPI, hash-checked; on a machine
/// uv has no build for, the no-op installer, and the packages go in with pip.
@Suite struct UvPlanTests {
    @Test(
        "uv comes before every pip step: its wheel where there is one, the no-op elsewhere",
        arguments: [("x86_64", "x86_64.whl"), ("aarch64", "aarch64.whl"), ("riscv64", nil)] as [(String, String?)])
    func uvFirst(architecture: String, wheel: String?) throws {
        let machine = MachineFacts(operatingSystem: .linux, distribution: "debian", distributionVersion: "12", architecture: architecture, language: "en")
        let resolver = Resolver(catalog: try BuiltinFeedPlanTests.catalog(), machine: machine, installed: InstalledProducts(["python3": "3.11.2"]))
        let plan = try resolver.resolve(["blank-django"]).get()
        let stageOf = Dictionary(uniqueKeysWithValues: plan.stages.enumerated().flatMap { index, stage in stage.steps.map { ($0.productId, index) } })
        let uvStage = try #require(stageOf["uv"], "uv is not in the plan on \(architecture)")
        let pipSteps = plan.stepsToInstall.filter { $0.installer?.linux?.kind == .pip }
        #expect(pipSteps.map(\.productId).sorted() == ["django", "gunicorn", "whitenoise"])
        for step in pipSteps {
            #expect(stageOf[step.productId]! > uvStage && step.dependsOn.contains("uv"), "\(step.productId) on \(architecture)")
        }
        let uv = try #require(plan.stepsToInstall.first { $0.productId == "uv" })
        if let wheel {
            #expect(uv.installer?.linux?.kind == .archive)
            let url = try #require(uv.installer?.file?.url)
            #expect(url.hasPrefix("https://files.pythonhosted.org/") && url.hasSuffix(wheel), "\(url)")
            #expect(uv.installer?.file?.sha256?.count == 64)
            #expect(uv.installer?.linux?.destination == "uv")
        } else {
            #expect(uv.installer?.linux?.kind == .command && uv.installer?.file == nil)
        }
    }
}
