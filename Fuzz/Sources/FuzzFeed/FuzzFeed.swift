import FuzzDriver
import PaddockXML

/// The feed reader on any bytes: an error is a fine answer; a crash, a leak or a hang is not.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFeed(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? FeedDocumentReader.read(bytes: bytes, label: "fuzz.xml")
    return 0
}

/// The entry point SwiftPM's link names (see FuzzDriver.h): hands over to libFuzzer.
@_cdecl("FuzzFeed_main")
public func fuzzFeedMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    paddock_fuzz_main(argc, argv)
}
