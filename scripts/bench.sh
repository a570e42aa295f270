#!/usr/bin/env bash
# Benchmarks in emulated time: DOSBox at cycles=fixed 25000 (a 25 MHz 486-class pace). At fixed
# cycles DOSBox runs in real time, so these take as long as the emulated 486 would.
# Figures are printed and appended to docs/BENCHMARKS.md with the commit.
#   scripts/bench.sh            per-kernel table, file streaming, default model generation
#   scripts/bench.sh --124m     also GPT-2 124M shapes (random weights) at 32 MB and 8 MB
#   scripts/bench.sh --peers    also the peers' shapes (scripts/peer-models.sh builds them)
#   scripts/bench.sh --modes    also the default model and /CRC in each DOS mode: DOSBox 0.74
#                               raw, DOSBox-X raw and VCPI, and DPMI under CWSDPMI in both when
#                               build/tools/CWSDPMI.EXE exists (no package ships a DPMI host)
#   (the options may be given together)
# The per-kernel table (scripts/kernels-386.sh: emulated instructions and estimated 486
# clocks per MAC of every hot kernel, by symbol) replaces the one in docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
m124=0; peers=0; modes=0
for a in "$@"; do
    case "$a" in
        --124m) m124=1 ;;
        --modes) modes=1 ;;
        --peers) peers=1 ;;
        *) echo "bench.sh: unknown option $a" >&2; exit 1 ;;
    esac
done
scripts/build-dos.sh
cycles=25000
data="$PWD/build/test-data"
mkdir -p "$data"
commit=$(git rev-parse --short HEAD)
record() {
    local line="| $(date -u +%F) | $commit | cycles=fixed $cycles | $1 | $2 |"
    echo "$line"
    # Into the results table (the first table of the file), after its last row.
    awk -v row="$line" '!done && intable && !/^\|/ { print row; done = 1 }
        /^\|/ { intable = 1 } { print } END { if (!done) print row }' \
        docs/BENCHMARKS.md > docs/BENCHMARKS.md.new && mv docs/BENCHMARKS.md.new docs/BENCHMARKS.md
}
run() { scripts/dos.sh --cycles $cycles --timeout 3000 --mount "u=$data" "$@"; }

kernels=$(scripts/kernels-386.sh --markdown)
echo "$kernels"
{
    echo "Measured $(date -u +%F) at $commit by \`scripts/kernels-386.sh\` (bench.sh writes it here)."
    echo
    echo "$kernels"
} > build/kernels.md
awk -v f=build/kernels.md '/<!-- kernels:begin -->/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
    /<!-- kernels:end -->/ { skip = 0 } !skip { print }' docs/BENCHMARKS.md > docs/BENCHMARKS.md.new &&
    mv docs/BENCHMARKS.md.new docs/BENCHMARKS.md

[ -f "$data/BIG.BIN" ] || head -c 5242880 /dev/urandom > "$data/BIG.BIN"
out=$(run "GEN.EXE /CRC:U:\\BIG.BIN"); echo "$out"
record "file read + CRC32, 5 MB, 64 KB reads via 32 KB transfer buffer" \
    "$(echo "$out" | sed -nE 's/.* ([0-9]+) KB\/s.*/\1/p') KB/s"

gen_bench() {  # label, GEN switches
    local out; out=$(run "GEN.EXE $2 /BENCH /STATS" | tr -d '\r'); echo "$out"
    local ms; ms=$(echo "$out" | sed -nE 's/.*\(([0-9]+) ms\/token.*/\1/p')
    local peak; peak=$(echo "$out" | sed -nE 's/^memory: peak ([0-9]+) KB.*/\1/p')
    local plan; plan=$(echo "$out" | sed -nE 's/^plan: ([a-z +]+) \(.*/\1/p' | head -1)
    local kv; kv=$(echo "$out" | sed -nE 's/^plan: (KV cache .*|block-sparse attention.*)/\1/p' | head -1)
    local hits; hits=$(echo "$out" | sed -nE 's/^pool: .*\(hit rate ([0-9]+) %\).*/, pool hit rate \1 %/p')
    local load; load=$(echo "$out" | sed -nE 's/^load: ([0-9]+) ms.*/, open (CRC once) \1 ms/p')
    local prompt; prompt=$(echo "$out" | sed -nE 's/.*prompt ([0-9]+) tokens in ([0-9]+) ms.*/\1 \2/p' | head -1)
    local pms=""
    if [ -n "$prompt" ]; then
        read -r pn pt <<<"$prompt"
        [ "$pn" -gt 0 ] && pms=", prompt $((pt / pn)) ms/token ($pn tokens)"
    fi
    record "$1 ($plan; $kv)" "$ms ms/token$pms, peak $peak KB$hits$load"
}
if [ -f models/DEFAULT.BIN ]; then
    gen_bench "default model, 32 tokens greedy" '/M:D:\DEFAULT.BIN /P:"It is a truth" /N:32 /T:0'
    gen_bench "default model, 32 tokens, GEN's default sampling" '/M:D:\DEFAULT.BIN /P:"It is a truth" /N:32'
    # Each memory plan, forced by its budget (docs/MEMORY.md).
    for mem in 1500 1000 600 300; do
        gen_bench "default model, 16 tokens greedy, /MEM:$mem" "/M:D:\\DEFAULT.BIN /P:\"It is a truth\" /N:16 /T:0 /MEM:$mem"
    done
    gen_bench "default model, 16 tokens greedy, /CTX:256 /MEM:400" '/M:D:\DEFAULT.BIN /P:"It is a truth" /N:16 /T:0 /CTX:256 /MEM:400'
    gen_bench "default model, 16 tokens greedy, /CTX:256 /MEM:270" '/M:D:\DEFAULT.BIN /P:"It is a truth" /N:16 /T:0 /CTX:256 /MEM:270'
fi
if [ $peers = 1 ]; then
    [ -f build/peers/BASIC48.BIN ] && [ -f build/peers/STORY260.BIN ] || scripts/peer-models.sh
    cp build/peers/BASIC48.BIN build/peers/STORY260.BIN "$data/"
    generated() {  # the "generated N tokens in T ms" of /BENCH: prints "N T"
        sed -nE 's/.*generated ([0-9]+) tokens in ([0-9]+) ms.*/\1 \2/p'
    }
    # gpt2-basic's shape: 2 x 48, vocab 4096, group 48; greedy.
    out=$(run 'GEN.EXE /M:U:\BASIC48.BIN /P:"It is a truth" /N:128 /T:0 /BENCH' | tr -d '\r'); echo "$out"
    read -r n t <<<"$(echo "$out" | generated)"
    record "gpt2-basic's shape (2 x 48, vocab 4096, group 48, random weights), 128 tokens greedy" \
        "$(echo "scale=2; $n * 1000 / $t" | bc) tokens/s"
    # dosllam2's stories260K shape as a GPT-2 (5 x 64, 8 heads, vocab 512): tokens 9-200 and
    # 201-500, from two runs after a prompt of 8 tokens with this vocabulary (the second
    # run minus the first).
    prompt='/P:"It is a truth"'
    out=$(run "GEN.EXE /M:U:\STORY260.BIN $prompt /N:192 /T:0 /BENCH" \
        "GEN.EXE /M:U:\STORY260.BIN $prompt /N:492 /T:0 /BENCH" | tr -d '\r'); echo "$out"
    p=$(echo "$out" | sed -nE 's/.*prompt ([0-9]+) tokens.*/\1/p' | head -1)
    { read -r n1 t1; read -r n2 t2; } < <(echo "$out" | generated)
    record "stories260K shape (5 x 64, 8 heads, vocab 512, group 32, random weights), greedy, tokens $((p + 1))-$((p + n1))" \
        "$(echo "scale=2; $n1 * 1000 / $t1" | bc) tokens/s"
    record "stories260K shape, greedy, tokens $((p + n1 + 1))-$((p + n2))" \
        "$(echo "scale=2; ($n2 - $n1) * 1000 / ($t2 - $t1)" | bc) tokens/s"
fi
if [ $m124 = 1 ]; then
    [ -f "$data/G124M3.BIN" ] || {
        cargo run --quiet --release --bin gpt2bscm -- synth-124m -o "$data/G124M3.BIN"
    }
    gen_bench "GPT-2 124M shapes, /MEM:32768, 3 tokens" '/M:U:\G124M3.BIN /P:"Hello" /N:3 /T:0 /MEM:32768 /CTX:64'
    gen_bench "GPT-2 124M shapes, /MEM:8192, 3 tokens" '/M:U:\G124M3.BIN /P:"Hello" /N:3 /T:0 /MEM:8192 /CTX:64'
fi
if [ $modes = 1 ]; then
    # The cost of each mode's switch per DOS call shows on the streamed plan (docs/BENCHMARKS.md,
    # "Each DOS mode"); DOSBox-X charges some instructions differently from DOSBox 0.74.
    setups=("DOSBox 0.74, raw protected mode|scripts/dos.sh" "DOSBox-X, raw protected mode|scripts/dosx.sh"
        "DOSBox-X, V86 under its EMM386 (VCPI client)|scripts/dosx.sh --v86")
    if [ -f build/tools/CWSDPMI.EXE ]; then
        setups+=("DOSBox 0.74 + CWSDPMI, GENMODE=DPMI (DPMI client)|scripts/dos.sh --dpmi"
            "DOSBox-X, V86 + CWSDPMI (DPMI client)|scripts/dosx.sh --dpmi")
    else
        echo "bench.sh: no DPMI host at build/tools/CWSDPMI.EXE: the DPMI rows are skipped" >&2
    fi
    resident='GEN.EXE /M:D:\DEFAULT.BIN /P:"It is a truth" /N:64 /T:0 /BENCH'
    streamed='GEN.EXE /M:D:\DEFAULT.BIN /P:"It is a truth" /N:16 /T:0 /BENCH /MEM:600'
    for s in "${setups[@]}"; do
        label=${s%%|*}; read -r -a runner <<<"${s#*|}"
        pre=(); [[ $label == *GENMODE=DPMI* ]] && pre=("SET GENMODE=DPMI")
        out=$("${runner[@]}" --cycles $cycles --timeout 3000 --mount "u=$data" "${pre[@]}" \
            "$resident" "$streamed" "GEN.EXE /CRC:U:\\BIG.BIN" | tr -d '\r'); echo "$out"
        ms=($(echo "$out" | sed -nE 's/^bench: .*\(([0-9]+) ms\/token.*/\1/p'))
        kbs=$(echo "$out" | sed -nE 's/^CRC: .* ([0-9]+) KB\/s.*/\1/p')
        record "$label: default model greedy, resident /N:64; /MEM:600 (row streaming) /N:16; /CRC of 5 MB" \
            "${ms[0]:-?} ms/token; ${ms[1]:-?} ms/token; ${kbs:-?} KB/s"
    done
fi
