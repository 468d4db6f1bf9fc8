#!/usr/bin/env bash
# Builds paddock's Debian package, dist/paddock_VERSION_ARCH.deb, with Debian's own tools
# (dpkg-deb, dpkg-shlibdeps). The package runs without the Swift toolchain: the binary is
# built with --static-swift-stdlib (Swift's runtime and Foundation linked in), and its
# Depends: are what dpkg-shlibdeps finds the binary links (libxml2, libarchive, SQLite,
# jemalloc, curl...). It installs:
#   /usr/bin/paddock
#   /usr/share/paddock/Feeds/paddock.xml            the built-in feed (found as ../share/paddock
#   /usr/share/paddock/Recipes/dist/*.tar.gz          from the binary), and the template archives
#                                                     its <installerURL>s point at
#   /usr/share/paddock/Recipes/engines/*.xml          the shipped engine definitions
#   /usr/share/man/man1/paddock*.1.gz                 one page per command
#   /usr/share/bash-completion/completions/paddock, /usr/share/zsh/vendor-completions/_paddock,
#   /usr/share/fish/vendor_completions.d/paddock.fish
#
#   scripts/package.sh                     build (release, static stdlib, non-PIE, in .build-release) and package
#   PADDOCK_PACKAGE_BIN=FILE scripts/package.sh   package an already built binary instead
#
# The version is the one in Sources/PaddockCommands/Paddock.swift (`paddock --version`); the
# architecture is dpkg's. Prints the package's path last.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
scripts/install-deps.sh
# What packaging needs besides the build's own: dpkg-shlibdeps (dpkg-dev), strip (binutils),
# patchelf, and libcurl's link library, which the static Foundation (FoundationNetworking) links
# against.
missing=()
for package in dpkg-dev binutils patchelf libcurl4-openssl-dev; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "package: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The template archives in the package must be the ones the feed's hashes describe.
scripts/build-recipes.sh --check

if [ -n "${PADDOCK_PACKAGE_BIN:-}" ]; then
    binary="$PADDOCK_PACKAGE_BIN"
else
    # A position-dependent executable (-no-pie): the loader then has none of the 140,000
    # relocations of a PIE binary this size to apply (and the pages they dirty) at every start.
    flags=(-c release --static-swift-stdlib --scratch-path .build-release -Xlinker -no-pie)
    swift build "${flags[@]}" --product paddock >&2
    binary="$(swift build "${flags[@]}" --show-bin-path)/paddock"
fi

# Nothing of the Swift toolchain may be loaded at run time.
if ldd "$binary" | grep -E 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime'; then
    echo "package: $binary needs the Swift runtime's shared libraries; build it with --static-swift-stdlib" >&2
    exit 1
fi

version="$("$binary" --version)"
source_version="$(sed -n 's/^ *version: "\([^"]*\)",*$/\1/p' Sources/PaddockCommands/Paddock.swift)"
[ "$version" = "$source_version" ] || { echo "package: the binary says $version, the source $source_version: rebuild" >&2; exit 1; }
arch="$(dpkg --print-architecture)"

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
# Laid out as dpkg-shlibdeps expects a package being built: debian/control, debian/PACKAGE/.
root="$staging/debian/paddock"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/paddock/Feeds" "$root/usr/share/paddock/Recipes/dist" "$root/usr/share/paddock/Recipes/engines" \
    "$root/usr/share/man/man1" "$root/usr/share/doc/paddock" \
    "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d"
# Stripped as Debian strips its binaries (the symbol table only; Swift's metadata stays).
strip --strip-unneeded -o "$root/usr/bin/paddock" "$binary"
chmod 755 "$root/usr/bin/paddock"
# libcurl is loaded on first use (Sources/CCurlLoader): the binary defines every curl_ function
# the static Foundation calls and calls none of libcurl's own, so libcurl.so.4 (and the thirty
# libraries it brings: TLS, Kerberos, LDAP...) leaves the list the loader maps at every start.
if readelf -d "$root/usr/bin/paddock" | grep -q 'NEEDED.*libcurl\.so\.4'; then
    if nm -D --undefined-only "$root/usr/bin/paddock" | grep -q ' curl_'; then
        echo "package: the binary calls libcurl directly; CCurlLoader misses: $(nm -D --undefined-only "$root/usr/bin/paddock" | grep -o 'curl_[a-z_]*' | tr '\n' ' ')" >&2
        exit 1
    fi
    patchelf --remove-needed libcurl.so.4 "$root/usr/bin/paddock"
fi
[ "$("$root/usr/bin/paddock" --version)" = "$version" ] || { echo "package: the packaged binary does not run" >&2; exit 1; }
install -m 644 Feeds/paddock.xml "$root/usr/share/paddock/Feeds/paddock.xml"
install -m 644 Recipes/dist/*.tar.gz "$root/usr/share/paddock/Recipes/dist/"
# The shipped engine definitions (found as ../share/paddock/Recipes/engines from the binary);
# an admin's own go in ~/.config/paddock/engines and are never touched by the package.
install -m 644 Recipes/engines/*.xml "$root/usr/share/paddock/Recipes/engines/"
install -m 644 README.md "$root/usr/share/doc/paddock/README.md"

"$binary" --experimental-dump-help | python3 scripts/man-pages.py "$root/usr/share/man/man1" "$version" >/dev/null
gzip -9n "$root"/usr/share/man/man1/*.1

"$binary" --generate-completion-script bash > "$root/usr/share/bash-completion/completions/paddock"
"$binary" --generate-completion-script zsh > "$root/usr/share/zsh/vendor-completions/_paddock"
"$binary" --generate-completion-script fish > "$root/usr/share/fish/vendor_completions.d/paddock.fish"

# dpkg-shlibdeps reads debian/control from the folder it runs in: a minimal one, in the staging folder.
printf 'Source: paddock\n\nPackage: paddock\nArchitecture: any\n' > "$staging/debian/control"
depends="$(cd "$staging" && dpkg-shlibdeps -O -e debian/paddock/usr/bin/paddock | sed -n 's/^shlibs:Depends=//p')"
[ -n "$depends" ] || { echo "package: dpkg-shlibdeps found no dependencies" >&2; exit 1; }
# And the library loaded with dlopen: its package, at the version its symbols file gives for the
# newest curl_ function the binary forwards to.
curl_library="$(ldconfig -p | awk '$1 == "libcurl.so.4" {print $NF; exit}')"
curl_package="$(dpkg -S "$(readlink -f "$curl_library")" | cut -d: -f1)"
curl_symbols=/var/lib/dpkg/info/$curl_package:$arch.symbols
[ -f "$curl_symbols" ] || curl_symbols=/var/lib/dpkg/info/$curl_package.symbols
curl_version="$(nm -D --defined-only "$binary" | awk '$2 == "T" && $3 ~ /^curl_/ {print $3}' | while read -r symbol; do
    awk -v s="$symbol" 'index($1, s "@") == 1 {print $2}' "$curl_symbols"; done | sort -V | tail -1)"
[ -n "$curl_package" ] && [ -n "$curl_version" ] || { echo "package: cannot tell which libcurl package to depend on" >&2; exit 1; }
depends="$depends, $curl_package (>= $curl_version)"

cat > "$root/DEBIAN/control" <<EOF
Package: paddock
Version: $version
Architecture: $arch
Maintainer: paddock developers <paddock@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: $depends
Recommends: ca-certificates
Section: web
Priority: optional
Description: install and launch web apps from WebPI-style product feeds
 paddock reads XML product feeds (WebPI's Atom format, extended for Linux), works
 out what a product needs, installs it (apt, pip, archives), and scaffolds and
 launches web apps from blank Django and Flask project templates.
EOF

mkdir -p dist
package="dist/paddock_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$package" >/dev/null
echo "package: $(dpkg-deb -f "$package" Package Version Architecture | tr '\n' ' ')" >&2
echo "package: Depends: $depends" >&2
echo "$repo/$package"
