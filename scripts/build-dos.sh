#!/usr/bin/env bash
# Builds build/GEN.EXE with Debian's Rust (which ships the std source for -Zbuild-std),
# then checks it: no float code, 8086 code up to the CPU check, real-mode parts below 64 KB.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --quiet

target=i386-dos-pm
profile=dos
elf=target/$target/$profile/gen
mkdir -p build

start=$(date +%s.%N)
# panic=immediate-abort: no panic formatting machinery in a 64 KB program; a panic
# becomes `ud2`, which the platform turns into "internal error", ERRORLEVEL 7.
RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
RUSTFLAGS="${GEN_RUSTFLAGS:-}" \
/usr/bin/cargo build --quiet --profile $profile --bin gen \
    --no-default-features --features dos \
    --target targets/$target.json -Zjson-target-spec \
    -Zbuild-std=core,alloc,compiler_builtins -Zbuild-std-features=compiler-builtins-mem
objcopy -O binary "$elf" build/GEN.EXE
cp "$elf" build/gen.elf
end=$(date +%s.%N)

# No float code on DOS: the target is soft-float, so an x87 instruction cannot appear,
# but float arithmetic would, as compiler_builtins' soft-float helpers (__addsf3,
# __mulsf3, __floatsisf, ...) or libm's functions: slow on a 386/486 and a sign that
# engine code meant for the host reached GEN. The DOS build must link none of them.
floats=$(nm build/gen.elf | awk '{ s = $NF }
    s ~ /^__(add|sub|mul|div|neg|pow|cmp|eq|ne|lt|le|gt|ge|unord)[sdt]f[23]?$/ ||
    s ~ /^__(float|fix|extend|trunc)/ ||
    s ~ /^(exp|expm1|log|log1p|log2|log10|sqrt|pow|sin|cos|tan|tanh|erf|erfc|fma|floor|ceil|round)f?$/ ||
    s ~ /libm/ { print s }')
if [ -n "$floats" ]; then
    echo "build-dos: GEN.EXE links float code (soft-float helpers or libm):" >&2
    echo "$floats" | head >&2
    exit 1
fi

# The CPU check runs on 8086s and 286s too: up to dos_cpu_386 every instruction must be
# 8086 code (no 0F opcode such as a near jcc, no 66h/67h operand or address prefix).
cpu_check_end=$(nm build/gen.elf | awk '$3=="dos_cpu_386" {print $1}')
not8086=$(objdump -d -M i8086 --start-address=0x100 --stop-address="0x$cpu_check_end" build/gen.elf |
    awk -F'\t' 'NF >= 3 { split($2, b, " "); if (b[1] == "0f" || b[1] == "66" || b[1] == "67") print }')
if [ -z "$cpu_check_end" ] || [ -n "$not8086" ]; then
    echo "build-dos: the CPU check before dos_cpu_386 is not 8086 code:" >&2
    echo "${not8086:-dos_cpu_386 not found}" >&2
    exit 1
fi

# The linker script asserts the limits (real-mode parts below 64 KB, program within
# conventional memory); report the figures.
sym() { printf '%d' "0x$(nm build/gen.elf | awk -v s="$1" '$3==s {print $1}')"; }
low_end=$(sym _low_end); image_end=$(sym _image_end); program_end=$(sym _program_end)
size=$(stat -c %s build/GEN.EXE)
printf 'build-dos: build/GEN.EXE %d bytes (real-mode part to 0x%X, image to 0x%X, with .bss and stacks %d KB) in %.1f s\n' \
    "$size" "$low_end" "$image_end" "$((program_end / 1024))" "$(echo "$end - $start" | bc)"
