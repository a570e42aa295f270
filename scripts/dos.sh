#!/usr/bin/env bash
# Runs DOS command lines in headless DOSBox and exits with the last one's ERRORLEVEL.
#
#   scripts/dos.sh [options] "<DOS command line>" ["<command line>" ...]
#
# C: is build/ (the current drive, where GEN.EXE is), D: is models/, T: is a fresh
# folder for this run's outputs. After DOS ends, each command's stdout is printed, then
# its error lines on stderr (COMMAND.COM cannot redirect stderr, so every command runs
# with GENERR=T:\ERR<n>.TXT, where GEN copies its error lines). All commands run in ONE
# DOSBox boot, so free XMS can be compared across them. Command lines are UTF-8 here and
# CP437 in DOS: they are converted, and a character CP437 lacks is named and sent as ?.
#
# A batch file needs CALL ("CALL E:\STORY.BAT ...", with --mount e=DIR): without it DOS
# never comes back to the commands after it. DOSBox does not redirect what a batch file
# itself prints, so of a batch file you see the files its commands write (T:\ is kept
# with --keep) and GEN's error lines.
#
# Options:
#   --mem MB        DOSBox memsize (default 32; at most 63)
#   --no-xms        no XMS driver
#   --cycles N      fixed cycles (benchmarks: 25000); default max (fast tests)
#   --timeout S     wall-clock limit (default 300); a hang is an error (exit 124)
#   --keep DIR      copy the run's files (OUT<n>.TXT, EL<n>.TXT, any other T:\*.TXT) to DIR
#   --quiet         do not print the commands' output
#   --mount X=DIR   mount another host folder as drive X: ("X=DIR -t cdrom": read-only;
#                   "X=FILE.img": a FAT floppy image, e.g. a small one that fills up)
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
        -h|--help) sed -n "2,/^set -euo/p" "$0" | sed "$ d"; exit 0 ;;
        --*) echo "dos.sh: unknown option $1" >&2; exit 2 ;;
        *) cmds+=("$1"); shift ;;
    esac
done
[ ${#cmds[@]} -gt 0 ] || { echo "dos.sh: no command line given" >&2; exit 2; }
if [ ! -f "$root/build/GEN.EXE" ]; then
    echo "dos.sh: building GEN.EXE (a fresh machine takes a minute or two)..." >&2
    "$root/scripts/build-dos.sh" >&2
fi
if [ $dpmi = 1 ] && [ ! -f "$root/build/tools/CWSDPMI.EXE" ]; then
    echo "dos.sh: --dpmi needs a DPMI host at build/tools/CWSDPMI.EXE (no package ships one)" >&2
    exit 2
fi
mkdir -p "$root/models"

# UTF-8 -> CP437 (DOS's code page), naming what CP437 lacks (sent as ?).
to_cp437() {
    local LC_ALL=C
    if [[ "$1" != *[$'\x80'-$'\xff']* ]]; then printf '%s' "$1"; return; fi
    python3 -c '
import sys
out, bad = [], []
for ch in sys.argv[1]:
    try:
        out.append(ch.encode("cp437"))
    except UnicodeEncodeError:
        out.append(b"?")
        bad.append(ch)
if bad:
    names = ", ".join("%s (U+%04X)" % (c, ord(c)) for c in sorted(set(bad)))
    sys.stderr.write("dos.sh: CP437 has no %s; sent as ?\n" % names)
sys.stdout.buffer.write(b"".join(out))
' "$1"
}

tmp=$(mktemp -d /tmp/dosrun.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sed -e "s|@MEMSIZE@|$mem|" -e "s|@XMS@|$xms|" -e "s|@CYCLES@|$cycles|" -e "s|@TMP@|$tmp|" \
    "$root/dosbox/base.conf" > "$tmp/run.conf"
{
    echo "mount c \"$root/build\""
    echo "mount d \"$root/models\""
    echo "mount t \"$tmp\""
    for m in "${mounts[@]}"; do
        # X=DIR mounts a folder, X=FILE.img a FAT disk image; words after " -" are
        # DOSBox mount options (e.g. "r=DIR -t cdrom": a read-only drive).
        target="${m#*=}" extra=""
        if [[ "$target" == *" -"* ]]; then extra=" -${target#* -}"; target="${target%% -*}"; fi
        if [[ "$target" == *.img ]]; then echo "imgmount ${m%%=*} \"$target\" -t floppy$extra"
        else echo "mount ${m%%=*} \"$target\"$extra"; fi
    done
    echo "c:"
    n=0; all=("${cmds[@]}")
    if [ $dpmi = 1 ]; then echo "mount y \"$root/build/tools\""; all=("Y:\\CWSDPMI.EXE -p" "${all[@]}"); n=-1; fi
    for c in "${all[@]}"; do
        n=$((n + 1))
        echo "SET GENERR=T:\\ERR$n.TXT"
        echo "$(to_cp437 "$c") > T:\\OUT$n.TXT"
        # "if errorlevel N" means ">= N", so N is the one that holds where N + 1 does
        # not: the high nibble here, the low one in T:\ELh.BAT. (DOSBox applies a
        # redirection even when the IF is false, so only ">>" is safe; no GOTOs, which
        # rescan the file: long batches stay fast.)
        for h in $(seq 0 15); do
            next=$((16 * h + 16))
            [ $h = 15 ] && echo "if errorlevel 240 call T:\\EL15.BAT T:\\EL$n.TXT" && continue
            echo "if errorlevel $((16 * h)) if not errorlevel $next call T:\\EL$h.BAT T:\\EL$n.TXT"
        done
    done
    echo "exit"
} > "$tmp/RUN.BAT.host"
# The low nibble of an ERRORLEVEL, for RUN.BAT: ELh.BAT FILE appends 16h + l to FILE.
for h in $(seq 0 15); do
    for l in $(seq 0 15); do
        e=$((16 * h + l))
        if [ $e = 255 ]; then echo "if errorlevel 255 echo 255 >> %1"
        else echo "if errorlevel $e if not errorlevel $((e + 1)) echo $e >> %1"; fi
    done | sed 's/$/\r/' > "$tmp/EL$h.BAT"
done
# DOSBox's autoexec is the config section; a batch file keeps labels and gotos working.
unix2dos_() { sed 's/$/\r/' "$1"; }
unix2dos_ "$tmp/RUN.BAT.host" > "$tmp/RUN.BAT"
printf 'mount t "%s"\nt:\\RUN.BAT\n' "$tmp" >> "$tmp/run.conf"

set +e
SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy timeout --kill-after=5 "$timeout_s" \
    dosbox -conf "$tmp/run.conf" -noconsole -exit >"$tmp/dosbox.log" 2>&1
status=$?
set -e
# Keep the run's files first, so a failed boot can still be looked into.
if [ -n "$keep" ]; then mkdir -p "$keep"; cp "$tmp"/*.TXT "$keep"/ 2>/dev/null || true; fi
if [ $status = 124 ] || [ $status = 137 ]; then
    echo "dos.sh: DOSBox did not finish within ${timeout_s}s (a hang?): ${cmds[*]}" >&2
    exit 124
fi

if [ $dpmi = 1 ] && [ "$(tr -d '\r' < "$tmp/EL0.TXT" 2>/dev/null | grep -E '^ *[0-9]+ *$' | tail -1 | tr -dc '0-9')" != 0 ]; then
    echo "dos.sh: the DPMI host did not load: $(tr -d '\r' < "$tmp/OUT0.TXT" 2>/dev/null | head -3)" >&2
fi

code=0
for i in $(seq 1 ${#cmds[@]}); do
    out="$tmp/OUT$i.TXT"; el="$tmp/EL$i.TXT"
    if [ ! -f "$el" ]; then
        echo "dos.sh: command $i did not complete (DOSBox exit $status): ${cmds[$((i-1))]}" >&2
        tail -5 "$tmp/dosbox.log" >&2
        exit 125
    fi
    if [ $quiet = 0 ]; then
        [ -f "$out" ] && cat "$out"
        [ -f "$tmp/ERR$i.TXT" ] && cat "$tmp/ERR$i.TXT" >&2
    fi
    code=$(tr -d '\r' < "$el" | grep -E '^ *[0-9]+ *$' | tail -1 | tr -dc '0-9')
done
exit "$code"
