#!/usr/bin/env bash
# Runs DOS command lines in headless DOSBox and exits with the last one's ERRORLEVEL.
#
#   scripts/dos.sh [options] "<DOS command line>" ["<command line>" ...]
#
# C: is build/ (the current drive, where GEN.EXE is), D: is models/, T: is a fresh
# folder for this run's outputs. Each command's stdout is printed (after DOS ends).
# All commands run in ONE DOSBox boot, so free XMS can be compared across them.
#
# Options:
#   --mem MB        DOSBox memsize (default 32; at most 63)
#   --no-xms        no XMS driver
#   --cycles N      fixed cycles (benchmarks: 25000); default max (fast tests)
#   --timeout S     wall-clock limit (default 300); a hang is an error (exit 124)
#   --keep DIR      copy the run's files (OUT<n>.TXT, EL<n>.TXT, any other T:\*.TXT) to DIR
#   --quiet         do not print the commands' output
#   --mount X=DIR   mount another host folder as drive X:
#   --dpmi          first load the DPMI host build/tools/CWSDPMI.EXE resident (`-p`, from
#                   drive Y:) as command 0 (OUT0/EL0); DOSBox runs it in real mode (XMS or raw)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/setup.sh" --quiet

mem=32; xms=true; cycles=max; timeout_s=300; keep=""; quiet=0; mounts=(); cmds=(); dpmi=0
while [ $# -gt 0 ]; do
    case "$1" in
        --mem) mem="$2"; shift 2 ;;
        --no-xms) xms=false; shift ;;
        --cycles) cycles="fixed $2"; shift 2 ;;
        --timeout) timeout_s="$2"; shift 2 ;;
        --keep) keep="$2"; shift 2 ;;
        --quiet) quiet=1; shift ;;
        --mount) mounts+=("$2"); shift 2 ;;
        --dpmi) dpmi=1; shift ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        --*) echo "dos.sh: unknown option $1" >&2; exit 2 ;;
        *) cmds+=("$1"); shift ;;
    esac
done
[ ${#cmds[@]} -gt 0 ] || { echo "dos.sh: no command line given" >&2; exit 2; }
[ -f "$root/build/GEN.EXE" ] || { echo "dos.sh: build/GEN.EXE missing (run scripts/build-dos.sh)" >&2; exit 2; }
if [ $dpmi = 1 ] && [ ! -f "$root/build/tools/CWSDPMI.EXE" ]; then
    echo "dos.sh: --dpmi needs a DPMI host at build/tools/CWSDPMI.EXE (no package ships one)" >&2
    exit 2
fi
mkdir -p "$root/models"

tmp=$(mktemp -d /tmp/dosrun.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sed -e "s|@MEMSIZE@|$mem|" -e "s|@XMS@|$xms|" -e "s|@CYCLES@|$cycles|" -e "s|@TMP@|$tmp|" \
    "$root/dosbox/base.conf" > "$tmp/run.conf"
{
    echo "mount c \"$root/build\""
    echo "mount d \"$root/models\""
    echo "mount t \"$tmp\""
    for m in "${mounts[@]}"; do echo "mount ${m%%=*} \"${m#*=}\""; done
    echo "c:"
    n=0; all=("${cmds[@]}")
    if [ $dpmi = 1 ]; then echo "mount y \"$root/build/tools\""; all=("Y:\\CWSDPMI.EXE -p" "${all[@]}"); n=-1; fi
    for c in "${all[@]}"; do
        n=$((n + 1))
        echo "$c > T:\\OUT$n.TXT"
        # "if errorlevel N" means ">= N": test from the top and jump to the first that
        # holds. (DOSBox applies a redirection even when the IF is false, so the
        # redirected ECHOs must sit behind labels.)
        for e in $(seq 255 -1 1); do echo "if errorlevel $e goto r${n}_$e"; done
        echo "echo 0 > T:\\EL$n.TXT"
        echo "goto d$n"
        for e in $(seq 255 -1 1); do
            echo ":r${n}_$e"
            echo "echo $e > T:\\EL$n.TXT"
            echo "goto d$n"
        done
        echo ":d$n"
    done
    echo "exit"
} > "$tmp/RUN.BAT.host"
# DOSBox's autoexec is the config section; a batch file keeps labels and gotos working.
unix2dos_() { sed 's/$/\r/' "$1"; }
unix2dos_ "$tmp/RUN.BAT.host" > "$tmp/RUN.BAT"
printf 'mount t "%s"\nt:\\RUN.BAT\n' "$tmp" >> "$tmp/run.conf"

set +e
SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy timeout --kill-after=5 "$timeout_s" \
    dosbox -conf "$tmp/run.conf" -noconsole -exit >"$tmp/dosbox.log" 2>&1
status=$?
set -e
if [ $status = 124 ] || [ $status = 137 ]; then
    echo "dos.sh: DOSBox did not finish within ${timeout_s}s (a hang?): ${cmds[*]}" >&2
    exit 124
fi

code=0
for i in $(seq 1 ${#cmds[@]}); do
    out="$tmp/OUT$i.TXT"; el="$tmp/EL$i.TXT"
    if [ ! -f "$el" ]; then
        echo "dos.sh: command $i did not complete (DOSBox exit $status): ${cmds[$((i-1))]}" >&2
        tail -5 "$tmp/dosbox.log" >&2
        exit 125
    fi
    [ $quiet = 1 ] || { [ -f "$out" ] && cat "$out"; }
    code=$(tr -dc '0-9' < "$el")
done
if [ $dpmi = 1 ] && [ "$(tr -dc '0-9' < "$tmp/EL0.TXT")" != 0 ]; then
    echo "dos.sh: the DPMI host did not load: $(tr -d '\r' < "$tmp/OUT0.TXT" | head -3)" >&2
fi
if [ -n "$keep" ]; then mkdir -p "$keep"; cp "$tmp"/*.TXT "$keep"/ 2>/dev/null || true; fi
exit "$code"
