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
kvdisk=$(host_ids models/DEFAULT.BIN "$dprompt" -n 40 -t 0.8 -k 40 -s 7 --ctx 256) || exit 1
gen="GEN.EXE /M:U:\\SMALL.BIN /P:\"$prompt\""
kvrun="GEN.EXE /M:D:\\DEFAULT.BIN /P:\"$dprompt\" /N:40 /T:0.8 /K:40 /S:7 /CTX:256 /IDS /STATS /MEM:400"

# battery LABEL MODE_REGEX POOL BOOT NAME [runner options] [-- commands before]: boots
# once with the same cases and checks them. POOL names the extended pool in /STATS.
battery() {
    local label="$1" mode="$2" pool="$3" runner="$4" name="$5"; shift 5
    local opts=() pre=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts+=("$1"); shift; done
    [ $# -gt 0 ] && { shift; pre=("$@"); }
    local k=${#pre[@]}
    echo "$label:"
    $runner "$name" "${opts[@]}" -- "${pre[@]}" \
        "GEN.EXE /INFO /M:U:\\SMALL.BIN" \
        "$gen /N:40 /T:0 /IDS /STATS" \
        "$gen /N:40 /T:0.8 /K:40 /TP:0.95 /RP:1.1 /S:7 /IDS /STATS" \
        "$gen /N:40 /T:0 /IDS /STATS /MEM:500" \
        "$gen /N:40 /T:0 /IDS /STATS /MEM:150" \
        "SET TEMP=T:\\" "$kvrun" "SET TEMP=" \
        "$gen /N:5 /MEM:16 /STATS" \
        "GEN.EXE /M:U:\\MODEBAD.BIN /P:x /N:1 /STATS" \
        "SET GENBREAK=5" "$gen /N:40 /T:0 /STATS" "SET GENBREAK=" \
        "SET GENFAULT=5" "$gen /N:40 /T:0" "SET GENFAULT=" \
        "SET GENSTACK=3" "$gen /N:40 /T:0" "SET GENSTACK=" \
        "GEN.EXE /INFO"
    local c=$k
    n() { c=$((c + 1)); }
    n; expect_el $c 0 "/INFO"; expect_out $c "^Mode: +$mode" "/INFO names the mode"
    local first=$c
    n; expect_out $c "$(ids_line "$greedy")" "greedy ids equal the host's"
    expect_out $c "memory: pool $pool: " "extended memory from $pool"
    n; expect_out $c "$(ids_line "$sampled")" "sampled ids equal the host's"
    n; expect_out $c "plan: layer streaming" "/MEM:500 streams layers"
    expect_out $c "$(ids_line "$greedy")" "layer streaming gives the greedy ids"
    n; expect_out $c "plan: row streaming" "/MEM:150 streams rows"
    expect_out $c "$(ids_line "$greedy")" "row streaming gives the greedy ids"
    n; n; expect_out $c "plan: KV cache on disk" "/CTX:256 in 400 KB: the KV cache goes to disk"
    expect_out $c "$(ids_line "$kvdisk")" "KV cache on disk gives the host's ids"
    n; n; expect_el $c 4 "/MEM:16: out of memory"
    n; expect_el $c 3 "a bad model file"
    n; n; expect_el $c 6 "Ctrl-C (GENBREAK)"; expect_err $c "^GEN: interrupted" "Ctrl-C is one line"
    n; n; n; expect_el $c 7 "a CPU exception (GENFAULT)"; expect_err $c "CPU exception 6" "the exception is named"
    n; n; n; expect_el $c 7 "a stack overflow (GENSTACK)"; expect_err $c "stack overflow" "the overflow is named"
    n; n; expect_el $c 0 "/INFO after all of it"
    no_leaks "no leaks after any run, errors included"
    local before after
    before=$(grep -E '^Extended:' "$run/OUT$first.TXT"); after=$(grep -E '^Extended:' "$run/OUT$c.TXT")
    [ -n "$before" ] && [ "$before" = "$after" ] && pass "free extended memory unchanged ($before)" \
        || fail "free extended memory unchanged" "before: $before / after: $after"
}

battery "DOSBox-X, real mode (raw)" "raw 32-bit protected mode" XMS bootx dosx-raw
battery "DOSBox-X, V86 mode under its EMM386 (VCPI client, XMS mapped)" "VCPI client \\(server 1\\.0\\)" XMS \
    bootx dosx-vcpi --v86
battery "DOSBox-X, V86 mode, XMS ignored (VCPI client, the server's pages)" "VCPI client" VCPI \
    bootx dosx-vcpi-pages --v86 -- "SET GENXMS=OFF"

if [ -f "$root/build/tools/CWSDPMI.EXE" ]; then
    battery "DOSBox-X, V86 mode with CWSDPMI (DPMI client)" "DPMI 0\\.9 client" DPMI bootx dosx-dpmi --dpmi
    battery "DOSBox 0.74 with CWSDPMI, GENMODE=DPMI (DPMI client)" "DPMI 0\\.9 client" DPMI \
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
