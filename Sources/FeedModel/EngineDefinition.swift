/// An engine, as Helicon Zoo's `<engines>`/`<userEngines>` had them: what runs an app's code
/// (its program and arguments, its environment, how it listens, how it reloads without
/// dropping requests, how many workers, its limits). Engines are data (`Recipes/engines/*.xml`,
/// the admin's `$XDG_CONFIG_HOME/paddock/engines/*.xml`); an app's manifest names one.
public struct EngineDefinition: Hashable, Sendable, Codable {
    public var name: String
    /// Other names that mean this engine (a manifest written before engines were data named
    /// its engine after its program).
    public var aliases: [String]
    public var displayName: String?
    /// What the engine runs on (`python3`, `ruby`, `node`): informative, and shown by `paddock engines`.
    public var runtime: String
    /// The program (looked up on the engine's PATH, after its own prepends) and its arguments,
    /// with `{{placeholders}}`.
    public var program: String
    public var arguments: [String]
    public var environment: [Variable]
    public var transport: Transport
    public var reload: ReloadStrategy
    /// Seconds a stopping engine (or worker) is given to finish its requests before SIGKILL.
    public var gracefulTimeout: Int
    /// The worker count when `--workers` is not given (`2*cores+1`).
    public var workers: WorkerFormula
    public var health: Health?
    public var limits: Limits
    /// Names (shell patterns) in the app folder that are not its code: the engine's
    /// environment, caches, compiled files. The change fingerprint skips them.
    public var ignoredNames: [String]
    /// Where the definition was read from (for `paddock engines` and messages).
    public var source: String
    /// Files the engine reads (a server's own configuration), rendered with the placeholders
    /// into the app's run folder before each start: `{{run_dir}}/NAME`.
    public var configFiles: [ConfigFile] = []
    /// Feed products the engine needs (`<requires product>`): `paddock install --engine` adds
    /// them to the plan.
    public var products: [String] = []
    /// The signal that stops the engine gracefully (its requests in flight finished): TERM
    /// unless the definition says another (Apache's graceful stop is WINCH).
    public var stopSignal: String = "TERM"

    /// A file rendered from the definition: a plain file name (no `/`) and its text.
    public struct ConfigFile: Hashable, Sendable, Codable {
        public var name: String
        public var text: String
        public init(name: String, text: String) {
            self.name = name
            self.text = text
        }
    }

    public struct Variable: Hashable, Sendable, Codable {
        public enum Mode: String, Hashable, Sendable, Codable { case set, prepend, append }
        public var name: String
        public var value: String
        public var mode: Mode
        public init(name: String, value: String, mode: Mode = .set) {
            self.name = name
            self.value = value
            self.mode = mode
        }
    }

    /// How clients reach the engine.
    public enum Transport: Hashable, Sendable, Codable {
        /// A loopback TCP port from this range.
        case tcp(ports: ClosedRange<Int>)
        /// A Unix socket at this path (placeholders allowed; default `{{run_dir}}/engine.sock`).
        case unix(path: String)

        public var kind: String {
            switch self {
            case .tcp: "tcp"
            case .unix: "unix"
            }
        }
    }

    /// How a running engine takes new code without refusing a request.
    public enum ReloadStrategy: Hashable, Sendable, Codable {
        /// A signal to the engine's master, which replaces its workers itself (gunicorn HUP).
        case signal(String)
        /// A second instance is started on the same socket, checked healthy, then the old one
        /// is stopped gracefully. Needs the engine to share its listening socket (SO_REUSEPORT,
        /// or a socket it is handed).
        case startNewThenStopOld
        /// Each worker of the engine's group in turn gets SIGTERM and is respawned by its
        /// master before the next one goes.
        case oneAtATime
        /// A file's modification time is set to now (created when missing): the engine watches
        /// it and reloads itself (uWSGI's `--touch-chain-reload`, mod_wsgi's script reloading).
        /// The path may hold placeholders (default `{{run_dir}}/reload`).
        case touch(String)

        public var description: String {
            switch self {
            case .signal(let name): "signal \(name)"
            case .startNewThenStopOld: "start-new-then-stop-old"
            case .oneAtATime: "one-at-a-time"
            case .touch(let path): "touching \(path)"
            }
        }
    }

    public struct Health: Hashable, Sendable, Codable {
        public var path: String
        public var host: String?
        public init(path: String, host: String? = nil) {
            self.path = path
            self.host = host
        }
    }

    /// Zoo's limits. paddock enforces the memory limit and the watch mask (it samples and
    /// watches); the request limits are handed to the engine as placeholders, since paddock
    /// is not in the request path.
    public struct Limits: Hashable, Sendable, Codable {
        /// `{{max_requests}}`: a worker is replaced after this many requests (0: never).
        public var maxRequestsPerWorker: Int?
        /// Resident memory, in megabytes, of one process of the engine's group; past it the
        /// supervisor recycles that worker (or reloads a single-process engine).
        public var memoryLimitMB: Int?
        /// `{{request_time_limit}}`: seconds a request may run before the engine kills it.
        public var requestTimeLimit: Int?
        /// File name patterns (`*.py`, `settings.ini`) under the app folder whose change reloads the app.
        public var watchMask: [String]

        public init(maxRequestsPerWorker: Int? = nil, memoryLimitMB: Int? = nil, requestTimeLimit: Int? = nil, watchMask: [String] = []) {
            self.maxRequestsPerWorker = maxRequestsPerWorker
            self.memoryLimitMB = memoryLimitMB
            self.requestTimeLimit = requestTimeLimit
            self.watchMask = watchMask
        }
    }

    public init(
        name: String, aliases: [String] = [], displayName: String? = nil, runtime: String, program: String, arguments: [String] = [],
        environment: [Variable] = [], transport: Transport = .tcp(ports: 8000...8099), reload: ReloadStrategy = .signal("HUP"),
        gracefulTimeout: Int = 30, workers: WorkerFormula = WorkerFormula(constant: 1), health: Health? = nil, limits: Limits = Limits(),
        ignoredNames: [String] = [], source: String = ""
    ) {
        self.name = name
        self.aliases = aliases
        self.displayName = displayName
        self.runtime = runtime
        self.program = program
        self.arguments = arguments
        self.environment = environment
        self.transport = transport
        self.reload = reload
        self.gracefulTimeout = gracefulTimeout
        self.workers = workers
        self.health = health
        self.limits = limits
        self.ignoredNames = ignoredNames
        self.source = source
    }

    /// The placeholder values the engine's limits give its argv (`{{max_requests}}`,
    /// `{{request_time_limit}}`, `{{graceful_timeout}}`, `{{memory_limit_mb}}`); 0 means none.
    public var limitValues: [String: String] {
        [
            "max_requests": String(limits.maxRequestsPerWorker ?? 0),
            "request_time_limit": String(limits.requestTimeLimit ?? 0),
            "graceful_timeout": String(gracefulTimeout),
            "memory_limit_mb": String(limits.memoryLimitMB ?? 0),
        ]
    }
}

/// The engines known to paddock: the shipped ones, then the admin's, an admin's engine
/// replacing a shipped one of the same name whole (Zoo's `<userEngines>`).
public struct EngineCatalog: Hashable, Sendable {
    public private(set) var engines: [String: EngineDefinition] = [:]

    public init(shipped: [EngineDefinition] = [], user: [EngineDefinition] = []) {
        for engine in shipped { engines[engine.name] = engine }
        for engine in user { engines[engine.name] = engine }
    }

    /// The engine of that name, or the one that lists it among its aliases.
    public func engine(named name: String) -> EngineDefinition? {
        if let engine = engines[name] { return engine }
        return engines.values.sorted { $0.name < $1.name }.first { $0.aliases.contains(name) }
    }

    public var sorted: [EngineDefinition] { engines.values.sorted { $0.name < $1.name } }
}

/// A worker count as a formula of the machine's cores: `2*cores+1`, `cores`, `4`, `(cores+1)*2`.
/// Integers, `cores`, `+`, `-`, `*`, `/` (integer) and parentheses; never below 1.
public struct WorkerFormula: Hashable, Sendable, Codable, CustomStringConvertible {
    public let text: String
    private indirect enum Node: Hashable, Sendable {
        case number(Int)
        case cores
        case binary(Character, Node, Node)
    }
    private let node: Node

    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        public init(message: String) { self.message = message }
    }

    public init(constant: Int) {
        text = String(constant)
        node = .number(constant)
    }

    public init(_ text: String) throws(ParseError) {
        self.text = text
        var parser = Parser(characters: Array(text.filter { !$0.isWhitespace }))
        node = try parser.expression()
        guard parser.position == parser.characters.count else {
            throw ParseError(message: "unexpected '\(parser.characters[parser.position])' in the worker formula '\(text)'")
        }
    }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(try container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    public func evaluate(cores: Int) -> Int {
        func value(_ node: Node) -> Int {
            switch node {
            case .number(let number): return number
            case .cores: return cores
            case .binary(let op, let left, let right):
                let (a, b) = (value(left), value(right))
                switch op {
                case "+": return a &+ b
                case "-": return a &- b
                case "*": return a &* b
                default: return b == 0 ? 0 : a / b
                }
            }
        }
        return max(1, value(node))
    }

    private struct Parser {
        let characters: [Character]
        var position = 0

        mutating func expression() throws(ParseError) -> Node {
            var left = try term()
            while position < characters.count, characters[position] == "+" || characters[position] == "-" {
                let op = characters[position]
                position += 1
                left = .binary(op, left, try term())
            }
            return left
        }

        mutating func term() throws(ParseError) -> Node {
            var left = try factor()
            while position < characters.count, characters[position] == "*" || characters[position] == "/" {
                let op = characters[position]
                position += 1
                left = .binary(op, left, try factor())
            }
            return left
        }

        mutating func factor() throws(ParseError) -> Node {
            let whole = String(characters)
            guard position < characters.count else { throw ParseError(message: "the worker formula '\(whole)' ends too early") }
            if characters[position] == "(" {
                position += 1
                let inner = try expression()
                guard position < characters.count, characters[position] == ")" else {
                    throw ParseError(message: "a '(' is not closed in the worker formula '\(whole)'")
                }
                position += 1
                return inner
            }
            if characters[position].isNumber {
                var digits = ""
                while position < characters.count, characters[position].isASCII, characters[position].isNumber {
                    digits.append(characters[position])
                    position += 1
                }
                guard let number = Int(digits), number <= 10_000 else { throw ParseError(message: "\(digits) is too large in the worker formula '\(whole)'") }
                return .number(number)
            }
            let rest = String(characters[position...])
            if rest.hasPrefix("cores") {
                position += 5
                return .cores
            }
            throw ParseError(message: "unexpected '\(characters[position])' in the worker formula '\(whole)' (use numbers, cores, + - * / and parentheses)")
        }
    }
}
