import FeedModel
import Synchronization

/// A catalogue entry with what every resolution needs from it worked out once: its parsed
/// version and the installer it would use on this machine (nil: it cannot be installed here).
final class PreparedEntry: Sendable {
    let entry: CatalogEntry
    let version: Version?
    let installerIndex: Int?

    init(entry: CatalogEntry, machine: MachineFacts) {
        self.entry = entry
        version = entry.product.version.flatMap { Version($0) }
        installerIndex = InstallerSelection.chooseInstaller(of: entry.product, on: machine)
    }
}

/// Prepared entries per product id, shared by every resolution of one `Resolver` (like libsolv's
/// pool): parsing versions and choosing installers is the costly part of exploring a catalogue,
/// and a batch of requests explores the same products again and again.
final class PreparedEntries: Sendable {
    private let catalog: any ProductCatalog
    private let machine: MachineFacts
    private let cache = Mutex<[String: [PreparedEntry]]>([:])
    private let constraints = Mutex<[String: ParsedConstraint]>([:])

    init(catalog: any ProductCatalog, machine: MachineFacts) {
        self.catalog = catalog
        self.machine = machine
    }

    func entries(of productId: String) throws -> [PreparedEntry] {
        if let known = cache.withLock({ $0[productId] }) { return known }
        let prepared = try catalog.products(withId: productId).map { PreparedEntry(entry: $0, machine: machine) }
        cache.withLock { $0[productId] = prepared }
        return prepared
    }

    /// A constraint text parsed once for all resolutions (feeds repeat the same few texts).
    func constraint(_ text: String) -> ParsedConstraint {
        if let known = constraints.withLock({ $0[text] }) { return known }
        let parsed: ParsedConstraint
        do { parsed = .constraint(try VersionConstraint(parsing: text)) } catch { parsed = .invalid(error) }
        constraints.withLock { $0[text] = parsed }
        return parsed
    }
}
