#!/usr/bin/env python3
"""Reads or writes the size and sha256 of template archives in a paddock feed.

    scripts/recipe-feed.py update FEED ID=ARCHIVE [ID=ARCHIVE ...]
    scripts/recipe-feed.py check  FEED ID=ARCHIVE [ID=ARCHIVE ...]

For each ID, the feed's <entry> whose own <productId> is ID must have exactly one
<installerFile> holding a <fileSize> (kilobytes: the archive's size in bytes / 1024, rounded
up) and a <pd:sha256> (any prefix bound to urn:paddock:feed:1). `update` rewrites those two
values in place, leaving every other byte of the feed as it was; `check` changes nothing and
exits 1 naming each ID whose values differ from ARCHIVE's. Both exit 1 when the feed or an
entry is missing. Used by scripts/build-recipes.sh.
"""

import hashlib
import math
import os
import re
import sys
import xml.etree.ElementTree as ET

ATOM = "{http://www.w3.org/2005/Atom}"
PADDOCK = "urn:paddock:feed:1"
# Comments first, so an <entry> inside a comment is skipped like the parser skips it.
TOKENS = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<entry\b[^>]*?(?:/>|>.*?</entry\s*>)", re.S)


def archive_facts(path):
    with open(path, "rb") as f:
        data = f.read()
    return math.ceil(len(data) / 1024), hashlib.sha256(data).hexdigest(), len(data)


def entry_spans(text, path):
    """[(productId, start, end)] for every top-level entry, in document order."""
    try:
        root = ET.fromstring(text.encode("utf-8"))
    except ET.ParseError as error:
        raise SystemExit(f"{path}: not well-formed XML: {error}")
    ids = []
    for entry in root.findall(f"{ATOM}entry"):
        own = entry.find(f"{ATOM}productId")
        ids.append((own.text or "").strip() if own is not None else "")
    spans = [(m.start(), m.end()) for m in TOKENS.finditer(text) if m.group(0).startswith("<entry")]
    if len(spans) != len(ids):
        raise SystemExit(f"{path}: found {len(spans)} <entry> elements by text but {len(ids)} by parsing; cannot edit it safely")
    return [(product, start, end) for product, (start, end) in zip(ids, spans)]


def locate(text, path, product):
    """(start, end) of the fileSize value and of the sha256 value inside the entry's installerFile."""
    matches = [(s, e) for p, s, e in entry_spans(text, path) if p == product]
    if not matches:
        raise LookupError(
            f"{path} has no <entry> with <productId>{product}</productId>: add the template's entry "
            f"(with an <installerFile> holding <fileSize> and <pd:sha256>) before building"
        )
    if len(matches) > 1:
        raise LookupError(f"{path} has {len(matches)} entries with productId {product}; expected one")
    start, end = matches[0]
    entry = text[start:end]
    # Blank out comments (same length) so commented-out elements are not matched.
    visible = re.sub(r"<!--.*?-->", lambda m: " " * len(m.group(0)), entry, flags=re.S)
    files = list(re.finditer(r"<installerFile\b[^>]*>(.*?)</installerFile\s*>", visible, re.S))
    if len(files) != 1:
        raise LookupError(f"{path}: entry {product} has {len(files)} <installerFile> elements; expected exactly one")
    body_start, body_end = files[0].span(1)
    body = visible[body_start:body_end]
    size = re.search(r"<fileSize\s*>([^<]*)</fileSize\s*>", body)
    if not size:
        raise LookupError(f"{path}: entry {product}'s <installerFile> has no <fileSize>")
    prefixes = set(re.findall(r'xmlns:([A-Za-z_][\w.-]*)\s*=\s*["\']' + re.escape(PADDOCK) + '["\']', text))
    sha = None
    for m in re.finditer(r"<([A-Za-z_][\w.-]*):sha256\s*>([^<]*)</\1:sha256\s*>", body):
        if m.group(1) in prefixes:
            sha = m
            break
    if not sha:
        raise LookupError(f"{path}: entry {product}'s <installerFile> has no <pd:sha256> (namespace {PADDOCK})")
    url = re.search(r"<installerURL\s*>([^<]*)</installerURL\s*>", body)
    offset = start + body_start
    return {
        "size": (offset + size.start(1), offset + size.end(1)),
        "sha": (offset + sha.start(2), offset + sha.end(2)),
        "url": url.group(1).strip() if url else None,
    }


def parse_pairs(pairs):
    result = []
    for pair in pairs:
        product, sep, archive = pair.partition("=")
        if not sep:
            raise SystemExit(f"'{pair}': expected ID=ARCHIVE")
        result.append((product, archive))
    return result


def main(argv):
    if len(argv) < 3 or argv[0] not in ("update", "check"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    mode, path, pairs = argv[0], argv[1], parse_pairs(argv[2:])
    if not os.path.isfile(path):
        print(f"{path}: the feed does not exist (yet): the templates' entries must be written before their sizes and hashes can be filled in", file=sys.stderr)
        return 1
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    problems = []
    edits = []
    for product, archive in pairs:
        kb, digest, size = archive_facts(archive)
        try:
            where = locate(text, path, product)
        except LookupError as error:
            problems.append(str(error))
            continue
        if where["url"] and not where["url"].endswith("/" + os.path.basename(archive)):
            print(f"{path}: warning: entry {product}'s installerURL is {where['url']}, not .../{os.path.basename(archive)}", file=sys.stderr)
        have_kb = text[slice(*where["size"])].strip()
        have_sha = text[slice(*where["sha"])].strip().lower()
        if mode == "check":
            if have_kb != str(kb) or have_sha != digest:
                problems.append(
                    f"{product}: stale: the feed says fileSize {have_kb or '(empty)'} KB, sha256 {have_sha or '(empty)'}; "
                    f"a fresh build of Recipes/{product} is {kb} KB ({size} bytes), sha256 {digest}. "
                    f"Run scripts/build-recipes.sh to rebuild the archive and update the feed."
                )
            else:
                print(f"{product}: feed matches ({kb} KB, sha256 {digest})")
        else:
            edits.append((where["size"], str(kb)))
            edits.append((where["sha"], digest))
            print(f"{product}: {path}: fileSize {have_kb} -> {kb} KB, sha256 {have_sha[:12]}... -> {digest}")
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    if edits:
        for (start, end), value in sorted(edits, reverse=True):
            text = text[:start] + value + text[end:]
        ET.fromstring(text.encode("utf-8"))  # still well-formed
        temporary = path + ".tmp"
        with open(temporary, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(temporary, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
