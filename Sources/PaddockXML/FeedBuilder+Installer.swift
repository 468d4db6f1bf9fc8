import FeedModel

extension FeedBuilder {
    /// One `<installer>`. Windows-only parts are kept (and shown as "no installer for linux");
    /// a `pd:install` makes it a Linux installer.
    mutating func installer(_ element: BlockElement, productId: String) -> Installer? {
        var installer = Installer(id: element.childText("id"))
        for child in element.children {
            if child.namespaceKind == .paddock {
                takePaddockInstallerField(child, into: &installer, productId: productId)
                continue
            }
            guard child.namespaceKind == .webPI else { continue }
            switch child.key {
            case "id": break
            case "languageid":
                if let language = child.trimmedText.nilIfEmpty { installer.languageIds.append(language) }
            case "oslist":
                if let idref = child.attribute("idref") {
                    installer.osListReference = idref
                } else {
                    installer.operatingSystems = child.children("os").map { listedOS($0) }
                }
            case "architectures":
                installer.architectures += child.children.map { $0.name.lowercased() }
            case "eulaurl", "relativeeulaurl":
                installer.eulaURL = installer.eulaURL ?? child.trimmedText.nilIfEmpty
            case "installerfile":
                installer.file = installerFile(child, productId: productId)
            case "installcommands":
                installer.commands = installCommands(child, productId: productId)
            case "msdeploy":
                installer.isMSDeploy = true
                // The kateroh sample nests <startPage> in <startPage>: the innermost text wins.
                var page = child.child("startpage")
                while let inner = page?.child("startpage") { page = inner }
                installer.startPage = page.map { $0.text.trimmingWhitespace() }
            case "helplink", "logfiles", "helplinkurl":
                break
            default:
                warn(child, "unknown element <\(child.name)> in an installer of '\(productId)' skipped")
            }
        }
        return installer
    }

    private mutating func installerFile(_ element: BlockElement, productId: String) -> InstallerFile {
        var file = InstallerFile()
        for child in element.children {
            let text = child.trimmedText
            if child.namespaceKind == .paddock {
                if child.key == "sha256" {
                    file.sha256 = checkedHash(child, text, length: 64, name: "pd:sha256", productId: productId)
                } else {
                    warn(child, "unknown paddock element <\(child.name)> in <installerFile> skipped")
                }
                continue
            }
            guard child.namespaceKind == .webPI else { continue }  // Foreign extensions: ignored.
            switch child.key {
            case "filesize":
                if let size = Int(text), size >= 0 {
                    file.fileSizeKB = size
                } else if !text.isEmpty {
                    warn(child, "fileSize '\(text)' of '\(productId)' is not a whole number; the download size is unknown")
                }
            case "installerurl": file.url = text.nilIfEmpty
            case "relativeinstallerurl": file.relativeURL = text.nilIfEmpty
            case "displayurl": file.displayURL = text.nilIfEmpty
            case "sha1": file.sha1 = checkedHash(child, text, length: 40, name: "sha1", productId: productId)
            case "trackingurl": break
            default: warn(child, "unknown element <\(child.name)> in <installerFile> skipped")
            }
        }
        return file
    }

    /// An ASCII hex digit (lower case: hashes are lowered first).
    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte)
    }

    /// Hashes are compared case-insensitively; a placeholder (`__sha1__`) is kept as written so
    /// that verification fails at install time, and warned about now.
    private mutating func checkedHash(
        _ element: BlockElement, _ text: String, length: Int, name: String, productId: String
    ) -> String? {
        guard !text.isEmpty else { return nil }
        let lowered = text.lowercased()
        if lowered.utf8.count != length || !lowered.utf8.allSatisfy(Self.isHexDigit) {
            warn(element, "\(name) '\(text)' of '\(productId)' is not \(length) hex digits; installing it will fail verification")
        }
        return lowered
    }

    private mutating func installCommands(_ element: BlockElement, productId: String) -> [InstallCommand] {
        element.children.compactMap { command in
            guard command.namespaceKind == .webPI else { return nil }  // Foreign extensions: ignored.
            switch command.key {
            case "msiinstall":
                return .msiInstall(msi: command.childText("msi"), properties: command.childText("properties"))
            case "msuinstall":
                return .msuInstall
            case "cmdline":
                guard let exe = command.childText("exe") else {
                    warn(command, "<\(command.name)> of '\(productId)' has no <exe>; ignored")
                    return nil
                }
                return .commandLine(
                    exe: exe, arguments: command.childText("commandlinearguments"),
                    ignoreExitCode: command.childText("ignoreexitcode")?.lowercased() == "true")
            default:
                warn(command, "unknown install command <\(command.name)> of '\(productId)' skipped")
                return nil
            }
        }
    }

    // MARK: - paddock's Linux extension

    private mutating func takePaddockInstallerField(
        _ element: BlockElement, into installer: inout Installer, productId: String
    ) {
        switch element.key {
        case "install":
            guard let kindText = element.attribute("kind"), let kind = LinuxInstall.Kind(rawValue: kindText.lowercased())
            else {
                let given = element.attribute("kind").map { " ('\($0.escapingControlCharacters)' is not a kind's name)" } ?? ""
                warn(element, "<pd:install> of '\(productId)' needs kind= an installer kind (apt, pip, archive, command, or one defined as data)\(given); this installer is not usable on Linux")
                return
            }
            let scope: LinuxInstall.Scope
            if let scopeText = element.attribute("scope") {
                guard let parsed = LinuxInstall.Scope(rawValue: scopeText.lowercased()) else {
                    warn(element, "<pd:install> scope '\(scopeText)' of '\(productId)' is not system, user or app; this installer is not usable")
                    return
                }
                scope = parsed
            } else {
                scope = kind.defaultScope
            }
            var install = LinuxInstall(kind: kind, scope: scope)
            install.packages = element.children("package").compactMap { package in
                guard let name = package.attribute("name"), !name.isEmpty else {
                    warn(package, "<pd:package> needs a name attribute; skipped")
                    return nil
                }
                let hashes = (package.attribute("sha256") ?? "").split(whereSeparator: \.isWhitespace).map { $0.lowercased() }
                for hash in hashes where hash.count != 64 || !hash.allSatisfy(\.isHexDigit) {
                    warn(package, "pd:package sha256 '\(hash)' of '\(name)' is not 64 hex digits; installing it will fail verification")
                }
                return LinuxInstall.Package(name: name, version: package.attribute("version"), sha256: hashes)
            }
            install.arguments = element.children("arg").map(\.trimmedText)
            install.ignoreExitCode = element.attribute("ignoreExitCode")?.lowercased() == "true"
            if let strip = element.attribute("strip") {
                if let count = Int(strip), count >= 0 {
                    install.stripComponents = count
                } else {
                    warn(element, "<pd:install> strip '\(strip)' is not a whole number; 0 is used")
                }
            }
            if let destination = element.attribute("destination") {
                // The folder is made under paddock's programs folder; one that could leave it
                // (checked again, with links resolved, where it is used) is refused here too.
                let parts = destination.split(separator: "/")
                if destination.hasPrefix("/") || parts.isEmpty || parts.contains("..")
                    || destination.containsControlCharacter
                {
                    warn(
                        element,
                        "<pd:install> destination '\(destination.escapingControlCharacters)' of '\(productId)' must be a folder name inside paddock's programs folder (relative, no '..'); this installer is not usable"
                    )
                    return
                }
                install.destination = destination
            }
            if (kind == .apt || kind == .pip) && install.packages.isEmpty {
                warn(element, "<pd:install kind=\"\(kind.rawValue)\"> of '\(productId)' names no <pd:package>")
            }
            if kind == .command && install.arguments.isEmpty {
                warn(element, "<pd:install kind=\"command\"> of '\(productId)' has no <pd:arg>")
            }
            installer.linux = install
            if let distributions = element.attribute("distributions") {
                installer.distributions = distributions.split(whereSeparator: \.isWhitespace).map { String($0).lowercased() }
            }
            if let architectures = element.attribute("architectures") {
                installer.architectures += architectures.split(whereSeparator: \.isWhitespace).map { String($0).lowercased() }
            }
        default:
            warn(element, "unknown paddock element <\(element.name)> in an installer of '\(productId)' skipped")
        }
    }
}
