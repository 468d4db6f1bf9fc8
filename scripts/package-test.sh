#!/usr/bin/env bash
# Tries paddock's Debian package on a bare Debian root without the Swift toolchain, as a user
# who only installs the package would: apt-get install ./paddock_*.deb, then, from /tmp with no
# checkout around, `paddock --version`, `paddock install blank-flask --app f --yes`,
# `paddock launch f --detach` and a GET of the URL it prints (200 expected), and the man pages
# and shell completions in their folders. Not part of .ci/run (it takes minutes and root).
#
#   scripts/package-test.sh [DEB]   DEB defaults to the newest dist/paddock_*.deb (make it with
#                                   scripts/package.sh); runs ../shared/tools/fresh-debian.sh
#                                   (root; the base root cached in /var/tmp), which clones the
#                                   checkout's HEAD: commit first
#   scripts/package-test.sh --inside   the checks themselves, run inside that root
set -euo pipefail

if [ "${1:-}" != --inside ]; then
    repo="$(cd "$(dirname "$0")/.." && pwd)"
    cd "$repo"
    deb="${1:-$(ls -t dist/paddock_*.deb 2>/dev/null | head -1)}"
    [ -n "$deb" ] && [ -f "$deb" ] || { echo "package-test: no package; run scripts/package.sh first" >&2; exit 1; }
    fresh="${PADDOCK_FRESH_DEBIAN:-$repo/../shared/tools/fresh-debian.sh}"
    [ -x "$fresh" ] || { echo "package-test: $fresh not found (PADDOCK_FRESH_DEBIAN=PATH)" >&2; exit 1; }
    echo "package-test: trying $deb in a fresh Debian root without the toolchain" >&2
    # The machine's local CAs go in too (see --inside).
    cas="$(ls /usr/local/share/ca-certificates/*.crt 2>/dev/null | tr '\n' ' ' || true)"
    # Its own root folder, so a run of the lead's fresh-debian.sh (the default folder) is left alone.
    FRESH_ROOT="${FRESH_ROOT:-/var/tmp/paddock-fresh-root-package}" FRESH_NO_TOOLCHAIN=1 FRESH_FILES="$deb $repo/scripts/package-test.sh $cas" \
        "$fresh" shell 'bash /root/files/package-test.sh --inside'
    exit $?
fi

# Inside the fresh root.
step() { echo "package-test: $*"; }
fail() { echo "package-test: FAILED: $*"; exit 1; }
export DEBIAN_FRONTEND=noninteractive
cd /tmp
if command -v swift >/dev/null; then fail "the Swift toolchain is on PATH; this test needs a root without it"; fi

step "apt-get install ./paddock_*.deb"
apt-get update -qq
cp /root/files/paddock_*.deb /tmp/
apt-get install -y -qq /tmp/paddock_*.deb curl ca-certificates >/dev/null
# This machine's own CAs (a proxy's, that pip's HTTPS to PyPI goes through), as a user behind the
# same proxy would have them.
if ls /root/files/*.crt >/dev/null 2>&1; then
    cp /root/files/*.crt /usr/local/share/ca-certificates/
    update-ca-certificates >/dev/null 2>&1
fi
dpkg -s paddock | grep -E '^(Version|Depends):'

step "paddock --version: $(paddock --version)"
[ "$(command -v paddock)" = /usr/bin/paddock ] || fail "paddock is not /usr/bin/paddock"
if ldd /usr/bin/paddock | grep -E 'not found|libswift|libFoundation'; then fail "the binary needs libraries the package does not bring"; fi
paddock feed list | grep -q '/usr/share/paddock/Feeds/paddock.xml' || fail "the built-in feed is not the installed one: $(paddock feed list)"

step "man pages and completions"
for file in /usr/share/man/man1/paddock.1.gz /usr/share/man/man1/paddock-install.1.gz /usr/share/man/man1/paddock-feed-add.1.gz \
    /usr/share/bash-completion/completions/paddock /usr/share/zsh/vendor-completions/_paddock \
    /usr/share/fish/vendor_completions.d/paddock.fish; do
    [ -s "$file" ] || fail "$file is missing"
done
zcat /usr/share/man/man1/paddock-launch.1.gz | grep -q 'detach' || fail "paddock-launch(1) does not describe --detach"
bash -c 'source /usr/share/bash-completion/completions/paddock && complete -p paddock' >/dev/null || fail "the bash completion does not load"
echo "  $(ls /usr/share/man/man1/paddock* | wc -l) man pages"

step "paddock install blank-flask --app f --yes (in /tmp)"
paddock install blank-flask --app f --yes
step "completion of app names: $(paddock ---completion launch -- positional@0 2 0 paddock launch '' | tr '\n' ' ')"
paddock ---completion launch -- positional@0 2 0 paddock launch '' | grep -qx f || fail "the completion does not offer the app f"

step "paddock launch f --detach"
output="$(paddock launch f --detach)"
echo "$output"
url="$(echo "$output" | grep -oE 'http://127\.0\.0\.1:[0-9]+/' | head -1)"
[ -n "$url" ] || fail "launch printed no URL"
code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url")"
paddock stop f >/dev/null || true
[ "$code" = 200 ] || fail "$url answered $code"
step "OK: $url answered 200"
