#!/usr/bin/env bash
# Builds build/GEN.EXE with Debian's Rust (which ships the std source for -Zbuild-std),
# then checks it: no x87 instruction, code + statics + stack within one 64 KB segment.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --quiet

target=i386-dos-code16
profile=dos
elf=target/$target/$profile/gen
mkdir -p build

start=$(date +%s.%N)
# panic=immediate-abort: no panic formatting machinery in a 64 KB program; a panic
# becomes `ud2`, which the platform turns into "internal error", ERRORLEVEL 7.
RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
RUSTFLAGS="${GEN_RUSTFLAGS:-}" \
/usr/bin/cargo build --quiet --profile $profile --bin gen \
    --no-default-features --features "${GEN_FEATURES:-dos}" \
    --target targets/$target.json -Zjson-target-spec \
    -Zbuild-std=core,alloc,compiler_builtins -Zbuild-std-features=compiler-builtins-mem
objcopy -O binary "$elf" build/GEN.EXE
cp "$elf" build/gen.elf
end=$(date +%s.%N)

# No x87 instruction may appear: 386SX and 486SX have no FPU. x87 mnemonics start with
# "f" (fld, fstp, fninit, ...) or are wait/fwait; the fs segment prefix is not one.
x87=$(objdump -d -M i8086 build/gen.elf | awk -F'\t' 'NF >= 3 { split($3, w, " "); m = w[1];
    if ((m ~ /^f/ && m != "fs") || m == "wait" || m == "fwait") print }')
if [ -n "$x87" ]; then
    echo "build-dos: GEN.EXE contains x87 instructions:" >&2
    echo "$x87" | head >&2
    exit 1
fi

# The linker script asserts the 64 KB limit; report the figures.
sym() { printf '%d' "0x$(nm build/gen.elf | awk -v s="$1" '$3==s {print $1}')"; }
image_end=$(sym _image_end); bss_end=$(sym _bss_end)
stack=$((0x3000))
used=$((bss_end + stack))
if [ "$used" -gt $((0x10000)) ]; then
    echo "build-dos: code + statics + stack = $used bytes > 65536" >&2
    exit 1
fi
size=$(stat -c %s build/GEN.EXE)
printf 'build-dos: build/GEN.EXE %d bytes (image to 0x%X, bss to 0x%X, +%d stack: %d of 65536 bytes used) in %.1f s\n' \
    "$size" "$image_end" "$bss_end" "$stack" "$used" "$(echo "$end - $start" | bc)"
