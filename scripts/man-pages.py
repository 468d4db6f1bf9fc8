#!/usr/bin/env python3
"""Writes one man page per paddock command from the command tree paddock describes itself.

    paddock --experimental-dump-help | scripts/man-pages.py OUT_DIR VERSION

The input is argument-parser's ToolInfo JSON (the same data its generate-manual plugin reads).
Each visible command becomes OUT_DIR/paddock[-SUB...].1 (troff, man(7) macros): NAME,
SYNOPSIS, DESCRIPTION (the command's --help discussion, examples kept as written), OPTIONS,
COMMANDS for a command with subcommands, and SEE ALSO. Used by scripts/package.sh.
"""

import json
import os
import sys


def escape(text):
    """Plain text as troff text: backslashes and dashes escaped, no line starting a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + line) if line[:1] in (".", "'") else line for line in text.split("\n"))


def names_of(argument):
    names = argument.get("names") or []
    spelled = []
    for name in names:
        prefix = "--" if name["kind"] == "long" else "-"
        spelled.append("\\fB" + escape(prefix + name["name"]) + "\\fR")
    return spelled


def value_of(argument):
    return "\\fI" + escape(argument.get("valueName") or "value") + "\\fR"


def synopsis_item(argument):
    if argument["kind"] == "positional":
        item = "\\fI" + escape(argument.get("valueName") or "value") + "\\fR"
    else:
        preferred = argument.get("preferredName")
        if preferred:
            item = "\\fB" + escape(("--" if preferred["kind"] == "long" else "-") + preferred["name"]) + "\\fR"
        else:
            item = names_of(argument)[-1] if names_of(argument) else ""
        if argument["kind"] == "option":
            item += " " + value_of(argument)
    if argument.get("isRepeating"):
        item += " ..."
    return "[" + item + "]" if argument.get("isOptional") else item


def description(text):
    """The discussion: plain paragraphs as .PP, indented lines (examples) kept as written."""
    out, block = [], []

    def flush():
        if block:
            out.extend([".PP", ".RS 4", ".nf"] + [escape(line) for line in block] + [".fi", ".RE"])
            block.clear()

    for line in text.split("\n"):
        if line.startswith(" "):
            block.append(line.strip())
        else:
            flush()
            if line.strip():
                out.extend([".PP", escape(line.strip())])
    flush()
    return out


def page(command, path, version):
    title = " ".join(path)
    name = "-".join(path)
    arguments = [a for a in command.get("arguments") or [] if a.get("shouldDisplay", True)]
    subcommands = [c for c in command.get("subcommands") or [] if c.get("shouldDisplay", True) and c["commandName"] != "help"]
    lines = [
        '.TH "%s" "1" "" "paddock %s" "paddock manual"' % (name.upper(), version),
        ".SH NAME",
        "%s \\- %s" % (escape(name), escape(command.get("abstract") or "")),
        ".SH SYNOPSIS",
        ".B " + escape(title),
    ]
    if subcommands:
        lines.append("\\fIcommand\\fR ...")
    for argument in arguments:
        lines.append(synopsis_item(argument))
    text = command.get("abstract") or ""
    if command.get("discussion"):
        text += "\n\n" + command["discussion"]
    if text:
        lines.append(".SH DESCRIPTION")
        lines.extend(description(text))
    if arguments:
        lines.append(".SH OPTIONS")
        for argument in arguments:
            lines.append(".TP")
            if argument["kind"] == "positional":
                lines.append("\\fI" + escape(argument.get("valueName") or "value") + "\\fR")
            else:
                spelled = ", ".join(names_of(argument))
                lines.append(spelled + (" " + value_of(argument) if argument["kind"] == "option" else ""))
            help_text = argument.get("abstract") or ""
            if argument.get("defaultValue") not in (None, ""):
                help_text += " (default: %s)" % argument["defaultValue"]
            lines.append(escape(help_text) if help_text else "\\&")
            if argument.get("discussion"):
                lines.append(escape(argument["discussion"]))
    if subcommands:
        lines.append(".SH COMMANDS")
        for sub in subcommands:
            lines.extend([".TP", "\\fB%s\\fR(1)" % escape("-".join(path + [sub["commandName"]])), escape(sub.get("abstract") or "")])
    see_also = ["paddock"] if len(path) > 1 else []
    if len(path) > 2:
        see_also.append("-".join(path[:-1]))
    if see_also:
        lines.append(".SH SEE ALSO")
        lines.append(", ".join("\\fB%s\\fR(1)" % escape(s) for s in see_also))
    return name, "\n".join(lines) + "\n"


def walk(command, path, version, out_dir):
    written = []
    name, text = page(command, path, version)
    with open(os.path.join(out_dir, name + ".1"), "w", encoding="utf-8") as f:
        f.write(text)
    written.append(name)
    for sub in command.get("subcommands") or []:
        if sub.get("shouldDisplay", True) and sub["commandName"] != "help":
            written += walk(sub, path + [sub["commandName"]], version, out_dir)
    return written


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: paddock --experimental-dump-help | man-pages.py OUT_DIR VERSION")
    out_dir, version = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    tool = json.load(sys.stdin)
    root = tool["command"]
    for name in walk(root, [root["commandName"]], version, out_dir):
        print(name)


if __name__ == "__main__":
    main()
