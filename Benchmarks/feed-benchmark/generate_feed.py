#!/usr/bin/env python3
"""Writes a large, realistic WebPI feed for benchmarking paddock's feed reader.

The feed looks like Microsoft's WebApplicationList.xml / WebProductList.xml scaled up, with
the quirks real feeds have (see /work/shared/feeds/README.md) and paddock's Linux extension
on some installers:

- feed level: webpiFile, title, link, updated, author, id, resourcesList, languages,
  keywords, tabs, then (after the entries, as Microsoft's feeds put them) oses, osLists,
  named dependency sets (some nested, some with idref to other sets) and featured;
- platform products (no type) with MSI / command-line installers, registry / file /
  msiProductCode discovery hints and, for some, pd:install apt/archive installers with
  pd:dpkg / pd:command discovery;
- applications (type="application") with Web Deploy installers in 1-3 languages, dependency
  trees mixing and/or, idref to named sets, and pd:version constraints;
- dates in the forms real feeds use (ISO, unpadded, microseconds without zone, date only,
  M-d-yyyy and M/d/yyyy for addToFeedDate), sha1 in upper or lower case, cmdline/cmdLine,
  fileSize in KB or bytes, some entries wrapped in <metadata> (Kudu's form).

Every element is one paddock reads without a warning, so a load reports 0 warnings and the
benchmark measures reading, not warning bookkeeping. Output is deterministic for a seed.

Usage: generate_feed.py [--entries N] [--seed S] [--output FILE]
Prints `key=value` lines on stdout: sample-product, search-word, entries, bytes.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from xml.sax.saxutils import escape

ATOM = "http://www.w3.org/2005/Atom"
PADDOCK = "urn:paddock:feed:1"

ADJECTIVES = (
    "Open Simple Rapid Smart Easy Agile Bright Clear Swift Solid Quiet Little Grand Modern Classic "
    "Lean Nimble Sharp Silver Golden Blue Green Red Urban Cloud Micro Mega Hyper Ultra Prime"
).split()
NOUNS = (
    "Blog Wiki Forum Gallery Shop Cart Portal Survey Poll Calendar Tracker Desk Board Notes Docs "
    "Album Photo Video Music News Journal Press Site Page Form Mail Chat Team Task Project Ticket "
    "Invoice Ledger Stock Course School Library Recipe Travel Event Booking Market Auction Crm"
).split()
KINDS = "CMS Engine Manager Suite Server Studio Hub Kit Framework Platform Toolkit App".split()
WORDS = (
    "content management system publishing websites intranets blogs extensible pluggable templates "
    "applications lightweight mature development community editors users administrators plugins "
    "themes search multilingual secure fast scalable database caching workflow permissions roles "
    "media uploads comments moderation analytics reports dashboards integration api rest export "
    "import backup restore migration hosting deployment configuration responsive mobile accessible"
).split()
KEYWORDS = [
    ("ContentMgmt", "CMS"), ("Blogs", "Blogs"), ("Wiki", "Wiki"), ("Forums", "Forums"),
    ("Galleries", "Galleries"), ("eCommerce", "eCommerce"), ("Portals", "Portals"),
    ("Survey", "Surveys"), ("Tools", "Tools"), ("Templates", "Templates"), ("PHP", "PHP"),
    ("ASPNET", "ASP.NET"), ("Python", "Python"), ("MySQL", "MySQL"), ("SQL", "SQL Server"),
    ("SQLite", "SQLite"), ("PostgreSQL", "PostgreSQL"), ("Frameworks", "Frameworks"),
    ("Servers", "Servers"), ("Databases", "Databases"), ("Runtimes", "Runtimes"),
    ("Security", "Security"), ("Media", "Media"), ("Education", "Education"),
    ("Collaboration", "Collaboration"), ("Monitoring", "Monitoring"), ("Mail", "Mail"),
    ("Social", "Social"), ("Finance", "Finance"), ("Developer", "Developer Tools"),
]
LANGUAGES = ["en", "de", "fr", "ja", "es", "it", "zh-cn", "ru", "ko", "pt-br"]
PLATFORM_BASES = [
    "PHP", "MySQL", "SQLExpress", "IIS", "URLRewrite", "ASPNET", "NETFramework", "Python",
    "PostgreSQL", "SQLite", "NodeJS", "Ruby", "WinCache", "FastCGI", "ARR", "WebDeploy",
]
SEARCH_WORD = "gallery"
NAMED_SET_COUNT = 24


def guid(rng: random.Random) -> str:
    h = "%032x" % rng.getrandbits(128)
    value = "{%s-%s-%s-%s-%s}" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
    return value.upper() if rng.random() < 0.5 else value


def iso_date(rng: random.Random) -> str:
    """The date forms of real feeds' updated/published."""
    y, m, d = rng.randint(2009, 2025), rng.randint(1, 12), rng.randint(1, 28)
    hh, mm, ss = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
    form = rng.random()
    if form < 0.55:
        return f"{y:04d}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:{ss:02d}Z"
    if form < 0.75:
        return f"{y}-{m}-{d}T{hh:02d}:{mm:02d}:{ss:02d}Z"  # unpadded (MS feed, Kudu)
    if form < 0.88:
        return f"{y:04d}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:{ss:02d}.{rng.randint(0, 999999):06d}"  # Plone
    if form < 0.95:
        return f"{y:04d}-{m:02d}-{d:02d}"  # date only (Kudu)
    return f"{y:04d}-{m:02d}-{d:02d}T{hh:02d}:{mm:02d}:{ss:02d}+0{rng.randint(1, 9)}:00"


def feed_date(rng: random.Random) -> str:
    """addToFeedDate: M-d-yyyy, padded or not, sometimes slashes or ISO."""
    y, m, d = rng.randint(2009, 2025), rng.randint(1, 12), rng.randint(1, 28)
    form = rng.random()
    if form < 0.6:
        return f"{m}-{d:02d}-{y}"
    if form < 0.85:
        return f"{m:02d}-{d:02d}-{y}"
    if form < 0.95:
        return f"{m}/{d}/{y}"
    return f"{y:04d}-{m:02d}-{d:02d}T00:00:00Z"


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def sha1(rng: random.Random) -> str:
    value = "%040x" % rng.getrandbits(160)
    return value.upper() if rng.random() < 0.2 else value  # both cases occur


def sha256(rng: random.Random) -> str:
    return "%064x" % rng.getrandbits(256)


class Writer:
    """Buffers output and writes it in large chunks."""

    def __init__(self, handle):
        self.handle = handle
        self.parts: list[str] = []
        self.size = 0

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.size += len(text)
        if self.size > 1 << 20:
            self.flush()

    def flush(self) -> None:
        self.handle.write("".join(self.parts))
        self.parts.clear()
        self.size = 0


def dependency_xml(tree, indent: str) -> str:
    """tree: ("p", id, constraint|None) | ("ref", name) | ("and"|"or", [trees])."""
    kind = tree[0]
    if kind == "ref":
        return f'{indent}<dependency idref="{tree[1]}" />\n'
    if kind == "p":
        version = f' pd:version="{escape(tree[2])}"' if tree[2] else ""
        return f"{indent}<dependency>\n{indent}  <productId{version}>{tree[1]}</productId>\n{indent}</dependency>\n"
    inner = "".join(dependency_xml(child, indent + "    ") for child in tree[1])
    return f"{indent}<dependency>\n{indent}  <{kind}>\n{inner}{indent}  </{kind}>\n{indent}</dependency>\n"


CONSTRAINTS = [">=5.3", ">=3.10,<4", "~=2.2", "==8.*", ">1.0", "<=9.1", "!=2.0.1", ">=1.4,!=1.5.0,<2"]


def random_tree(rng: random.Random, platforms: list[str], named: list[str], depth: int = 0):
    roll = rng.random()
    if depth >= 2 or roll < 0.35:
        if rng.random() < 0.4 and named:
            return ("ref", rng.choice(named))
        constraint = rng.choice(CONSTRAINTS) if rng.random() < 0.25 else None
        return ("p", rng.choice(platforms), constraint)
    kind = "and" if roll < 0.75 else "or"
    return (kind, [random_tree(rng, platforms, named, depth + 1) for _ in range(rng.randint(2, 4))])


def os_list_xml(rng: random.Random, indent: str) -> str:
    roll = rng.random()
    if roll < 0.7:
        return f'{indent}<osList idref="{rng.choice(["SupportedAppPlatforms", "SupportedPlatforms", "Win7Plus"])}" />\n'
    if roll < 0.85:
        return f'{indent}<osList>\n{indent}  <os idref="VistaSP1PlusNoHomeBasic" />\n{indent}</osList>\n'
    return (
        f"{indent}<osList>\n{indent}  <os>\n{indent}    <minimumVersion>\n"
        f"{indent}      <osMajorVersion>6</osMajorVersion>\n{indent}      <osMinorVersion>1</osMinorVersion>\n"
        f"{indent}    </minimumVersion>\n{indent}    <osTypes>\n{indent}      <Server />\n{indent}      <Client />\n"
        f"{indent}    </osTypes>\n{indent}  </os>\n{indent}</osList>\n"
    )


def windows_installer(rng: random.Random, number: int, pid: str, version: str, app: bool, language: str) -> str:
    i = "        "
    size = rng.randint(200, 90000) if rng.random() < 0.9 else rng.randint(1_000_000, 90_000_000)  # KB, or bytes
    url = f"http://download.example.com/{pid.lower()}/{version}/{pid}-{language}.{'zip' if app else 'msi'}"
    lines = [
        f"{i}<installer>\n", f"{i}  <id>{number}</id>\n", f"{i}  <languageId>{language}</languageId>\n",
        os_list_xml(rng, i + "  "),
    ]
    if not app and rng.random() < 0.5:
        lines.append(f"{i}  <architectures>\n{i}    <{rng.choice(['x86', 'x64'])} />\n{i}  </architectures>\n")
    if not app and rng.random() < 0.3:
        lines.append(f"{i}  <eulaURL>http://www.example.com/{pid.lower()}/eula.htm</eulaURL>\n")
    lines.append(f"{i}  <installerFile>\n{i}    <fileSize>{size}</fileSize>\n")
    if app:
        lines.append(
            f"{i}    <trackingURL>http://www.example.com/webpi.ashx?command=incrementappdownloadcount"
            f"&amp;appid={pid}&amp;version={version}&amp;applang={language}</trackingURL>\n")
    lines.append(f"{i}    <installerURL>{url}</installerURL>\n")
    if rng.random() < 0.95:
        lines.append(f"{i}    <sha1>{sha1(rng)}</sha1>\n")
    lines.append(f"{i}  </installerFile>\n")
    if app:
        page = rng.choice(["", "/", "install.php", "/install/install.aspx", "setup.aspx"])
        lines.append(f"{i}  <msDeploy>\n{i}    <startPage>{page}</startPage>\n{i}  </msDeploy>\n" if page else f"{i}  <msDeploy />\n")
        lines.append(f"{i}  <helpLink>http://www.example.com/{pid.lower()}/forum</helpLink>\n")
    elif rng.random() < 0.6:
        lines.append(
            f"{i}  <installCommands>\n{i}    <msiInstall>\n{i}      <msi>%InstallerFile%</msi>\n"
            f"{i}      <properties>ADDLOCAL=ALL REBOOT=ReallySuppress</properties>\n{i}    </msiInstall>\n"
            f"{i}  </installCommands>\n")
    else:
        tag = "cmdLine" if rng.random() < 0.2 else "cmdline"  # both spellings occur
        lines.append(
            f"{i}  <installCommands>\n{i}    <{tag}>\n{i}      <exe>%InstallerFile%</exe>\n"
            f"{i}      <commandLineArguments>/q /norestart /log &quot;%TEMP%\\{pid}.log&quot;</commandLineArguments>\n"
            f"{i}      <ignoreExitCode>{rng.choice(['false', 'False', 'true'])}</ignoreExitCode>\n"
            f"{i}    </{tag}>\n{i}  </installCommands>\n")
    lines.append(f"{i}</installer>\n")
    return "".join(lines)


def linux_installer(rng: random.Random, number: int, pid: str, version: str, app: bool) -> str:
    i = "        "
    roll = rng.random()
    if app or roll < 0.4:
        url = f"https://downloads.example.org/{pid.lower()}/{pid.lower()}-{version}.tar.gz"
        return (
            f"{i}<installer>\n{i}  <id>{number}</id>\n{i}  <installerFile>\n"
            f"{i}    <fileSize>{rng.randint(100, 50000)}</fileSize>\n{i}    <installerURL>{url}</installerURL>\n"
            f"{i}    <pd:sha256>{sha256(rng)}</pd:sha256>\n{i}  </installerFile>\n"
            f'{i}  <pd:install kind="archive" scope="{"app" if app else "user"}" strip="1"'
            f'{" destination=" + chr(34) + "opt/" + pid.lower() + chr(34) if not app else ""} />\n'
            f"{i}</installer>\n")
    if roll < 0.75:
        package = pid.lower().replace("_", "-")
        return (
            f"{i}<installer>\n{i}  <id>{number}</id>\n"
            f'{i}  <pd:install kind="apt" scope="system" distributions="debian ubuntu">\n'
            f'{i}    <pd:package name="{package}" />\n{i}    <pd:package name="{package}-common" />\n'
            f"{i}  </pd:install>\n{i}</installer>\n")
    return (
        f"{i}<installer>\n{i}  <id>{number}</id>\n"
        f'{i}  <pd:install kind="pip" scope="app" architectures="x86_64 aarch64">\n'
        f'{i}    <pd:package name="{pid.lower()}" version="{version}" sha256="{sha256(rng)} {sha256(rng)}" />\n'
        f"{i}  </pd:install>\n{i}</installer>\n")


def discovery_xml(rng: random.Random, pid: str, version: str, linux: bool) -> str:
    i = "    "
    if linux and rng.random() < 0.6:
        return (
            f"{i}<discoveryHint>\n{i}  <or>\n{i}    <discoveryHint>\n"
            f'{i}      <pd:command pattern="[0-9]+\\.[0-9]+" minimumVersion="{version}">\n'
            f"{i}        <pd:arg>{pid.lower()}</pd:arg>\n{i}        <pd:arg>--version</pd:arg>\n"
            f"{i}      </pd:command>\n{i}    </discoveryHint>\n{i}    <discoveryHint>\n"
            f'{i}      <pd:dpkg package="{pid.lower()}" minimumVersion="{version}" />\n'
            f"{i}    </discoveryHint>\n{i}    <discoveryHint>\n"
            f'{i}      <pd:file path="/usr/bin/{pid.lower()}" />\n'
            f"{i}    </discoveryHint>\n{i}  </or>\n{i}</discoveryHint>\n")
    roll = rng.random()
    if roll < 0.4:
        return (
            f"{i}<discoveryHint>\n{i}  <or>\n{i}    <discoveryHint>\n{i}      <registry>\n"
            f"{i}        <keyPath>HKEY_LOCAL_MACHINE\\SOFTWARE\\Example\\{pid}</keyPath>\n"
            f"{i}        <valueName>Version</valueName>\n{i}        <minimumVersion>{version}</minimumVersion>\n"
            f"{i}      </registry>\n{i}    </discoveryHint>\n{i}    <discoveryHint>\n{i}      <registry>\n"
            f"{i}        <keyPath>HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Example\\{pid}</keyPath>\n"
            f"{i}        <valueName>Install</valueName>\n{i}        <valueValue>1</valueValue>\n"
            f"{i}      </registry>\n{i}    </discoveryHint>\n{i}  </or>\n{i}</discoveryHint>\n")
    if roll < 0.7:
        return f"{i}<discoveryHint>\n{i}  <msiProductCode>{guid(rng)}</msiProductCode>\n{i}</discoveryHint>\n"
    return (
        f"{i}<discoveryHint>\n{i}  <file>\n{i}    <filePath>%ProgramFiles%\\Example\\{pid}\\{pid.lower()}.exe</filePath>\n"
        f"{i}    <minimumVersion>{version}</minimumVersion>\n{i}  </file>\n{i}</discoveryHint>\n")


def entry_xml(
    rng: random.Random, pid: str, words: tuple[str, str, str], app: bool, platforms: list[str], named: list[str]
) -> str:
    adjective, noun, kind = words
    title = f"{adjective} {noun} {kind}"
    if rng.random() < 0.02:
        title += " Gallery"  # what the benchmark searches for
    if rng.random() < 0.05:
        title += " & Tools"
    version = f"{rng.randint(0, 12)}.{rng.randint(0, 20)}" + (f".{rng.randint(0, 9)}" if rng.random() < 0.6 else "")
    if rng.random() < 0.1:
        version += rng.choice(["a", "b", "rc1", ".0.0"])
    summary = f"{title}: " + sentence(rng, rng.randint(10, 22))
    long_summary = "\n".join(sentence(rng, rng.randint(14, 30)) for _ in range(rng.randint(2, 5)))
    keywords = rng.sample(KEYWORDS, rng.randint(1, 3))
    linux = rng.random() < 0.3
    res = f' resourceName="Entry_{pid}_' if app else ""
    fields = [
        f"    <title{res + 'Title' + chr(34) if app else ''}>{escape(title)}</title>\n",
        f"    <id>http://www.example.com/web/webpi/2.0/{pid}</id>\n",
        f"    <summary{res + 'Summary' + chr(34) if app else ''}>{escape(summary)}</summary>\n",
        f"    <updated>{iso_date(rng)}</updated>\n",
        f"    <published>{iso_date(rng)}</published>\n",
        f"    <longSummary{res + 'LongSummary' + chr(34) if app else ''}>{escape(long_summary)}</longSummary>\n",
        f"    <version>{version}</version>\n",
        f'    <link href="http://www.example.com/{pid.lower()}/" />\n',
        f"    <author>\n      <name>{adjective} {noun} Team</name>\n      <uri>http://www.example.com/{pid.lower()}/</uri>\n    </author>\n",
    ]
    if app:
        shots = "".join(
            f"      <screenshot>http://www.example.com/webpi.ashx?command=getimage&amp;guid={guid(rng)[1:-1]}</screenshot>\n"
            for _ in range(rng.randint(0, 3)))
        fields.append(
            f"    <images>\n      <icon>http://www.example.com/webpi.ashx?command=getimage&amp;guid={guid(rng)[1:-1]}</icon>\n"
            f"{shots}    </images>\n")
    lines = [f'  <entry{" type=" + chr(34) + "application" + chr(34) if app else ""}>\n', f"    <productId>{pid}</productId>\n"]
    if rng.random() < 0.05:  # Kudu wraps the descriptive fields in <metadata>
        lines.append("    <metadata>\n" + "".join("  " + f for f in fields) + "    </metadata>\n")
    else:
        lines += fields
    lines.append("    <keywords>\n" + "".join(f"      <keywordId>{k}</keywordId>\n" for k, _ in keywords) + "    </keywords>\n")
    if platforms:
        if app and rng.random() < 0.5:
            tree = ("ref", rng.choice(named))
        else:
            tree = random_tree(rng, platforms, named)
        lines.append(dependency_xml(tree, "    "))
    if rng.random() < 0.1 and platforms:
        lines.append(
            f"    <related>\n      <relatedProduct>\n        <productId>{rng.choice(platforms)}</productId>\n"
            f"      </relatedProduct>\n    </related>\n")
    if rng.random() < 0.03 and platforms:
        lines.append(
            f"    <incompatibilities>\n      <incompatibleProduct>\n        <productId>{rng.choice(platforms)}</productId>\n"
            f"      </incompatibleProduct>\n    </incompatibilities>\n")
    if not app or rng.random() < 0.1:
        lines.append(discovery_xml(rng, pid, version.split("rc")[0].rstrip("ab.") or "1.0", linux))
    lines.append("    <installers>\n")
    count = rng.randint(1, 3)
    languages = ["en"] + rng.sample(LANGUAGES[1:], 2)
    number = 1
    for n in range(count):
        if linux and n == count - 1:
            lines.append(linux_installer(rng, number, pid, version, app))
        else:
            lines.append(windows_installer(rng, number, pid, version, app, languages[n]))
        number += 1
    lines.append("    </installers>\n")
    if app:
        lines.append(f"    <addToFeedDate>{feed_date(rng)}</addToFeedDate>\n")
        lines.append(f"    <pageName>{pid}</pageName>\n")
        lines.append('    <productFamily resourceName="Applications">Applications</productFamily>\n')
    lines.append("  </entry>\n")
    return "".join(lines)


def named_sets_xml(rng: random.Random, platforms: list[str], names: list[str]) -> str:
    out = ["  <dependencies>\n"]
    for position, name in enumerate(names):
        # Earlier sets only, so references never loop.
        earlier = names[:position]
        body = random_tree(rng, platforms[:200], earlier, depth=0)
        while body[0] == "ref":
            body = random_tree(rng, platforms[:200], earlier, depth=0)
        if body[0] == "p":
            version = f' pd:version="{escape(body[2])}"' if body[2] else ""
            inner = f"      <productId{version}>{body[1]}</productId>\n"
        else:
            inner = (
                f"      <{body[0]}>\n" + "".join(dependency_xml(c, "        ") for c in body[1]) + f"      </{body[0]}>\n")
        out.append(f'    <dependency id="{name}">\n{inner}    </dependency>\n')
    out.append("  </dependencies>\n")
    return "".join(out)


FEED_TAIL_OSES = """  <oses>
    <os id="PreVistaNoHomeBasic">
      <maximumVersion>
        <osMajorVersion>5</osMajorVersion>
      </maximumVersion>
      <osTypes>
        <Server />
        <HomePremium />
        <Ultimate />
        <Enterprise />
        <Business />
      </osTypes>
    </os>
    <os id="VistaSP1PlusNoHomeBasic">
      <minimumVersion>
        <osMajorVersion>6</osMajorVersion>
        <osMinorVersion>0</osMinorVersion>
        <spMajorVersion>1</spMajorVersion>
      </minimumVersion>
      <osTypes>
        <Server />
        <HomePremium />
        <Ultimate />
        <Enterprise />
        <Business />
      </osTypes>
    </os>
    <os id="Win7Plus">
      <minimumVersion>
        <osMajorVersion>6</osMajorVersion>
        <osMinorVersion>1</osMinorVersion>
      </minimumVersion>
    </os>
  </oses>
  <osLists>
    <osList id="SupportedAppPlatforms">
      <os>
        <minimumVersion>
          <osMajorVersion>5</osMajorVersion>
          <osMinorVersion>1</osMinorVersion>
          <spMajorVersion>2</spMajorVersion>
        </minimumVersion>
        <osTypes>
          <Server />
          <Client />
        </osTypes>
      </os>
      <os idref="PreVistaNoHomeBasic" />
      <os idref="VistaSP1PlusNoHomeBasic" />
    </osList>
    <osList id="SupportedPlatforms">
      <os idref="VistaSP1PlusNoHomeBasic" />
      <os idref="Win7Plus" />
    </osList>
    <osList id="Win7Plus">
      <os idref="Win7Plus" />
    </osList>
  </osLists>
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000, help="number of <entry> elements (default 100000)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("--output", default="-", help="file to write (default stdout)")
    args = parser.parse_args()
    if args.entries < 1:
        parser.error("--entries must be at least 1")
    rng = random.Random(args.seed)

    # The first entries are platform products the others depend on (like WebProductList).
    platform_count = max(1, min(2000, args.entries // 50))
    platform_ids = []
    for n in range(platform_count):
        base = PLATFORM_BASES[n % len(PLATFORM_BASES)]
        platform_ids.append(f"{base}{n // len(PLATFORM_BASES) + 1}_{n}")
    names = [f"{rng.choice(PLATFORM_BASES)}App{n}" for n in range(NAMED_SET_COUNT)]

    handle = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8", newline="\n")
    out = Writer(handle)
    out.add('\ufeff<?xml version="1.0" encoding="utf-8"?>\n')
    out.add(f'<feed xmlns="{ATOM}" xmlns:pd="{PADDOCK}" xmlns:xsd="http://www.w3.org/2001/XMLSchema">\n')
    out.add('  <webpiFile version="5.0.0.0" />\n')
    out.add('  <title resourceName="FeedTitle">Benchmark Web Application List</title>\n')
    out.add('  <link rel="self" href="http://www.example.com/web/webpi/5.0/BenchmarkList.xml" />\n')
    out.add("  <updated>2015-1-05T01:00:00Z</updated>\n")
    out.add("  <author>\n    <name>Benchmark Generator</name>\n    <uri>http://www.example.com/</uri>\n  </author>\n")
    out.add("  <id>http://www.example.com/web/webpi/5.0/BenchmarkList.xml</id>\n")
    out.add("  <resourcesList>\n    <resources>\n      <culture>en</culture>\n    </resources>\n")
    for language in LANGUAGES[1:]:
        out.add(f"    <resources>\n      <culture>{language}</culture>\n"
                f"      <url>http://www.example.com/resources/{language}.xml</url>\n    </resources>\n")
    out.add("  </resourcesList>\n  <languages>\n")
    for language in LANGUAGES:
        default = ' default="true"' if language == "en" else ""
        out.add(f"    <language{default}>\n      <languageId>{language}</languageId>\n      <name>{language}</name>\n    </language>\n")
    out.add("  </languages>\n  <keywords>\n")
    for keyword_id, keyword_title in KEYWORDS:
        out.add(f'    <keyword id="{keyword_id}" resourceName="Keyword_{keyword_id}">{escape(keyword_title)}</keyword>\n')
    out.add("  </keywords>\n  <tabs>\n    <tab>\n      <keywordTab>\n        <id>AppsTab</id>\n"
            "        <name>Applications</name>\n        <description>Applications by category</description>\n"
            "        <keywords>\n")
    for keyword_id, _ in KEYWORDS[:10]:
        out.add(f"          <keywordId>{keyword_id}</keywordId>\n")
    out.add("        </keywords>\n      </keywordTab>\n    </tab>\n  </tabs>\n")

    sample = None
    for index in range(args.entries):
        words = (rng.choice(ADJECTIVES), rng.choice(NOUNS), rng.choice(KINDS))
        if index < platform_count:
            pid, app, earlier = platform_ids[index], False, platform_ids[:index]
            sets = []
        else:
            # Unique (also case-insensitively, as paddock's catalogue keys them) thanks to the index.
            pid, app, earlier = f"{words[0]}{words[1]}{words[2]}{index}", True, platform_ids
            sets = names
        if index == args.entries // 2:
            sample = pid
        out.add(entry_xml(rng, pid, words, app, earlier, sets))

    out.add(FEED_TAIL_OSES)
    out.add(named_sets_xml(rng, platform_ids, names))
    out.add("  <featured>\n" + "".join(f"    <productId>{p}</productId>\n" for p in platform_ids[:10]) + "  </featured>\n")
    out.add("</feed>\n")
    out.flush()
    if handle is not sys.stdout:
        handle.close()
        size = os.path.getsize(args.output)
        print(f"entries={args.entries}")
        print(f"bytes={size}")
        print(f"sample-product={sample}")
        print(f"search-word={SEARCH_WORD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
