import FeedModel

/// Turns the top-level blocks of a feed into the model, collecting warnings as it goes.
/// An error about an element, whose column is filled in by the reader.
struct ElementError: Error {
    var line: Int
    var elementName: String
    var message: String
}

struct FeedBuilder {
    let file: String
    private(set) var feed = Feed()
    private var productLines: [String: (id: String, line: Int)] = [:]
    /// When set, takes each product as soon as it is read (so that a large feed is stored while it
    /// is parsed, and never held whole). Such a product's `osList idref`s, and the `<os idref>`s
    /// of its inline lists that named an os not read yet, are left to whoever reads it back
    /// (`feed.namedOSLists`, `feed.namedOperatingSystems`): WebPI's feeds define their lists
    /// and oses after the entries.
    var emit: ((Product) throws -> Void)?
    /// pd:version constraints found well-formed so far.
    private var checkedConstraints: Set<String> = []
    /// The `osList idref`s of emitted products, each with the first product that used it, in
    /// order: `finish()` warns about those the feed never defines, as it does for the others.
    private var emittedReferences: [(reference: String, productId: String, line: Int)] = []
    private var emittedReferenceSet: Set<String> = []

    init(file: String) { self.file = file }

    mutating func warn(_ element: BlockElement, _ message: String) {
        feed.warnings.append(FeedWarning(line: element.line, column: 0, message: message, elementName: element.name))
    }

    /// One child of `<feed>`.
    mutating func take(_ element: BlockElement) throws {
        if element.namespaceKind == .paddock {
            warn(element, "unknown paddock element <\(element.name)> in <feed> skipped")
            return
        }
        guard element.namespaceKind == .webPI else {
            warn(element, "element <\(element.name)> in namespace '\(element.namespaceURI)' skipped")
            return
        }
        switch element.key {
        case "entry": try takeEntry(element)
        case "title": feed.title = element.childTextOrOwn
        case "id": feed.atomId = element.childTextOrOwn
        case "version": feed.version = element.childTextOrOwn
        case "webpifile": feed.webpiFileVersion = element.attribute("version")
        case "updated": feed.updated = checkedDate(element)
        case "author": feed.author = author(element)
        case "link": takeFeedLink(element)
        case "resourceslist":
            feed.resources = element.children("resources").compactMap {
                guard let culture = $0.childText("culture") else { return nil }
                return ResourceSet(culture: culture, url: $0.childText("url"))
            }
        case "languages":
            feed.languages = element.children("language").compactMap {
                guard let id = $0.childText("languageid") else { return nil }
                return Language(
                    languageId: id, name: $0.childText("name"),
                    isDefault: $0.attribute("default")?.lowercased() == "true")
            }
        case "keywords": takeKeywords(element)
        case "tabs": feed.tabs += element.children("tab").flatMap(tabs)
        case "oses":
            for os in element.children("os") {
                guard let id = os.attribute("id") else {
                    warn(os, "<os> in <oses> has no id attribute; skipped")
                    continue
                }
                feed.namedOperatingSystems[id] = operatingSystem(os)
            }
        case "oslists":
            for list in element.children("oslist") {
                guard let id = list.attribute("id") else {
                    warn(list, "<osList> in <osLists> has no id attribute; skipped")
                    continue
                }
                feed.namedOSLists[id] = list.children("os").map { listedOS($0) }
            }
        case "dependencies":
            for set in element.children("dependency") {
                guard let id = set.attribute("id") else {
                    warn(set, "a named <dependency> in <dependencies> has no id attribute; skipped")
                    continue
                }
                if let expression = dependency(set, allowIdref: true) {
                    feed.namedDependencies[id] = expression
                }
            }
        case "featured", "featuredproducts":
            feed.featured += element.children("productid").map(\.trimmedText)
        case "groupings", "generator", "name", "description", "pillars":
            break  // Known WebPI (or generator) elements that only drive Windows UI.
        default:
            warn(element, "unknown element <\(element.name)> in <feed> skipped")
        }
    }

    /// The `<os idref>`s read before their os was defined (WebPI's feeds define `<oses>` after
    /// the entries), in order: the lists hold a placeholder (`OperatingSystemSpec.reference`), and
    /// `finish()` warns about the names the feed never defines.
    private var laterOSReferences: [(idref: String, line: Int, elementName: String)] = []

    /// An `<os>` of an `osList`: inline, a named os already read, or a placeholder for one
    /// defined later (the product need not wait for it: see `emit`).
    mutating func listedOS(_ element: BlockElement) -> OperatingSystemSpec {
        guard let idref = element.attribute("idref") else { return operatingSystem(element) }
        if let named = feed.namedOperatingSystems[idref] { return named }
        laterOSReferences.append((idref, element.line, element.name))
        return OperatingSystemSpec(reference: idref)
    }

    mutating func finish() -> Feed {
        let oses = feed.namedOperatingSystems
        for (reference, line, elementName) in laterOSReferences where oses[reference] == nil {
            feed.warnings.append(
                FeedWarning(
                    line: line, column: 0, message: "<os idref=\"\(reference)\"> names an os the feed does not define",
                    elementName: elementName))
        }
        feed.namedOSLists = feed.namedOSLists.mapValues { $0.resolvingReferences { oses[$0] } }
        var unknownReferences: Set<String> = []
        for (reference, productId, line) in emittedReferences
        where feed.namedOSLists[reference] == nil && feed.namedOperatingSystems[reference] == nil {
            unknownReferences.insert(reference)
            feed.warnings.append(Self.undefinedOSList(reference, firstUsedBy: productId, line: line))
        }
        for index in feed.products.indices {
            for installerIndex in feed.products[index].installers.indices {
                feed.products[index].installers[installerIndex].operatingSystems =
                    feed.products[index].installers[installerIndex].operatingSystems.resolvingReferences { oses[$0] }
                let installer = feed.products[index].installers[installerIndex]
                guard let reference = installer.osListReference, installer.operatingSystems.isEmpty else { continue }
                if let list = feed.namedOSLists[reference] {
                    feed.products[index].installers[installerIndex].operatingSystems = list
                } else if let os = feed.namedOperatingSystems[reference] {
                    feed.products[index].installers[installerIndex].operatingSystems = [os]
                } else if unknownReferences.insert(reference).inserted {
                    feed.warnings.append(
                        Self.undefinedOSList(reference, firstUsedBy: feed.products[index].productId, line: feed.products[index].line))
                }
            }
        }
        for (name, expression) in feed.namedDependencies {
            for reference in expression.namedReferences where feed.namedDependencies[reference] == nil {
                feed.warnings.append(
                    FeedWarning(
                        line: 0, column: 0,
                        message: "named dependency set '\(name)' refers to set '\(reference)', which this feed does not define"))
            }
        }
        return feed
    }

    /// Custom feeds name the main feed's lists (SupportedAppPlatforms); said once per name.
    static func undefinedOSList(_ reference: String, firstUsedBy productId: String, line: Int) -> FeedWarning {
        FeedWarning(
            line: line, column: 0,
            message: "osList '\(reference)' (first used by '\(productId)') is not defined in this feed; those installers are read as Windows-only with no version limit")
    }

    // MARK: - Feed-level pieces

    private mutating func takeFeedLink(_ element: BlockElement) {
        let href = element.attribute("href").flatMap { $0.isEmpty ? nil : $0 }
        let target = href ?? element.attribute("relativeHref")
        switch element.attribute("rel")?.lowercased() {
        case "enclosure":
            if let target {
                feed.childFeeds.append(target)
                if let digest = element.attribute("sha256", namespace: FeedNamespace.paddock) {
                    feed.childFeedDigests = (feed.childFeedDigests ?? [:]).merging([target: digest.lowercased()]) { first, _ in first }
                }
            }
        case "self", nil:
            if feed.selfLink == nil { feed.selfLink = target }
        default:
            break
        }
    }

    private mutating func takeKeywords(_ element: BlockElement) {
        for keyword in element.children("keyword") {
            guard let id = keyword.attribute("id") else {
                warn(keyword, "<keyword> has no id attribute; skipped")
                continue
            }
            if feed.keywords.contains(where: { $0.id == id }) {
                warn(keyword, "keyword id '\(id)' is defined twice in this feed; the first is kept")
                continue
            }
            let title = keyword.trimmedText
            feed.keywords.append(
                Keyword(id: id, title: title.isEmpty ? id : title, resourceName: keyword.attribute("resourceName")))
        }
    }

    private func tabs(_ element: BlockElement) -> [Tab] {
        element.children.compactMap { body in
            let kind: Tab.Kind
            switch body.key {
            case "keywordtab": kind = .keywordTab
            case "grouptab": kind = .groupTab
            case "pillartab": kind = .pillarTab
            default: kind = .other
            }
            var tab = Tab(kind: kind, id: body.childText("id"))
            tab.name = body.childText("name")
            tab.description = body.childText("description")
            tab.keywordIds = body.child("keywords")?.children("keywordid").map(\.trimmedText) ?? []
            tab.groupingId = body.childText("groupingid")
            return tab
        }
    }

    func operatingSystem(_ element: BlockElement) -> OperatingSystemSpec {
        func version(_ key: String) -> String? {
            guard let node = element.child(key) else { return nil }
            let parts = ["osmajorversion", "osminorversion", "spmajorversion", "spminorversion"].map {
                node.childText($0) ?? "0"
            }
            return parts.joined(separator: ".")
        }
        return OperatingSystemSpec(
            minimumVersion: version("minimumversion"), maximumVersion: version("maximumversion"),
            osTypes: element.child("ostypes")?.children.map(\.name) ?? [])
    }

    func date(_ element: BlockElement) -> FeedDate? {
        let text = element.trimmedText
        guard !text.isEmpty else { return nil }
        return FeedDate(text: text, date: FeedDateParser.parse(text))
    }

    /// Dates are warnings, never errors: one bad date must not fail a whole feed.
    mutating func checkedDate(_ element: BlockElement) -> FeedDate? {
        let value = date(element)
        if let value, value.date == nil {
            warn(element, "<\(element.name)> '\(value.text)' is not a date paddock can read; kept as text")
        }
        return value
    }

    func author(_ element: BlockElement) -> Author {
        Author(name: element.childText("name"), uri: element.childText("uri"), email: element.childText("email"))
    }

    // MARK: - Entries

    private mutating func takeEntry(_ element: BlockElement) throws {
        // Kudu's feed wraps most fields in <metadata>; both forms are accepted.
        var fields = Array(element.children)
        if fields.contains(where: { $0.key == "metadata" && $0.namespaceKind == .webPI }) {
            fields = []
            for child in element.children {
                if child.key == "metadata", child.namespaceKind == .webPI {
                    fields += child.children
                } else {
                    fields.append(child)
                }
            }
        }
        guard let idElement = fields.first(where: { $0.key == "productid" }),
            case let productId = idElement.trimmedText, !productId.isEmpty
        else {
            throw ElementError(
                line: element.line, elementName: element.name,
                message: "<entry> has no <productId>; every entry needs one: add <productId>YourProduct</productId>")
        }
        // paddock makes folder and file names from product ids: one that could climb out of a
        // folder or forge a line is refused here, once, for every later use.
        if let problem = ProductIdRule.problem(with: productId) {
            warn(idElement, "productId '\(productId.escapingControlCharacters)' \(problem); this entry is skipped")
            return
        }
        // The index keys products by lower-cased id, so ids differing only in case are the same product.
        let key = productId.lowercased()
        if let first = productLines[key] {
            let spelled = first.id == productId ? "" : " as '\(first.id)'"
            warn(element, "productId '\(productId)' is defined again (first at line \(first.line)\(spelled)); this entry is skipped")
            return
        }
        productLines[key] = (productId, element.line)
        var product = Product(productId: productId, line: element.line)
        product.isApplication = element.attribute("type")?.lowercased() == "application"
        for field in fields {
            try takeEntryField(field, into: &product)
        }
        if let emit {
            for installer in product.installers {
                guard let reference = installer.osListReference, installer.operatingSystems.isEmpty,
                    emittedReferenceSet.insert(reference).inserted
                else { continue }
                emittedReferences.append((reference, product.productId, product.line))
            }
            try emit(product)
        } else {
            feed.products.append(product)
        }
    }

    private mutating func takeEntryField(_ field: BlockElement, into product: inout Product) throws {
        if field.namespaceKind == .paddock {
            warn(field, "unknown paddock element <\(field.name)> in entry '\(product.productId)' skipped")
            return
        }
        guard field.namespaceKind == .webPI else { return }  // Foreign extensions: ignored by design.
        switch field.key {
        case "productid": break
        case "title": product.title = field.trimmedText.nilIfEmpty
        case "version": product.version = field.trimmedText.nilIfEmpty
        case "summary": product.summary = field.trimmedText.nilIfEmpty
        case "longsummary": product.longSummary = field.trimmedText.nilIfEmpty
        case "productfamily": product.productFamily = field.trimmedText.nilIfEmpty
        case "frameworkfamily": product.frameworkFamily = field.trimmedText.nilIfEmpty
        case "id": product.atomId = field.trimmedText.nilIfEmpty
        case "link": if let href = field.attribute("href"), !href.isEmpty { product.links.append(href) }
        case "author": product.authors.append(author(field))
        case "published": product.published = checkedDate(field)
        case "updated": product.updated = checkedDate(field)
        case "addtofeeddate": product.addedToFeed = checkedDate(field)
        case "images":
            product.iconURL = field.childText("icon") ?? field.childText("relativeiconurl")
            product.screenshots = field.children("screenshot").map(\.trimmedText).filter { !$0.isEmpty }
        case "keywords":
            product.keywords = field.children("keywordid").map(\.trimmedText).filter { !$0.isEmpty }
        case "dependency":
            if product.dependency != nil {
                warn(field, "entry '\(product.productId)' has a second <dependency>; both are required")
                if let more = dependency(field, allowIdref: true), let first = product.dependency {
                    product.dependency = .all([first, more])
                }
            } else {
                product.dependency = dependency(field, allowIdref: true)
            }
        case "related":
            for related in field.children("relatedproduct") {
                product.relatedProducts += related.children("productid").map(\.trimmedText).filter { !$0.isEmpty }
            }
        case "incompatibilities":
            for child in field.children {
                let ids = child.key == "productid" ? [child] : child.children("productid")
                for id in ids { if let requirement = requirement(id) { product.incompatibilities.append(requirement) } }
            }
        case "searchexclude": product.searchExclude = true
        case "discoveryhint": product.discovery = discovery(field)
        case "installers":
            for installerElement in field.children("installer") {
                if let installer = installer(installerElement, productId: product.productId) {
                    product.installers.append(installer)
                }
            }
        case "pagename", "newcategory", "installedby", "externalpackages", "summaryexclude",
            "architectures", "supportedoses", "entry":
            break  // Known WebPI elements with no meaning on Linux.
        default:
            warn(field, "unknown element <\(field.name)> in entry '\(product.productId)' skipped")
        }
    }

    private mutating func requirement(_ element: BlockElement) -> ProductRequirement? {
        let id = element.trimmedText
        guard !id.isEmpty else { return nil }
        let constraint = element.attribute("version", namespace: FeedNamespace.paddock)
        // Feeds repeat the same few constraints: each distinct one is checked once.
        if let constraint, checkedConstraints.insert(constraint).inserted {
            do {
                _ = try VersionConstraint(parsing: constraint)
            } catch {
                checkedConstraints.remove(constraint)  // Warned about at every use, as before.
                warn(element, "pd:version of '\(id)': \(error); any version will be accepted until it is fixed")
            }
        }
        return ProductRequirement(id, constraint: constraint)
    }

    /// A `<dependency>` element: `idref`, one or more `productId`, or one `and`/`or`.
    mutating func dependency(_ element: BlockElement, allowIdref: Bool) -> DependencyExpression? {
        if allowIdref, let idref = element.attribute("idref"), !idref.isEmpty {
            return .named(idref)
        }
        var parts: [DependencyExpression] = []
        for child in element.children where child.namespaceKind == .webPI {
            switch child.key {
            case "productid":
                if let requirement = requirement(child) { parts.append(.product(requirement)) }
            case "and", "or":
                let branches = child.children("dependency").compactMap { dependency($0, allowIdref: true) }
                if branches.count < 2 {
                    warn(child, "<\(child.name)> should hold two or more <dependency> elements; it has \(branches.count)")
                }
                if branches.count == 1 {
                    parts.append(branches[0])
                } else if !branches.isEmpty {
                    parts.append(child.key == "and" ? .all(branches) : .any(branches))
                }
            default:
                warn(child, "unknown element <\(child.name)> in <dependency> skipped")
            }
        }
        switch parts.count {
        case 0:
            warn(element, "<dependency> has no <productId>, <and>, <or> or idref; ignored")
            return nil
        case 1:
            return parts[0]
        default:
            warn(element, "<dependency> holds \(parts.count) requirements side by side; paddock requires all of them")
            return .all(parts)
        }
    }

    // MARK: - Discovery

    mutating func discovery(_ element: BlockElement) -> DiscoveryHint? {
        var hints: [DiscoveryHint] = []
        for child in element.children {
            if child.namespaceKind == .paddock {
                if let hint = paddockDiscovery(child) { hints.append(hint) }
                continue
            }
            guard child.namespaceKind == .webPI else { continue }
            switch child.key {
            case "or", "and":
                let inner = child.children("discoveryhint").compactMap { discovery($0) }
                guard !inner.isEmpty else {
                    warn(child, "<\(child.name)> in <discoveryHint> holds no <discoveryHint>; ignored")
                    continue
                }
                hints.append(child.key == "or" ? .any(hints: inner) : .all(hints: inner))
            case "file":
                guard let path = child.childText("filepath") else {
                    warn(child, "<file> discovery hint has no <filePath>; ignored")
                    continue
                }
                hints.append(.file(path: path, minimumVersion: child.childText("minimumversion")))
            case "registry":
                hints.append(
                    .registry(
                        keyPath: child.childText("keypath") ?? "", valueName: child.childText("valuename"),
                        valueValue: child.childText("valuevalue"), minimumVersion: child.childText("minimumversion")))
            case "msiproductcode":
                hints.append(.msiProductCode(productCode: child.trimmedText))
            default:
                warn(child, "unknown discovery hint <\(child.name)> skipped")
            }
        }
        switch hints.count {
        case 0: return nil
        case 1: return hints[0]
        default: return .all(hints: hints)
        }
    }

    private mutating func paddockDiscovery(_ element: BlockElement) -> DiscoveryHint? {
        switch element.key {
        case "file":
            guard let path = element.attribute("path"), !path.isEmpty else {
                warn(element, "<pd:file> needs a path attribute; ignored")
                return nil
            }
            return .file(path: path, minimumVersion: nil)
        case "command":
            let arguments = element.children("arg").map(\.trimmedText)
            guard !arguments.isEmpty else {
                warn(element, "<pd:command> needs at least one <pd:arg>; ignored")
                return nil
            }
            return .command(
                arguments: arguments, pattern: element.attribute("pattern"),
                minimumVersion: element.attribute("minimumVersion"))
        case "dpkg":
            guard let package = element.attribute("package"), !package.isEmpty else {
                warn(element, "<pd:dpkg> needs a package attribute; ignored")
                return nil
            }
            return .dpkg(package: package, minimumVersion: element.attribute("minimumVersion"))
        default:
            warn(element, "unknown paddock discovery hint <\(element.name)> skipped")
            return nil
        }
    }
}

extension BlockElement {
    /// Feed-level `title`/`id` sometimes carry a `resourceName`; the text is what counts.
    var childTextOrOwn: String? { trimmedText.nilIfEmpty }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
