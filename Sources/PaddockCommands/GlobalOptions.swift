import ArgumentParser

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print more detail: warnings in full, every line a step's programs print.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Print only errors.")
    var quiet = false

    @Option(name: .long, help: "Colour: auto (on a terminal, unless NO_COLOR is set; FORCE_COLOR forces it), always or never.")
    var color: ColorChoice = .auto
}

/// `--color`: decided for stdout and stderr each (one may be a terminal when the other is not).
enum ColorChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, always, never
}
