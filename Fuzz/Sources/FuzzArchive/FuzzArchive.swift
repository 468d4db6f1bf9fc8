import FuzzDriver
import Foundation
import FuzzSupport
import PaddockArchive

/// The archive extractor on any bytes, into a fresh folder each time: it must refuse or extract,
/// and whatever it extracts stays under the folder (checked after each run).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArchive(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let archive = URL(fileURLWithPath: Scratch.write(data, size, name: "input.tar.gz"))
    let root = URL(fileURLWithPath: Scratch.folder + "/root")
    let target = root.appendingPathComponent("app")
    try? FileManager.default.removeItem(at: root)
    try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    // Small limits: the fuzzer's inputs are small, and a bomb should be refused quickly.
    _ = try? ArchiveExtractor.extract(
        archive, into: target, limits: ArchiveLimits(maxTotalBytes: 8 << 20, maxEntries: 2000, maxCompressionRatio: nil))
    // Nothing may have been written beside the target folder but the target itself.
    let beside = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
    precondition(beside.allSatisfy { $0 == "app" }, "the extractor wrote outside its target: \(beside)")
    try? FileManager.default.removeItem(at: root)
    return 0
}

/// The entry point SwiftPM's link names (see FuzzDriver.h): hands over to libFuzzer.
@_cdecl("FuzzArchive_main")
public func fuzzArchiveMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    paddock_fuzz_main(argc, argv)
}
