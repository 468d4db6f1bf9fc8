import FuzzDriver
import FuzzSupport
import PaddockXML

/// paddock-app.xml, which comes inside a template or an app's own files.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAppManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? AppManifestReader.read(path: Scratch.write(data, size, name: "paddock-app.xml"))
    return 0
}

/// The entry point SwiftPM's link names (see FuzzDriver.h): hands over to libFuzzer.
@_cdecl("FuzzAppManifest_main")
public func fuzzAppManifestMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    paddock_fuzz_main(argc, argv)
}
