#!/usr/bin/env bash
# Lints the Swift sources with swift-format (it ships with the toolchain) and the committed
# .swift-format: exits non-zero on any finding.
#   scripts/lint.sh                 Sources, Tests and Package.swift
#   scripts/lint.sh PATH...         those files or folders only
# The tree does not pass yet: swift-format's whitespace findings (indentation, line breaks) cannot
# be turned off by configuration (swiftlang/swift-format#764), and about 300 of them are in
# hand-aligned tables of test arguments. Use it on the files a change touches.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then set -- Sources Tests Package.swift; fi
exec swift format lint --strict --recursive --parallel "$@"
