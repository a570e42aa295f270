#!/usr/bin/env bash
# Every hot kernel on the shapes real models give it, counted on GEN's own code: builds
# src/bin/prof386 (GEN's target and profile, as an i386 Linux program), runs each case
# of `prof386 list` under callgrind and prints, per case, the kernel's symbol (as in
# build/gen.elf), emulated instructions per MAC (DOSBox: one cycle each) and estimated
# real-486 clocks per MAC (scripts/clocks486.py, instruction by instruction).
#   scripts/kernels-386.sh [case-name-pattern]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --quiet
command -v valgrind >/dev/null || { echo "kernels-386: needs valgrind" >&2; exit 2; }
target=i386-dos-pm
RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
/usr/bin/cargo build --quiet --profile dos --bin prof386 \
    --no-default-features --features prof386 \
    --target targets/$target.json -Zjson-target-spec \
    -Zbuild-std=core,alloc,compiler_builtins -Zbuild-std-features=compiler-builtins-mem
mkdir -p build/kernels
cp target/$target/dos/prof386 build/prof386
printf '%-22s %-46s %9s %12s\n' case symbol instr/MAC 'clocks/MAC'
build/prof386 list | while read -r name macs; do
    [[ "$name" == *${1:-}* ]] || continue
    out=build/kernels/$name.out
    valgrind --tool=callgrind --callgrind-out-file="$out" --dump-instr=yes \
        --toggle-collect='*bench_case*' build/prof386 kernel "$name" </dev/null >/dev/null 2>"$out.log"
    scripts/clocks486.py profile build/prof386 "$out" --macs "$macs" --top 1 |
        awk -v n="$name" 'NR == 2 { sym = $1 } /^total:/ { printf "%-22s %-46s %9s %12s\n", n, sym, $(NF-3), $(NF-1) }'
done
