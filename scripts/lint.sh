#!/usr/bin/env bash
# Lints the Swift sources with swift-format (it ships with the toolchain) and the committed
# .swift-format: exits non-zero on any finding.
#   scripts/lint.sh                 Sources, Tests and Package.swift
#   scripts/lint.sh PATH...         those files or folders only
# The test command (scripts/test.sh, so CI) runs it first. `swift format format -i -r Sources
# Tests Package.swift Benchmarks` fixes the whitespace findings (indentation, line breaks), which
# no setting turns off (swiftlang/swift-format#764).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then set -- Sources Tests Package.swift; fi
exec swift format lint --strict --recursive --parallel "$@"
