#!/usr/bin/env bash
# GEN.EXE stage 0 in DOSBox: switches, exit codes, XMS accounting, file streaming.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

# A 5 MB file of seeded pseudo-random bytes, and its CRC32 computed on the host.
mkdir -p "$root/build/test-data"
python3 - "$root/build/test-data/BIG.BIN" <<'PY'
import random, sys, zlib
random.seed(1234)
data = random.randbytes(5 * 1024 * 1024 + 4321)
open(sys.argv[1], "wb").write(data)
open(sys.argv[1] + ".crc", "w").write("%d %08X\n" % (len(data), zlib.crc32(data)))
PY
read -r big_len big_crc < "$root/build/test-data/BIG.BIN.crc"

echo "DOS platform tests (XMS on):"
boot xms -- "GEN.EXE /INFO" "GEN.EXE /?" "GEN.EXE /BOGUS" "GEN.EXE /CRC:U:\\NOPE.BIN" \
    "GEN.EXE /CRC:U:\\BIG.BIN" "GEN.EXE /SELFTEST" "GEN.EXE /N:abc" "GEN.EXE /INFO"
expect_el 1 0 "/INFO"
expect_out 1 "XMS: +version 3" "/INFO reports the XMS driver"
expect_out 1 "CPU: +(386|486|586)" "/INFO reports the CPU class"
expect_el 2 0 "/?"
expect_out 2 "ERRORLEVEL: 0 ok, 1 usage" "/? lists the exit codes"
expect_el 3 1 "unknown switch"
expect_err 3 "unknown switch: /BOGUS" "unknown switch is named"
expect_err 3 "GEN /\?" "unknown switch hints at /?"
expect_el 4 2 "missing file"
expect_err 4 "U:.NOPE.BIN: file not found" "missing file is named"
expect_el 5 0 "/CRC of the 5 MB file"
expect_out 5 "CRC: $big_len bytes, CRC32 $big_crc" "/CRC equals the host CRC32 ($big_crc)"
expect_el 6 0 "/SELFTEST"
expect_out 6 "SELFTEST: 4096 KB XMS .*: 0 errors" "/SELFTEST verifies 4 MB through flat pointers"
expect_el 7 1 "bad switch value"
before=$(grep -E '^XMS:' "$run/OUT1.TXT"); after=$(grep -E '^XMS:' "$run/OUT8.TXT")
[ -n "$before" ] && [ "$before" = "$after" ] && pass "free XMS unchanged across all runs" \
    || fail "free XMS unchanged across all runs" "before: $before / after: $after"

echo "DOS platform tests (no XMS driver):"
boot noxms --no-xms -- "GEN.EXE /INFO" "GEN.EXE /SELFTEST" "GEN.EXE /CRC:U:\\BIG.BIN"
expect_el 1 0 "/INFO without XMS"
expect_out 1 "XMS: +no driver \(conventional memory only\)" "/INFO says there is no XMS"
expect_out 2 "no XMS driver, skipped" "/SELFTEST says it has nothing to test"
expect_out 3 "CRC: $big_len bytes, CRC32 $big_crc" "/CRC works from conventional memory"

finish
