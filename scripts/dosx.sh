#!/usr/bin/env bash
# Runs DOS command lines in headless DOSBox-X and exits with the last one's ERRORLEVEL:
# scripts/dos.sh's contract, for the CPUs and modes DOSBox 0.74 cannot give (V86 mode with
# VCPI under EMM386 emulation, a DPMI host on top of it, 286 and 8086 CPUs).
#
#   scripts/dosx.sh [options] "<DOS command line>" ["<command line>" ...]
#
# DOSBox-X is the WebAssembly build of the npm package `emulators` (scripts/dosx/, set up
# by scripts/setup.sh), run by node. C: is build/ (its files, not its subfolders; GEN.EXE
# is there), D: is models/, T: is a fresh folder for this run's outputs. The emulator's
# disk is in memory: each folder's files are copied in when it boots, and new or changed
# files are copied back to the host folder when the commands end (not after a trap).
# All commands run in ONE boot (about 3 s, and GEN runs 3-4x slower than in DOSBox).
# Each command runs with GENERR=T:\ERR<n>.TXT, where GEN copies its error lines (as in
# dos.sh). Each command's stdout is printed (after the boot ends), byte for byte: it is taken from
# the console stream, cut at marker lines the batch echoes around each command, because
# this build often traps when a program whose stdout is redirected to a file exits (so
# avoid `GEN ... > file` here; GEN's /O: is fine). A boot that trapped in the wasm is
# booted again, up to 3 times, with a note on stderr naming where it trapped.
#
# Options (as in dos.sh):
#   --mem MB        memsize (default 32)
#   --no-xms        no XMS driver
#   --cycles N      fixed cycles (timings); default max
#   --timeout S     wall-clock limit (default 300); a hang is an error (exit 124)
#   --keep DIR      write OUT<n>.TXT, EL<n>.TXT and every file the commands wrote on T: to DIR
#   --quiet         do not print the commands' output
#   --mount X=DIR   another host folder (with its subfolders) as drive X:
# Options of this runner:
#   --v86           EMM386 emulation active at boot: V86 mode with VCPI
#   --cpu TYPE      emulated CPU: 8086, 286, 386, 486, pentium, ... (default auto: a Pentium)
#   --dpmi          first load the DPMI host build/tools/CWSDPMI.EXE resident (`-p`), from
#                   drive Y:, as command 0 (OUT0/EL0); implies --v86 unless --no-v86
#   --no-v86        real mode (the default, unless --dpmi)
#   --plain         the package's DOSBox core (0.74-like: no V86, no 286) instead of DOSBox-X
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh" --quiet

mem=32; xms=true; cycles=max; timeout_s=300; keep=""; quiet=0; mounts=(); cmds=()
v86=""; cpu=auto; dpmi=0; core=x
while [ $# -gt 0 ]; do
    case "$1" in
        --mem) mem="$2"; shift 2 ;;
        --no-xms) xms=false; shift ;;
        --cycles) cycles="fixed $2"; shift 2 ;;
        --timeout) timeout_s="$2"; shift 2 ;;
        --keep) keep="$2"; shift 2 ;;
        --quiet) quiet=1; shift ;;
        --mount) mounts+=("$2"); shift 2 ;;
        --v86) v86=1; shift ;;
        --no-v86) v86=0; shift ;;
        --cpu) cpu="$2"; shift 2 ;;
        --dpmi) dpmi=1; shift ;;
        --plain) core=plain; shift ;;
        -h|--help) sed -n '2,/^set -e/{/^set -e/!p}' "$0"; exit 0 ;;
        --*) echo "dosx.sh: unknown option $1" >&2; exit 2 ;;
        *) cmds+=("$1"); shift ;;
    esac
done
[ ${#cmds[@]} -gt 0 ] || { echo "dosx.sh: no command line given" >&2; exit 2; }
[ -f "$root/build/GEN.EXE" ] || { echo "dosx.sh: build/GEN.EXE missing (run scripts/build-dos.sh)" >&2; exit 2; }
[ -z "$v86" ] && v86=$dpmi
[ "$core$v86" = plain1 ] && { echo "dosx.sh: --plain has no V86 mode (add --no-v86)" >&2; exit 2; }
dpmi_host="$root/build/tools/CWSDPMI.EXE"
if [ $dpmi = 1 ] && [ ! -f "$dpmi_host" ]; then
    echo "dosx.sh: --dpmi needs a DPMI host at build/tools/CWSDPMI.EXE (this DOSBox-X build ships none)" >&2
    exit 2
fi
mkdir -p "$root/models"

tmp=$(mktemp -d /tmp/dosxrun.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/T" "$tmp/out"
# V86 mode with VCPI is DOSBox-X's EMM386 emulation started at boot; it needs EMS and XMS.
ems=false; vcpi=false
[ $v86 = 1 ] && { ems=emm386; vcpi=true; }
sed -e "s|@MEMSIZE@|$mem|" -e "s|@XMS@|$xms|" -e "s|@CYCLES@|$cycles|" -e "s|@CPUTYPE@|$cpu|" \
    -e "s|@EMS@|$ems|" -e "s|@VCPI@|$vcpi|" -e "s|@V86@|$([ $v86 = 1 ] && echo true || echo false)|" \
    "$root/dosbox/dosx.conf" > "$tmp/dosbox.conf"

# Around each command, marker lines for run.js; the ERRORLEVEL is found with a chain of
# "if errorlevel N" (">= N": the last that holds wins). Every line starts with @ so that a
# called batch file that turns ECHO on does not echo them.
batch_cmd() {
    echo "@echo ##DOSX $1 BEGIN"
    echo "@SET GENERR=T:\\ERR$1.TXT"
    echo "@$2"
    echo "@set DOSXEL=0"
    for e in $(seq 1 255); do echo "@if errorlevel $e set DOSXEL=$e"; done
    echo "@echo ##DOSX $1 EL %DOSXEL%"
    echo "@set DOSXEL="
}
{
    echo "@echo off"
    [ $dpmi = 1 ] && batch_cmd 0 "Y:\\CWSDPMI.EXE -p"
    n=0
    for c in "${cmds[@]}"; do n=$((n + 1)); batch_cmd $n "$c"; done
    echo "@echo ##DOSX END"
} | sed 's/$/\r/' > "$tmp/RUN.BAT"

drives=(--drive "C=$root/build,flat" --drive "D=$root/models" --drive "T=$tmp/T")
[ $dpmi = 1 ] && drives+=(--drive "Y=$root/build/tools,flat")
for m in "${mounts[@]}"; do drives+=(--drive "${m%%=*}=${m#*=}"); done

# The wasm build traps now and then in V86 mode (about once per thousand DOS calls there):
# a boot that trapped is run again from scratch, up to `boots` times.
boots=6
status=3
for boot in $(seq 1 $boots); do
    rm -rf "$tmp/out"/*
    set +e
    timeout --kill-after=5 $((timeout_s + 30)) node "$root/scripts/dosx/run.js" --core $core \
        --conf "$tmp/dosbox.conf" --batch "$tmp/RUN.BAT" --out "$tmp/out" --timeout "$timeout_s" \
        "${drives[@]}" 2>"$tmp/node.log"
    status=$?
    set -e
    [ $status = 3 ] || break
    echo "dosx.sh: $(head -1 "$tmp/node.log" | sed 's/^dosx: //') (boot $boot of $boots)$([ $boot -lt $boots ] && echo ', booting again')" >&2
done
if [ $status = 124 ] || [ $status = 137 ]; then
    echo "dosx.sh: DOSBox-X did not finish within ${timeout_s}s (a hang?): ${cmds[*]}" >&2
fi
if [ -n "$keep" ]; then
    mkdir -p "$keep"
    (cd "$tmp/T" && find . -type f ! -name RUN.BAT ! -name .dosx -exec cp --parents {} "$keep"/ \;)
    cp "$tmp/out"/OUT*.TXT "$tmp/out"/EL*.TXT "$keep"/ 2>/dev/null || true
    cp "$tmp/out/STREAM.TXT" "$keep/dosx-stream.log" 2>/dev/null || true
fi
case $status in
    0) ;;
    124|137) exit 124 ;;
    3) echo "dosx.sh: the emulator trapped on every boot" >&2; exit 125 ;;
    *) cat "$tmp/node.log" >&2; exit 125 ;;
esac
if [ $dpmi = 1 ] && [ "$(tr -dc '0-9' < "$tmp/out/EL0.TXT" 2>/dev/null)" != 0 ]; then
    echo "dosx.sh: the DPMI host did not load: $(tr -d '\r' < "$tmp/out/OUT0.TXT" 2>/dev/null | head -3)" >&2
fi

code=0
for i in $(seq 1 ${#cmds[@]}); do
    out="$tmp/out/OUT$i.TXT"; el="$tmp/out/EL$i.TXT"
    if [ ! -f "$el" ]; then
        echo "dosx.sh: command $i did not complete: ${cmds[$((i-1))]}" >&2
        exit 125
    fi
    [ $quiet = 1 ] || cat "$out"
    code=$(tr -dc '0-9' < "$el")
done
exit "$code"
