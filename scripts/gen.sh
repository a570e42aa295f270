#!/usr/bin/env bash
# The main job: build GEN.EXE and run it in headless DOSBox, printing what it writes.
#   scripts/gen.sh [GEN switches...]     e.g. scripts/gen.sh /P:"Once upon a time" /N:40
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-dos.sh
if [ $# -gt 0 ]; then
    scripts/dos.sh "GEN.EXE $*"
else
    scripts/dos.sh "GEN.EXE /INFO" "GEN.EXE /?"
fi
