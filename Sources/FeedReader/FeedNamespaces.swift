/// The XML namespaces a feed may use.
public enum FeedNamespace {
    /// WebPI writes everything in the Atom namespace.
    public static let atom = "http://www.w3.org/2005/Atom"
    /// paddock's Linux extension. A URN rather than a URL, so nothing ever tries to fetch it.
    public static let paddock = "urn:paddock:feed:1"

    /// WebPI elements are Atom elements; feeds written without a default namespace are read too.
    static func isWebPI(_ uri: String) -> Bool { uri == atom || uri.isEmpty }
}
