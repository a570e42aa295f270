#!/usr/bin/env bash
# Every test: fmt and clippy, host `cargo test` (engine, format, tokenizer, CLI) and the DOS end-to-end
# tests that build GEN.EXE and run it in headless DOSBox, the fault suite included.
#   scripts/test.sh          the fault suite's representative subset
#   scripts/test.sh --full   every fault case (hundreds of DOS runs: ~10 more minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
full=""
[ "${1:-}" = "--full" ] && full="--full"
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
echo "== DOS: tests/dos/faults.py $full"
python3 tests/dos/faults.py $full || status=1
[ $status = 0 ] && echo "test.sh: all tests passed" || echo "test.sh: some DOS tests FAILED" >&2
exit $status
