import FeedModel
import Testing
import TestSupport

@testable import Resolver

@Suite("Limits installed products put on an upgrade")
struct DependentLimitsTests {
    static func entry(_ dependency: DependencyExpression?, feed: String = "zoo") -> CatalogEntry {
        var product = Product(productId: "suite")
        product.version = "1.0"
        product.dependency = dependency
        return CatalogEntry(feed: feed, product: product)
    }

    static func needs(_ id: String, _ constraint: String? = nil) -> DependencyExpression {
        .product(ProductRequirement(id, constraint: constraint))
    }

    @Test("a requirement under and, and through named sets (also a set naming itself), counts; one under or does not")
    func mandatoryOnly() throws {
        var catalog = InMemoryCatalog()
        catalog.add(
            feed: "zoo", products: [],
            namedSets: [
                "Runtime": .all([Self.needs("Base", ">= 1.2"), .named("Loop")]),
                "Loop": .all([.named("Runtime"), Self.needs("base", "< 2")]),
            ])
        let dependency = DependencyExpression.all([
            Self.needs("other", ">= 3"),
            .named("Runtime"),
            .any([Self.needs("base", "< 1.5"), Self.needs("legacy")]),
            Self.needs("base"),
            Self.needs("BASE", "< 2"),
        ])
        #expect(try DependentLimits.constraints(on: "base", from: Self.entry(dependency), catalog: catalog) == [">= 1.2", "< 2"])
        #expect(try DependentLimits.constraints(on: "other", from: Self.entry(dependency), catalog: catalog) == [">= 3"])
        #expect(try DependentLimits.constraints(on: "legacy", from: Self.entry(dependency), catalog: catalog).isEmpty)
        #expect(try DependentLimits.constraints(on: "base", from: Self.entry(nil), catalog: catalog).isEmpty)
    }

    @Test("named sets are looked up in the dependent's own feed")
    func setsOfTheDependentsFeed() throws {
        var catalog = InMemoryCatalog()
        catalog.add(feed: "zoo", products: [], namedSets: ["Runtime": Self.needs("base", "< 2")])
        catalog.add(feed: "extras", products: [], namedSets: ["Runtime": Self.needs("base", "< 3")])
        #expect(try DependentLimits.constraints(on: "base", from: Self.entry(.named("Runtime"), feed: "extras"), catalog: catalog) == ["< 3"])
    }
}
