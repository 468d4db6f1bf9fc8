#!/usr/bin/env python3
"""Render a paddock template recipe into an app folder, as paddock does (see Recipes/README.md).

    scripts/render-template.py TEMPLATE_DIR OUT_DIR [name=value ...]
    scripts/render-template.py --lint TEMPLATE_DIR [TEMPLATE_DIR ...]

Rendering: read TEMPLATE_DIR/Parameters.xml, take each parameter's value from the command
line or its defaultValue, check it against its parameterValidation, then write into OUT_DIR
(which must be missing or empty):
  * every file under project/, at the same relative path (project/ itself removed);
  * every other top-level file except Parameters.xml (deploy.py, requirements*.txt,
    paddock-app.xml).
In text files (no NUL byte, valid UTF-8) each {{name}} (spaces inside the braces allowed)
whose name is a parameter is replaced by its value; any other {{...}} is left as written
(paddock fills {{bind}}, {{workers}}, {{app_root}} and {{host}} in paddock-app.xml at
launch). Path components are rendered the same way. File modes are kept.

--lint checks a template: Parameters.xml parses and every parameter has a default that passes
its own validation; every {{name}} without spaces in a text file is a declared parameter or a
launch-time name; a spaced {{ name }} that is a parameter name is flagged (it would be
replaced, most likely by accident, in a Django or Jinja template); each file using a parameter
is matched by one of that parameter's parameterEntry scopes; and the declared parameters
render into valid Python and XML.
"""

import os
import re
import shutil
import sys
import xml.etree.ElementTree as ET

PLACEHOLDER = re.compile(r"\{\{(\s*)([^{}]*?)(\s*)\}\}")
LAUNCH_NAMES = {"bind", "workers", "app_root", "host"}
# Filled in by paddock at install in every file: the app's name in paddock (TemplateKind.renderApp).
INSTALL_NAMES = {"paddock_app"}
SKIP_NAMES = {"__pycache__", ".DS_Store"}


class Parameter:
    def __init__(self, element):
        self.name = element.get("name")
        self.default = element.get("defaultValue", "")
        self.tags = [t.strip() for t in element.get("tags", "").split(",") if t.strip()]
        self.kinds = []
        self.validation = None
        self.scopes = []
        # paddock's extensions (<pd:refuse values= reason=>): values refused with a reason.
        self.refusals = []
        for child in element:
            tag = child.tag.split("}")[-1].lower()
            if tag == "parametervalidation":
                kind = child.get("kind") or child.get("type") or ""
                self.kinds = [k.strip().lower() for k in kind.split(",") if k.strip()]
                self.validation = child.get("validationString")
            elif tag == "parameterentry":
                self.scopes.append((child.get("kind") or child.get("type") or "", child.get("scope", ""), child.get("match", "")))
            elif tag == "refuse":
                self.refusals.append((set(child.get("values", "").split()), child.get("reason", "is refused")))

    def check(self, value):
        """Returns None when value is acceptable, else the reason."""
        for values, reason in self.refusals:
            if value in values:
                return reason
        if value == "" and "allowempty" in self.kinds:
            return None
        if "enumeration" in self.kinds:
            choices = [c.strip() for c in (self.validation or "").split(",")]
            if value not in choices:
                return f"must be one of {', '.join(choices)}"
        if "regularexpression" in self.kinds:
            if not re.search(self.validation or "", value):
                return f"must match {self.validation}"
        if "boolean" in self.kinds and value.lower() not in ("true", "false"):
            return "must be true or false"
        if value == "" and self.kinds and "allowempty" not in self.kinds:
            return "must not be empty"
        return None


def read_parameters(template):
    root = ET.parse(os.path.join(template, "Parameters.xml")).getroot()
    if root.tag.split("}")[-1].lower() != "parameters":
        raise SystemExit(f"{template}/Parameters.xml: the root element must be <parameters>")
    return [Parameter(e) for e in root if e.tag.split("}")[-1].lower() == "parameter"]


def render_text(text, values):
    """The same scan as paddock's Placeholders.render (Sources/FeedModel/AppManifest.swift):
    from each "{{" to the next "}}", the trimmed name is replaced when known, else kept."""
    result = []
    rest = text
    while True:
        start = rest.find("{{")
        if start < 0:
            break
        end = rest.find("}}", start + 2)
        if end < 0:
            break
        result.append(rest[:start])
        name = rest[start + 2 : end].strip(" \t")
        result.append(values[name] if name in values else rest[start : end + 2])
        rest = rest[end + 2 :]
    result.append(rest)
    return "".join(result)


def as_text(data):
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def template_files(template):
    """(path relative to the template, path relative to the app folder) for every file to copy."""
    files = []
    for entry in sorted(os.listdir(template)):
        full = os.path.join(template, entry)
        if entry in SKIP_NAMES or entry == "Parameters.xml":
            continue
        if entry == "project":
            for folder, dirs, names in os.walk(full):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_NAMES)
                for name in sorted(names):
                    if name in SKIP_NAMES or name.endswith(".pyc"):
                        continue
                    source = os.path.relpath(os.path.join(folder, name), template)
                    files.append((source, os.path.relpath(source, "project")))
        elif os.path.isfile(full):
            files.append((entry, entry))
    return files


def values_for(parameters, assignments):
    values = {p.name: p.default for p in parameters}
    known = set(values)
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep:
            raise SystemExit(f"'{assignment}': parameters are given as name=value")
        if name not in known:
            raise SystemExit(f"'{name}' is not a parameter of this template (it has: {', '.join(sorted(known))})")
        values[name] = value
    problems = [f"  {p.name}={values[p.name]!r}: {reason}" for p in parameters if (reason := p.check(values[p.name]))]
    if problems:
        raise SystemExit("invalid parameter values:\n" + "\n".join(problems))
    return values


def render(template, out, assignments):
    parameters = read_parameters(template)
    values = values_for(parameters, assignments)
    values.setdefault("paddock_app", os.path.basename(os.path.normpath(out)))
    if os.path.exists(out) and os.listdir(out):
        raise SystemExit(f"{out} is not empty")
    written = set()
    for source, target in template_files(template):
        target = "/".join(render_text(part, values) for part in target.split("/"))
        if target in written:
            raise SystemExit(f"{source}: {target} is written twice (a top-level file and one in project/?)")
        written.add(target)
        destination = os.path.join(out, target)
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        with open(os.path.join(template, source), "rb") as f:
            data = f.read()
        text = as_text(data)
        if text is not None:
            data = render_text(text, values).encode("utf-8")
        with open(destination, "wb") as f:
            f.write(data)
        shutil.copymode(os.path.join(template, source), destination)
    return values


def lint(template):
    errors = []
    try:
        parameters = read_parameters(template)
    except (ET.ParseError, OSError) as error:
        return [f"Parameters.xml: {error}"]
    by_name = {p.name: p for p in parameters}
    for p in parameters:
        reason = p.check(p.default)
        if reason:
            errors.append(f"Parameters.xml: {p.name}'s defaultValue {p.default!r} {reason}")
        for kind, scope, match in p.scopes:
            if kind != "TextFile" or match != "{{" + p.name + "}}":
                errors.append(f"Parameters.xml: {p.name}: parameterEntry should be kind=TextFile match={{{{{p.name}}}}}")
            try:
                re.compile(scope)
            except re.error as error:
                errors.append(f"Parameters.xml: {p.name}: scope {scope!r}: {error}")
    for source, _ in template_files(template) + [("Parameters.xml", None)]:
        with open(os.path.join(template, source), "rb") as f:
            text = as_text(f.read())
        names_in_path = {m.group(2) for m in PLACEHOLDER.finditer(source)}
        for name in names_in_path:
            if name not in by_name:
                errors.append(f"{source}: the path uses {{{{{name}}}}}, which is not a parameter")
        if text is None or source == "Parameters.xml":
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for m in PLACEHOLDER.finditer(line):
                spaced = bool(m.group(1) or m.group(3))
                name = m.group(2)
                if spaced:
                    if name in by_name or name in LAUNCH_NAMES or name in INSTALL_NAMES:
                        errors.append(f"{source}:{number}: '{m.group(0)}' would be replaced by the parameter {name}; write {{{{{name}}}}} if that is meant, else rename the variable")
                    continue
                if name in LAUNCH_NAMES and source == "paddock-app.xml":
                    continue
                if name in INSTALL_NAMES:
                    continue
                if name not in by_name:
                    errors.append(f"{source}:{number}: {{{{{name}}}}} is not a parameter of this template")
                    continue
                if not any(re.search(scope, source) for _, scope, _ in by_name[name].scopes):
                    errors.append(f"{source}:{number}: uses {{{{{name}}}}} but no parameterEntry scope of {name} matches this path")
    # The defaults must render into files that still parse.
    import ast
    import tempfile

    with tempfile.TemporaryDirectory() as out:
        try:
            render(template, os.path.join(out, "app"), [])
        except SystemExit as error:
            errors.append(f"rendering with the defaults failed: {error}")
            return errors
        for folder, _, names in os.walk(os.path.join(out, "app")):
            for name in names:
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, os.path.join(out, "app"))
                if name.endswith(".py"):
                    try:
                        ast.parse(open(path, encoding="utf-8").read(), relative)
                    except SyntaxError as error:
                        errors.append(f"{relative} (rendered): {error}")
                elif name.endswith(".xml"):
                    try:
                        ET.parse(path)
                    except ET.ParseError as error:
                        errors.append(f"{relative} (rendered): {error}")
    return errors


def main(argv):
    if len(argv) >= 2 and argv[0] == "--lint":
        failed = False
        for template in argv[1:]:
            errors = lint(template.rstrip("/"))
            for error in errors:
                print(f"{template.rstrip('/')}/{error}", file=sys.stderr)
            failed = failed or bool(errors)
        return 1 if failed else 0
    if len(argv) < 2 or argv[0].startswith("-"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    values = render(argv[0].rstrip("/"), argv[1], argv[2:])
    print("rendered " + argv[0] + " into " + argv[1] + " with " + " ".join(f"{k}={v}" for k, v in sorted(values.items()) if k != "database_password"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
