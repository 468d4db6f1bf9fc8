#!/usr/bin/env bash
# What the benchmarks compare paddock with: curl, sha256sum (coreutils) and bsdtar
# (Benchmarks/InstallBenchmark), and wrk (Benchmarks/app-benchmark). Safe to run again: it
# only calls apt-get when something is missing.
set -euo pipefail
packages=(curl coreutils libarchive-tools wrk)
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
