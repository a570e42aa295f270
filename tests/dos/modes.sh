#!/usr/bin/env bash
# GEN.EXE in DOSBox-X (scripts/dosx.sh): in real mode (raw XMS, as in DOSBox) it gives the
# host engine's ids. V86 mode with VCPI (EMM386), a DPMI host, and 286/8086 CPUs are
# reported, not checked, until GEN has its VCPI and DPMI client modes: each line says what
# GEN did there today.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
small_model
prompt="hello world"
greedy=$(host_ids "$data/SMALL.BIN" "$prompt" -n 40 -t 0) || exit 1
gen="GEN.EXE /M:U:\\SMALL.BIN /P:\"$prompt\""

# info N LABEL: what command N of the last boot gave, for the record (never a failure).
info() {
    local el err
    el=$(tr -dc '0-9a-z' < "$run/EL$1.TXT")
    err=$(tr -d '\r' 2>/dev/null < "$run/raw/ERR$1.TXT" | head -1)
    if [ "$boot_status" = 124 ] && [ "$el" = none ]; then
        echo "  info $2: no ERRORLEVEL, the boot hit its timeout (a hang)"
    else
        echo "  info $2: ERRORLEVEL $el${err:+ ($err)}"
    fi
}

echo "DOSBox-X, real mode (raw XMS):"
bootx dosx-real -- "GEN.EXE /INFO /M:U:\\SMALL.BIN" "$gen /N:40 /T:0 /IDS /STATS"
expect_el 1 0 "/INFO"
expect_out 1 "^Mode: +32-bit protected mode" "/INFO: GEN switched to protected mode itself"
expect_out 1 "XMS: +version 3" "/INFO reports DOSBox-X's XMS driver"
expect_el 2 0 "greedy generation"
expect_out 2 "$(ids_line "$greedy")" "greedy ids equal the host's"
no_leaks "no leaks in DOSBox-X"

# Each of these boots is informational; a hang costs its 20 s timeout. GEN refuses V86
# mode and old CPUs in its startup code, before GENERR is read: no error line is kept.
echo "DOSBox-X, V86 mode with VCPI (expected today: ERRORLEVEL 5):"
bootx dosx-v86 --v86 -- "GEN.EXE /INFO" "$gen /N:40 /T:0 /IDS"
info 1 "V86: /INFO"
info 2 "V86: greedy generation"

echo "DOSBox-X, V86 mode with CWSDPMI loaded (expected today: ERRORLEVEL 5):"
if [ -f "$root/build/tools/CWSDPMI.EXE" ]; then
    bootx dosx-dpmi --dpmi -- "GEN.EXE /INFO"
    info 1 "V86 + CWSDPMI: /INFO"
else
    echo "  info V86 + CWSDPMI: not run, no DPMI host (build/tools/CWSDPMI.EXE; this DOSBox-X has none in Z:\\BIN)"
fi

for cpu in 286 8086; do
    echo "DOSBox-X, cputype=$cpu (expected: ERRORLEVEL 5, 'needs a 386'):"
    bootx "dosx-$cpu" --cpu $cpu --timeout 20 -- "GEN.EXE /INFO"
    info 1 "$cpu: /INFO"
done

finish
