#!/usr/bin/env bash
# The main job: build GEN.EXE and run it in headless DOSBox on the bundled default model,
# printing the generated text.
#   scripts/gen.sh                         a continuation of a default prompt
#   scripts/gen.sh /P:"Her sister" /N:80   any GEN switches (see GEN /? or docs/USAGE.md)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-dos.sh >&2
model='/M:D:\DEFAULT.BIN'
if [ $# -gt 0 ]; then
    scripts/dos.sh "GEN.EXE $model $*"
else
    scripts/dos.sh "GEN.EXE $model /P:\"It is a truth universally acknowledged\" /N:60 /S:1"
fi
