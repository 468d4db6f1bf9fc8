import Foundation

/// A date as found in a feed: the parsed instant when the text could be read, and the text.
public struct FeedDate: Hashable, Sendable, Codable {
    public var text: String
    public var date: Date?
    public init(text: String, date: Date?) {
        self.text = text
        self.date = date
    }
}

public struct Author: Hashable, Sendable, Codable {
    public var name: String?
    public var uri: String?
    public var email: String?
    public init(name: String? = nil, uri: String? = nil, email: String? = nil) {
        self.name = name
        self.uri = uri
        self.email = email
    }
}

/// One `<entry>`: a product or an application.
public struct Product: Hashable, Sendable, Codable {
    public var productId: String
    public var title: String?
    public var version: String?
    public var summary: String?
    public var longSummary: String?
    public var productFamily: String?
    public var frameworkFamily: String?
    /// `type="application"`: a gallery application (Web Deploy), not a platform product.
    public var isApplication: Bool
    public var atomId: String?
    public var links: [String]
    public var authors: [Author]
    public var published: FeedDate?
    public var updated: FeedDate?
    public var addedToFeed: FeedDate?
    public var iconURL: String?
    public var screenshots: [String]
    public var keywords: [String]
    public var dependency: DependencyExpression?
    public var relatedProducts: [String]
    public var incompatibilities: [ProductRequirement]
    public var searchExclude: Bool
    public var discovery: DiscoveryHint?
    public var installers: [Installer]
    /// The line of the `<entry>` start tag, for messages.
    public var line: Int

    public init(productId: String, line: Int = 0) {
        self.productId = productId
        self.title = nil
        self.version = nil
        self.summary = nil
        self.longSummary = nil
        self.productFamily = nil
        self.frameworkFamily = nil
        self.isApplication = false
        self.atomId = nil
        self.links = []
        self.authors = []
        self.published = nil
        self.updated = nil
        self.addedToFeed = nil
        self.iconURL = nil
        self.screenshots = []
        self.keywords = []
        self.dependency = nil
        self.relatedProducts = []
        self.incompatibilities = []
        self.searchExclude = false
        self.discovery = nil
        self.installers = []
        self.line = line
    }

    /// True when at least one installer is written for Linux.
    public var hasLinuxInstaller: Bool { installers.contains { $0.platform == .linux } }
}

public struct Keyword: Hashable, Sendable, Codable {
    public var id: String
    public var title: String
    public var resourceName: String?
    public init(id: String, title: String, resourceName: String? = nil) {
        self.id = id
        self.title = title
        self.resourceName = resourceName
    }
}

public struct Language: Hashable, Sendable, Codable {
    public var languageId: String
    public var name: String?
    public var isDefault: Bool
    public init(languageId: String, name: String? = nil, isDefault: Bool = false) {
        self.languageId = languageId
        self.name = name
        self.isDefault = isDefault
    }
}

public struct Tab: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable { case keywordTab, groupTab, pillarTab, other }
    public var kind: Kind
    public var id: String?
    public var name: String?
    public var description: String?
    public var keywordIds: [String]
    public var groupingId: String?
    public init(kind: Kind, id: String? = nil) {
        self.kind = kind
        self.id = id
        self.name = nil
        self.description = nil
        self.keywordIds = []
        self.groupingId = nil
    }
}

public struct ResourceSet: Hashable, Sendable, Codable {
    public var culture: String
    public var url: String?
    public init(culture: String, url: String? = nil) {
        self.culture = culture
        self.url = url
    }
}

/// A warning found while reading: the feed still loads.
public struct FeedWarning: Hashable, Sendable, Codable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    /// The element the warning is about, used to find its column; not part of the message.
    public var elementName: String
    public init(line: Int, column: Int, message: String, elementName: String = "") {
        self.line = line
        self.column = column
        self.message = message
        self.elementName = elementName
    }
    public var description: String { "\(line):\(column): warning: \(message)" }
}

/// A whole feed document.
public struct Feed: Hashable, Sendable, Codable {
    public var title: String?
    public var atomId: String?
    public var webpiFileVersion: String?
    public var version: String?
    public var updated: FeedDate?
    public var author: Author?
    public var selfLink: String?
    /// `<link rel="enclosure">`: child feeds (href, or relativeHref when href is empty).
    public var childFeeds: [String]
    /// A signed parent's snapshot of its children: `paddock:sha256` on the enclosure link, by
    /// the link's target (docs/signing-and-offline.md); nil when it lists none.
    public var childFeedDigests: [String: String]?
    public var products: [Product]
    public var keywords: [Keyword]
    public var languages: [Language]
    public var tabs: [Tab]
    public var resources: [ResourceSet]
    public var namedDependencies: [String: DependencyExpression]
    public var namedOperatingSystems: [String: OperatingSystemSpec]
    public var namedOSLists: [String: [OperatingSystemSpec]]
    public var featured: [String]
    public var warnings: [FeedWarning]

    public init() {
        self.title = nil
        self.atomId = nil
        self.webpiFileVersion = nil
        self.version = nil
        self.updated = nil
        self.author = nil
        self.selfLink = nil
        self.childFeeds = []
        self.childFeedDigests = nil
        self.products = []
        self.keywords = []
        self.languages = []
        self.tabs = []
        self.resources = []
        self.namedDependencies = [:]
        self.namedOperatingSystems = [:]
        self.namedOSLists = [:]
        self.featured = []
        self.warnings = []
    }
}
