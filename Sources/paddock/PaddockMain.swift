import ArgumentParser
import PaddockCommands

/// The executable is only this: everything lives in PaddockCommands so tests can reach it.
@main
extension Paddock {}
