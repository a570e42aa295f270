#!/usr/bin/env bash
# Benchmarks in emulated time: DOSBox at cycles=fixed 25000 (DESIGN.md §8). At fixed
# cycles DOSBox runs in real time, so these take as long as the emulated 486 would.
# Figures are printed and appended to docs/BENCHMARKS.md with the commit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-dos.sh
cycles=25000
mkdir -p build/test-data
[ -f build/test-data/BIG.BIN ] || head -c 5242880 /dev/urandom > build/test-data/BIG.BIN

out=$(scripts/dos.sh --cycles $cycles --mount "u=$PWD/build/test-data" "GEN.EXE /CRC:U:\\BIG.BIN")
echo "$out"
kbps=$(echo "$out" | sed -nE 's/.* ([0-9]+) KB\/s.*/\1/p')
commit=$(git rev-parse --short HEAD)
line="| $(date -u +%F) | $commit | cycles=fixed $cycles | file read + CRC32, 5 MB, 64 KB reads via 32 KB transfer buffer | $kbps KB/s |"
echo "$line"
echo "$line" >> docs/BENCHMARKS.md
