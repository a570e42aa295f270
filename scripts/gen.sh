#!/usr/bin/env bash
# The main job: build GEN.EXE and run it in headless DOSBox on the bundled default model,
# printing the generated text (and GEN's error lines on stderr).
#   scripts/gen.sh                         a continuation of a default prompt
#   scripts/gen.sh /N:80 /T:0.8            the default model and prompt with any GEN switches
#   scripts/gen.sh /P:"Her sister" /N:80   your own prompt (/F:file too), or /M:model
# Each default (/M:D:\DEFAULT.BIN, the prompt, /N:60, /S:1) stays unless the switches
# give their own (see GEN /? or docs/USAGE.md).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "gen.sh: building GEN.EXE (a fresh machine takes a minute or two)..." >&2
scripts/build-dos.sh >&2
# Whether the arguments give switch $1 (/X:..., /X ..., -x ...), in any case.
has() {
    local a
    for a in "${args[@]}"; do
        case "${a^^}" in "/$1" | "/$1:"* | "/$1="* | "-$1") return 0 ;; esac
    done
    return 1
}
# The shell took the quotes off /P:"Her sister": put them back around values with spaces.
args=()
for a in "$@"; do
    if [[ "$a" == *" "* && "$a" != *'"'* ]]; then
        if [[ "$a" =~ ^([/-][A-Za-z?]+[:=])(.*)$ ]]; then a="${BASH_REMATCH[1]}\"${BASH_REMATCH[2]}\""; else a="\"$a\""; fi
    fi
    args+=("$a")
done
line=(GEN.EXE)
has M || line+=('/M:D:\DEFAULT.BIN')
has P || has F || line+=('/P:"It is a truth universally acknowledged"')
has N || line+=(/N:60)
has S || line+=(/S:1)
exec scripts/dos.sh "${line[*]} ${args[*]}"
