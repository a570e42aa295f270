# Helpers for the DOS end-to-end tests: run command lines in one DOSBox boot, then
# check each command's ERRORLEVEL and output. Sourced by tests/dos/*.sh.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
passed=0; failed=0

pass() { passed=$((passed + 1)); echo "  ok   $1"; }
fail() { failed=$((failed + 1)); echo "  FAIL $1"; [ -n "${2:-}" ] && echo "       $2"; }

# boot NAME [dos.sh options] -- "cmd1" "cmd2" ...: runs them; results in $run/OUT<n>.TXT
# and $run/EL<n>.TXT; the runner's GENERR makes error lines land in $run/raw/ERR<n>.TXT,
# and its own exit code is in $boot_status (124: the boot hit its timeout).
# RUNNER=dosx runs them in DOSBox-X (scripts/dosx.sh, with its options) instead of DOSBox.
boot() {
    local name="$1"; shift
    local opts=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    run="$root/build/test-runs/$name"
    rm -rf "$run"; mkdir -p "$run"
    local n=0
    for c in "$@"; do
        n=$((n + 1))
        echo "$c" > "$run/CMD$n.TXT"
    done
    boot_status=0
    "$root/scripts/${RUNNER:-dos}.sh" --quiet --timeout "${BOOT_TIMEOUT:-240}" --keep "$run/raw" \
        --mount "u=$root/build/test-data" "${opts[@]}" "$@" || boot_status=$?
    for i in $(seq 1 $n); do
        cp "$run/raw/OUT$i.TXT" "$run/OUT$i.TXT" 2>/dev/null || : > "$run/OUT$i.TXT"
        if [ -f "$run/raw/EL$i.TXT" ]; then
            tr -d '\r' < "$run/raw/EL$i.TXT" | grep -E '^ *[0-9]+ *$' | tail -1 > "$run/EL$i.TXT"
        else
            echo none > "$run/EL$i.TXT"
        fi
    done
}

# bootx NAME [dosx.sh options] -- "cmd1" ...: boot in DOSBox-X.
bootx() { RUNNER=dosx boot "$@"; }

# small_model: converts the small Hugging Face fixture (3 layers, untied head, n_ctx 32)
# to $data/SMALL.BIN (drive U: in a boot), with the host tool $host built for host_ids.
small_model() {
    data="$root/build/test-data"
    mkdir -p "$data"
    (cd "$root" && cargo build --quiet --release --bin gpt2bscm) || exit 1
    host="$root/target/release/gpt2bscm"
    "$host" convert "$root/tests/data/hf/small_3l_128d_4h_untied" -o "$data/SMALL.BIN" >/dev/null || exit 1
}

# host_ids MODEL PROMPT [gpt2bscm generate options]: the host engine's ids for a run; an
# empty answer would make every comparison pass, so it stops the test.
host_ids() {
    local ids; ids=$("$host" generate "$1" --prompt "$2" --ids "${@:3}" | sed -n 's/^ids: //p')
    [ -n "$ids" ] || { echo "$(basename "$0"): the host engine gave no ids for $*" >&2; exit 1; }
    echo "$ids"
}

# ids_line IDS: a regex for the whole ids line, exactly (DOS ends lines with CR LF).
ids_line() { echo "^ids: $1"$'\r'"?\$"; }

# expect_el N CODE LABEL
expect_el() {
    local got; got=$(tr -dc '0-9a-z' < "$run/EL$1.TXT")
    [ "$got" = "$2" ] && pass "$3 (ERRORLEVEL $2)" || fail "$3" "expected ERRORLEVEL $2, got '$got'"
}

# expect_out N REGEX LABEL   (grep -E over the command's stdout)
expect_out() {
    grep -qE "$2" "$run/OUT$1.TXT" && pass "$3" || fail "$3" "stdout lacks /$2/: $(head -c 300 "$run/OUT$1.TXT")"
}

# expect_err N REGEX LABEL   (grep -E over the error lines GEN wrote)
expect_err() {
    grep -qE "$2" "$run/raw/ERR$1.TXT" 2>/dev/null && pass "$3" \
        || fail "$3" "errors lack /$2/: $(cat "$run/raw/ERR$1.TXT" 2>/dev/null | head -c 300)"
}

# no_leaks LABEL: no run of this boot reported a leak at exit (GEN reports them on
# stderr, so in the ERR files), and every run given /STATS printed its clean check.
no_leaks() {
    local leaked; leaked=$(grep -l "leak:" "$run"/raw/ERR*.TXT 2>/dev/null | xargs -r -n1 basename)
    local n missing="" total; total=$(ls "$run"/CMD*.TXT | wc -l)
    for n in $(seq 1 "$total"); do
        local out="$run/OUT$n.TXT"
        grep -q "/STATS" "$run/CMD$n.TXT" 2>/dev/null || continue
        grep -q "leak check at exit: 0 blocks held, no leaks" "$out" || missing="$missing $n"
    done
    [ -z "$leaked$missing" ] && pass "$1" || fail "$1" "leaks in: ${leaked:-none}; no clean check in runs:${missing:-none}"
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}
