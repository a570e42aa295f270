#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian 12 machine. Idempotent: it
# checks first, so a second run takes a moment. Every other script calls it.
#   --quiet   print nothing when everything is already there
#   --profile also valgrind (scripts/profile-386.sh, kernels-386.sh, bench.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
quiet=0; profile=0
for a in "$@"; do
    case "$a" in
        --quiet) quiet=1 ;;
        --profile) profile=1 ;;
    esac
done
say() { [ $quiet = 1 ] || echo "setup: $*"; }

# Debian packages: Rust with the std source (for -Zbuild-std) and its clippy, lld, binutils, DOSBox.
packages=(rustc-web cargo-web rust-web-src rust-web-clippy lld binutils dosbox bc)
[ $profile = 1 ] && packages+=(valgrind)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ -d /usr/lib/rustlib/src/rust/library/core ] || { echo "setup: rust-web-src has no library source" >&2; exit 1; }

# Crates for the host build and the DOS build (both read Cargo.lock).
if [ ! -f target/.fetched ] || [ Cargo.lock -nt target/.fetched ]; then
    say "fetching crates"
    cargo fetch --quiet
    mkdir -p target && touch target/.fetched
fi
# DOSBox-X in WebAssembly for scripts/dosx.sh: the npm package `emulators`, pinned by
# scripts/dosx/package-lock.json (node and npm come with the machine).
dosx=scripts/dosx
if [ ! -f $dosx/node_modules/.package-lock.json ] || [ $dosx/package-lock.json -nt $dosx/node_modules/.package-lock.json ]; then
    say "installing the npm package emulators (DOSBox-X) in $dosx"
    (cd $dosx && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    touch $dosx/node_modules/.package-lock.json
fi
say "ready"
