import FeedModel
import Resolver
import Testing
import TestSupport

@Suite struct ResolverSemanticsTests {
    typealias F = Fixtures

    private func ids(_ plan: InstallPlan?) -> [String] { plan?.steps.map(\.productId) ?? ["<failed>"] }

    @Test func followsAndTreesInDependencyOrder() throws {
        let catalog = F.catalog([
            F.product("app", needs: .all([F.needs("web"), F.needs("db")])),
            F.product("web", needs: F.needs("runtime")),
            F.product("db", needs: F.needs("runtime")),
            F.product("runtime", needs: nil),
            F.product("unrelated"),
        ])
        let plan = try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("app")])
        #expect(plan.stages.map { $0.steps.map(\.productId) } == [["runtime"], ["db", "web"], ["app"]])
        #expect(plan.step(for: "runtime")?.why == [["app", "web", "runtime"]])
        #expect(plan.step(for: "db")?.requestedBy == ["app"])
        #expect(plan.step(for: "app")?.dependsOn == ["web", "db"])
    }

    @Test func installedProductsSatisfyAndAreNotReinstalled() throws {
        let catalog = F.catalog([
            F.product("app", needs: F.needs("python3", ">=3.10")),
            F.product("python3", "3.12"),
        ])
        let installed = InstalledProducts(["python3": "3.11"])
        let plan = try Resolver(catalog: catalog, machine: F.linux, installed: installed).plan(for: [ProductRequirement("app")])
        let python = try #require(plan.step(for: "python3"))
        #expect(python.alreadyInstalled)
        #expect(python.version == "3.11")
        #expect(python.feed == nil)
        #expect(plan.stepsToInstall.map(\.productId) == ["app"])
    }

    @Test func orPrefersAnInstalledBranchThenFeedOrder() throws {
        let catalog = F.catalog([
            F.product("app", needs: .any([F.needs("mysql"), F.needs("sqlite"), F.needs("postgres")])),
            F.product("mysql"), F.product("sqlite"), F.product("postgres"),
        ])
        let fresh = try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("app")])
        #expect(ids(fresh) == ["mysql", "app"])
        let withPostgres = try Resolver(catalog: catalog, machine: F.linux, installed: InstalledProducts(["postgres": "16"]))
            .plan(for: [ProductRequirement("app")])
        #expect(ids(withPostgres) == ["postgres", "app"])
        #expect(withPostgres.step(for: "postgres")?.alreadyInstalled == true)
    }

    @Test func orSkipsABranchWithNoInstallerForThisMachine() throws {
        let catalog = F.catalog([
            F.product("app", needs: .any([F.needs("iis"), F.needs("nginx")])),
            F.product("iis", installers: [F.windowsInstaller()]),
            F.product("nginx"),
        ])
        let plan = try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("app")])
        #expect(ids(plan) == ["nginx", "app"])
        // On Windows it is the other way round; app itself is Linux-only there.
        #expect(try Resolver(catalog: catalog, machine: F.windows).resolve(["iis"]).plan != nil)
        #expect(try Resolver(catalog: catalog, machine: F.windows).resolve(["nginx"]).failure?.kind == .noInstaller)
    }

    @Test func picksTheVersionTheConstraintsAllow() throws {
        let catalog = F.catalog([
            F.product("app", needs: .all([F.needs("lib", ">=2"), F.needs("tool")])),
            F.product("tool", needs: F.needs("lib", "<3")),
            F.product("lib", "3.1"), F.product("lib", "2.5"), F.product("lib", "1.0"),
        ])
        let plan = try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("app")])
        #expect(plan.step(for: "lib")?.version == "2.5")
        #expect(plan.steps.filter { $0.productId == "lib" }.count == 1)
    }

    @Test func backtracksThroughOrAndIncompatibilities() throws {
        // The preferred branch (a) is incompatible with something required later: the search must
        // undo that choice and take b.
        let catalog = F.catalog([
            F.product("app", needs: .all([.any([F.needs("a"), F.needs("b")]), F.needs("c")])),
            F.product("a", incompatibleWith: [ProductRequirement("d")]),
            F.product("b"),
            F.product("c", needs: F.needs("d")),
            F.product("d"),
        ])
        let plan = try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("app")])
        #expect(ids(plan).sorted() == ["app", "b", "c", "d"])
    }

    @Test func incompatibilityWorksInBothDirections() throws {
        let catalog = F.catalog([
            F.product("x", needs: .any([F.needs("a"), F.needs("b")])),
            F.product("a"), F.product("b"),
            F.product("y", incompatibleWith: [ProductRequirement("a")]),
        ])
        let plan = try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("y"), ProductRequirement("x")])
        #expect(ids(plan).sorted() == ["b", "x", "y"])
    }

    @Test func namedSetsReferringToSets() throws {
        let catalog = F.catalog(
            [F.product("wordpress", needs: .named("PHPApp")), F.product("php"), F.product("mysql")],
            sets: ["PHPApp": .all([.named("PHP"), F.needs("mysql")]), "PHP": F.needs("php")])
        let plan = try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("wordpress")])
        #expect(ids(plan).sorted() == ["mysql", "php", "wordpress"])
    }

    @Test func stepsCarryInstallerScopeAndSize() throws {
        let catalog = F.catalog([
            F.product("app", installers: [F.windowsInstaller(), F.linuxInstaller(scope: .system, sizeKB: nil, id: "deb")])
        ])
        let step = try #require(try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("app")]).step(for: "app"))
        #expect(step.installerIndex == 1)
        #expect(step.installer?.id == "deb")
        #expect(step.scope == .system)
        #expect(step.downloadSizeKB == nil)
        #expect(step.feed == "zoo")
    }

    @Test func avoidsACycleWhenAnotherBranchWorks() throws {
        let catalog = F.catalog([
            F.product("A", needs: .any([F.needs("B"), F.needs("C")])),
            F.product("B", needs: F.needs("A")),
            F.product("C"),
        ])
        let plan = try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("A")])
        #expect(ids(plan) == ["C", "A"])
    }

    @Test func installedProductsBreakCycles() throws {
        let catalog = F.catalog([F.product("A", needs: F.needs("B")), F.product("B", needs: F.needs("A"))])
        let plan = try Resolver(catalog: catalog, machine: F.linux, installed: InstalledProducts(["B": "1.0"]))
            .plan(for: [ProductRequirement("A")])
        #expect(ids(plan) == ["B", "A"])
    }

    @Test func planIsDeterministic() throws {
        let catalog = F.catalog([
            F.product("app", needs: .all([F.needs("b"), F.needs("a"), F.needs("c")])),
            F.product("a", needs: F.needs("c")), F.product("b", needs: F.needs("c")), F.product("c"),
        ])
        let resolver = Resolver(catalog: catalog, machine: F.linux)
        let first = try resolver.plan(for: [ProductRequirement("app")])
        for _ in 0..<5 { #expect(try resolver.plan(for: [ProductRequirement("app")]) == first) }
    }

    @Test func requestWithAConstraint() throws {
        let catalog = F.catalog([F.product("python3", "3.12"), F.product("python3", "3.9")])
        let plan = try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("python3", constraint: "<3.10")])
        #expect(plan.step(for: "python3")?.version == "3.9")
    }

    @Test func laterFeedsAreLessPreferred() throws {
        var catalog = InMemoryCatalog()
        catalog.add(feed: "main", products: [F.product("tool", "1.0")])
        catalog.add(feed: "extra", products: [F.product("tool", "2.0")])
        let plan = try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("tool")])
        #expect(plan.step(for: "tool")?.feed == "main")
        let newer = try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("tool", constraint: ">=2")])
        #expect(newer.step(for: "tool")?.feed == "extra")
    }

    @Test func requestingAnInstalledProductInstallsNothing() throws {
        let catalog = F.catalog([F.product("python3", "3.12")])
        let plan = try Resolver(catalog: catalog, machine: F.linux, installed: InstalledProducts(["python3": "3.11"]))
            .plan(for: [ProductRequirement("python3")])
        #expect(plan.stepsToInstall.isEmpty)
        #expect(plan.steps.map(\.productId) == ["python3"])
        #expect(plan.step(for: "python3")?.alreadyInstalled == true)
    }

    @Test func anInstalledProductOfUnknownVersionOnlyMeetsUnversionedNeeds() throws {
        var installed = InstalledProducts()
        installed.add("python3", version: nil)
        let catalog = F.catalog([
            F.product("any-python", needs: F.needs("python3")),
            F.product("new-python", needs: F.needs("python3", ">=3.10")),
        ])
        let resolver = Resolver(catalog: catalog, machine: F.linux, installed: installed)
        #expect(try resolver.resolve(["any-python"]).plan?.stepsToInstall.map(\.productId) == ["any-python"])
        #expect(
            try resolver.resolve(["new-python"]).failure?.message
                == "new-python needs python3 >= 3.10; the installed python3 is of an unknown version (paddock does not replace installed products); so new-python cannot be installed here.")
    }

    @Test func whyListsEveryRequestThatNeedsAProduct() throws {
        let catalog = F.catalog([
            F.product("blog", needs: F.needs("php")), F.product("wiki", needs: F.needs("cms")),
            F.product("cms", needs: F.needs("php")), F.product("php"),
        ])
        let plan = try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("blog"), ProductRequirement("wiki")])
        #expect(plan.why("php") == [["blog", "php"], ["wiki", "cms", "php"]])
        #expect(plan.step(for: "php")?.requestedBy == ["blog", "wiki"])
        #expect(plan.requested == ["blog", "wiki"])
    }

    @Test func windowsMachineUsesWebPIInstallersAndLanguages() throws {
        let catalog = F.catalog([
            F.product(
                "iis",
                installers: [
                    F.linuxInstaller(), F.windowsInstaller(architectures: ["x86"], id: "x86"),
                    F.windowsInstaller(architectures: ["x64"], languages: ["de"], id: "de"),
                    F.windowsInstaller(architectures: ["x64"], languages: ["en"], id: "en"),
                ])
        ])
        let german = MachineFacts(operatingSystem: .windows, architecture: "x64", language: "de")
        #expect(try Resolver(catalog: catalog, machine: german).plan(for: [ProductRequirement("iis")]).step(for: "iis")?.installer?.id == "de")
        let french = MachineFacts(operatingSystem: .windows, architecture: "x64", language: "fr")
        let step = try #require(try Resolver(catalog: catalog, machine: french).plan(for: [ProductRequirement("iis")]).step(for: "iis"))
        #expect(step.installer?.id == "en")
        #expect(step.scope == nil)
    }

    @Test func jsonWritesNullForUnknownValues() throws {
        let catalog = F.catalog([F.product("app", installers: [F.linuxInstaller(sizeKB: nil)])])
        let plan = try Resolver(catalog: catalog, machine: F.linux, installed: InstalledProducts(["lib": nil]))
            .plan(for: [ProductRequirement("app"), ProductRequirement("lib")])
        let json = try JSONText.encode(plan)
        #expect(json.contains("\"downloadSizeKB\":null"))
        #expect(json.contains("\"feed\":null"))
        #expect(json.contains("\"version\":null"))
    }

    @Test func jsonUsesStableKeys() throws {
        let catalog = F.catalog([F.product("app")])
        let plan = try Resolver(catalog: catalog, machine: F.linux).plan(for: [ProductRequirement("app")])
        let json = try JSONText.encode(plan)
        for key in ["\"requested\"", "\"stages\"", "\"steps\"", "\"productId\"", "\"alreadyInstalled\"", "\"why\"", "\"downloadSizeKB\"", "\"scope\""] {
            #expect(json.contains(key), "missing \(key)")
        }
        #expect(try JSONText.decode(InstallPlan.self, json) == plan)
    }
}
