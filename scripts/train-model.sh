#!/usr/bin/env bash
# Reproduce the default model end to end on a fresh machine (CPU, 2 cores, ~30 min of
# training): corpus -> tokenizer -> training -> Hugging Face export -> samples ->
# GPT2BSCM conversion (once `gpt2bscm convert` exists). Not run by tests or CI.
#
#   scripts/train-model.sh            # work files in /work/train (WORK=... to change)
#
# Needs: python3 (3.11) with venv, apt-get (Debian) to fetch the corpus package, cargo
# for the last step. Creates its own venv ($WORK/venv-train) from
# scripts/train/requirements.txt. Outputs:
#   $WORK/data/{train,heldout}.txt  corpus split (held-out also copied to $WORK/heldout.txt)
#   $WORK/tok$VOCAB/                 the byte-level BPE (vocab.json, merges.txt)
#   $WORK/default/                   config.json, model.safetensors, vocab.json,
#                                    merges.txt, metrics.json, samples.md
#   $MODEL_OUT                       the converted model (when the converter exists)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/work/train}
VENV=${VENV:-$WORK/venv-train}
MODEL_OUT=${MODEL_OUT:-$ROOT/models/DEFAULT.BIN}  # the shipped model (scripts/gen.sh uses D:\DEFAULT.BIN)
CORPUS_PKG=r-cran-janeaustenr
CORPUS_VERSION=1.0.0-1

# The shipped model's settings (docs/MODEL.md explains the choice).
VOCAB=2048
LAYERS=4
WIDTH=128
HEADS=4
CTX=256
STEPS=${STEPS:-1600}
SEED=1234

mkdir -p "$WORK"

echo "== Python environment ($VENV)"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet -r "$ROOT/scripts/train/requirements.txt"
fi
PY=$VENV/bin/python

echo "== Corpus: Debian $CORPUS_PKG $CORPUS_VERSION"
PKG_DIR=$WORK/pkg/$CORPUS_PKG
if [ ! -d "$PKG_DIR/usr" ]; then
  mkdir -p "$WORK/pkg"
  if ! apt-cache show "$CORPUS_PKG=$CORPUS_VERSION" >/dev/null 2>&1; then
    apt-get update  # a fresh machine may have no package lists yet (needs root)
  fi
  (cd "$WORK/pkg" && apt-get download "$CORPUS_PKG=$CORPUS_VERSION")
  dpkg-deb -x "$WORK/pkg/${CORPUS_PKG}_${CORPUS_VERSION}_all.deb" "$PKG_DIR"
fi
"$PY" "$ROOT/scripts/train/prepare_corpus.py" --pkg "$PKG_DIR" --out "$WORK/data" \
  --excerpt "$ROOT/tests/data/heldout.txt"
cp "$WORK/data/heldout.txt" "$WORK/heldout.txt"

echo "== Tokenizer: byte-level BPE, $VOCAB ids"
"$PY" "$ROOT/scripts/train/train_tokenizer.py" --vocab "$VOCAB" \
  --text "$WORK/data/train.txt" --out "$WORK/tok$VOCAB"

echo "== Training ${LAYERS}x$WIDTH, $STEPS steps (log: $WORK/default.log)"
"$PY" "$ROOT/scripts/train/train.py" --tok "$WORK/tok$VOCAB" --data "$WORK/data" \
  --out "$WORK/default" --layers "$LAYERS" --d "$WIDTH" --heads "$HEADS" --ctx "$CTX" \
  --steps "$STEPS" --warmup 100 --eval-every 400 --eval-tokens 20000 --seed "$SEED" \
  | tee "$WORK/default.log"

echo "== Samples"
"$PY" "$ROOT/scripts/train/samples.py" "$WORK/default" | tee "$WORK/default/samples.md"

echo "== Conversion to GPT2BSCM"
cd "$ROOT"
# The CLI's help lists `convert` once the converter is built in.
if cargo run --quiet --release --bin gpt2bscm -- --help 2>/dev/null | grep -qw convert; then
  mkdir -p "$(dirname "$MODEL_OUT")"
  cargo run --quiet --release --bin gpt2bscm -- convert "$WORK/default" -o "$MODEL_OUT"
  [ -f "$MODEL_OUT" ] && echo "wrote $MODEL_OUT"
else
  echo "gpt2bscm convert is not available yet: HF model left in $WORK/default"
fi
