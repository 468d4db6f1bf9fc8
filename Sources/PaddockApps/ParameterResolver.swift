import FeedModel
import Foundation

/// Works out every template parameter's value: given on the command line or in an answers
/// file, else asked on a terminal (with the default, re-asking on a bad value), else the
/// default; a value that is still missing is an error, never a hang.
public struct ParameterResolver {
    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public let parameters: [DeploymentParameter]
    public init(parameters: [DeploymentParameter]) { self.parameters = parameters }

    /// `ask` is nil when there is no terminal; it is given the parameter, its default and, on a
    /// second try, why the last answer was refused, and returns the answer (empty = default).
    /// `origins` says where a given value came from (`answers.txt:3`), for messages; a value
    /// with no origin came from `--param`.
    public func resolve(
        given: [String: String], origins: [String: String] = [:], ask: ((DeploymentParameter, String?, String?) -> String?)?
    ) throws -> [String: String] {
        let secret = Set(parameters.filter(\.isSecret).map(\.name))
        // A password is never repeated back, even a refused one: errors end up in logs and on screens.
        func source(_ name: String, _ value: String) -> String {
            let shown = secret.contains(name) ? "(not shown)" : value
            return origins[name].map { "\($0): \(name) = \(shown)" } ?? "--param \(name)=\(shown)"
        }
        let known = Set(parameters.map(\.name))
        if let unknown = given.keys.sorted().first(where: { !known.contains($0) }) {
            throw Failure(message: "\(origins[unknown].map { "\($0): " } ?? "")the template has no parameter '\(unknown)'; its parameters are: \(parameters.map(\.name).joined(separator: ", "))")
        }
        var values: [String: String] = [:]
        for parameter in parameters where !parameter.isHidden {
            if let value = given[parameter.name] {
                if let problem = Self.problem(with: value, for: parameter) {
                    throw Failure(message: "\(source(parameter.name, value)): \(problem)")
                }
                values[parameter.name] = value
                continue
            }
            let fallback = parameter.defaultValue.map { Self.expandReferences($0, values) }
            let worthAsking = parameter.askWhen?.holds(in: values) ?? true
            if let ask, worthAsking {
                var refusal: String?
                while true {
                    guard let answer = ask(parameter, fallback, refusal) else {
                        throw Failure(message: "no answer for '\(parameter.name)' (input closed); pass --param \(parameter.name)=VALUE")
                    }
                    let value = answer.isEmpty ? (fallback ?? "") : answer
                    if let problem = Self.problem(with: value, for: parameter) {
                        refusal = problem
                        continue
                    }
                    values[parameter.name] = value
                    break
                }
            } else if let fallback {
                if let problem = Self.problem(with: fallback, for: parameter) {
                    throw Failure(message: "the default of '\(parameter.name)' ('\(fallback)') is not valid: \(problem); pass --param \(parameter.name)=VALUE")
                }
                values[parameter.name] = fallback
            } else if parameter.validation?.allows("AllowEmpty") == true {
                values[parameter.name] = ""
            } else {
                throw Failure(message: "'\(parameter.name)' needs a value and there is no terminal to ask on; pass --param \(parameter.name)=VALUE (or --answers FILE)")
            }
        }
        // Hidden parameters are computed from the others, Web Deploy style: `{name}` references.
        // One given on the command line (Web Deploy's setParam) is checked like any other.
        for parameter in parameters where parameter.isHidden {
            if let value = given[parameter.name], let problem = Self.problem(with: value, for: parameter) {
                throw Failure(message: "\(source(parameter.name, value)): \(problem)")
            }
            values[parameter.name] = given[parameter.name] ?? Self.expandReferences(parameter.defaultValue ?? "", values)
        }
        return values
    }

    /// Why `value` is not acceptable for `parameter`, or nil when it is.
    public static func problem(with value: String, for parameter: DeploymentParameter) -> String? {
        // Whatever the template's validation: values land in files and in the app's KEY=VALUE
        // environment file, where a line break would start a setting of the value's choosing.
        if value.contains(where: \.isNewline) { return "a value cannot contain a line break" }
        if let refusal = parameter.refusals.first(where: { $0.values.contains(value) }) {
            return "\(parameter.isSecret ? "the value" : "'\(value)'") \(refusal.reason)"
        }
        guard let validation = parameter.validation else {
            return value.isEmpty ? "a value is required" : nil
        }
        if value.isEmpty { return validation.allows("AllowEmpty") ? nil : "a value is required" }
        if validation.allows("Boolean"), !["true", "false"].contains(value.lowercased()) {
            return "expected True or False"
        }
        if validation.allows("Enumeration") {
            // Web Deploy: a comma list, and whitespace is significant.
            let choices = (validation.validationString ?? "").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if !choices.contains(value) { return "expected one of: \(choices.joined(separator: ", "))" }
        }
        if validation.allows("RegularExpression"), let pattern = validation.validationString {
            guard let regex = try? NSRegularExpression(pattern: pattern) else { return "the template's pattern '\(pattern)' is not valid" }
            let range = NSRange(value.startIndex..., in: value)
            if regex.firstMatch(in: value, range: range) == nil {
                let shown = parameter.isSecret ? "the value" : "'\(value)'"
                // The template's words when it gives them (pd:expects), else its description of
                // the parameter; the pattern only when the template has no words at all.
                if let expectation = parameter.expectation { return "\(shown) is not valid: expected \(expectation)" }
                if let description = parameter.description?.trimmingCharacters(in: .whitespacesAndNewlines), !description.isEmpty {
                    return "\(shown) is not a valid \(parameter.friendlyName ?? parameter.name) (\(description))"
                }
                return "\(shown) is not in the form the template asks for (the pattern \(pattern))"
            }
        }
        return nil
    }

    /// Replaces `{name}` by the value of `name`, in one pass over `text`: a value that itself
    /// holds `{other}` stays as it is (replacing name by name made that depend on dictionary order).
    static func expandReferences(_ text: String, _ values: [String: String]) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let afterOpen = rest.index(after: open)
            if let close = rest[afterOpen...].firstIndex(of: "}"), let value = values[String(rest[afterOpen..<close])] {
                result += value
                rest = rest[rest.index(after: close)...]
            } else {
                result.append("{")
                rest = rest[afterOpen...]
            }
        }
        return result + rest
    }
}

/// Reads an answers file: `name = value` lines (or `name=value`), `#` comments.
public enum AnswersFile {
    /// One `name = value` line.
    public struct Entry: Equatable, Sendable {
        public var name: String
        public var value: String
        public var line: Int
        public init(name: String, value: String, line: Int) {
            self.name = name
            self.value = value
            self.line = line
        }
    }

    public static func parse(_ text: String, file: String) throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try entries(text, file: file).map { ($0.name, $0.value) })
    }

    /// The file's answers in order; a name given twice is an error (which one was meant?).
    public static func entries(_ text: String, file: String) throws -> [Entry] {
        var entries: [Entry] = []
        var firstLine: [String: Int] = [:]
        // Split on any line end: "\r\n" is one Character in Swift, so splitting on "\n" kept a
        // CRLF file as a single line.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let equals = trimmed.firstIndex(of: "="), equals != trimmed.startIndex else {
                throw ParameterResolver.Failure(message: "\(file):\(index + 1): expected 'name = value'")
            }
            let name = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if let first = firstLine[name] {
                throw ParameterResolver.Failure(message: "\(file):\(index + 1): '\(name)' is answered twice (first on line \(first)); keep one")
            }
            firstLine[name] = index + 1
            entries.append(
                Entry(
                    name: name, value: value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") ? String(value.dropFirst().dropLast()) : value,
                    line: index + 1))
        }
        return entries
    }
}
