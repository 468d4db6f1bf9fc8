import FeedModel
import PaddockXML
import Foundation
import Resolver
import Testing
import TestSupport

/// The feeds WebPIApplicationListTests resolves, read once; an error names the file.
enum WebPIApplicationListFixtures {
    static let appFeed = Result {
        try FeedDocumentReader.read(path: TestPaths.webpiFeeds.appendingPathComponent("microsoft-webpi3-WebApplicationList-2012-03.xml").path)
    }
    static let productFeed = Result {
        try FeedDocumentReader.read(
            path: TestPaths.repository.appendingPathComponent("Tests/ResolverTests/Fixtures/webpi-products-for-applist.xml").path)
    }
    static var readable: Bool { (try? appFeed.get()) != nil && (try? productFeed.get()) != nil }

    @Suite("WebPI application list fixtures")
    struct Check {
        @Test("the fixtures read")
        func read() throws {
            _ = try appFeed.get()
            _ = try productFeed.get()
        }
    }
}

/// WebPI 3's application list of March 2012 (99 gallery applications), resolved for real.
///
/// Its applications depend, through the feed's named sets, on products of WebPI's main feed
/// (WebProductList.xml), which is not available. Without them every application must be
/// explained, naming each missing product and the set it came through; with a stand-in product
/// feed (Fixtures/webpi-products-for-applist.xml) every application must resolve for Windows
/// x64, except those the feeds themselves rule out, named here with their reason.
///
/// The two feeds are read once. When one cannot be read (a missing fixture), the test "the
/// fixtures read" fails with the reader's message, which names the file, and this suite is
/// skipped saying so, instead of a crash of the whole test run.
@Suite(.enabled(if: WebPIApplicationListFixtures.readable, "a fixture did not read: see the test 'the fixtures read'"))
struct WebPIApplicationListTests {
    static var appFeed: Feed { (try? WebPIApplicationListFixtures.appFeed.get()) ?? Feed() }
    static var productFeed: Feed { (try? WebPIApplicationListFixtures.productFeed.get()) ?? Feed() }

    static let applications = appFeed.products.map(\.productId)
    static let defined = Set(applications)

    /// The feed as paddock loads it: applications and their named sets in feed "ms".
    static let appsOnly: InMemoryCatalog = {
        var catalog = InMemoryCatalog()
        catalog.add(feed: "ms", appFeed)
        return catalog
    }()
    static let withProducts: InMemoryCatalog = {
        var catalog = appsOnly
        catalog.add(feed: "products", productFeed)
        return catalog
    }()

    static let linux = MachineFacts(operatingSystem: .linux, architecture: "x86_64", language: "en")
    static let windowsX64 = MachineFacts(operatingSystem: .windows, architecture: "x64", language: "en")
    static let windows7X64 = MachineFacts(operatingSystem: .windows, architecture: "x64", language: "en", windowsVersion: "6.1")

    // MARK: What the application list refers to

    /// Product ids a dependency tree names, following the feed's named sets.
    static func productIds(in expression: DependencyExpression, sets: Set<String> = []) -> [String] {
        switch expression {
        case .product(let requirement): return [requirement.productId]
        case .all(let children), .any(let children): return children.flatMap { productIds(in: $0, sets: sets) }
        case .named(let name):
            guard !sets.contains(name), let set = appFeed.namedDependencies[name] else { return [] }
            return productIds(in: set, sets: sets.union([name]))
        }
    }

    /// Products the applications need (their dependencies and every named set), not defining them.
    static let neededButUndefined: Set<String> = {
        var ids = Set(appFeed.namedDependencies.values.flatMap { productIds(in: $0) })
        ids.formUnion(appFeed.products.compactMap(\.dependency).flatMap { productIds(in: $0) })
        return ids.subtracting(defined)
    }()

    /// Everything the feed refers to without defining: also related products and incompatibilities.
    static let referencedButUndefined: Set<String> = {
        var ids = neededButUndefined
        for product in appFeed.products {
            ids.formUnion(product.relatedProducts)
            ids.formUnion(product.incompatibilities.map(\.productId))
        }
        return ids.subtracting(defined)
    }()

    @Test("the application list refers to 49 products it does not define, and the fixture defines exactly those")
    func theFortyNineProducts() {
        #expect(Self.applications.count == 99)
        #expect(Self.referencedButUndefined.count == 49)
        // 48 are needed through the named sets; MySQL is only a related product of JoomlainSpanish.
        #expect(Self.referencedButUndefined.subtracting(Self.neededButUndefined) == ["MySQL"])
        #expect(Self.neededButUndefined.count == 48)

        let fixtureIds = Self.productFeed.products.map(\.productId)
        #expect(fixtureIds.count == 49)
        #expect(Set(fixtureIds) == Self.referencedButUndefined)
        #expect(Self.productFeed.warnings.isEmpty, "\(Self.productFeed.warnings)")
        for product in Self.productFeed.products {
            #expect(product.version != nil && product.title != nil, "\(product.productId)")
            #expect(!product.installers.isEmpty, "\(product.productId)")
            for installer in product.installers {
                #expect(installer.platform == .windows && installer.languageIds == ["en"], "\(product.productId)")
                #expect(!installer.operatingSystems.isEmpty && !installer.commands.isEmpty, "\(product.productId)")
            }
            // Dependencies stay within the 49.
            for id in product.dependency.map({ Self.productIds(in: $0) }) ?? [] {
                #expect(Self.referencedButUndefined.contains(id), "\(product.productId) -> \(id)")
            }
        }
    }

    // MARK: Without the products: explained

    /// Every set path through which `expression` refers to each undefined product.
    static func missingPaths(_ expression: DependencyExpression, sets: [String] = []) -> [String: Set<[String]>] {
        switch expression {
        case .product(let requirement):
            return defined.contains(requirement.productId) ? [:] : [requirement.productId: [sets]]
        case .all(let children), .any(let children):
            return children.map { missingPaths($0, sets: sets) }.reduce(into: [:]) { $0.merge($1) { $0.union($1) } }
        case .named(let name):
            guard !sets.contains(name), let set = appFeed.namedDependencies[name] else { return [:] }
            return missingPaths(set, sets: sets + [name])
        }
    }

    /// `  - WordPress refers to "IIS60", "FastCGIIIS6" through the sets "PHP53App" -> "IISForPHP"`
    static var referenceLine: Regex<(Substring, Substring, Substring, Substring)> { #/^  - (\S+) refers to ((?:"[^"]+"(?:, )?)+) through the sets? ((?:"[^"]+"(?: -> )?)+)$/# }

    static func quoted(_ text: Substring) -> [String] {
        text.split(separator: "\"", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    @Test("on Linux, without the products, every application is explained, naming each missing product and its set")
    func everyApplicationIsExplainedOnLinux() throws {
        let resolver = Resolver(catalog: Self.appsOnly, machine: Self.linux)
        var namedAnywhere: Set<String> = []
        for application in Self.appFeed.products {
            let id = application.productId
            let failure = try #require(try resolver.resolve([id]).failure, "\(id) resolved on Linux")
            let expected = Self.missingPaths(try #require(application.dependency))
            let lines = failure.message.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(failure.kind == .noInstaller)
            #expect(lines[0].hasPrefix("\"\(id)\" has no installer for linux/x86_64 (its installers are for windows"), "\(id)")
            #expect(lines.count > 2 && lines[1] == "In all, the dependencies of the request refer to \(expected.count) products that no loaded feed defines:", "\(id)")
            var named: [String] = []
            for line in lines.dropFirst(2) {
                guard let match = line.wholeMatch(of: Self.referenceLine) else {
                    Issue.record("\(id): unexpected line \(line)")
                    continue
                }
                #expect(match.output.1 == id)
                let sets = Self.quoted(match.output.3)
                for product in Self.quoted(match.output.2) {
                    named.append(product)
                    #expect(expected[product]?.contains(sets) == true, "\(id): \(product) does not come through \(sets)")
                }
            }
            #expect(named.count == Set(named).count, "\(id): a product is named twice")
            #expect(Set(named) == Set(expected.keys), "\(id)")
            namedAnywhere.formUnion(named)
        }
        // Four sets no application uses hold the other four products: MVC2ASPNET4App
        // (NETFramework45, NETFX4), PHP52_SQL_App and PHP52_MySQL_SQL_App (the SQL Server
        // drivers for PHP 5.2).
        let usedSets = Set(Self.appFeed.products.compactMap(\.dependency).flatMap { Self.setNames(in: $0) })
        #expect(
            Set(Self.appFeed.namedDependencies.keys).subtracting(usedSets) == [
                "ASPNET2App", "MVC2ASPNET4App", "PHP52_MySQL_SQL_App", "PHP52_SQL_App",
            ])
        #expect(
            Self.neededButUndefined.subtracting(namedAnywhere) == [
                "NETFramework45", "NETFX4", "SQLDriverPHP52IIS", "SQLDriverPHP52IISExpress",
            ])
        #expect(namedAnywhere.count == 44)
    }

    /// The named sets a dependency tree goes through.
    static func setNames(in expression: DependencyExpression, sets: Set<String> = []) -> Set<String> {
        switch expression {
        case .product: return []
        case .all(let children), .any(let children): return children.reduce(into: []) { $0.formUnion(setNames(in: $1, sets: sets)) }
        case .named(let name):
            guard !sets.contains(name), let set = appFeed.namedDependencies[name] else { return [name] }
            return setNames(in: set, sets: sets.union([name])).union([name])
        }
    }

    @Test("three Linux explanations, word for word")
    func linuxExplanationsByHand() throws {
        let resolver = Resolver(catalog: Self.appsOnly, machine: Self.linux)
        let installers = "(its installers are for windows >= 5.1.2.0 or <= 5.0.0.0 or >= 6.0.1.0)"
        #expect(
            try resolver.resolve(["WordPress"]).failure?.message == """
                "WordPress" has no installer for linux/x86_64 \(installers).
                In all, the dependencies of the request refer to 26 products that no loaded feed defines:
                  - WordPress refers to "IIS60", "FastCGIIIS6", "StaticContent", "DefaultDocument", "DirectoryBrowse", "HTTPErrors", "HTTPLogging", "LoggingTools", "RequestMonitor", "RequestFiltering", "StaticContentCompression", "IISManagementConsole", "CGI", "UrlRewrite2", "UrlRewrite", "UrlRewrite10", "UrlRewrite2Beta" through the sets "PHP53App" -> "IISForPHP"
                  - WordPress refers to "PHP53", "WinCache53", "WebMatrix", "WebMatrix_appdetect", "PHP53ForIISExpress", "WDeployNOSMO", "WDeploy_v2", "WDeploy" through the set "PHP53App"
                  - WordPress refers to "MySQLConnector" through the set "MySQLApp"
                """)
        #expect(
            try resolver.resolve(["DotNetNuke_IIS"]).failure?.message == """
                "DotNetNuke_IIS" has no installer for linux/x86_64 \(installers).
                In all, the dependencies of the request refer to 20 products that no loaded feed defines:
                  - DotNetNuke_IIS refers to "NETFramework35", "IIS51", "IIS60", "StaticContent", "DefaultDocument", "DirectoryBrowse", "HTTPErrors", "HTTPLogging", "LoggingTools", "RequestMonitor", "RequestFiltering", "StaticContentCompression", "IISManagementConsole", "ASPNET", "NETExtensibility", "ISAPIFilters", "ISAPIExtensions", "SMO", "WDeploy_v2", "WDeploy" through the set "SQL_ASPNET35App_IIS"
                """)
        // MVC3App and SQL_ASPNET4App share IISForASPNET, WebMatrix and Web Deploy: each is named once.
        #expect(
            try resolver.resolve(["nopCommerce"]).failure?.message == """
                "nopCommerce" has no installer for linux/x86_64 \(installers).
                In all, the dependencies of the request refer to 25 products that no loaded feed defines:
                  - nopCommerce refers to "NETFramework4", "SMO", "WebMatrix", "WebMatrix_appdetect", "SMO32", "WDeployNOSMO", "WDeploy_v2", "WDeploy" through the set "SQL_ASPNET4App"
                  - nopCommerce refers to "IIS51", "IIS60", "StaticContent", "DefaultDocument", "DirectoryBrowse", "HTTPErrors", "HTTPLogging", "LoggingTools", "RequestMonitor", "RequestFiltering", "StaticContentCompression", "IISManagementConsole", "ASPNET", "NETExtensibility", "ISAPIFilters", "ISAPIExtensions" through the sets "SQL_ASPNET4App" -> "IISForASPNET"
                  - nopCommerce refers to "MVC3" through the set "MVC3App"
                """)
    }

    @Test("on Windows, without the products, the cause names the first missing product and the list follows")
    func windowsWithoutProducts() throws {
        let resolver = Resolver(catalog: Self.appsOnly, machine: Self.windowsX64)
        let failure = try resolver.resolve(["CMSaspNET"]).failure
        #expect(failure?.kind == .unknownProduct)
        #expect(
            failure?.message == """
                CMSaspNET needs "NETFramework4" through the set "ASPNET4App", and no loaded feed defines "NETFramework4".
                In all, the dependencies of the request refer to 22 products that no loaded feed defines:
                  - CMSaspNET refers to "NETFramework4", "WebMatrix", "WebMatrix_appdetect", "WDeployNOSMO", "WDeploy_v2", "WDeploy" through the set "ASPNET4App"
                  - CMSaspNET refers to "IIS51", "IIS60", "StaticContent", "DefaultDocument", "DirectoryBrowse", "HTTPErrors", "HTTPLogging", "LoggingTools", "RequestMonitor", "RequestFiltering", "StaticContentCompression", "IISManagementConsole", "ASPNET", "NETExtensibility", "ISAPIFilters", "ISAPIExtensions" through the sets "ASPNET4App" -> "IISForASPNET"
                """)
    }

    // MARK: With the products: planned for Windows x64

    /// Resolves every application; returns the plans and, for the others, the explanation.
    static func resolveAll(on machine: MachineFacts) throws -> (plans: [String: InstallPlan], ruledOut: [String: String]) {
        let resolver = Resolver(catalog: withProducts, machine: machine)
        var plans: [String: InstallPlan] = [:]
        var ruledOut: [String: String] = [:]
        for id in applications {
            switch try resolver.resolve([id]) {
            case .success(let plan): plans[id] = plan
            case .failure(let failure): ruledOut[id] = failure.message
            }
        }
        return (plans, ruledOut)
    }

    /// What every plan must be: the application last and alone, every step with an installer that
    /// runs on the machine, every product from the feed that defines it, each once.
    static func checkPlan(_ plan: InstallPlan, for id: String, on machine: MachineFacts) {
        #expect(plan.requested == [id])
        #expect(plan.stages.last?.steps.map(\.productId) == [id])
        let ids = plan.steps.map(\.productId)
        #expect(ids.count == Set(ids).count, "\(id): \(ids)")
        for step in plan.steps {
            #expect(!step.alreadyInstalled)
            #expect(step.feed == (step.productId == id ? "ms" : "products"), "\(id): \(step.productId)")
            guard let installer = step.installer else {
                Issue.record("\(id): \(step.productId) has no installer")
                continue
            }
            #expect(InstallerSelection.isApplicable(installer, on: machine), "\(id): \(step.productId)")
        }
        // Stages respect dependencies.
        let stageOf = Dictionary(uniqueKeysWithValues: plan.stages.enumerated().flatMap { index, stage in stage.steps.map { ($0.productId, index) } })
        for step in plan.steps {
            for needed in step.dependsOn { #expect(stageOf[needed]! < stageOf[step.productId]!, "\(id): \(step.productId) before \(needed)") }
        }
    }

    /// SQL_ASPNET35App_IIS requires IIS 5.1 *and* IIS 6.0 *and* the IIS 7 features (an `and`
    /// where IISForASPNET has an `or`); IIS 5.1 only ever existed for 32-bit Windows XP.
    static func needsIIS51(_ app: String, _ machine: String) -> String {
        "\(app) needs IIS51 through the set \"SQL_ASPNET35App_IIS\"; \"IIS51\" has no installer for \(machine) (its installers are for windows/x86 5.1.2.0 to 5.1.3.0); so \(app) cannot be installed here."
    }

    @Test("with the products, every application resolves on Windows x64 but the two the feed rules out")
    func everyApplicationResolvesOnWindowsX64() throws {
        let (plans, ruledOut) = try Self.resolveAll(on: Self.windowsX64)
        #expect(plans.count == 97)
        #expect(
            ruledOut == [
                "DotNetNuke_IIS": Self.needsIIS51("DotNetNuke_IIS", "windows/x86_64"),
                "DotNetNukePro_IIS": Self.needsIIS51("DotNetNukePro_IIS", "windows/x86_64"),
            ])
        for (id, plan) in plans { Self.checkPlan(plan, for: id, on: Self.windowsX64) }
    }

    @Test("on Windows 7 x64 (6.1) the IIS 6.0-only application is ruled out too")
    func everyApplicationResolvesOnWindows7X64() throws {
        let (plans, ruledOut) = try Self.resolveAll(on: Self.windows7X64)
        #expect(plans.count == 96)
        #expect(
            ruledOut == [
                "DotNetNuke_IIS": Self.needsIIS51("DotNetNuke_IIS", "windows 6.1/x86_64"),
                "DotNetNukePro_IIS": Self.needsIIS51("DotNetNukePro_IIS", "windows 6.1/x86_64"),
                // PHP53App_IIS requires IIS 6.0 with FastCGI *and* the IIS 7 features.
                "phpwind_IIS":
                    "phpwind_IIS needs IIS60 through the set \"PHP53App_IIS\"; \"IIS60\" has no installer for windows 6.1/x86_64 (its installers are for windows/x86|x86_64 5.2.0.0 to 5.2.2.0); so phpwind_IIS cannot be installed here.",
            ])
        for (id, plan) in plans { Self.checkPlan(plan, for: id, on: Self.windows7X64) }
        // Where the Windows version is known, no plan mixes IIS 6.0 with IIS 7.
        #expect(plans.values.allSatisfy { $0.step(for: "IIS60") == nil && $0.step(for: "IIS51") == nil })
    }

    static func stages(_ plan: InstallPlan?) -> [[String]] { plan?.stages.map { $0.steps.map(\.productId) } ?? [] }

    /// The installer file a step would download, for the ones that download one.
    static func installerURL(_ plan: InstallPlan?, _ id: String) -> String? { plan?.step(for: id)?.installer?.file?.url }

    @Test("plans checked by hand, Windows x64 of unknown version")
    func plansByHandOnWindowsX64() throws {
        let resolver = Resolver(catalog: Self.withProducts, machine: Self.windowsX64)

        // PHP53App's first branch is IISForPHP, whose first branch is IIS 6.0 with FastCGI (the
        // Windows version is unknown, so nothing rules IIS 6.0 out); PHP 5.3 then runs through
        // FastCGI, WinCache after it; Web Deploy without SMO is the first Web Deploy; MySQLApp
        // brings the MySQL connector.
        let wordPress = try resolver.resolve(["WordPress"]).plan
        #expect(
            Self.stages(wordPress) == [
                ["IIS60", "MySQLConnector", "WDeployNOSMO"], ["FastCGIIIS6"], ["PHP53"], ["WinCache53"], ["WordPress"],
            ])
        #expect(wordPress?.step(for: "PHP53")?.dependsOn == ["FastCGIIIS6"])
        #expect(wordPress?.step(for: "PHP53")?.version == "5.3.10")
        #expect(wordPress?.step(for: "WordPress")?.dependsOn == ["IIS60", "FastCGIIIS6", "PHP53", "WinCache53", "WDeployNOSMO", "MySQLConnector"])
        #expect(Self.installerURL(wordPress, "FastCGIIIS6")?.hasSuffix("fcgisetup_1.5_rtw_x64.msi") == true)
        #expect(Self.installerURL(wordPress, "WDeployNOSMO")?.hasSuffix("WebDeploy_2_10_amd64_en-US.msi") == true)
        #expect(wordPress?.why("WinCache53") == [["WordPress", "WinCache53"]])

        // MVCApp brings MVC 1.0 on .NET 3.5; SQL_ASPNET4App brings .NET 4 and SMO: both .NET Frameworks.
        let dotNetAge = try resolver.resolve(["DotNetAge"]).plan
        #expect(
            Self.stages(dotNetAge) == [
                ["IIS60", "NETFramework35", "NETFramework4", "SMO", "WDeployNOSMO"], ["MVC"], ["DotNetAge"],
            ])
        #expect(dotNetAge?.step(for: "MVC")?.dependsOn == ["NETFramework35"])
        #expect(Self.installerURL(dotNetAge, "SMO")?.hasSuffix("/x64/SharedManagementObjects.msi") == true)

        // SQL_ASPNET2App: .NET 2.0 SP2 (its x64 build), IIS 6.0 and SMO.
        let subtext = try resolver.resolve(["Subtext"]).plan
        #expect(Self.stages(subtext) == [["IIS60", "SMO", "WDeployNOSMO", "netframework20sp2"], ["Subtext"]])
        #expect(Self.installerURL(subtext, "netframework20sp2")?.hasSuffix("NetFx20SP2_x64.exe") == true)
    }

    static let iis7Core = [
        "DefaultDocument", "DirectoryBrowse", "HTTPErrors", "HTTPLogging", "IISManagementConsole", "LoggingTools",
        "RequestFiltering", "RequestMonitor", "StaticContent", "StaticContentCompression",
    ]

    @Test("plans checked by hand, Windows 7 x64")
    func plansByHandOnWindows7X64() throws {
        let resolver = Resolver(catalog: Self.withProducts, machine: Self.windows7X64)

        // IIS 6.0 is ruled out, so IISForPHP takes the IIS 7 branch: the core features, CGI and
        // URL Rewrite 2.0 (the first rewrite module); PHP 5.3 then runs through CGI.
        let wordPress = try resolver.resolve(["WordPress"]).plan
        #expect(
            Self.stages(wordPress) == [
                (["CGI"] + Self.iis7Core + ["MySQLConnector", "UrlRewrite2", "WDeployNOSMO"]).sorted(), ["PHP53"], ["WinCache53"], ["WordPress"],
            ])
        #expect(wordPress?.step(for: "PHP53")?.dependsOn == ["CGI"])
        // IIS 7 features are turned on with dism on Windows 7 (pkgmgr is for Vista and 2008).
        guard case .commandLine(let exe, let arguments, _)? = wordPress?.step(for: "StaticContent")?.installer?.commands.first else {
            Issue.record("StaticContent: no command line")
            return
        }
        #expect(exe == "%windir%\\system32\\dism.exe")
        #expect(arguments == "/online /enable-feature /featurename:IIS-StaticContent /norestart")

        // IISForASPNET's IIS 7 branch: ASP.NET after the ISAPI and .NET extensibility features.
        let umbraco = try resolver.resolve(["UmbracoCMS5"]).plan
        #expect(
            Self.stages(umbraco) == [
                (Self.iis7Core + ["ISAPIExtensions", "ISAPIFilters", "NETExtensibility", "NETFramework4", "SMO", "WDeployNOSMO"]).sorted(),
                ["ASPNET", "MVC3"], ["UmbracoCMS5"],
            ])
        #expect(umbraco?.step(for: "ASPNET")?.dependsOn == ["NETExtensibility", "ISAPIFilters", "ISAPIExtensions"])
        #expect(umbraco?.step(for: "MVC3")?.dependsOn == ["NETFramework4"])
    }
}
