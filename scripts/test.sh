#!/usr/bin/env bash
# Every test: fmt and clippy, host `cargo test` (engine, format, tokenizer, CLI) and the DOS end-to-end
# tests that build GEN.EXE and run it in headless DOSBox.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== lint: fmt and clippy (host and DOS target)"
scripts/lint.sh

echo "== host: cargo test"
cargo test --release

echo "== DOS: build GEN.EXE"
scripts/build-dos.sh

status=0
for t in tests/dos/*.sh; do
    [ "$(basename "$t")" = lib.sh ] && continue
    echo "== DOS: $t"
    "$t" || status=1
done
[ $status = 0 ] && echo "test.sh: all tests passed" || echo "test.sh: some DOS tests FAILED" >&2
exit $status
