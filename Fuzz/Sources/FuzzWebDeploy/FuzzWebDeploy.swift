import FuzzDriver
import FuzzSupport
import PaddockXML

/// Web Deploy's parameters.xml (from bytes) and manifest.xml (from a file) on any bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebDeploy(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? WebDeployReader.parameters(bytes: bytes, label: "parameters.xml")
    _ = try? WebDeployReader.manifest(path: Scratch.write(data, size, name: "manifest.xml"))
    return 0
}

/// The entry point SwiftPM's link names (see FuzzDriver.h): hands over to libFuzzer.
@_cdecl("FuzzWebDeploy_main")
public func fuzzWebDeployMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    paddock_fuzz_main(argc, argv)
}
