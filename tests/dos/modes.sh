#!/usr/bin/env bash
# GEN.EXE on every DOS setup: raw in DOSBox-X, a VCPI client under DOSBox-X's EMM386 (V86
# mode), a DPMI client under CWSDPMI (DOSBox-X V86 and DOSBox 0.74 with the mode forced),
# and a clean refusal on 286 and 8086 CPUs. In each mode the same battery: greedy and
# sampled ids equal the host's, streamed plans and a KV cache on disk too, too little
# memory is 4, a bad model 3, Ctrl-C 6, a CPU exception and a stack overflow 7, and the
# free extended memory the source reports is the same before and after all of it.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
small_model
python3 - "$data" <<'PY'
import sys
d = sys.argv[1]
good = open(d + "/SMALL.BIN", "rb").read()
bad = bytearray(good); bad[300000] ^= 0x55; open(d + "/MODEBAD.BIN", "wb").write(bad)
PY
prompt="hello world"
greedy=$(host_ids "$data/SMALL.BIN" "$prompt" -n 40 -t 0) || exit 1
sampled=$(host_ids "$data/SMALL.BIN" "$prompt" -n 40 -t 0.8 -k 40 --top-p 0.95 --rep-penalty 1.1 -s 7) || exit 1
dprompt="It was a truth"
kvdisk=$(host_ids models/DEFAULT.BIN "$dprompt" -n 4 -t 0.8 -k 40 -s 7 --ctx 256) || exit 1
greedy8=$(echo "$greedy" | cut -d' ' -f1-8)
gen="GEN.EXE /M:U:\\SMALL.BIN /P:\"$prompt\""
kvrun="GEN.EXE /M:D:\\DEFAULT.BIN /P:\"$dprompt\" /N:4 /T:0.8 /K:40 /S:7 /CTX:256 /IDS /STATS /MEM:400"

# The cases, in groups of a few runs per boot: this DOSBox-X build traps now and then, most
# often in V86 mode when a program switches modes for much file I/O (about once in a
# thousand reads, CWSDPMI as much as GEN; real VCPI and DPMI hosts in DOSBox 0.74 ran tens
# of thousands of such reads without a fault), and the runner boots a trapped batch again,
# which is cheap for a short batch: so the streamed runs are short too.
# Each group starts and ends with /INFO: free extended memory must be the same at both.
declare -A group
group[ids]="$gen /N:40 /T:0 /IDS /STATS|$gen /N:40 /T:0.8 /K:40 /TP:0.95 /RP:1.1 /S:7 /IDS /STATS|$gen /N:5 /MEM:16 /STATS|GEN.EXE /M:U:\\MODEBAD.BIN /P:x /N:1 /STATS"
group[streams]="$gen /N:8 /T:0 /IDS /STATS /MEM:500|$gen /N:8 /T:0 /IDS /STATS /MEM:150"
group[kvdisk]="SET TEMP=T:\\|$kvrun|SET TEMP="
group[exits]="SET GENBREAK=5|$gen /N:40 /T:0 /STATS|SET GENBREAK=|SET GENFAULT=5|$gen /N:40 /T:0|SET GENFAULT=|SET GENSTACK=3|$gen /N:40 /T:0|SET GENSTACK="

# battery LABEL MODE_REGEX POOL GROUPS BOOT NAME [runner options] [-- commands before]:
# one boot per group named in GROUPS, each checked.
battery() {
    local label="$1" mode="$2" pool="$3" groups="$4" runner="$5" name="$6"; shift 6
    local opts=() pre=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
    [ $# -gt 0 ] && { shift; pre=("$@"); }
    echo "$label:"
    local g cmds
    for g in $groups; do
        IFS='|' read -r -a cmds <<< "${group[$g]}"
        $runner "$name-$g" "${opts[@]}" -- "${pre[@]}" "GEN.EXE /INFO /M:U:\\SMALL.BIN" "${cmds[@]}" "GEN.EXE /INFO"
        local c=$((${#pre[@]} + 1)) last=$((${#pre[@]} + ${#cmds[@]} + 2))
        expect_el $c 0 "$g: /INFO"
        expect_out $c "^Mode: +$mode" "$g: /INFO names the mode"
        check_$g $((c + 1))
        expect_el $last 0 "$g: /INFO after the runs"
        no_leaks "$g: no leaks after any run, errors included"
        local before after
        before=$(grep -E '^Extended:' "$run/OUT$c.TXT"); after=$(grep -E '^Extended:' "$run/OUT$last.TXT")
        [ -n "$before" ] && [ "$before" = "$after" ] && pass "$g: free extended memory unchanged ($before)" \
            || fail "$g: free extended memory unchanged" "before: $before / after: $after"
    done
}

# check_GROUP FIRST: the checks of a group whose first run is command FIRST.
check_ids() {
    expect_out $1 "$(ids_line "$greedy")" "greedy ids equal the host's"
    expect_out $1 "memory: pool $pool: " "extended memory from $pool"
    expect_out $(($1 + 1)) "$(ids_line "$sampled")" "sampled ids equal the host's"
    expect_el $(($1 + 2)) 4 "/MEM:16: out of memory"
    expect_el $(($1 + 3)) 3 "a bad model file"
}
check_streams() {
    expect_out $1 "plan: layer streaming" "/MEM:500 streams layers"
    expect_out $1 "$(ids_line "$greedy8")" "layer streaming gives the greedy ids"
    expect_out $(($1 + 1)) "plan: row streaming" "/MEM:150 streams rows"
    expect_out $(($1 + 1)) "$(ids_line "$greedy8")" "row streaming gives the greedy ids"
}
check_kvdisk() {
    expect_out $(($1 + 1)) "plan: KV cache on disk" "/CTX:256 in 400 KB: the KV cache goes to disk"
    expect_out $(($1 + 1)) "$(ids_line "$kvdisk")" "KV cache on disk gives the host's ids"
}
check_exits() {
    expect_el $(($1 + 1)) 6 "Ctrl-C (GENBREAK)"; expect_err $(($1 + 1)) "^GEN: interrupted" "Ctrl-C is one line"
    expect_el $(($1 + 4)) 7 "a CPU exception (GENFAULT)"; expect_err $(($1 + 4)) "CPU exception 6" "the exception is named"
    expect_el $(($1 + 7)) 7 "a stack overflow (GENSTACK)"; expect_err $(($1 + 7)) "stack overflow" "the overflow is named"
}

all="ids streams kvdisk exits"
battery "DOSBox-X, real mode (raw)" "raw 32-bit protected mode" XMS "$all" bootx dosx-raw
battery "DOSBox-X, V86 mode under its EMM386 (VCPI client, XMS mapped)" "VCPI client \\(server 1\\.0\\)" XMS \
    "$all" bootx dosx-vcpi --v86
battery "DOSBox-X, V86 mode, XMS ignored (VCPI client, the server's pages)" "VCPI client" VCPI "ids" \
    bootx dosx-vcpi-pages --v86 -- "SET GENXMS=OFF"

if [ -f "$root/build/tools/CWSDPMI.EXE" ]; then
    battery "DOSBox-X, V86 mode with CWSDPMI (DPMI client)" "DPMI 0\\.9 client" DPMI "ids exits" \
        bootx dosx-dpmi --dpmi
    battery "DOSBox 0.74 with CWSDPMI, GENMODE=DPMI (DPMI client)" "DPMI 0\\.9 client" DPMI "$all" \
        boot dos-dpmi --dpmi -- "SET GENMODE=DPMI"
else
    echo "DPMI client: not run: no DPMI host at build/tools/CWSDPMI.EXE (no package registry ships one;"
    echo "  docs/USAGE.md says how to test with one)"
fi

echo "Forced modes (DOSBox 0.74, real mode; DOSBox-X V86):"
boot genmode -- "SET GENMODE=VCPI" "GEN.EXE /INFO" "SET GENMODE=DPMI" "GEN.EXE /INFO" \
    "SET GENMODE=fast" "GEN.EXE /INFO" "SET GENMODE=raw" "GEN.EXE /INFO" "SET GENMODE="
expect_el 2 5 "GENMODE=VCPI without a VCPI server"; expect_err 2 "no VCPI server" "it says why"
expect_el 4 5 "GENMODE=DPMI without a DPMI host"; expect_err 4 "no 32-bit DPMI host" "it says why"
expect_el 6 1 "GENMODE=fast"; expect_err 6 "GENMODE must be RAW, VCPI or DPMI" "it names the values"
expect_el 8 0 "GENMODE=raw (any case) in real mode"
bootx genmode-v86 --v86 -- "SET GENMODE=RAW" "GEN.EXE /INFO" "SET GENMODE=DPMI" "GEN.EXE /INFO" "SET GENMODE="
expect_el 2 5 "GENMODE=RAW in V86 mode"; expect_err 2 "V86 mode" "it says why"
expect_el 4 5 "GENMODE=DPMI in V86 mode without a host"

for cpu in 286 8086; do
    echo "DOSBox-X, cputype=$cpu:"
    bootx "dosx-$cpu" --cpu $cpu --timeout 30 -- "GEN.EXE /INFO"
    expect_el 1 5 "a $cpu is refused"
    expect_err 1 "^GEN: needs a 386 or later CPU" "with its one-line message"
done

finish
