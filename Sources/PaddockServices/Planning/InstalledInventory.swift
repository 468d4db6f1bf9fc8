import FeedModel
import Foundation
import PaddockStore
import PaddockSystem

/// What is installed: paddock's own records, then products of the feeds that discovery finds on
/// the machine (`paddock installed`, and uninstall/upgrade telling "not paddock's" apart).
public enum InstalledInventory {
    public struct Row: Encodable, Sendable {
        public var productId: String
        public var version: String?
        public var app: String?
        public var origin: String
        public var scope: String?
        public var feed: String?
    }

    /// paddock's own records, then products of the feeds that discovery finds on the machine.
    public static func rows(_ context: ServiceContext) throws -> [Row] {
        let state = try context.openState()
        var rows = try state.installed().map {
            Row(productId: $0.productId, version: $0.version, app: $0.app.isEmpty ? nil : $0.app, origin: "paddock", scope: $0.scope, feed: $0.feed)
        }
        let known = Set(rows.map { $0.productId.lowercased() })
        let store = try context.openStore()
        var candidates: [(summary: ProductSummary, hint: DiscoveryHint)] = []
        for summary in try store.catalog.list(includeExcluded: true) where !known.contains(summary.productId.lowercased()) {
            guard let entry = try store.catalog.products(withId: summary.productId).first, let hint = entry.product.discovery,
                !entry.product.installers.contains(where: { $0.linux?.scope == .app })
            else { continue }
            candidates.append((summary, hint))
        }
        let found = DiscoveryProbe(environment: context.environment).evaluateAll(candidates.map(\.hint))
        for (candidate, discovery) in zip(candidates, found) where discovery.found {
            rows.append(
                Row(
                    productId: candidate.summary.productId, version: discovery.version, app: nil, origin: "found on this machine", scope: nil,
                    feed: candidate.summary.feed))
        }
        return rows
    }
}
