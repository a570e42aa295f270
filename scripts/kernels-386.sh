#!/usr/bin/env bash
# Every hot kernel on the shapes real models give it, counted on GEN's own code: builds
# src/bin/prof386 (GEN's target and profile, as an i386 Linux program), runs each case
# of `prof386 list` under callgrind and prints, per case, the kernel's symbol (the
# function with the most estimated clocks; the same symbol is in build/gen.elf),
# emulated instructions per MAC (DOSBox: one cycle each) and estimated real-486 clocks
# per MAC (scripts/clocks486.py, instruction by instruction, every instruction of the
# case counted: table builds, row ends and calls included).
#   scripts/kernels-386.sh [--markdown] [case-name-pattern]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --quiet --profile
markdown=0; [ "${1:-}" = "--markdown" ] && { markdown=1; shift; }
target=i386-dos-pm
RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
/usr/bin/cargo build --quiet --profile dos --bin prof386 \
    --no-default-features --features prof386 \
    --target targets/$target.json -Zjson-target-spec \
    -Zbuild-std=core,alloc,compiler_builtins -Zbuild-std-features=compiler-builtins-mem
mkdir -p build/kernels
cp target/$target/dos/prof386 build/prof386
[ -f build/gen.elf ] || scripts/build-dos.sh >/dev/null
if [ $markdown = 1 ]; then
    echo "| case | kernel (symbol in build/gen.elf) | emulated instructions / MAC | est. 486 clocks / MAC |"
    echo "|---|---|---|---|"
else
    printf '%-22s %9s %11s  %s\n' case instr/MAC 'clocks/MAC' symbol
fi
symbols=$(nm -C build/gen.elf | sed -E 's/^[0-9a-f]+ [tT] //')
build/prof386 list | while read -r name macs; do
    [[ "$name" == *${1:-}* ]] || continue
    out=build/kernels/$name.out
    valgrind --tool=callgrind --callgrind-out-file="$out" --dump-instr=yes \
        --toggle-collect='*bench_case*' build/prof386 kernel "$name" </dev/null >/dev/null 2>"$out.log"
    report=$(scripts/clocks486.py profile build/prof386 "$out" --macs "$macs" --top 1)
    sym=$(echo "$report" | sed -n 2p | sed -E 's/ +[0-9]+ +[0-9]+ +[0-9.]+$//')
    instr=$(echo "$report" | sed -nE 's/^total: .* per MAC ([0-9.]+) instructions.*/\1/p')
    clocks=$(echo "$report" | sed -nE 's/^total: .*, ~([0-9.]+) clocks$/\1/p')
    # The profile shows at most 70 characters of a name: find the full one in GEN.EXE.
    full=$(grep -F -- "$sym" <<<"$symbols" | head -1)
    [ -n "$full" ] || full="$sym (not in gen.elf)"
    if [ $markdown = 1 ]; then
        echo "| $name | \`$full\` | $instr | $clocks |"
    else
        printf '%-22s %9s %11s  %s\n' "$name" "$instr" "$clocks" "$full"
    fi
done
