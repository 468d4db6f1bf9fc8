import FeedModel
import PaddockXML
import Foundation
import PaddockBasics
import PaddockDownload
import PaddockStore
import Resolver

/// Everything a set of requests could need, as WebPICmd's /Offline worked it out: every product
/// reachable through dependencies, all branches of every `or`, whatever this machine has.
struct BundleClosure {
    struct Member {
        var feed: String
        var product: Product
    }
    /// In the order they were reached (requested products first).
    var members: [Member] = []
    /// Named dependency sets used, by name, with the feed whose definition is used.
    var namedSets: [String: String] = [:]
    /// Product ids that a dependency names but no feed defines.
    var unknown: [String] = []

    static func walk(_ requests: [String], catalog: Catalog) throws -> BundleClosure {
        var closure = BundleClosure()
        var seen: Set<String> = []
        var queue: [(id: String, constraint: String?, feed: String?)] = []
        for request in requests {
            let requirement = try PlanMaker.requirement(request)
            let reference = request.split(separator: "@", maxSplits: 1).first.map(String.init) ?? request
            guard let found = try catalog.resolve(reference).first else {
                throw StoreError.productNotFound(requirement.productId, suggestions: try catalog.suggestions(for: requirement.productId))
            }
            let feed = reference.contains(":") ? found.feed : nil
            queue.append((found.product.productId, requirement.constraint, feed))
        }
        while !queue.isEmpty {
            let (id, constraint, pinnedFeed) = queue.removeFirst()
            guard seen.insert(id.lowercased()).inserted else { continue }
            let definitions = try catalog.products(withId: id).filter { pinnedFeed == nil || $0.feed == pinnedFeed }
            // The winning definition, unless a version constraint rules it out and another fits.
            let parsed = constraint.flatMap { try? VersionConstraint(parsing: $0) }
            guard let chosen = definitions.first(where: { parsed?.isSatisfied(byText: $0.product.version) ?? true }) ?? definitions.first
            else {
                closure.unknown.append(id)
                continue
            }
            closure.members.append(Member(feed: chosen.feed, product: chosen.product))
            guard let dependency = chosen.product.dependency else { continue }
            var expressions = [(dependency, chosen.feed)]
            while let (expression, feed) = expressions.popLast() {
                switch expression {
                case .product(let requirement):
                    queue.append((requirement.productId, requirement.constraint, nil))
                case .all(let children), .any(let children):
                    // Every branch of an `or`: the other machine may take any of them.
                    expressions += children.reversed().map { ($0, feed) }
                case .named(let name):
                    guard closure.namedSets[name] == nil else { continue }
                    // The entry's own feed first, then any feed (as the resolver looks sets up).
                    if let own = try catalog.namedSet(name, feed: feed) {
                        closure.namedSets[name] = feed
                        expressions.append((own, feed))
                    } else if let (other, set) = try catalog.namedSetAnywhere(name) {
                        closure.namedSets[name] = other
                        expressions.append((set, other))
                    }
                }
            }
        }
        return closure
    }
}

/// `paddock download --json`: what the bundle holds.
public struct BundleReport: Encodable, Sendable {
    public struct File: Encodable, Sendable {
        public var product: String
        public var path: String
        public var bytes: Int64
        public var sha256: String
        public var source: String
    }
    public struct Unbundled: Encodable, Sendable {
        public var product: String
        public var reason: String
    }
    public var directory: String
    public var feed: String
    public var machine: String
    public var language: String
    public var products: [String]
    public var files: [File]
    /// Products carried in the feed with nothing to download: apt or pip packages, products
    /// found on the machine, or no installer for the machine described.
    public var needsNetworkOrMachine: [Unbundled]
    /// Ids that a dependency names but no feed defines.
    public var unknown: [String]
}

/// Makes an offline bundle: the installers, verified, under DIR/installers/PRODUCT/, and
/// DIR/feed.xml with the entries they belong to, pointing at them by relative paths.
public struct OfflineBundle {
    let context: ServiceContext
    let store: FeedStore
    let machine: MachineFacts
    let directory: URL
    let allowUnverified: Bool

    public init(context: ServiceContext, store: FeedStore, machine: MachineFacts, directory: URL, allowUnverified: Bool) {
        self.context = context
        self.store = store
        self.machine = machine
        self.directory = directory
        self.allowUnverified = allowUnverified
    }

    public func make(_ requests: [String]) async throws -> BundleReport {
        let closure = try BundleClosure.walk(requests, catalog: store.catalog)
        var unbundled: [BundleReport.Unbundled] = []
        // 1. The file each product needs on the machine described, located and checked first.
        struct Planned {
            var productId: String
            var location: String
            var source: String
            var relativePath: String
            var request: DownloadRequest
        }
        var planned: [Planned] = []
        var usedPaths: Set<String> = []
        for member in closure.members {
            let product = member.product
            guard let index = InstallerSelection.chooseInstaller(of: product, on: machine) else {
                let why =
                    product.discovery != nil
                    ? "no installer for \(machine.platformDescription); found on the machine, if it is there"
                    : product.installers.isEmpty ? "nothing to install (a detection-only entry)" : "no installer for \(machine.platformDescription)"
                unbundled.append(.init(product: product.productId, reason: why))
                continue
            }
            let installer = product.installers[index]
            guard let file = installer.file, let location = file.url ?? file.relativeURL else {
                // A command with nothing to download (a no-op such as `true`) runs offline as it is.
                if installer.linux?.kind != .command {
                    unbundled.append(.init(product: product.productId, reason: Self.networkReason(installer, kinds: context.kinds)))
                }
                continue
            }
            if file.sha256 == nil && file.sha1 == nil && !allowUnverified {
                throw ServiceError(
                    "the feed gives no hash for \(product.productId)'s download (\(location)), so the bundle could not be verified; pass --allow-unverified to bundle it anyway", .dataError)
            }
            let source = try InstallerLocation.resolve(location, feed: member.feed, catalog: store.catalog)
            let hash: ExpectedHash = file.sha256.map { .sha256($0) } ?? file.sha1.map { .sha1($0) } ?? .none
            var relative = "installers/\(Self.safeName(product.productId))/\(Self.fileName(of: location))"
            while !usedPaths.insert(relative.lowercased()).inserted { relative = (relative as NSString).deletingPathExtension + "-1." + (relative as NSString).pathExtension }
            planned.append(
                Planned(
                    productId: product.productId, location: location, source: source, relativePath: relative,
                    request: DownloadRequest(source, hash: hash, name: product.productId, allowUnverified: allowUnverified, declaredSizeKB: file.fileSizeKB)))
        }

        // 2. Downloaded (or taken from the cache) and verified, then copied into the bundle.
        let delegate = context.downloads
        let downloader = Downloader(cache: context.paths.downloadCache, environment: context.environment, config: store.config)
        let results: [DownloadResult]
        do {
            results = try await downloader.download(planned.map(\.request), delegate: delegate)
        } catch let error as DownloadError {
            throw ServiceError(error.description, .unavailable)
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var files: [BundleReport.File] = []
        for (item, result) in zip(planned, results) {
            let destination = directory.appendingPathComponent(item.relativePath)
            try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            let temporary = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).tmp-\(getpid())")
            try? FileManager.default.removeItem(at: temporary)
            try FileManager.default.copyItem(at: result.file, to: temporary)
            _ = try? FileManager.default.removeItem(at: destination)
            try FileManager.default.moveItem(at: temporary, to: destination)
            files.append(.init(product: item.productId, path: item.relativePath, bytes: result.size, sha256: result.sha256, source: item.source))
        }

        // 3. feed.xml: the entries as written, installer URLs pointing into the bundle; relative
        //    URLs of installers not bundled made absolute, so they still lead somewhere.
        let bundled = Dictionary(planned.map { ("\($0.productId.lowercased())\n\($0.location)", $0.relativePath) }, uniquingKeysWith: { a, _ in a })
        var selections: [FeedExcerpt.Selection] = []
        // Highest precedence first, so that a keyword or os defined twice comes from the winner.
        let feeds = try store.catalog.feeds().sorted { $0.position > $1.position }
        for record in feeds {
            let ids = Set(closure.members.filter { $0.feed == record.name }.map(\.product.productId))
            let sets = Set(closure.namedSets.filter { $0.value == record.name }.map(\.key))
            guard !ids.isEmpty || !sets.isEmpty else { continue }
            let path = record.kind == .builtin ? record.source : try store.cachedFeedFile(for: record).path
            let catalog = store.catalog
            selections.append(
                FeedExcerpt.Selection(path: path, label: record.source, productIds: ids, namedSets: sets) { productId, location in
                    if let inside = bundled["\(productId.lowercased())\n\(location)"] { return inside }
                    guard InstallerLocation.isRelative(location) else { return nil }
                    return try? InstallerLocation.resolve(location, feed: record.name, catalog: catalog)
                })
        }
        let feedFile = directory.appendingPathComponent("feed.xml")
        let requested = closure.members.prefix(requests.count).map(\.product.productId)
        try FeedExcerpt.write(
            selections,
            header: .init(
                title: "paddock offline bundle: \(requested.joined(separator: ", "))", id: "urn:paddock:bundle:\(UUID().uuidString.lowercased())",
                updated: Date(), author: "paddock download"),
            to: feedFile)
        // A signature of an earlier feed.xml would now fail: remove it rather than leave it stale.
        for suffix in [".sig", ".minisig"] { try? FileManager.default.removeItem(atPath: feedFile.path + suffix) }

        return BundleReport(
            directory: directory.path, feed: feedFile.path, machine: machine.platformDescription, language: machine.language,
            products: closure.members.map(\.product.productId), files: files, needsNetworkOrMachine: unbundled,
            unknown: closure.unknown)
    }

    static func networkReason(_ installer: Installer, kinds: InstallerKinds) -> String {
        guard let linux = installer.linux else { return "a Windows installer with no file to download" }
        guard let kind = kinds.kind(for: linux) else { return "an installer of the kind '\(linux.kind)', which this paddock does not carry out" }
        return kind.offlineReason(linux) ?? "an installer with no file named"
    }

    /// A product id as a folder name: letters, digits, '.', '_', '-', '+'.
    static func safeName(_ text: String) -> String {
        let cleaned = String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-+".contains($0)) ? $0 : "_" })
        return cleaned.isEmpty || cleaned.hasPrefix(".") ? "_" + cleaned : cleaned
    }

    /// The last path segment of an installer location (no query), made safe.
    static func fileName(of location: String) -> String {
        let trimmed = location.split(separator: "?").first.map(String.init) ?? location
        let last = trimmed.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let decoded = last.removingPercentEncoding ?? last
        let name = safeName(decoded)
        return name == "_" ? "installer" : name
    }
}
