// swift-tools-version:6.0
import PackageDescription

// One set of settings for every target: Swift 6 language mode, strict concurrency.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "paddock",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "paddock", targets: ["paddock"]),
        .executable(name: "InstallBenchmark", targets: ["InstallBenchmark"]),
        // The readers of untrusted input, for the libFuzzer package in Fuzz/ (scripts/fuzz.sh).
        .library(name: "PaddockParsers", targets: ["PaddockXML", "PaddockBasics", "PaddockArchive"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
    ],
    targets: [
        // C libraries from Debian, each behind a tiny system-library target.
        .systemLibrary(
            name: "CLibXML2", pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CLibArchive", pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]),

        // Pure core: no disk, network or process code.
        .target(name: "FeedModel", swiftSettings: swiftSettings),
        .target(name: "Resolver", dependencies: ["FeedModel"], swiftSettings: swiftSettings),

        // I/O around the core.
        .target(name: "PaddockXML", dependencies: ["FeedModel", "PaddockBasics", "CLibXML2"], swiftSettings: swiftSettings),
        .target(name: "PaddockSQLite", dependencies: ["CSQLite"], swiftSettings: swiftSettings),
        // What every I/O module shares: the one check that keeps a path under its root.
        .systemLibrary(name: "CSpawn"),
        .target(name: "PaddockBasics", dependencies: ["FeedModel", "CSpawn"], swiftSettings: swiftSettings),
        .target(
            name: "PaddockSigning", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
        .target(
            name: "PaddockStore", dependencies: ["FeedModel", "PaddockXML", "PaddockBasics", "PaddockSQLite", "PaddockSigning"],
            swiftSettings: swiftSettings),
        .target(name: "PaddockSystem", dependencies: ["FeedModel", "PaddockBasics"], swiftSettings: swiftSettings),
        .target(name: "PaddockApps", dependencies: ["FeedModel", "PaddockBasics"], swiftSettings: swiftSettings),
        .target(name: "PaddockState", dependencies: ["FeedModel", "PaddockSQLite", "PaddockBasics"], swiftSettings: swiftSettings),
        .target(name: "PaddockArchive", dependencies: ["CLibArchive", "PaddockBasics", "FeedModel"], swiftSettings: swiftSettings),
        .target(
            name: "PaddockDownload",
            dependencies: ["FeedModel", "PaddockBasics", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
        // The services (SwiftPM's Workspace): install, upgrade, uninstall, recovery, doctor,
        // offline bundles and the app lifecycle, on one ServiceContext; no ArgumentParser here.
        .target(
            name: "PaddockServices",
            dependencies: [
                "FeedModel", "PaddockXML", "PaddockBasics", "PaddockStore", "PaddockState", "PaddockSystem", "PaddockApps", "PaddockArchive",
                "PaddockDownload", "PaddockSigning", "PaddockSQLite", "Resolver",
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "PaddockCommands",
            dependencies: [
                "FeedModel", "PaddockXML", "PaddockBasics", "PaddockStore", "PaddockState", "PaddockSystem", "PaddockApps", "PaddockArchive", "PaddockDownload", "PaddockSigning", "Resolver",
                "PaddockServices",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        // libcurl loaded on first use rather than at start (Sources/CCurlLoader/curl_loader.c).
        .target(name: "CCurlLoader"),
        .executableTarget(
            name: "paddock",
            dependencies: [
                "PaddockCommands", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .target(name: "CCurlLoader", condition: .when(platforms: [.linux])),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: [
                // jemalloc (Debian's libjemalloc-dev) as the process's allocator, as Vapor's deployment
                // template links it: reading a large feed allocates millions of small values on three
                // threads, and glibc's malloc spent a fifth of that time in its own bookkeeping
                // (Benchmarks/feed-benchmark/RESULTS.md).
                .linkedLibrary("jemalloc", .when(platforms: [.linux]))
            ]),

        // Times paddock's download + verify + extract against curl + sha256sum + bsdtar.
        .executableTarget(
            name: "InstallBenchmark", dependencies: ["PaddockDownload", "PaddockArchive", "TestSupport"],
            path: "Benchmarks/InstallBenchmark", swiftSettings: swiftSettings),

        .target(name: "TestSupport", dependencies: ["FeedModel", "Resolver"], path: "Tests/TestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "FeedModelTests", dependencies: ["FeedModel"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ResolverTests", dependencies: ["Resolver", "PaddockBasics", "FeedModel", "PaddockXML", "TestSupport"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PaddockXMLTests", dependencies: ["PaddockXML", "FeedModel", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PaddockStoreTests", dependencies: ["PaddockStore", "PaddockBasics", "PaddockSigning", "PaddockSQLite", "PaddockXML", "FeedModel", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PaddockServicesTests",
            dependencies: ["PaddockServices", "PaddockApps", "PaddockState", "PaddockStore", "PaddockSystem", "PaddockBasics", "FeedModel", "Resolver", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(name: "PaddockBasicsTests", dependencies: ["PaddockBasics", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "PaddockSigningTests", dependencies: ["PaddockSigning"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PaddockStateTests", dependencies: ["PaddockState", "PaddockSystem", "PaddockSQLite", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PaddockSystemTests", dependencies: ["PaddockSystem", "PaddockBasics", "FeedModel", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PaddockArchiveTests", dependencies: ["PaddockArchive", "CLibArchive", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PaddockDownloadTests", dependencies: ["PaddockDownload", "FeedModel", "TestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "PaddockAppsTests", dependencies: ["PaddockApps", "FeedModel", "TestSupport"],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "ResolverBenchmark", dependencies: ["Resolver", "FeedModel", "TestSupport"], path: "Benchmarks/ResolverBenchmark",
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests", dependencies: ["TestSupport", "PaddockApps", "PaddockBasics", "PaddockState"],
            // The pseudo-terminal driver the tests run with python3.
            exclude: ["pty_driver.py", "pty_record.py"], swiftSettings: swiftSettings),
    ],
    swiftLanguageModes: [.v6]
)
