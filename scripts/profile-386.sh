#!/usr/bin/env bash
# Instruction profile of GEN's token loop: builds src/bin/prof386 with GEN.EXE's
# target and profile (same code, no DOS platform) as a static i386 Linux program and
# runs it under valgrind's callgrind. DOSBox's normal core at fixed cycles executes one
# instruction per cycle, so instructions / 25000 ≈ ms at cycles=fixed 25000.
#
#   scripts/profile-386.sh [callgrind_annotate options]   (output: build/prof386.out)
#   PROF_TOKENS=200 scripts/profile-386.sh                  (a longer run: attention grows)
#   PROF_SAMPLED=1 scripts/profile-386.sh                   (GEN's default sampling, not greedy)
#   PROF_MODEL=$PWD/build/peers/STORY260.BIN scripts/profile-386.sh   (another model, resident)
#   PROF_OUT=build/x.out scripts/profile-386.sh             (another output file)
#   scripts/op-breakdown.py build/prof386.out 32              (per token, by operation)
#   scripts/callgrind-lines.py build/prof386.out 32 forward   (per token, by source line)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --quiet --profile
command -v valgrind >/dev/null || { echo "profile-386: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
target=i386-dos-pm
# Line tables only: they do not change the code, and let callgrind name source lines.
RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_PROFILE_DOS_DEBUG=line-tables-only \
/usr/bin/cargo build --quiet --profile dos --bin prof386 \
    --no-default-features --features prof386 \
    --target targets/$target.json -Zjson-target-spec \
    -Zbuild-std=core,alloc,compiler_builtins -Zbuild-std-features=compiler-builtins-mem
mkdir -p build
cp target/$target/dos/prof386 build/prof386
out=${PROF_OUT:-build/prof386.out}
valgrind --tool=callgrind --callgrind-out-file="$out" --dump-instr=yes \
    --toggle-collect='*generate_one*' build/prof386 2>build/prof386.log
callgrind_annotate --inclusive=yes "$@" "$out" | head -60
