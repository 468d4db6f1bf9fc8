import FuzzDriver
import PaddockBasics

/// config.toml: any text is read or refused with a line number, never half-read or crashed on.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        _ = try PaddockConfig.parse(text, file: "config.toml")
    } catch let error as ConfigError {
        // Every refusal names a line of the file.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).count
        precondition(error.line >= 1 && error.line <= lines, "config error on line \(error.line) of \(lines)")
    } catch {
        preconditionFailure("config.toml refused with something other than a ConfigError: \(error)")
    }
    return 0
}

/// The entry point SwiftPM's link names (see FuzzDriver.h): hands over to libFuzzer.
@_cdecl("FuzzConfig_main")
public func fuzzConfigMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    paddock_fuzz_main(argc, argv)
}
