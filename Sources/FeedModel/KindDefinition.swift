/// An installer kind defined as data (`~/.config/paddock/kinds/NAME.xml`): the commands that
/// install, remove and look for one package, as argv templates. How a user adds gem, npm or
/// cpanm (per-app vendor folders) without a new paddock: placeholders `{{package}}`,
/// `{{version}}`, `{{app_root}}`, `{{environment}}` (the app's folder for this kind) and
/// `{{programs}}` are filled in per package; nothing goes through a shell.
public struct KindDefinition: Sendable, Hashable {
    public var name: String
    /// Where the kind's packages go inside an app (`{{app_root}}/vendor`), when it is app-scoped.
    public var environment: String?
    /// Run once per package; a non-zero status fails the install (and rolls it back).
    public var install: [String]
    /// Run to undo an install and to uninstall; its failure is reported, not fatal.
    public var remove: [String]
    /// Exit status 0 when the package is present (`paddock doctor`); empty: not checked.
    public var present: [String]
    /// What an offline bundle says the kind needs on the other machine.
    public var offlineReason: String?
    /// The file it was read from, for messages.
    public var file: String

    public init(
        name: String, environment: String? = nil, install: [String], remove: [String] = [], present: [String] = [],
        offlineReason: String? = nil, file: String
    ) {
        self.name = name
        self.environment = environment
        self.install = install
        self.remove = remove
        self.present = present
        self.offlineReason = offlineReason
        self.file = file
    }
}
