import FeedModel
import Resolver
import Testing
import TestSupport

/// Every explanation is checked word for word: these sentences are what a user reads.
@Suite struct ExplanationTests {
    typealias F = Fixtures

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var catalog: InMemoryCatalog
        var installed = InstalledProducts()
        var machine = Fixtures.linux
        var request: [ProductRequirement]
        var kind: ResolutionFailure.Kind
        var message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "unknown requested product, with did-you-mean",
            catalog: F.catalog([F.product("django"), F.product("drupal")]),
            request: [ProductRequirement("djnago")], kind: .unknownProduct,
            message: "no loaded feed defines \"djnago\"; did you mean \"django\"?"),
        Case(
            name: "unknown product with nothing close",
            catalog: F.catalog([F.product("django")]),
            request: [ProductRequirement("nginx")], kind: .unknownProduct,
            message: "no loaded feed defines \"nginx\"."),
        Case(
            name: "unknown dependency",
            catalog: F.catalog([F.product("blank-django", needs: F.needs("pyton")), F.product("python")]),
            request: [ProductRequirement("blank-django")], kind: .unknownProduct,
            message: "blank-django needs \"pyton\", and no loaded feed defines \"pyton\"; did you mean \"python\"?"),
        Case(
            name: "no installer for this platform",
            catalog: F.catalog([F.product("X", installers: [F.windowsInstaller()])]),
            request: [ProductRequirement("X")], kind: .noInstaller,
            message: "\"X\" has no installer for linux/x86_64 (its installers are for windows)."),
        Case(
            name: "no installer for this Windows version",
            catalog: F.catalog([F.product("IIS7", installers: [F.windowsInstaller(architectures: ["x64"], os: [OperatingSystemSpec(minimumVersion: "6.1")])])]),
            machine: MachineFacts(operatingSystem: .windows, architecture: "x64", windowsVersion: "6.0"),
            request: [ProductRequirement("IIS7")], kind: .noInstaller,
            message: "\"IIS7\" has no installer for windows 6.0/x86_64 (its installers are for windows/x86_64 >= 6.1)."),
        Case(
            name: "no installer, reached through a dependency",
            catalog: F.catalog([
                F.product("site", needs: F.needs("X")),
                F.product("X", installers: [F.linuxInstaller(architectures: ["aarch64"])]),
            ]),
            request: [ProductRequirement("site")], kind: .noInstaller,
            message: "site needs X; \"X\" has no installer for linux/x86_64 (its installers are for linux/aarch64); so site cannot be installed here."),
        Case(
            name: "no installer at all",
            catalog: F.catalog([F.product("X", installers: [])]),
            request: [ProductRequirement("X")], kind: .noInstaller,
            message: "\"X\" has no installer for linux/x86_64 (it lists no installers)."),
        Case(
            name: "only an older version",
            catalog: F.catalog([F.product("blank-django", needs: F.needs("python", ">=3.10")), F.product("python", "3.9")]),
            request: [ProductRequirement("blank-django")], kind: .noMatchingVersion,
            message: "blank-django needs python >= 3.10; the only python for linux/x86_64 in feed 'zoo' is 3.9; so blank-django cannot be installed here."),
        Case(
            name: "several versions, none matching",
            catalog: F.catalog([
                F.product("app", needs: F.needs("php", ">=5.2,<6")), F.product("php", "7.4"), F.product("php", "5.1"),
            ]),
            request: [ProductRequirement("app")], kind: .noMatchingVersion,
            message: "app needs php >= 5.2, < 6; the versions of php for linux/x86_64 are 7.4, 5.1 in feed 'zoo'; so app cannot be installed here."),
        Case(
            name: "two dependents wanting incompatible versions",
            catalog: F.catalog([
                F.product("blank-django", needs: F.needs("python", ">=3.10")),
                F.product("legacy-tool", needs: F.needs("python", "<3.10")),
                F.product("python", "3.12"), F.product("python", "3.9"),
            ]),
            request: [ProductRequirement("blank-django"), ProductRequirement("legacy-tool")], kind: .noMatchingVersion,
            message: "blank-django needs python >= 3.10 and legacy-tool needs python < 3.10; no version of python satisfies both, and only one can be installed."),
        Case(
            name: "installed version too old",
            catalog: F.catalog([F.product("blank-django", needs: F.needs("python", ">=3.10")), F.product("python", "3.12")]),
            installed: InstalledProducts(["python": "3.9"]),
            request: [ProductRequirement("blank-django")], kind: .installedVersionMismatch,
            message: "blank-django needs python >= 3.10; the installed python is 3.9 (paddock does not replace installed products); so blank-django cannot be installed here."),
        Case(
            name: "incompatible with an installed product",
            catalog: F.catalog([F.product("mod_php", incompatibleWith: [ProductRequirement("php-fpm")])]),
            installed: InstalledProducts(["php-fpm": "8.2"]),
            request: [ProductRequirement("mod_php")], kind: .incompatible,
            message: "mod_php 1.0 is incompatible with the installed php-fpm 8.2."),
        Case(
            name: "an installed product declares the incompatibility",
            catalog: F.catalog([
                F.product("site", needs: F.needs("mod_php")), F.product("mod_php"),
                F.product("php-fpm", "8.2", incompatibleWith: [ProductRequirement("mod_php")]),
            ]),
            installed: InstalledProducts(["php-fpm": "8.2"]),
            request: [ProductRequirement("site")], kind: .incompatible,
            message: "site needs mod_php; the installed php-fpm 8.2 is incompatible with mod_php 1.0; so site cannot be installed here."),
        Case(
            name: "two required products that are incompatible",
            catalog: F.catalog([
                F.product("shop", needs: .all([F.needs("apache"), F.needs("cms")])),
                F.product("cms", needs: F.needs("nginx")),
                F.product("apache", incompatibleWith: [ProductRequirement("nginx")]), F.product("nginx"),
            ]),
            request: [ProductRequirement("shop")], kind: .incompatible,
            message: "shop needs apache and cms needs nginx, but apache 1.0 is incompatible with nginx 1.0."),
        Case(
            name: "a cycle",
            catalog: F.catalog([
                F.product("A", needs: F.needs("B")), F.product("B", needs: F.needs("C")), F.product("C", needs: F.needs("A")),
            ]),
            request: [ProductRequirement("A")], kind: .cycle,
            message: "there is a dependency cycle: A -> B -> C -> A."),
        Case(
            name: "an or whose every branch fails",
            catalog: F.catalog([
                F.product("app", needs: .any([F.needs("mysql", ">=8"), F.needs("mssql"), F.needs("sqlite")])),
                F.product("mysql", "5.7"), F.product("mssql", installers: [F.windowsInstaller()]),
            ]),
            request: [ProductRequirement("app")], kind: .noBranch,
            message: """
                app needs one of mysql >= 8, mssql, sqlite, and none can be installed:
                  - mysql >= 8: the only mysql for linux/x86_64 in feed 'zoo' is 5.7
                  - "mssql" has no installer for linux/x86_64 (its installers are for windows)
                  - no loaded feed defines "sqlite"
                so app cannot be installed here.
                """),
        Case(
            name: "a missing product reached through a named set",
            catalog: F.catalog([F.product("WordPress", needs: .named("PHPApp"))], sets: ["PHPApp": F.needs("PHP52")]),
            request: [ProductRequirement("WordPress")], kind: .unknownProduct,
            message: "WordPress needs \"PHP52\" through the set \"PHPApp\", and no loaded feed defines \"PHP52\"."),
        Case(
            name: "a missing product through nested sets",
            catalog: F.catalog(
                [F.product("WordPress", needs: .named("PHPApp"))],
                sets: ["PHPApp": .all([.named("PHP")]), "PHP": F.needs("PHP52")]),
            request: [ProductRequirement("WordPress")], kind: .unknownProduct,
            message: "WordPress needs \"PHP52\" through the sets \"PHPApp\" -> \"PHP\", and no loaded feed defines \"PHP52\"."),
        Case(
            name: "an unknown set",
            catalog: F.catalog([F.product("WordPress", needs: .named("PHPApp"))]),
            request: [ProductRequirement("WordPress")], kind: .unknownSet,
            message: "WordPress needs the set \"PHPApp\"; no loaded feed defines a set \"PHPApp\"; so WordPress cannot be installed here."),
        Case(
            name: "sets that refer to each other",
            catalog: F.catalog([F.product("app", needs: .named("A"))], sets: ["A": .named("B"), "B": .named("A")]),
            request: [ProductRequirement("app")], kind: .cycle,
            message: "app needs the set \"A\"; the set \"A\" refers to itself: \"A\" -> \"B\" -> \"A\"; so app cannot be installed here."),
        Case(
            name: "a chain two levels deep",
            catalog: F.catalog([
                F.product("site", needs: F.needs("cms")), F.product("cms", needs: F.needs("php", ">=8")),
                F.product("php", "7.4"),
            ]),
            request: [ProductRequirement("site")], kind: .noMatchingVersion,
            message: "site needs cms; cms needs php >= 8; the only php for linux/x86_64 in feed 'zoo' is 7.4; so cms cannot be installed here; so site cannot be installed here."),
        Case(
            name: "invalid constraint in a feed",
            catalog: F.catalog([F.product("app", needs: F.needs("php", "=>5")), F.product("php")]),
            request: [ProductRequirement("app")], kind: .invalidConstraint,
            message: "app needs php =>5; invalid version constraint \"=>5\": unknown operator \"=>\" (use >=, <=, >, <, ==, !=, ~=); so app cannot be installed here."),
        Case(
            name: "requested version not available",
            catalog: F.catalog([F.product("python", "3.9")]),
            request: [ProductRequirement("python", constraint: ">=3.10")], kind: .noMatchingVersion,
            message: "python >= 3.10 was requested; the only python for linux/x86_64 in feed 'zoo' is 3.9."),
        Case(
            name: "every version of a dependency fails for its own reason",
            catalog: F.catalog([
                F.product("app", needs: F.needs("lib")),
                F.product("lib", "2.0", needs: F.needs("missing")),
                F.product("lib", "1.0", incompatibleWith: [ProductRequirement("z")]),
            ]),
            installed: InstalledProducts(["z": "1.0"]),
            request: [ProductRequirement("app")], kind: .unknownProduct,
            message: """
                app needs lib; no candidate of lib can be installed:
                  - lib 2.0 [feed zoo]: lib needs "missing", and no loaded feed defines "missing"
                  - lib 1.0 [feed zoo]: lib 1.0 is incompatible with the installed z 1.0
                so app cannot be installed here.
                """),
        Case(
            name: "a conflict only the whole search finds",
            catalog: F.catalog([
                F.product("A", needs: .any([F.needs("x1"), F.needs("x2")])),
                F.product("B", needs: .any([F.needs("y1"), F.needs("y2")])),
                F.product("x1", incompatibleWith: [ProductRequirement("y1"), ProductRequirement("y2")]),
                F.product("x2", incompatibleWith: [ProductRequirement("y1"), ProductRequirement("y2")]),
                F.product("y1"), F.product("y2"),
            ]),
            request: [ProductRequirement("A"), ProductRequirement("B")], kind: .conflict,
            message: """
                no combination of the available versions satisfies the whole request; these cannot all hold:
                  - the request needs A, B
                  - A 1.0 needs (x1 or x2)
                  - B 1.0 needs (y1 or y2)
                  - x1 1.0 is incompatible with y1, y2
                  - x2 1.0 is incompatible with y1, y2
                """),
        Case(
            name: "missing products the cause does not name are listed after it, with their sets",
            catalog: F.catalog(
                [F.product("WordPress", needs: .all([.named("PHPApp"), .named("MySQLApp")]), installers: [F.windowsInstaller()])],
                sets: [
                    "PHPApp": .all([.named("IIS"), F.needs("PHP52")]), "IIS": .any([F.needs("IIS60"), F.needs("IIS7")]),
                    "MySQLApp": F.needs("MySQLConnector"),
                ]),
            request: [ProductRequirement("WordPress")], kind: .noInstaller,
            message: """
                "WordPress" has no installer for linux/x86_64 (its installers are for windows).
                In all, the dependencies of the request refer to 4 products that no loaded feed defines:
                  - WordPress refers to "IIS60", "IIS7" through the sets "PHPApp" -> "IIS"
                  - WordPress refers to "PHP52" through the set "PHPApp"
                  - WordPress refers to "MySQLConnector" through the set "MySQLApp"
                """),
        Case(
            name: "a cause naming the first missing product, and the others further down",
            catalog: F.catalog([
                F.product("site", needs: .all([F.needs("cms"), F.needs("nginx")])),
                F.product("cms", needs: .all([F.needs("php"), F.needs("mysql")])),
            ]),
            request: [ProductRequirement("site")], kind: .unknownProduct,
            message: """
                site needs cms; cms needs "php", and no loaded feed defines "php"; so site cannot be installed here.
                In all, the dependencies of the request refer to 3 products that no loaded feed defines:
                  - cms refers to "php", "mysql"
                  - site refers to "nginx"
                """),
    ]

    @Test(arguments: cases)
    func explainsInPlainSentences(_ testCase: Case) throws {
        let result = try Resolver(catalog: testCase.catalog, machine: testCase.machine, installed: testCase.installed)
            .resolve(requirements: testCase.request)
        guard let failure = result.failure else {
            Issue.record("\(testCase.name): expected a failure, got a plan")
            return
        }
        #expect(failure.message == testCase.message)
        #expect(failure.kind == testCase.kind)
    }
}
