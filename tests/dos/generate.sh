#!/usr/bin/env bash
# GEN.EXE generates in DOSBox: token ids equal the host engine's (`gpt2bscm generate
# --ids`) for greedy and sampled runs, under each memory plan; bad model files, missing
# files and too little memory give their ERRORLEVELs; XMS is freed after every run.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$root"
# The small model (build/test-data/SMALL.BIN), and the shipped default model when it is there.
small_model
prompt="hello world"
greedy=$(host_ids "$data/SMALL.BIN" "$prompt" -n 40 -t 0) || exit 1
sampled=$(host_ids "$data/SMALL.BIN" "$prompt" -n 40 -t 0.8 -k 40 --top-p 0.95 --rep-penalty 1.1 -s 7) || exit 1
long=$(host_ids "$data/SMALL.BIN" "$prompt" -n 70 -t 0) || exit 1  # past n_ctx = 32: the window slides

# Damaged copies: truncated, wrong signature, bad layer checksum, unknown version (with
# the header checksum recomputed, so the version check is what refuses it).
python3 - "$data" <<'PY'
import struct, sys, zlib
d = sys.argv[1]
good = open(d + "/SMALL.BIN", "rb").read()
open(d + "/TRUNC.BIN", "wb").write(good[:-1000])
open(d + "/SIG.BIN", "wb").write(b"GPT2BSCX" + good[8:])
bad = bytearray(good); bad[300000] ^= 0x55; open(d + "/CRC.BIN", "wb").write(bad)
ver = bytearray(good); ver[8:12] = struct.pack("<I", 99)
ver[1656:1660] = struct.pack("<I", zlib.crc32(bytes(ver[:1656])))
open(d + "/VER.BIN", "wb").write(ver)
open(d + "/PROMPT.TXT", "wb").write(b"hello world\r\n")
PY

gen="GEN.EXE /M:U:\\SMALL.BIN /P:\"$prompt\""
echo "DOS generation tests (XMS on):"
boot gen -- "GEN.EXE /INFO /M:U:\\SMALL.BIN" \
    "$gen /N:40 /T:0 /IDS /STATS" \
    "$gen /N:40 /T:0.8 /K:40 /TP:0.95 /RP:1.1 /S:7 /IDS" \
    "$gen /N:40 /T:0 /IDS /STATS /MEM:500" \
    "$gen /N:70 /T:0 /IDS /BENCH" \
    "$gen /N:5 /MEM:40 /STATS" \
    "GEN.EXE /M:U:\\TRUNC.BIN /P:x /STATS" "GEN.EXE /M:U:\\SIG.BIN /P:x /STATS" \
    "GEN.EXE /M:U:\\CRC.BIN /P:x /N:1 /STATS" "GEN.EXE /M:U:\\VER.BIN /P:x /STATS" \
    "GEN.EXE /M:U:\\NOPE.BIN /P:x /STATS" \
    "GEN.EXE /M:U:\\SMALL.BIN /F:U:\\PROMPT.TXT /N:40 /T:0 /IDS /O:T:\\GEN.TXT" \
    "$gen /N:40 /T:0 /IDS /STATS /MEM:150" \
    "GEN.EXE /INFO"
expect_out 1 "^Plan: +resident .*context 32 tokens \\(largest that fits\\)" "/INFO names the plan and the largest context"
expect_el 2 0 "greedy generation"
expect_out 2 "$(ids_line "$greedy")" "greedy ids equal the host's"
expect_out 2 "plan: resident" "large budget: all weights resident"
expect_out 2 "memory: peak [0-9]+ KB" "/STATS reports peak memory"
expect_out 2 "bytes +weights +src/model/session\\.rs:[0-9]+" "/STATS top-10 names the engine line that began each stage"
expect_el 3 0 "sampled generation"
expect_out 3 "$(ids_line "$sampled")" "sampled ids (T 0.8, top-k 40, top-p 0.95, penalty 1.1, seed 7) equal the host's"
expect_out 4 "plan: layer streaming" "/MEM:500 forces layer streaming"
expect_out 4 "$(ids_line "$greedy")" "layer streaming gives the same ids"
expect_out 4 "streamed [1-9][0-9]* KB of layers" "layers were read from disk per token"
expect_out 5 "$(ids_line "$long")" "sliding window past n_ctx gives the host's ids"
expect_out 5 "[1-9][0-9]* slides" "the window slid"
expect_el 6 4 "too little memory"
expect_err 6 "model needs [0-9]+ KB, [0-9]+ KB available" "too little memory names needed and available KB"
expect_el 7 3 "truncated model file"
expect_err 7 "TRUNC.BIN: " "truncated file error names the file"
expect_el 8 3 "wrong signature"
expect_el 9 3 "bad checksum"
expect_err 9 "checksum|CRC" "bad checksum is named"
expect_el 10 3 "unknown version"
expect_err 10 "version" "unknown version is named"
expect_el 11 2 "missing model file"
expect_err 11 "NOPE.BIN: file not found" "missing model file is named"
expect_out 12 "$(ids_line "$greedy")" "prompt from /F gives the same ids"
expect_out 13 "plan: row streaming.*chunks of at most 16 KB" "/MEM:150 forces row-chunk streaming"
expect_out 13 "$(ids_line "$greedy")" "row-chunk streaming gives the same ids"
expect_out 13 "pool: [0-9]+ exact \\+ [0-9]+ best-fit hits, [12] misses" "streamed buffers come from the matrix pool"
grep -q "hello world" "$run/raw/GEN.TXT" 2>/dev/null && pass "/O writes the text to a file" \
    || fail "/O writes the text to a file"
no_leaks "leak check at exit clean after every run, errors included"
before=$(grep -E '^XMS:' "$run/OUT1.TXT"); after=$(grep -E '^XMS:' "$run/OUT14.TXT")
[ -n "$before" ] && [ "$before" = "$after" ] && pass "free XMS unchanged after every run, errors included" \
    || fail "free XMS unchanged after every run" "before: $before / after: $after"

echo "Ctrl-C (GENBREAK=n raises INT 23h through GEN's vector at the n-th check):"
boot brk -- "GEN.EXE /INFO" "SET GENBREAK=5" "$gen /N:40 /T:0 /STATS" "SET GENBREAK=" "GEN.EXE /INFO"
expect_el 3 6 "Ctrl-C during generation"
expect_err 3 "^GEN: interrupted" "Ctrl-C is reported in one line"
no_leaks "no leaks after Ctrl-C"
before=$(grep -E '^XMS:' "$run/OUT1.TXT"); after=$(grep -E '^XMS:' "$run/OUT5.TXT")
[ -n "$before" ] && [ "$before" = "$after" ] && pass "free XMS unchanged after Ctrl-C" \
    || fail "free XMS unchanged after Ctrl-C" "before: $before / after: $after"

echo "DOS generation tests (no XMS, conventional memory only):"
boot gen-noxms --no-xms -- "$gen /N:40 /T:0 /IDS /STATS"
expect_el 1 0 "generation without XMS"
expect_out 1 "$(ids_line "$greedy")" "same ids from conventional memory"
no_leaks "no leaks without XMS"

echo "GEN.CFG defaults and an example batch file:"
printf '; test defaults\r\n/N:7 /T:0\r\n' > "$root/build/GEN.CFG"
trap 'rm -f "$root/build/GEN.CFG"' EXIT
boot cfg --mount "e=$root/dosbox/examples" -- "$gen /IDS" "$gen /IDS /N:3" \
    "CALL E:\\STORY.BAT U:\\SMALL.BIN T:\\STORY.TXT" "CALL E:\\STORY.BAT U:\\NOPE.BIN T:\\NOFILE.TXT"
rm -f "$root/build/GEN.CFG"
expect_out 1 "$(ids_line "$(echo "$greedy" | cut -d' ' -f1-7)")" "GEN.CFG sets defaults (/N:7 /T:0)"
expect_out 2 "$(ids_line "$(echo "$greedy" | cut -d' ' -f1-3)")" "the command line overrides GEN.CFG"
grep -q "It is a truth universally acknowledged" "$run/raw/STORY.TXT" 2>/dev/null \
    && pass "STORY.BAT: GEN wrote the story (ERRORLEVEL 0 branch)" || fail "STORY.BAT: GEN wrote the story"
grep -q "model file U:.NOPE.BIN not found" "$run/raw/NOFILE.TXT" 2>/dev/null \
    && pass "STORY.BAT: branches on ERRORLEVEL 2 for a missing model" || fail "STORY.BAT: missing model branch"

if [ -f "$root/models/DEFAULT.BIN" ]; then
    echo "DOS generation tests (default model):"
    dprompt="It was a truth"
    dgreedy=$(host_ids models/DEFAULT.BIN "$dprompt" -n 30 -t 0) || exit 1
    dsampled=$(host_ids models/DEFAULT.BIN "$dprompt" -n 30 -s 3) || exit 1
    # /CTX:256 in 400 KB: the KV cache does not fit in memory, so it goes to a file in
    # %TEMP% (in 270 KB it is read back a few rows at a time); where there is no usable
    # %TEMP%, the plan keeps the first block and the newest 4 (block-sparse); 110 tokens
    # pass those 80 rows.
    sparse_args="-n 110 -t 0.8 -k 40 -s 7 --ctx 256"
    dsparse=$(host_ids models/DEFAULT.BIN "$dprompt" $sparse_args --kv sparse:16,1,4) || exit 1
    dfull=$(host_ids models/DEFAULT.BIN "$dprompt" $sparse_args) || exit 1
    [ "$dsparse" != "$dfull" ] || { echo "generate.sh: block-sparse run does not differ from full attention" >&2; exit 1; }
    kvrun="GEN.EXE /M:D:\\DEFAULT.BIN /P:\"$dprompt\" /N:110 /T:0.8 /K:40 /S:7 /CTX:256 /IDS"
    kvtmp="$root/build/test-runs/kv-temp"; rm -rf "$kvtmp"; mkdir -p "$kvtmp"
    boot default --mount "s=$kvtmp" -- "GEN.EXE /M:D:\\DEFAULT.BIN /P:\"$dprompt\" /N:30 /T:0 /IDS" \
        "GEN.EXE /M:D:\\DEFAULT.BIN /P:\"$dprompt\" /N:30 /S:3 /IDS" \
        "GEN.EXE /M:D:\\DEFAULT.BIN /P:\"$dprompt\" /N:30 /T:0 /IDS /STATS /MEM:600" \
        "SET TEMP=S:\\" "$kvrun /MEM:400 /STATS" "$kvrun /MEM:270 /STATS" \
        "SET GENBREAK=40" "$kvrun /MEM:400 /STATS" "SET GENBREAK=" \
        "SET TEMP=S:\\NODIR" "$kvrun /MEM:400 /STATS" "SET TEMP="
    expect_out 1 "$(ids_line "$dgreedy")" "default model: greedy ids equal the host's"
    expect_out 2 "$(ids_line "$dsampled")" "default model: sampled ids equal the host's"
    expect_out 3 "plan: row streaming.*context 256" "default model: /MEM:600 streams rows at the full context"
    expect_out 3 "$(ids_line "$dgreedy")" "default model: row streaming gives the greedy ids"
    expect_out 5 "plan: KV cache on disk, full attention" "/CTX:256 in 400 KB: the KV cache goes to disk"
    expect_out 5 "plan: KV cache file S:.[0-9A-Z]+, [1-9][0-9]* KB" "the KV cache file is in %TEMP%"
    expect_out 5 "$(ids_line "$dfull")" "KV cache on disk gives the ids of full attention"
    expect_out 6 "plan: KV cache on disk, chunked attention, [0-9]+ rows per read" "/CTX:256 in 270 KB: chunked attention"
    expect_out 6 "$(ids_line "$dfull")" "chunked attention gives the ids of full attention"
    expect_el 8 6 "Ctrl-C while the KV cache is on disk"
    expect_err 11 "warning: no scratch file for the KV cache" "no usable %TEMP%: a warning"
    expect_out 11 "plan: block-sparse attention, blocks of 16: first 1 \\+ newest 4" "no file for the KV cache: block-sparse"
    expect_out 11 "$(ids_line "$dsparse")" "block-sparse ids equal the host's"
    no_leaks "no leaks with a spilled or block-sparse KV cache"
    boot default-noxms --no-xms -- "GEN.EXE /M:D:\\DEFAULT.BIN /P:\"$dprompt\" /N:30 /T:0 /IDS /STATS"
    expect_out 1 "memory: 0 KB XMS" "default model without XMS: conventional memory only"
    expect_out 1 "$(ids_line "$dgreedy")" "default model without XMS gives the greedy ids"
    no_leaks "no leaks without XMS on the default model"
    left=$(ls -A "$kvtmp")
    [ -z "$left" ] && pass "the KV scratch file is deleted after every run, Ctrl-C included" \
        || fail "the KV scratch file is deleted after every run" "left in %TEMP%: $left"
fi

finish
