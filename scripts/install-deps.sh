#!/usr/bin/env bash
# Installs the Debian packages paddock needs to build, test and benchmark. Safe to run again:
# it only calls apt-get when something is missing.
set -euo pipefail
packages=(pkg-config libxml2-dev libsqlite3-dev libxml2-utils python3-solv libarchive-dev libjemalloc-dev)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "paddock: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
