// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for paddock's readers of untrusted input. A package of its own, so that
// `swift build`/`swift test` of paddock and .ci/run never build it (the sanitizer build is slow
// and has its own .build here); scripts/fuzz.sh builds and runs it with
// `-sanitize=fuzzer,address -parse-as-library`, which instruments paddock's modules as well.
let package = Package(
    name: "PaddockFuzz",
    dependencies: [.package(name: "paddock", path: "..")],
    targets: [
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport"),
        .target(name: "FuzzDriver", path: "Sources/FuzzDriver"),
        .executableTarget(
            name: "FuzzFeed", dependencies: [.product(name: "PaddockParsers", package: "paddock"), "FuzzSupport", "FuzzDriver"], path: "Sources/FuzzFeed"),
        .executableTarget(
            name: "FuzzWebDeploy", dependencies: [.product(name: "PaddockParsers", package: "paddock"), "FuzzSupport", "FuzzDriver"],
            path: "Sources/FuzzWebDeploy"),
        .executableTarget(
            name: "FuzzAppManifest", dependencies: [.product(name: "PaddockParsers", package: "paddock"), "FuzzSupport", "FuzzDriver"],
            path: "Sources/FuzzAppManifest"),
        .executableTarget(
            name: "FuzzConfig", dependencies: [.product(name: "PaddockParsers", package: "paddock"), "FuzzSupport", "FuzzDriver"], path: "Sources/FuzzConfig"),
        .executableTarget(
            name: "FuzzArchive", dependencies: [.product(name: "PaddockParsers", package: "paddock"), "FuzzSupport", "FuzzDriver"],
            path: "Sources/FuzzArchive"),
    ],
    swiftLanguageModes: [.v6]
)
