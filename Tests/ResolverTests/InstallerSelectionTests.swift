import FeedModel
import Resolver
import Testing

@Suite struct InstallerSelectionTests {
    typealias F = Fixtures

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var installers: [Installer]
        var machine: MachineFacts
        var expected: Int?
        var testDescription: String { name }
        init(_ name: String, _ installers: [Installer], _ machine: MachineFacts, _ expected: Int?) {
            self.name = name
            self.installers = installers
            self.machine = machine
            self.expected = expected
        }
    }

    static let cases: [Case] = [
        Case("linux machine skips windows installers", [F.windowsInstaller(), F.linuxInstaller()], F.linux, 1),
        Case("windows machine skips linux installers", [F.linuxInstaller(), F.windowsInstaller()], F.windows, 1),
        Case("x64 means x86_64", [F.windowsInstaller(architectures: ["x86"]), F.windowsInstaller(architectures: ["x64"])], F.windows, 1),
        Case("x86_64 machine matches amd64", [F.linuxInstaller(architectures: ["aarch64"]), F.linuxInstaller(architectures: ["amd64"])], F.linux, 1),
        Case("empty architectures = any", [F.linuxInstaller(architectures: [])], MachineFacts(architecture: "aarch64"), 0),
        Case("i686 machine matches x86", [F.linuxInstaller(architectures: ["x86"])], MachineFacts(architecture: "i686"), 0),
        Case("no matching architecture", [F.linuxInstaller(architectures: ["aarch64"])], F.linux, nil),
        Case("distribution by id", [F.linuxInstaller(distributions: ["ubuntu"]), F.linuxInstaller(distributions: ["debian"])], F.linux, 1),
        Case("distribution with version", [F.linuxInstaller(distributions: ["debian-11"]), F.linuxInstaller(distributions: ["debian-12"])], F.linux, 1),
        Case("no matching distribution", [F.linuxInstaller(distributions: ["fedora"])], F.linux, nil),
        Case(
            "requested language first", [F.linuxInstaller(languages: ["en"]), F.linuxInstaller(languages: ["fr"])],
            MachineFacts(language: "fr"), 1),
        Case(
            "language-neutral counts as requested", [F.linuxInstaller(languages: ["de"]), F.linuxInstaller(languages: [])],
            MachineFacts(language: "fr"), 1),
        Case(
            "falls back to en", [F.linuxInstaller(languages: ["de"]), F.linuxInstaller(languages: ["en"])],
            MachineFacts(language: "fr"), 1),
        Case(
            "falls back to the first", [F.linuxInstaller(languages: ["de"]), F.linuxInstaller(languages: ["ja"])],
            MachineFacts(language: "fr"), 0),
        Case("no installers", [], F.linux, nil),
        Case(
            "windows version below the osList minimum", [F.windowsInstaller(os: [OperatingSystemSpec(minimumVersion: "6.1")])],
            MachineFacts(operatingSystem: .windows, architecture: "x64", windowsVersion: "6.0"), nil),
        Case(
            "windows version within an osList entry",
            [
                F.windowsInstaller(os: [OperatingSystemSpec(minimumVersion: "5.1", maximumVersion: "6.0")], id: "old"),
                F.windowsInstaller(os: [OperatingSystemSpec(minimumVersion: "6.1")], id: "new"),
            ], MachineFacts(operatingSystem: .windows, architecture: "x64", windowsVersion: "10.0"), 1),
        Case(
            "unknown windows version: osList not checked", [F.windowsInstaller(os: [OperatingSystemSpec(minimumVersion: "6.1")])],
            F.windows, 0),
    ]

    @Test(arguments: cases)
    func choosesLikeWebPI(_ testCase: Case) {
        var product = Product(productId: "p")
        product.installers = testCase.installers
        #expect(InstallerSelection.chooseInstaller(of: product, on: testCase.machine) == testCase.expected)
    }

    @Test func describesWhereInstallersRun() {
        var product = Product(productId: "p")
        product.installers = [F.windowsInstaller(), F.windowsInstaller(architectures: ["x64"]), F.linuxInstaller(architectures: ["arm64"], distributions: ["ubuntu"])]
        #expect(InstallerSelection.describeTargets(of: product) == "windows, windows/x86_64, linux/aarch64 on ubuntu")
    }
}
