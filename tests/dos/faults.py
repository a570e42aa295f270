#!/usr/bin/env python3
"""The DOS-side fault suite: GEN.EXE itself, in headless DOSBox, against generated
corruptions of a model file, a /MEM sweep with and without XMS, hostile command lines
and GEN.CFG files, full and read-only drives for the KV scratch file and /O, and Ctrl-C
(GENBREAK) at every check of a streamed and of a spilled run.

Every case has its expected ERRORLEVEL (never 7); after every case GEN /INFO checks that
free XMS is unchanged, and no run may report a leak (runs with /STATS print the clean
leak check). Many cases share one DOSBox boot. Where the host can say what the right
answer is, it does: `gpt2bscm generate` runs the same Session on the same file (a
corrupted model gets the host's exit code and ids; a /MEM run gets the host's
`--mem` plan and ids).

    tests/dos/faults.py           a representative subset of every family (scripts/test.sh)
    tests/dos/faults.py --full    every case (scripts/test.sh --full)

Prints, per family, cases tried / as expected / unexpected, and exits 1 on any
unexpected result."""
import argparse
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "build" / "test-data"
FDIR = DATA / "F"
RUNS = ROOT / "build" / "test-runs" / "faults"
HOST = ROOT / "target" / "release" / "gpt2bscm"
DOS = ROOT / "scripts" / "dos.sh"

HEADER_SIZE = 1660
HEADER_CRC = HEADER_SIZE - 4
LEAK_CLEAN = "leak check at exit: 0 blocks held, no leaks"


class Case:
    def __init__(self, family, label, cmd, expect, ids=None, leak_line=True, check=None):
        self.family, self.label, self.cmd = family, label, cmd
        self.expect = set(expect) if isinstance(expect, (set, list, tuple)) else {expect}
        self.ids = ids  # the exact ids line GEN must print, when known
        self.leak_line = leak_line  # /STATS runs print the clean leak check
        self.check = check  # extra check(stdout, stderr) -> problem or None


def host_generate(path, n=3, extra=()):
    """Exit code and ids of `gpt2bscm generate` on `path` (the oracle)."""
    r = subprocess.run([str(HOST), "generate", str(path), "-p", "hi", "-n", str(n), "-t", "0", "--ids", *extra],
                       capture_output=True)
    m = re.search(rb"^ids: (.*)$", r.stdout, re.M)
    return r.returncode, (m.group(1).decode() if m else None)


# ---------------------------------------------------------------- corruptions

def u32(b, at):
    return struct.unpack_from("<I", b, at)[0]


def put(b, at, v):
    struct.pack_into("<I", b, at, v & 0xFFFFFFFF)


def fix_header(b):
    put(b, HEADER_CRC, zlib.crc32(bytes(b[:HEADER_CRC])))


def sections(b):
    """(name, offset field, length field, crc field) of the fixed sections, and the layers'."""
    out = [("tokenizer", 588, 592, 628), ("embed", 540, 596, 612), ("pos", 580, 604, 620),
           ("final norm", 584, 608, 624)]
    for i in range(u32(b, 12)):
        out.append((f"layer {i}", 28 + 4 * i, 632 + 4 * i, 1144 + 4 * i))
    return out


def fix_crcs(b):
    """Recomputes every section CRC, then the header CRC: the damage is then only what
    the bytes say, not a checksum mismatch."""
    for _, o, l, c in sections(b):
        off, ln = u32(b, o), u32(b, l)
        if off + ln <= len(b):
            put(b, c, zlib.crc32(bytes(b[off:off + ln])))
    fix_header(b)


def corruptions(good):
    """(label, bytes) of at least 300 damaged copies of `good`."""
    rng = random.Random(13)
    out = []
    # Every header field, to 0, to all ones, and off by one; with the header CRC fixed
    # (the fields themselves are checked) or not (the checksum is).
    fields = list(range(8, 28, 4)) + list(range(540, 632, 4))
    fields += [28, 32, 632, 636, 1144, 1148]  # the layer tables of layers 0 and 1
    fields += [28 + 4 * 5, 632 + 4 * 5]  # an unused layer slot
    for at in fields:
        for v in (0, 0xFFFFFFFF, u32(good, at) + 1, u32(good, at) - 1 if u32(good, at) else 7):
            b = bytearray(good)
            put(b, at, v)
            fix_header(b)
            out.append((f"header field {at} = {v:#x}, header CRC fixed", b))
        b = bytearray(good)
        put(b, at, u32(good, at) ^ 0x100)
        out.append((f"header field {at} ^ 0x100, CRC stale", b))
    # Hostile shapes that pass the format: n_ctx 1, huge dimensions.
    for at, v, what in [(556, 1, "n_ctx 1"), (12, 128, "128 layers"), (16, 1 << 20, "embed_dim 2^20"),
                        (20, 1 << 24, "vocab 2^24"), (560, 0x7FFFFFFF, "ffn huge")]:
        b = bytearray(good)
        put(b, at, v)
        fix_header(b)
        out.append((f"{what}, CRC fixed", b))
    # Each layer table entry of each layer.
    for layer in range(u32(good, 12)):
        base = u32(good, 28 + 4 * layer)
        for e in range(10):
            for v in (0, base + 40, 0xFFFFFFFF):
                b = bytearray(good)
                put(b, base + 4 * e, v)
                fix_crcs(b)
                out.append((f"layer {layer} table entry {e} = {v:#x}, CRCs fixed", b))
    # Tensor data: a flipped byte with the CRCs fixed (a valid, different model) and not.
    data_start = u32(good, 540)
    for _ in range(45):
        at = rng.randrange(data_start, len(good))
        for fixed in (True, False):
            b = bytearray(good)
            b[at] ^= 1 << rng.randrange(8)
            if fixed:
                fix_crcs(b)
            out.append((f"byte {at} flipped, CRCs {'fixed' if fixed else 'stale'}", b))
    # The tokenizer section: counts, lengths, merge ids, with its CRC fixed.
    tok = u32(good, 588)
    n, m = u32(good, tok + 8), u32(good, tok + 12)
    for label, at, v in [("token count + 1", tok + 8, n + 1), ("token count - 1", tok + 8, n - 1),
                         ("token count 2^30", tok + 8, 1 << 30), ("merge count + 1", tok + 12, m + 1),
                         ("merge count 0", tok + 12, 0), ("byte count + 4", tok + 16, u32(good, tok + 16) + 4),
                         ("version 2", tok + 4, 2), ("magic", tok, 0)] + \
                        [(f"token {i} length 0", tok + 20 + 4 * i, 0) for i in (0, 7, n - 1)] + \
                        [(f"token {i} length + 1", tok + 20 + 4 * i, u32(good, tok + 20 + 4 * i) + 1) for i in (3, 200)] + \
                        [(f"merge {r} {w} = {v}", tok + 20 + 4 * n + 12 * r + 4 * w, v)
                         for r in (0, m // 2, m - 1) for w in range(3) for v in (n, 0xFFFF)]:
        b = bytearray(good)
        put(b, at, v)
        fix_crcs(b)
        out.append((f"tokenizer {label}, CRCs fixed", b))
    # A tokenizer with more entries than the model's vocabulary (the model says vocab - 8).
    b = bytearray(good)
    put(b, 20, u32(good, 20) - 8)
    out.append(("vocab_size below the tokenizer's entries, CRCs fixed", b))
    # Truncations at many offsets, and appended bytes.
    for cut in sorted({0, 1, 7, 8, 12, 100, 547, 1659, 1660, 1661, len(good) // 2, len(good) - 1,
                       *[rng.randrange(1, len(good)) for _ in range(30)]}):
        out.append((f"truncated to {cut} bytes", bytearray(good[:cut])))
    out.append(("4 bytes appended", bytearray(good + b"\0\0\0\0")))
    return out


def corruption_cases(full):
    good = (DATA / "TINY.BIN").read_bytes()
    cases = []
    # Well-formed files no run can use: refused at open, the field named.
    for name, ctx, vocab, needle in [("CTX1.BIN", 1, 256, "n_ctx = 1"), ("VOCAB.BIN", 16, 200, "tokenizer")]:
        subprocess.run([str(HOST), "synth", "-o", str(FDIR / name), "--layers", "1", "--dim", "64", "--heads", "2",
                        "--vocab", str(vocab), "--ctx", str(ctx)], check=True, capture_output=True)
        cases.append(Case("corruptions", f"{name}: cannot run", f"GEN.EXE /M:U:\\F\\{name} /P:hi /STATS", 3,
                          check=lambda out, err, n=needle: None if n in err else f"stderr lacks {n!r}"))
    for i, (label, b) in enumerate(corruptions(good)):
        name = f"C{i:03d}.BIN"
        path = FDIR / name
        path.write_bytes(bytes(b))
        code, ids = host_generate(path)
        if code not in (0, 3):
            # The host is the oracle: it must itself refuse with 3 or run.
            cases.append(Case("corruptions", f"{label} (host says {code})", "REM host", {-1}, leak_line=False))
            continue
        cases.append(Case("corruptions", label, f"GEN.EXE /M:U:\\F\\{name} /P:hi /N:3 /T:0 /IDS /STATS", code,
                          ids=ids if code == 0 else None))
    return cases


# ---------------------------------------------------------------- /MEM sweep

def mem_points():
    kb, out = 16, []
    while kb <= 2048:
        out.append(kb)
        kb = int(kb * 1.25) + 1
    return out + [2048]


def mem_cases(xms):
    cases = []
    for model in ("SMALL.BIN", "DEFAULT.BIN"):
        path = DATA / model if model == "SMALL.BIN" else ROOT / "models" / model
        drive = "U:" if model == "SMALL.BIN" else "D:"
        for kb in mem_points():
            label = f"{model} /MEM:{kb}" + ("" if xms else " without XMS")
            cmd = f"GEN.EXE /M:{drive}\\{model} /P:hi /N:8 /T:0 /IDS /STATS /MEM:{kb}"
            if xms:
                # The host plans for the same budget and runs that plan: same ids, or
                # the same refusal. GEN may still refuse at run time (4), never give
                # other ids.
                code, ids = host_generate(path, 8, ("--mem", str(kb)))
                expect = {4} if code == 4 else {0, 4}
                cases.append(Case("mem sweep", label, cmd, expect, ids=ids if code == 0 else None,
                                  check=peak_within(kb)))
            else:
                # Conventional memory only: the budget is what there is (below /MEM);
                # 8 tokens stay inside any context, so exact plans give the unlimited ids.
                _, ids = host_generate(path, 8)
                cases.append(Case("mem sweep", label, cmd, {0, 4}, ids=ExactIds(ids), check=peak_within(kb)))
    return cases


class ExactIds:
    """The unlimited run's ids, required only when the plan is exact (not block-sparse)."""

    def __init__(self, ids):
        self.ids = ids


def peak_within(kb):
    def check(out, err):
        m = re.search(r"memory: peak (\d+) KB", out)
        if m and int(m.group(1)) > kb:
            return f"peak {m.group(1)} KB over /MEM:{kb}"
        if m and not re.search(r"memory: plan \d+ KB >= peak", out):
            return "plan below peak"
        return None
    return check


# ---------------------------------------------------------------- command lines

def command_line_cases():
    s = "GEN.EXE /M:U:\\SMALL.BIN"
    p = '/P:"hello world" /N:3 /T:0'
    usage = [
        "GEN.EXE", "GEN.EXE /M:U:\\SMALL.BIN", "GEN.EXE /BOGUS", "GEN.EXE hello", "GEN.EXE /N",
        f"{s} {p} /N:4294967295", f"{s} /P:x /N:99999999999", f"{s} /P:x /N:65536", f"{s} /P:x /N:-1",
        f"{s} /P:x /N:abc", f"{s} /P:x /T:10.001", f"{s} /P:x /T:1.2345", f"{s} /P:x /T:.", f"{s} /P:x /T:1000000",
        f"{s} /P:x /K:65536", f"{s} /P:x /K:x", f"{s} /P:x /TP:0", f"{s} /P:x /TP:1.001", f"{s} /P:x /RP:0",
        f"{s} /P:x /RP:10.5", f"{s} /P:x /S:4294967296", f"{s} /P:x /MEM:0", f"{s} /P:x /MEM:15",
        f"{s} /P:x /MEM:4194304", f"{s} /P:x /CTX:0", f"{s} /P:x /CTX:1", f"{s} /P:x /CTX:65536",
        f"{s} /P:x /CTX:33", f"{s} /P:x /CTX:100000", f"{s} /P:x /WARN:0", f"{s} /P:x /WARN:101",
        f"{s} /P:x /REFUSE:1", f"{s} /P:x /REFUSE:49", f"{s} /P:x /REFUSE:101", f"{s} /P:x /F:U:\\PROMPT.TXT",
        f"{s} /P:x /P:y", f"{s} /F:a /F:b", f"{s} /P:x -n 3 /N:3", f"{s} /P:x /STATS:1", f"{s} /P:x /IDS=1",
        f"{s} /P:", f'{s} /P:""', f"{s} /P:x /O:U:\\SMALL.BIN", f"{s} /P:x /o:u:\\small.bin",
        f"{s} /P:x /M:U:\\SMALL.BIN", f"{s} /P:x /Q", f"{s} /P:x //N:3", f"{s} /P:x /N:3:4", f"{s} /P:x /-N:3",
        f"{s} /P:x /N:+3", f"{s} /P:x /N: 3", f"{s} /P:x /T:-1", f"{s} /P:x /TP:-0.5", f"{s} -p", f"{s} -x 3",
        f"{s} /P:x /CRC", f"{s} /P:x /O", f"{s} /P:x /M", "GEN.EXE /?:x", "GEN.EXE /INFO:1",
        "GEN.EXE /P:" + "x" * 124,  # fills DOS's 127-byte line: may be cut, so refused with a hint
    ]
    io = [
        "GEN.EXE /M:U:\\NOPE.BIN /P:x", "GEN.EXE /M:U:\\NODIR\\X.BIN /P:x", "GEN.EXE /M:U:\\ /P:x",
        f"{s} /F:U:\\NOPE.TXT", f"{s} /F:U:\\NODIR\\P.TXT", f"{s} {p} /O:T:\\NODIR\\O.TXT",
        f"{s} {p} /O:U:\\F", "GEN.EXE /CRC:U:\\NOPE.BIN", f"{s} /F:U:\\F", 'GEN.EXE /M:"U:\\A B.BIN" /P:x',
        "GEN.EXE /M:" + "A" * 100 + " /P:x",
    ]
    not_models = ["GEN.EXE /M:NUL /P:x", "GEN.EXE /M:U:\\PROMPT.TXT /P:x", "GEN.EXE /M:U:\\BIG.BIN /P:x"]
    fine = [
        f"{s} {p}", f"{s} -p hello -n 3 -t 0", f"{s} /p:x /n:2 /t:0 /k:0 /tp:1 /rp:1 /s:0", f"{s} /P:x /N:0",
        f"{s} /P:x /N:2 /CTX:2", f"{s} /P:x /N:2 /CTX:32", f"{s} /P:x /N:2 /MEM:4194303", f"{s} /P:x /N:2 /T:10",
        f"{s} /P:x /N:2 /RP:0.001", f"{s} /P:x /N:2 /RP:10", f"{s} /P:x /N:2 /TP:0.001", f"{s} /P:x /N:2 /K:65535",
        f"{s} /P:x /N:2 /S:4294967295", f"{s} /P:x /N:2 /WARN:1", f"{s} /P:x /N:2 /REFUSE:50",
        f"{s} /F:U:\\PROMPT.TXT /N:2", f"{s} /P:x /N:2 /O:T:\\OK.TXT", "GEN.EXE /INFO /M:U:\\NOPE.BIN",
        f"{s} /P:Caf\u00e9 /N:2", f'{s} /P:"a  b" /N:2', f"{s} /P:x /N:2 /IDS /BENCH /STATS",
        f"{s} /N:1 /P:" + "y" * 90,  # long, but within the 127 bytes
    ]
    cases = [Case("command lines", c, c, 1, leak_line=False) for c in usage]
    cases += [Case("command lines", c, c, 2, leak_line=False) for c in io]
    cases += [Case("command lines", c, c, 3, leak_line=False) for c in not_models]
    cases += [Case("command lines", c, c, 0, leak_line=False) for c in fine]
    return cases


def config_cases():
    """GEN.CFG files: each in its own folder beside a copy of GEN.EXE."""
    s = "/M:U:\\SMALL.BIN"
    configs = [
        ("comments only", b"; nothing\r\n;/N:abc\r\n", f"{s} /P:x /N:2 /T:0", 0),
        ("defaults", f"{s} /N:2 /T:0\r\n".encode(), "/P:x", 0),
        ("LF endings", f"{s}\n/N:2\n/T:0\n".encode(), "/P:x", 0),
        ("Ctrl-Z at the end", f"{s} /N:2 /T:0\r\n\x1a".encode(), "/P:x", 0),
        ("a switch past byte 384", (b"; " + b"-" * 400 + b"\r\n" + f"{s} /N:2\r\n".encode()), "/P:x /T:0", 0),
        ("2048 bytes", (f"{s} /N:2\r\n; ".encode() + b"-" * 2048)[:2048], "/P:x /T:0", 0),
        ("2049 bytes", (f"{s} /N:2\r\n; ".encode() + b"-" * 2049)[:2049], "/P:x /T:0", 1),
        ("a prompt the line replaces", f"{s} /F:U:\\NOPE.TXT /N:2 /T:0\r\n".encode(), "/P:x", 0),
        ("a prompt and no line prompt", f'{s} /P:"from cfg" /N:2 /T:0\r\n'.encode(), "", 0),
        ("a switch twice", f"{s} /N:2 /N:3\r\n".encode(), "/P:x", 1),
        ("/P and /F", f"{s} /P:a /F:b\r\n".encode(), "", 1),
        ("a bad value", f"{s} /N:abc\r\n".encode(), "/P:x", 1),
        ("an out-of-range value", f"{s} /T:99\r\n".encode(), "/P:x", 1),
        ("an unknown switch", b"/FOO\r\n", "/P:x", 1),
        ("a word that is no switch", b"hello\r\n", "/P:x", 1),
        ("binary garbage", bytes(range(1, 256)), "/P:x", 1),
        ("a missing model", b"/M:U:\\NOPE.BIN\r\n", "/P:x", 2),
        ("an empty file", b"", "/P:x /N:2 /T:0 /M:U:\\SMALL.BIN", 0),
        ("a line cut in a quote", f'{s} /P:"unfinished\r\n'.encode(), "/N:2 /T:0", 0),
        ("an unquoted NUL", b"/N:2\x00\r\n", f"{s} /P:x /T:0", 1),
    ]
    gen = (ROOT / "build" / "GEN.EXE").read_bytes()
    cases = []
    for i, (label, text, line, code) in enumerate(configs):
        d = FDIR / f"CFG{i:02d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / "GEN.EXE").write_bytes(gen)
        (d / "GEN.CFG").write_bytes(text)
        cases.append(Case("GEN.CFG files", f"GEN.CFG: {label}", f"U:\\F\\CFG{i:02d}\\GEN.EXE {line}".rstrip(), code,
                          leak_line=False))
    return cases


# ---------------------------------------------------------------- disks

def blank_floppy(path):
    """A blank 360 KB FAT12 floppy image (354 KB free): a drive that fills up."""
    img = bytearray(720 * 512)
    bs = bytearray(512)
    bs[0:3], bs[3:11] = b"\xEB\x3C\x90", b"GENTEST "
    struct.pack_into("<HBHBHHBHHHII", bs, 11, 512, 2, 1, 2, 112, 720, 0xFD, 2, 9, 2, 0, 0)
    bs[38], bs[43:54], bs[54:62], bs[510:512] = 0x29, b"SCRATCH    ", b"FAT12   ", b"\x55\xAA"
    img[0:512] = bs
    for fat in (1, 3):
        img[fat * 512:fat * 512 + 3] = b"\xFD\xFF\xFF"
    path.write_bytes(img)


def disk_cases():
    """S: is a 360 KB floppy, filled up to leave the KV scratch file (256 KB) and then /O
    too little room; R: is read-only (a CD-ROM drive)."""
    (FDIR / "FILL1.BIN").write_bytes(b"\xF6" * (250 << 10))
    (FDIR / "FILL2.BIN").write_bytes(b"\xF6" * (104 << 10))
    kv = 'GEN.EXE /M:D:\\DEFAULT.BIN /P:"It was" /N:5 /T:0 /CTX:256 /MEM:400 /STATS'
    small = "GEN.EXE /M:U:\\SMALL.BIN /P:hi /T:0"

    def says(pattern):
        return lambda out, err: None if re.search(pattern, err) else f"stderr lacks /{pattern}/: {err[:200]!r}"

    step = lambda label, cmd: Case("disks", label, cmd, {-1}, leak_line=False)
    return [
        step("fill S: to 104 KB free", "COPY U:\\F\\FILL1.BIN S:\\"),
        step("TEMP on the full drive", "SET TEMP=S:\\"),
        Case("disks", "KV scratch file on a full drive", kv, 2, check=says(r"KV cache scratch file S:")),
        step("fill S: up", "COPY U:\\F\\FILL2.BIN S:\\"),
        Case("disks", "/O on a full drive", f"{small} /N:2000 /O:S:\\BIG.TXT /STATS", 2,
             check=says(r"S:.BIG.TXT: disk full")),
        step("TEMP on the read-only drive", "SET TEMP=R:\\"),
        Case("disks", "KV scratch file on a read-only drive: planned without one", kv, 0,
             check=says(r"warning: no scratch file")),
        Case("disks", "/O on a read-only drive", f"{small} /N:3 /O:R:\\O.TXT", 2, leak_line=False,
             check=says(r"R:.O.TXT: ")),
        step("no TEMP", "SET TEMP="),
    ]


# ---------------------------------------------------------------- Ctrl-C

def break_cases(full):
    """GENBREAK=k for k = 1, 2, ... up to past the last check: exit 6 at every check, 0 after."""
    # Checks: between prompt and generated tokens, and every 64 KB read (the model's
    # 617 KB per token when it streams): about 45 per run; the range goes past them.
    runs = [("streamed", "GEN.EXE /M:U:\\SMALL.BIN /P:hi /N:2 /T:0 /MEM:150 /STATS", 80),
            ("spilled", "GEN.EXE /M:U:\\SMALL.BIN /P:hi /N:2 /T:0 /CTX:32 /MEM:100 /STATS", 80)]
    cases = []
    for name, cmd, checks in runs:
        step = 1 if full else 7
        for k in list(range(1, checks + 1, step)) + [checks + 200]:
            cases.append(Case("Ctrl-C", f"{name} run, GENBREAK={k}", f"SET GENBREAK={k}", {-1}, leak_line=False))
            expect = {0} if k > checks else {6, 0}
            cases.append(Case("Ctrl-C", f"{name} run, break at check {k}", cmd, expect,
                              check=interrupted_once))
        cases.append(Case("Ctrl-C", "GENBREAK off", "SET GENBREAK=", {-1}, leak_line=False))
    return cases


def breaks_in_order(judged):
    """Per run: a break at every check up to the last (6), then none (0) — a 0 before a 6
    would mean a check that did not stop the run."""
    seen_zero = {}
    for c, why, code in judged:
        if -1 in c.expect or not c.label.split(" run")[0] in ("streamed", "spilled"):
            continue
        run = c.label.split(" run")[0]
        if code == 0:
            seen_zero[run] = True
        elif code == 6 and seen_zero.get(run):
            why.append("interrupted after a larger GENBREAK ran to the end")
    counts = {}
    for c, why, code in judged:
        if code == 6:
            run = c.label.split(" run")[0]
            counts[run] = counts.get(run, 0) + 1
    print("Ctrl-C: runs interrupted per kind: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return judged


def interrupted_once(out, err):
    if "interrupted" in err and err.count("GEN:") != 1:
        return "more than one line for Ctrl-C"
    return None


# ---------------------------------------------------------------- running

def run_boot(name, cases, dos_opts, mounts):
    """Runs `cases` in one DOSBox boot with GEN /INFO after each GEN case; returns a list
    of (case, code, stdout, stderr, xms_before, xms_after)."""
    cmds, index = ["GEN.EXE /INFO"], []
    for c in cases:
        cmds.append(c.cmd)
        if c.cmd.startswith("SET") or c.cmd.startswith("REM"):
            index.append((c, len(cmds), None))
        else:
            cmds.append("GEN.EXE /INFO")
            index.append((c, len(cmds) - 1, len(cmds)))
    keep = RUNS / name
    shutil.rmtree(keep, ignore_errors=True)
    opts = ["--quiet", "--timeout", "900", "--keep", str(keep), "--mount", f"u={DATA}"]
    for m in mounts:
        opts += ["--mount", m]
    subprocess.run([str(DOS), *opts, *dos_opts, *cmds], capture_output=True)

    def read(kind, n):
        p = keep / f"{kind}{n}.TXT"
        return p.read_bytes().decode("cp437") if p.exists() else ""

    def xms(n):
        return "\n".join(l for l in read("OUT", n).splitlines() if l.startswith(("XMS:", "Extended:")))

    results, last_info = [], 1
    for c, n, info in index:
        el = [l.strip() for l in read("EL", n).splitlines() if l.strip().isdigit()]
        code = int(el[-1]) if el else None
        before = xms(last_info)
        after = xms(info) if info else before
        if info:
            last_info = info
        results.append((c, code, read("OUT", n), read("ERR", n), before, after))
    return results


def judge(results):
    problems = []
    for c, code, out, err, before, after in results:
        why = []
        if -1 in c.expect:  # a SET line: nothing to judge
            if c.label.endswith("(host says 7)") or "host says" in c.label:
                why.append("the host's own answer is not 0 or 3")
        else:
            if code is None:
                why.append("no ERRORLEVEL (DOSBox crashed?)")
            elif code == 7:
                why.append("ERRORLEVEL 7")
            elif code not in c.expect:
                why.append(f"ERRORLEVEL {code}, expected {sorted(c.expect)}")
            if "leak:" in err:
                why.append("leak reported")
            if c.leak_line and code not in (None, 1) and "/STATS" in c.cmd and LEAK_CLEAN not in out:
                why.append("no clean leak check line")
            if before != after:
                why.append(f"free XMS changed: {before!r} -> {after!r}")
            ids = re.search(r"^ids: (.*?)\r?$", out, re.M)
            if isinstance(c.ids, ExactIds):
                exact = code == 0 and "block-sparse" not in out
                if exact and c.ids.ids and (not ids or ids.group(1) != c.ids.ids):
                    why.append(f"ids {ids.group(1) if ids else None} differ from the unlimited run's {c.ids.ids}")
            elif c.ids and code == 0 and (not ids or ids.group(1) != c.ids):
                why.append(f"ids {ids.group(1) if ids else None} differ from the host's {c.ids}")
            if c.check and code is not None:
                p = c.check(out, err)
                if p:
                    why.append(p)
        problems.append((c, why, code))
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="every case (else a representative subset)")
    ap.add_argument("--only", help="run only the boots whose name starts with this")
    a = ap.parse_args()
    FDIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cargo", "build", "--quiet", "--release", "--bin", "gpt2bscm"], cwd=ROOT, check=True)
    subprocess.run([str(HOST), "convert", "tests/data/hf/tiny_2l_64d_2h", "-o", str(DATA / "TINY.BIN")],
                   cwd=ROOT, check=True, capture_output=True)
    subprocess.run([str(HOST), "convert", "tests/data/hf/small_3l_128d_4h_untied", "-o", str(DATA / "SMALL.BIN")],
                   cwd=ROOT, check=True, capture_output=True)
    (DATA / "PROMPT.TXT").write_bytes(b"hello world\r\n")
    (DATA / "BIG.BIN").touch()
    (FDIR / "DUMMY.TXT").write_bytes(b"x")

    corrupt = corruption_cases(a.full)
    if not a.full:
        corrupt = corrupt[::6]
    mem_xms, mem_conv = mem_cases(True), mem_cases(False)
    if not a.full:
        mem_xms, mem_conv = mem_xms[::3], mem_conv[::4]
    lines = command_line_cases() + config_cases()
    if not a.full:
        lines = lines[::2]

    RUNS.mkdir(parents=True, exist_ok=True)
    floppy, ro_drive = RUNS / "full.img", RUNS / "ro-drive"
    blank_floppy(floppy)
    shutil.rmtree(ro_drive, ignore_errors=True)
    ro_drive.mkdir(parents=True)
    disk_mounts = [f"s={floppy}", f"r={ro_drive} -t cdrom"]

    boots = []
    for i in range(0, len(corrupt), 120):
        boots.append((f"corrupt{i // 120}", corrupt[i:i + 120], [], []))
    boots.append(("mem-xms", mem_xms, [], []))
    boots.append(("mem-noxms", mem_conv, ["--no-xms"], []))
    boots.append(("lines", lines, [], []))
    boots.append(("disks", disk_cases(), [], disk_mounts))
    brk = break_cases(a.full)
    boots.append(("ctrl-c", brk, [], []))

    families, bad = {}, []
    for name, cases, opts, mounts in boots:
        if a.only and not name.startswith(a.only):
            continue
        start = time.time()
        judged = judge(run_boot(name, cases, opts, mounts))
        print(f"boot {name}: {len(cases)} cases in {time.time() - start:.0f} s", file=sys.stderr)
        if name == "ctrl-c":
            judged = breaks_in_order(judged)
        for c, why, code in judged:
            if -1 in c.expect and not why:
                continue
            t = families.setdefault(c.family, [0, 0, 0])
            t[0] += 1
            if why:
                t[2] += 1
                bad.append(f"  FAIL [{c.family}] {c.label}: {'; '.join(why)}\n       {c.cmd[:160]}")
            else:
                t[1] += 1
    for line in bad:
        print(line)
    print("fault suite" + (" (full)" if a.full else " (subset; --full for every case)") + ":")
    for f, (tried, ok, unexpected) in families.items():
        print(f"  {f:<14} {tried:>4} tried, {ok:>4} as expected, {unexpected:>3} unexpected")
    tried = sum(t[0] for t in families.values())
    print(f"{tried - len(bad)} passed, {len(bad)} failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
