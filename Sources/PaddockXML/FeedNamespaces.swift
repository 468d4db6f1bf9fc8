/// The XML namespaces a feed may use.
public enum FeedNamespace {
    /// WebPI writes everything in the Atom namespace.
    public static let atom = "http://www.w3.org/2005/Atom"
    /// paddock's Linux extension. A URN rather than a URL, so nothing ever tries to fetch it.
    public static let paddock = "urn:paddock:feed:1"

    /// WebPI elements are Atom elements; feeds written without a default namespace are read too.
    static func isWebPI(_ uri: String) -> Bool { uri == atom || uri.isEmpty }

    /// What a namespace is to the feed reader: told once per namespace a block uses, so that the
    /// builder compares small values instead of URIs for every element.
    enum Kind {
        case webPI, paddock, foreign

        init(uri: String) {
            self = FeedNamespace.isWebPI(uri) ? .webPI : uri == FeedNamespace.paddock ? .paddock : .foreign
        }
    }
}
