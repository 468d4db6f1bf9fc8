import FeedModel

/// Chooses the installer of a product for a machine, as WebPI does, with paddock's Linux rules.
public enum InstallerSelection {
    /// The installers that can run here: the right OS, architecture and distribution.
    public static func applicableInstallers(of product: Product, on machine: MachineFacts) -> [Int] {
        product.installers.indices.filter { isApplicable(product.installers[$0], on: machine) }
    }

    public static func isApplicable(_ installer: Installer, on machine: MachineFacts) -> Bool {
        switch (machine.operatingSystem, installer.platform) {
        case (.linux, .linux), (.windows, .windows): break
        default: return false
        }
        if !installer.architectures.isEmpty {
            let wanted = Architecture.canonical(machine.architecture)
            guard installer.architectures.contains(where: { Architecture.canonical($0) == wanted }) else { return false }
        }
        if installer.platform == .linux, !installer.distributions.isEmpty {
            guard installer.distributions.contains(where: { matchesDistribution($0, machine) }) else { return false }
        }
        if installer.platform == .windows, !installer.operatingSystems.isEmpty,
            let text = machine.windowsVersion, let version = Version(text)
        {
            guard installer.operatingSystems.contains(where: { admits($0, version) }) else { return false }
        }
        return true
    }

    /// `>= 6.1`, `<= 6.0`, `5.1 to 6.0`, or nil when the spec gives no version bound.
    static func describeBounds(_ spec: OperatingSystemSpec) -> String? {
        switch (spec.minimumVersion, spec.maximumVersion) {
        case (let minimum?, let maximum?): return "\(minimum) to \(maximum)"
        case (let minimum?, nil): return ">= \(minimum)"
        case (nil, let maximum?): return "<= \(maximum)"
        case (nil, nil): return nil
        }
    }

    /// WebPI `<os>`: the machine's Windows version within the inclusive bounds that are given.
    static func admits(_ spec: OperatingSystemSpec, _ version: Version) -> Bool {
        if let minimum = spec.minimumVersion.flatMap({ Version($0) }), version < minimum { return false }
        if let maximum = spec.maximumVersion.flatMap({ Version($0) }), version > maximum { return false }
        return true
    }

    /// A distribution entry is an id (`debian`) or an id with a version (`debian-12`, `ubuntu:22.04`).
    static func matchesDistribution(_ entry: String, _ machine: MachineFacts) -> Bool {
        guard let id = machine.distribution?.lowercased() else { return false }
        let entry = entry.lowercased()
        if entry == id { return true }
        guard let version = machine.distributionVersion?.lowercased() else { return false }
        return entry == "\(id)-\(version)" || entry == "\(id):\(version)" || entry == "\(id)\(version)"
    }

    /// The index of the installer to use, or nil when none can run here.
    ///
    /// Language follows WebPI: an installer for the machine's language (or for any language),
    /// else one for `en`, else the first applicable one.
    public static func chooseInstaller(of product: Product, on machine: MachineFacts) -> Int? {
        let applicable = applicableInstallers(of: product, on: machine)
        let language = machine.language.lowercased()
        func speaks(_ index: Int, _ wanted: String) -> Bool {
            product.installers[index].languageIds.contains { $0.lowercased() == wanted }
        }
        return applicable.first { product.installers[$0].languageIds.isEmpty || speaks($0, language) }
            ?? applicable.first { speaks($0, "en") }
            ?? applicable.first
    }

    /// For messages: where the product's installers can run, e.g. `windows` or `linux/aarch64 on ubuntu`.
    public static func describeTargets(of product: Product) -> String {
        var seen: [String] = []
        for installer in product.installers {
            var text = installer.platform.rawValue
            if !installer.architectures.isEmpty {
                text += "/" + installer.architectures.map(Architecture.canonical).joined(separator: "|")
            }
            if installer.platform == .linux, !installer.distributions.isEmpty {
                text += " on " + installer.distributions.joined(separator: "|")
            }
            let bounds = installer.operatingSystems.compactMap(describeBounds)
            if installer.platform == .windows, !bounds.isEmpty { text += " " + bounds.joined(separator: " or ") }
            if !seen.contains(text) { seen.append(text) }
        }
        return seen.joined(separator: ", ")
    }
}
