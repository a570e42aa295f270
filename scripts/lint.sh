#!/usr/bin/env bash
# Style gates run by scripts/test.sh: rustfmt, and clippy with warnings as errors for the
# host build (engine, tools, tests) and for the DOS target (src/dos and GEN.EXE's binary,
# which only the DOS build compiles).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --quiet

echo "lint: cargo fmt --check"
cargo fmt --check

echo "lint: clippy (host)"
cargo clippy --quiet --release --all-targets -- -D warnings

echo "lint: clippy (DOS target)"
# Debian's toolchain (std source for -Zbuild-std) with its clippy, as build-dos.sh builds.
PATH=/usr/bin:$PATH RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
/usr/bin/cargo clippy --quiet --profile dos --bin gen --no-default-features --features dos \
    --target targets/i386-dos-pm.json -Zjson-target-spec \
    -Zbuild-std=core,alloc,compiler_builtins -Zbuild-std-features=compiler-builtins-mem \
    --target-dir target/clippy-dos -- -D warnings
echo "lint: clean"
