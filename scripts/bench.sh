#!/usr/bin/env bash
# Benchmarks in emulated time: DOSBox at cycles=fixed 25000 (a 25 MHz 486-class pace). At fixed
# cycles DOSBox runs in real time, so these take as long as the emulated 486 would.
# Figures are printed and appended to docs/BENCHMARKS.md with the commit.
#   scripts/bench.sh            file streaming + default model generation
#   scripts/bench.sh --124m     also GPT-2 124M shapes (random weights) at 32 MB and 8 MB
set -euo pipefail
cd "$(dirname "$0")/.."
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
    record "$1 ($plan; $kv)" "$ms ms/token, peak $peak KB$hits$load"
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
if [ "${1:-}" = "--124m" ]; then
    [ -f "$data/G124M.BIN" ] || {
        cargo run --quiet --release --bin gpt2bscm -- synth-124m -o "$data/G124M.BIN"
    }
    gen_bench "GPT-2 124M shapes, /MEM:32768, 3 tokens" '/M:U:\G124M.BIN /P:"Hello" /N:3 /T:0 /MEM:32768 /CTX:64'
    gen_bench "GPT-2 124M shapes, /MEM:8192, 3 tokens" '/M:U:\G124M.BIN /P:"Hello" /N:3 /T:0 /MEM:8192 /CTX:64'
fi
