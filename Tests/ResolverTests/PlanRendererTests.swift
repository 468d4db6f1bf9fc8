import FeedModel
import Resolver
import Testing

@Suite struct PlanRendererTests {
    typealias F = Fixtures

    private func blankDjangoPlan() throws -> InstallPlan {
        let catalog = F.catalog([
            F.product("blank-django", "1.0", needs: .all([F.needs("django"), F.needs("python3", ">=3.10")])),
            F.product("django", "4.2", needs: .all([F.needs("python3"), F.needs("sqlparse")])),
            F.product("sqlparse", "0.5", installers: [F.linuxInstaller(sizeKB: nil)]),
            F.product("python3", "3.12"),
        ])
        return try Resolver(catalog: catalog, machine: F.linux, installed: InstalledProducts(["python3": "3.11"]))
            .plan(for: [ProductRequirement("blank-django")])
    }

    @Test func rendersATreeMarkingWhatIsInstalled() throws {
        let text = PlanRenderer.render(try blankDjangoPlan())
        #expect(
            text == """
                blank-django 1.0 [feed zoo]
                ├─ django 4.2 [feed zoo]
                │  ├─ ✓ python3 3.11 (installed)
                │  └─ sqlparse 0.5 [feed zoo]
                └─ ✓ python3 3.11 (installed)
                3 to install in 3 stage(s), 200 KB to download (+1 of unknown size)
                """)
    }

    @Test func answersWhy() throws {
        let plan = try blankDjangoPlan()
        #expect(PlanRenderer.renderWhy("sqlparse", in: plan) == "sqlparse is needed by blank-django -> django -> sqlparse")
        #expect(PlanRenderer.renderWhy("blank-django", in: plan) == "blank-django was requested")
        #expect(PlanRenderer.renderWhy("nginx", in: plan) == "nginx is not needed by blank-django: nothing they need pulls it in")
        #expect(plan.why("python3") == [["blank-django", "python3"]])
    }

    @Test func marksRepeatedSubtrees() throws {
        let catalog = F.catalog([
            F.product("app", needs: .all([F.needs("a"), F.needs("b")])),
            F.product("a", needs: F.needs("lib")), F.product("b", needs: F.needs("lib")),
            F.product("lib", needs: F.needs("base")), F.product("base"),
        ])
        let text = PlanRenderer.render(try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("app")]))
        #expect(
            text == """
                app 1.0 [feed zoo]
                ├─ a 1.0 [feed zoo]
                │  └─ lib 1.0 [feed zoo]
                │     └─ base 1.0 [feed zoo]
                └─ b 1.0 [feed zoo]
                   └─ lib 1.0 [feed zoo] (see above)
                5 to install in 4 stage(s), 500 KB to download
                """)
    }
}
