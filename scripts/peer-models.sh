#!/usr/bin/env bash
# GPT-2 models of the peers' shapes with random weights, for the side-by-side rows of
# docs/BENCHMARKS.md (speed does not depend on the values):
#   build/peers/BASIC48.BIN   gpt2-basic's shape: 2 layers x 48, 4 heads, vocab 4096, group 48
#   build/peers/STORY260.BIN  dosllam2's stories260K shape as a GPT-2: 5 layers x 64,
#                             8 heads, vocab 512, ctx 512, group 32
# Each is a Hugging Face directory (numpy + safetensors, a byte-level BPE of the right
# size trained with `tokenizers` on the repo's own text) converted by `gpt2bscm convert`.
# Python packages come from scripts/peers/requirements.txt into build/peers/venv (PyPI);
# scripts/test.sh does not need any of this.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/peers
venv=$out/venv
mkdir -p "$out"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet -r scripts/peers/requirements.txt
fi
text=(--text tests/data/heldout.txt --text README.md)
for f in docs/*.md; do text+=(--text "$f"); done
make() {  # name, group, make_model.py options
    local name=$1 group=$2; shift 2
    "$venv/bin/python" scripts/peers/make_model.py "$@" "${text[@]}" --out "$out/$name"
    cargo run --quiet --release --bin gpt2bscm -- convert "$out/$name" -o "$out/$name.BIN" --group "$group" | tail -1
}
make BASIC48 48 --layers 2 --embd 48 --heads 4 --vocab 4096 --ctx 256
make STORY260 32 --layers 5 --embd 64 --heads 8 --vocab 512 --ctx 512
