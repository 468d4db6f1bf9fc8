import ArgumentParser
import Foundation
import PaddockBasics
import PaddockSigning
import PaddockStore

#if canImport(Glibc)
    import Glibc
#endif

/// `paddock feed keygen NAME`: a minisign key pair, NAME.key (secret) and NAME.pub.
struct FeedKeygen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen", abstract: "Make a key pair for signing feeds (minisign's format).",
        discussion: """
            Writes NAME.key (the secret key, readable by you only, not password-protected) and \
            NAME.pub (the public key, to publish). The files are minisign's: 'minisign -S -s NAME.key' \
            and 'minisign -V -p NAME.pub' work with them, and keys made by 'minisign -G -W' work here.

            Examples:
              paddock feed keygen zoo
              paddock feed sign feed.xml --secret-key zoo.key --expires 30d
              paddock feed add https://example.org/feed.xml --key zoo.pub
            """)
    @Argument(help: "The files' path without extension: NAME.key and NAME.pub.") var name: String
    @Flag(help: "Overwrite existing key files.") var force = false
    @OptionGroup var options: GlobalOptions

    struct Report: Encodable {
        var publicKey: String
        var keyId: String
        var publicKeyFile: String
        var secretKeyFile: String
    }

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let secretFile = name + ".key", publicFile = name + ".pub"
            for file in [secretFile, publicFile] where !force && FileManager.default.fileExists(atPath: file) {
                throw ServiceError("'\(file)' already exists; choose another name, or pass --force to replace the key pair", .usage)
            }
            let secret = MinisignSecretKey.generate()
            try writeSecret(secret.fileText, to: secretFile)
            try Data(secret.publicKey.fileText.utf8).write(to: URL(fileURLWithPath: publicFile))
            if context.output.json {
                try context.output.printJSON(
                    Report(publicKey: secret.publicKey.base64, keyId: secret.publicKey.keyIdText, publicKeyFile: publicFile, secretKeyFile: secretFile))
                return
            }
            context.output.line("wrote \(secretFile) (the secret key: keep it safe; it is not password-protected)")
            context.output.line("wrote \(publicFile) (the public key, id \(secret.publicKey.keyIdText))")
            context.output.line("public key: \(secret.publicKey.base64)")
            context.output.line("next: paddock feed sign FEED --secret-key \(secretFile)")
        }
    }

    /// Created with mode 0600 from the start, so the secret is never readable by others.
    private func writeSecret(_ text: String, to path: String) throws {
        let descriptor = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0o600)
        guard descriptor >= 0 else {
            throw ServiceError("cannot write '\(path)': \(String(cString: strerror(errno)))", .cannotCreate)
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }
}

/// `paddock feed sign FEED... --secret-key KEY`: FEED.sig beside each feed.
struct FeedSign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign", abstract: "Sign feeds: a detached minisign signature FEED.sig beside each.",
        discussion: """
            The signature is minisign's legacy format ('minisign -S -l'): Ed25519 over the feed's bytes, \
            with a trusted comment 'timestamp:SECONDS<TAB>file:NAME' that is signed too. paddock \
            refuses, on update, a copy signed earlier than the one it has (a rollback). Sign again \
            after every change to the feed, and publish FEED and FEED.sig together.

            --expires 30d adds 'expires:SECONDS' to the trusted comment: paddock warns when fewer \
            than 7 days are left and refuses the copy after it (a frozen feed). Without it a \
            signature expires 365 days after its timestamp. Re-sign before it runs out.

            Examples:
              paddock feed sign feed.xml --secret-key zoo.key --expires 30d
              paddock feed sign Feeds/*.xml --secret-key ~/.minisign/zoo.key
              minisign -S -l -s zoo.key -m feed.xml -x feed.xml.sig     (the same, with minisign)
            """)
    @Argument(help: "The feed files to sign.") var feeds: [String]
    @Option(help: "The secret key file (from 'paddock feed keygen', or 'minisign -G -W').") var secretKey: String
    @Option(help: "The trusted comment (default: timestamp and file name); 'timestamp:' is added when missing.")
    var trustedComment: String?
    @Option(help: "How long the signature is good for: a number and d (days), h (hours) or w (weeks), e.g. 30d.")
    var expires: String?
    @Flag(help: "Sign the BLAKE2b-512 of the file (minisign's default 'ED') instead of the bytes.") var prehash = false
    @OptionGroup var options: GlobalOptions

    struct Signed: Encodable {
        var feed: String
        var signature: String
        var keyId: String
        var trustedComment: String
    }

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            guard let text = try? String(contentsOfFile: secretKey, encoding: .utf8) else {
                throw ServiceError("cannot read the secret key '\(secretKey)'; make one with 'paddock feed keygen NAME'", .noInput)
            }
            let secret: MinisignSecretKey
            do { secret = try MinisignSecretKey(fileText: text) } catch let error as SignatureError {
                throw ServiceError("'\(secretKey)': \(error)", .dataError)
            }
            let lifetime = try expires.map { text in
                guard let seconds = FeedSign.lifetime(text) else {
                    throw ServiceError("--expires '\(text)': give a number of days, hours or weeks above 0, e.g. 30d, 12h or 2w", .usage)
                }
                return seconds
            }
            var signed: [Signed] = []
            for feed in feeds {
                guard let data = FileManager.default.contents(atPath: feed) else {
                    throw ServiceError("no file at '\(feed)'; check the path", .noInput)
                }
                let now = Int(Date().timeIntervalSince1970)
                var comment = trustedComment ?? "timestamp:\(now)\tfile:\((feed as NSString).lastPathComponent)"
                if !comment.contains("timestamp:") { comment = "timestamp:\(now)\t" + comment }
                if let lifetime {
                    guard !comment.contains("expires:") else {
                        throw ServiceError("--expires and a trusted comment with 'expires:' say it twice; give one", .usage)
                    }
                    comment += "\texpires:\(now + lifetime)"
                }
                let signature: MinisignSignature
                do {
                    signature = try secret.sign([UInt8](data), trustedComment: comment, prehashed: prehash)
                } catch let error as SignatureError {
                    throw ServiceError("\(error)", .usage)
                }
                let output = feed + ".sig"
                try Data(signature.fileText.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
                signed.append(Signed(feed: feed, signature: output, keyId: secret.publicKey.keyIdText, trustedComment: comment))
            }
            if context.output.json {
                try context.output.printJSON(signed)
            } else {
                for item in signed { context.output.line("signed \(item.feed) → \(item.signature) (key \(item.keyId))") }
            }
        }
    }
}

extension FeedSign {
    /// "30d", "12h", "2w": seconds; nil when it is not a whole number above 0 with one of those.
    static func lifetime(_ text: String) -> Int? {
        let units = ["h": 3600, "d": 86400, "w": 7 * 86400]
        guard let unit = text.last.map(String.init), let multiplier = units[unit], let count = Int(text.dropLast()), count > 0,
            count <= 100 * 366
        else { return nil }
        return count * multiplier
    }
}

/// `paddock feed verify FEED --key KEY`: checks FEED.sig as 'feed add --key' would.
struct FeedVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check a feed's signature (FEED.sig) with a public key.",
        discussion: """
            Checks what 'paddock feed add FEED --key KEY' checks, without adding anything; prints the \
            signature's trusted comment. Exit 65 when the signature does not verify.

            Examples:
              paddock feed verify feed.xml --key zoo.pub
              paddock feed verify bundle/feed.xml --key zoo --json
            """)
    @Argument(help: "The feed file.") var feed: String
    @Option(help: "A minisign public key (RW...), a .pub file, or a name from config.toml's [keys].") var key: String
    @OptionGroup var options: GlobalOptions

    struct Verified: Encodable {
        var feed: String
        var keyId: String
        var trustedComment: String?
        var signedAt: Int?
        var expiresAt: Int?
    }

    func run() async throws {
        let context = CommandContext(options: options)
        try await runReportingErrors(context) {
            let config = try PaddockConfig.load(from: context.paths.configFile)
            let trusted = try TrustedKey.resolve(key, config: config)
            let path = (feed as NSString).standardizingPath
            guard let data = FileManager.default.contents(atPath: path) else {
                throw StoreError.sourceMissing(path)
            }
            let signature = try FeedSignatureCheck.verify([UInt8](data), path: path, key: trusted)
            // The clock rules 'feed add' applies: expired or future-dated copies fail here too.
            let notice = try SignedFeedClock.check(signature, feed: path, now: Int(Date().timeIntervalSince1970))
            if let notice { context.output.warning(notice) }
            if context.output.json {
                try context.output.printJSON(
                    Verified(
                        feed: path, keyId: signature.keyId, trustedComment: signature.trustedComment, signedAt: signature.signedAt,
                        expiresAt: signature.expiresAt))
            } else {
                context.output.line("good signature on \(path) by key \(signature.keyId)")
                if let comment = signature.trustedComment { context.output.line("trusted comment: \(comment)") }
            }
        }
    }
}
