import FeedModel
import Resolver
import TestSupport

/// Small builders so each test reads as the catalogue it describes.
enum Fixtures {
    static let linux = MachineFacts(operatingSystem: .linux, distribution: "debian", distributionVersion: "12", architecture: "x86_64", language: "en")
    static let windows = MachineFacts(operatingSystem: .windows, architecture: "x64", language: "en")

    static func linuxInstaller(
        scope: LinuxInstall.Scope = .user, architectures: [String] = [], distributions: [String] = [],
        languages: [String] = [], sizeKB: Int? = 100, id: String? = nil
    ) -> Installer {
        var installer = Installer(id: id)
        installer.linux = LinuxInstall(kind: .archive, scope: scope)
        installer.architectures = architectures
        installer.distributions = distributions
        installer.languageIds = languages
        var file = InstallerFile()
        file.fileSizeKB = sizeKB
        installer.file = file
        return installer
    }

    static func windowsInstaller(
        architectures: [String] = [], languages: [String] = [], os: [OperatingSystemSpec] = [], id: String? = nil
    ) -> Installer {
        var installer = Installer(id: id)
        installer.architectures = architectures
        installer.languageIds = languages
        installer.operatingSystems = os
        return installer
    }

    static func product(
        _ id: String, _ version: String? = "1.0", needs dependency: DependencyExpression? = nil,
        incompatibleWith incompatibilities: [ProductRequirement] = [], installers: [Installer]? = nil
    ) -> Product {
        var product = Product(productId: id)
        product.version = version
        product.dependency = dependency
        product.incompatibilities = incompatibilities
        product.installers = installers ?? [linuxInstaller()]
        return product
    }

    static func catalog(feed: String = "zoo", _ products: [Product], sets: [String: DependencyExpression] = [:]) -> InMemoryCatalog {
        var catalog = InMemoryCatalog()
        catalog.add(feed: feed, products: products, namedSets: sets)
        return catalog
    }

    static func needs(_ id: String, _ constraint: String? = nil) -> DependencyExpression {
        .product(ProductRequirement(id, constraint: constraint))
    }
}

extension Result where Failure == ResolutionFailure {
    /// The plan, or nil (tests then record the failure message).
    var plan: Success? { try? get() }
    var failure: ResolutionFailure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
