#ifndef PADDOCK_FUZZ_DRIVER_H
#define PADDOCK_FUZZ_DRIVER_H

/// Runs libFuzzer on the target's LLVMFuzzerTestOneInput. SwiftPM links every executable with
/// `main` defined as `<Module>_main` (so tests can link executables), which keeps libFuzzer's own
/// main() out; each target defines `<Module>_main` to call this, and libFuzzer's documented
/// entry point for that case, LLVMFuzzerRunDriver, does the rest.
int paddock_fuzz_main(int argc, char **argv);

#endif
