import FeedModel
import Foundation

/// The compact binary form of a product in the index (the `body` column): a version byte,
/// then every field in a fixed order, strings and arrays prefixed with their length as a
/// LEB128 varint, optionals with a 0/1 byte. Several times faster than JSON to write and
/// read, and about half the size. Changing the layout means a new `version` and a new
/// `CatalogSchema.indexFormat`, so that old indexes are rebuilt from the cached feeds.
/// `--json` output is not this: it stays Codable.
enum ProductCodec {
    static let version: UInt8 = 1

    struct DecodingError: Error, CustomStringConvertible {
        var description: String
    }

    static func encode(_ product: Product) -> [UInt8] {
        var writer = Writer()
        // A product with installers, dependencies and a long summary is 1-3 KB: no regrowth.
        writer.bytes.reserveCapacity(4096)
        writer.byte(version)
        writer.product(product)
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8]) throws -> Product {
        var reader = Reader(bytes: bytes)
        guard try reader.byte() == version else {
            throw DecodingError(description: "product body in an unknown format; run any paddock command to rebuild the index")
        }
        let product = try reader.product()
        guard reader.offset == bytes.count else { throw DecodingError(description: "trailing bytes after a product body") }
        return product
    }

    // MARK: - Writing

    struct Writer {
        var bytes: [UInt8] = []

        mutating func byte(_ value: UInt8) { bytes.append(value) }
        mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }
        mutating func unsigned(_ value: UInt64) {
            var value = value
            while value >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
                value >>= 7
            }
            bytes.append(UInt8(value))
        }
        mutating func int(_ value: Int) {
            let wide = Int64(value)
            unsigned(UInt64(bitPattern: (wide << 1) ^ (wide >> 63)))  // Zigzag: small negatives stay short.
        }
        mutating func string(_ value: String) {
            var value = value
            value.withUTF8 { utf8 in
                unsigned(UInt64(utf8.count))
                bytes.append(contentsOf: utf8)
            }
        }
        mutating func optional<T>(_ value: T?, _ write: (inout Writer, T) -> Void) {
            if let value {
                bytes.append(1)
                write(&self, value)
            } else {
                bytes.append(0)
            }
        }
        mutating func string(_ value: String?) { optional(value) { $0.string($1) } }
        mutating func array<T>(_ values: [T], _ write: (inout Writer, T) -> Void) {
            unsigned(UInt64(values.count))
            for value in values { write(&self, value) }
        }
        mutating func strings(_ values: [String]) { array(values) { $0.string($1) } }

        mutating func date(_ value: FeedDate?) {
            optional(value) { writer, date in
                writer.string(date.text)
                writer.optional(date.date) { writer, instant in
                    var bits = instant.timeIntervalSince1970.bitPattern.littleEndian
                    withUnsafeBytes(of: &bits) { writer.bytes.append(contentsOf: $0) }
                }
            }
        }

        mutating func product(_ p: Product) {
            string(p.productId)
            string(p.title)
            string(p.version)
            string(p.summary)
            string(p.longSummary)
            string(p.productFamily)
            string(p.frameworkFamily)
            bool(p.isApplication)
            string(p.atomId)
            strings(p.links)
            array(p.authors) { w, a in
                w.string(a.name)
                w.string(a.uri)
                w.string(a.email)
            }
            date(p.published)
            date(p.updated)
            date(p.addedToFeed)
            string(p.iconURL)
            strings(p.screenshots)
            strings(p.keywords)
            optional(p.dependency) { $0.dependency($1) }
            strings(p.relatedProducts)
            array(p.incompatibilities) { $0.requirement($1) }
            bool(p.searchExclude)
            optional(p.discovery) { $0.discovery($1) }
            array(p.installers) { $0.installer($1) }
            int(p.line)
        }

        mutating func requirement(_ r: ProductRequirement) {
            string(r.productId)
            string(r.constraint)
        }

        mutating func dependency(_ e: DependencyExpression) {
            switch e {
            case .product(let r):
                byte(0)
                requirement(r)
            case .all(let children):
                byte(1)
                array(children) { $0.dependency($1) }
            case .any(let children):
                byte(2)
                array(children) { $0.dependency($1) }
            case .named(let name):
                byte(3)
                string(name)
            }
        }

        mutating func discovery(_ h: DiscoveryHint) {
            switch h {
            case .file(let path, let minimum):
                byte(0)
                string(path)
                string(minimum)
            case .registry(let keyPath, let valueName, let valueValue, let minimum):
                byte(1)
                string(keyPath)
                string(valueName)
                string(valueValue)
                string(minimum)
            case .msiProductCode(let code):
                byte(2)
                string(code)
            case .command(let arguments, let pattern, let minimum):
                byte(3)
                strings(arguments)
                string(pattern)
                string(minimum)
            case .dpkg(let package, let minimum):
                byte(4)
                string(package)
                string(minimum)
            case .any(let hints):
                byte(5)
                array(hints) { $0.discovery($1) }
            case .all(let hints):
                byte(6)
                array(hints) { $0.discovery($1) }
            }
        }

        mutating func os(_ os: OperatingSystemSpec) {
            string(os.minimumVersion)
            string(os.maximumVersion)
            strings(os.osTypes)
            string(os.reference)
        }

        mutating func installer(_ i: Installer) {
            string(i.id)
            strings(i.languageIds)
            array(i.operatingSystems) { $0.os($1) }
            string(i.osListReference)
            strings(i.architectures)
            string(i.eulaURL)
            optional(i.file) { w, f in
                w.optional(f.fileSizeKB) { $0.int($1) }
                w.string(f.url)
                w.string(f.relativeURL)
                w.string(f.displayURL)
                w.string(f.sha1)
                w.string(f.sha256)
            }
            array(i.commands) { w, c in
                switch c {
                case .msiInstall(let msi, let properties):
                    w.byte(0)
                    w.string(msi)
                    w.string(properties)
                case .msuInstall:
                    w.byte(1)
                case .commandLine(let exe, let arguments, let ignoreExitCode):
                    w.byte(2)
                    w.string(exe)
                    w.string(arguments)
                    w.bool(ignoreExitCode)
                }
            }
            bool(i.isMSDeploy)
            string(i.startPage)
            optional(i.linux) { w, l in
                w.string(l.kind.rawValue)
                w.string(l.scope.rawValue)
                w.array(l.packages) { w, p in
                    w.string(p.name)
                    w.string(p.version)
                    w.strings(p.sha256)
                }
                w.strings(l.arguments)
                w.bool(l.ignoreExitCode)
                w.int(l.stripComponents)
                w.string(l.destination)
            }
            strings(i.distributions)
        }
    }

    // MARK: - Reading

    struct Reader {
        let bytes: [UInt8]
        var offset = 0

        private func corrupt(_ what: String) -> DecodingError {
            DecodingError(description: "product body is damaged (\(what) at byte \(offset)); run 'paddock feed update' to rebuild it")
        }

        mutating func byte() throws -> UInt8 {
            guard offset < bytes.count else { throw corrupt("ends early") }
            defer { offset += 1 }
            return bytes[offset]
        }
        mutating func bool() throws -> Bool {
            switch try byte() {
            case 0: return false
            case 1: return true
            default: throw corrupt("a flag that is not 0 or 1")
            }
        }
        mutating func unsigned() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let next = try byte()
                guard shift < 64 else { throw corrupt("a number too long") }
                result |= UInt64(next & 0x7f) << shift
                if next & 0x80 == 0 { return result }
                shift += 7
            }
        }
        mutating func int() throws -> Int {
            let raw = try unsigned()
            return Int(Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1))))
        }
        mutating func count() throws -> Int {
            let value = try unsigned()
            guard value <= UInt64(bytes.count - offset) else { throw corrupt("a length past the end") }
            return Int(value)
        }
        mutating func string() throws -> String {
            let length = try count()
            defer { offset += length }
            return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
        }
        mutating func optional<T>(_ read: (inout Reader) throws -> T) throws -> T? {
            try bool() ? read(&self) : nil
        }
        mutating func optionalString() throws -> String? { try optional { try $0.string() } }
        mutating func array<T>(_ read: (inout Reader) throws -> T) throws -> [T] {
            let count = try count()
            var result: [T] = []
            result.reserveCapacity(count)
            for _ in 0..<count { result.append(try read(&self)) }
            return result
        }
        mutating func strings() throws -> [String] { try array { try $0.string() } }

        mutating func date() throws -> FeedDate? {
            try optional { reader in
                let text = try reader.string()
                let instant = try reader.optional { reader -> Date in
                    guard reader.offset + 8 <= reader.bytes.count else { throw reader.corrupt("ends early") }
                    var bits: UInt64 = 0
                    for index in 0..<8 { bits |= UInt64(reader.bytes[reader.offset + index]) << (8 * UInt64(index)) }
                    reader.offset += 8
                    return Date(timeIntervalSince1970: Double(bitPattern: bits))
                }
                return FeedDate(text: text, date: instant)
            }
        }

        mutating func product() throws -> Product {
            var p = Product(productId: try string())
            p.title = try optionalString()
            p.version = try optionalString()
            p.summary = try optionalString()
            p.longSummary = try optionalString()
            p.productFamily = try optionalString()
            p.frameworkFamily = try optionalString()
            p.isApplication = try bool()
            p.atomId = try optionalString()
            p.links = try strings()
            p.authors = try array { r in
                Author(name: try r.optionalString(), uri: try r.optionalString(), email: try r.optionalString())
            }
            p.published = try date()
            p.updated = try date()
            p.addedToFeed = try date()
            p.iconURL = try optionalString()
            p.screenshots = try strings()
            p.keywords = try strings()
            p.dependency = try optional { try $0.dependency() }
            p.relatedProducts = try strings()
            p.incompatibilities = try array { try $0.requirement() }
            p.searchExclude = try bool()
            p.discovery = try optional { try $0.discovery() }
            p.installers = try array { try $0.installer() }
            p.line = try int()
            return p
        }

        mutating func requirement() throws -> ProductRequirement {
            ProductRequirement(try string(), constraint: try optionalString())
        }

        mutating func dependency() throws -> DependencyExpression {
            switch try byte() {
            case 0: return .product(try requirement())
            case 1: return .all(try array { try $0.dependency() })
            case 2: return .any(try array { try $0.dependency() })
            case 3: return .named(try string())
            default: throw corrupt("an unknown dependency kind")
            }
        }

        mutating func discovery() throws -> DiscoveryHint {
            switch try byte() {
            case 0: return .file(path: try string(), minimumVersion: try optionalString())
            case 1:
                return .registry(
                    keyPath: try string(), valueName: try optionalString(), valueValue: try optionalString(),
                    minimumVersion: try optionalString())
            case 2: return .msiProductCode(productCode: try string())
            case 3:
                return .command(arguments: try strings(), pattern: try optionalString(), minimumVersion: try optionalString())
            case 4: return .dpkg(package: try string(), minimumVersion: try optionalString())
            case 5: return .any(hints: try array { try $0.discovery() })
            case 6: return .all(hints: try array { try $0.discovery() })
            default: throw corrupt("an unknown discovery hint kind")
            }
        }

        mutating func os() throws -> OperatingSystemSpec {
            var os = OperatingSystemSpec(minimumVersion: try optionalString(), maximumVersion: try optionalString(), osTypes: try strings())
            os.reference = try optionalString()
            return os
        }

        mutating func installer() throws -> Installer {
            var i = Installer(id: try optionalString())
            i.languageIds = try strings()
            i.operatingSystems = try array { try $0.os() }
            i.osListReference = try optionalString()
            i.architectures = try strings()
            i.eulaURL = try optionalString()
            i.file = try optional { r in
                var f = InstallerFile()
                f.fileSizeKB = try r.optional { try $0.int() }
                f.url = try r.optionalString()
                f.relativeURL = try r.optionalString()
                f.displayURL = try r.optionalString()
                f.sha1 = try r.optionalString()
                f.sha256 = try r.optionalString()
                return f
            }
            i.commands = try array { r in
                switch try r.byte() {
                case 0: return .msiInstall(msi: try r.optionalString(), properties: try r.optionalString())
                case 1: return .msuInstall
                case 2: return .commandLine(exe: try r.string(), arguments: try r.optionalString(), ignoreExitCode: try r.bool())
                default: throw r.corrupt("an unknown install command kind")
                }
            }
            i.isMSDeploy = try bool()
            i.startPage = try optionalString()
            i.linux = try optional { r in
                guard let kind = LinuxInstall.Kind(rawValue: try r.string()),
                    let scope = LinuxInstall.Scope(rawValue: try r.string())
                else { throw r.corrupt("an unknown install kind or scope") }
                var l = LinuxInstall(kind: kind, scope: scope)
                l.packages = try r.array { r in
                    LinuxInstall.Package(name: try r.string(), version: try r.optionalString(), sha256: try r.strings())
                }
                l.arguments = try r.strings()
                l.ignoreExitCode = try r.bool()
                l.stripComponents = try r.int()
                l.destination = try r.optionalString()
                return l
            }
            i.distributions = try strings()
            return i
        }
    }
}
