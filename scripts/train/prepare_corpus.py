#!/usr/bin/env python3
"""Build the training corpus: Jane Austen's six novels from Debian's r-cran-janeaustenr.

Produces (in --out, default /work/train/data):
  train.txt    the training text (95 % of the paragraphs, UTF-8)
  heldout.txt  the held-out text (every 20th block of 10 paragraphs; never trained on)
  corpus.json  package, sizes and the split rule, for docs/MODEL.md
and with --excerpt PATH the first whole paragraphs of heldout.txt up to 32 000 bytes
(the committed tests/data/heldout.txt, for the integer engine's eval).

The package ships the novels as R lazy-load data (data/Rdata.rdb + .rdx): each object is
a zlib-compressed R serialization of a character vector, one element per printed line.
A small reader of the R XDR serialization format below extracts them, so no R install
is needed. Get the package with `apt-get download r-cran-janeaustenr` and unpack it with
`dpkg-deb -x r-cran-janeaustenr_*.deb DIR`, then:

  python3 scripts/train/prepare_corpus.py --pkg DIR --out /work/train/data

The split is deterministic (no randomness): paragraphs are grouped into blocks of 10
consecutive paragraphs per novel, and block i is held out when i % 16 == 15 (≈ 6 %).
Blocks, not single paragraphs, so held-out text is read as continuous prose.
"""
import argparse
import bz2
import gzip
import json
import lzma
import os
import re
import struct
import unicodedata
import zlib

NOVELS = [  # R object name, title (the package's order)
    ("sensesensibility", "Sense & Sensibility"),
    ("prideprejudice", "Pride & Prejudice"),
    ("mansfieldpark", "Mansfield Park"),
    ("emma", "Emma"),
    ("northangerabbey", "Northanger Abbey"),
    ("persuasion", "Persuasion"),
]
BLOCK_PARAGRAPHS = 10
HELDOUT_EVERY = 16  # 1 block in 16 = 6.25 % of paragraphs (≥ 5 %)


class RReader:
    """Minimal reader of R's XDR serialization (version 2/3): enough for the
    vectors, lists, pairlists and attributes found in lazy-load data."""

    NILVALUE, SYMSXP, LISTSXP, CHARSXP = 254, 1, 2, 9
    LGLSXP, INTSXP, REALSXP, STRSXP, VECSXP = 10, 13, 14, 16, 19
    REFSXP, GLOBALENV, EMPTYENV, BASEENV, MISSINGARG, BASENAMESPACE = 255, 253, 242, 241, 251, 247

    def __init__(self, data):
        if data[:2] != b"X\n":
            raise ValueError("not an XDR R serialization")
        self.d, self.p, self.refs = data, 2, []
        version = self.int()
        self.int()  # writer R version
        self.int()  # minimal reader version
        if version == 3:
            n = self.int()
            self.p += n  # native encoding name
        elif version != 2:
            raise ValueError(f"R serialization version {version}")

    def int(self):
        (v,) = struct.unpack_from(">i", self.d, self.p)
        self.p += 4
        return v

    def read(self):
        flags = self.int()
        t = flags & 0xFF
        has_attr, has_tag = bool(flags & (1 << 9)), bool(flags & (1 << 10))
        if t in (self.NILVALUE, self.GLOBALENV, self.EMPTYENV, self.BASEENV,
                 self.MISSINGARG, self.BASENAMESPACE):
            return None
        if t == self.REFSXP:
            return self.refs[(flags >> 8) - 1]
        if t == self.SYMSXP:
            name = self.read()  # a CHARSXP
            self.refs.append(name)
            return name
        if t == self.CHARSXP:
            n = self.int()
            if n == -1:
                return None
            s = self.d[self.p:self.p + n].decode("utf-8", errors="replace")
            self.p += n
            return s
        if t == self.LISTSXP:  # pairlist: (attr) (tag) car cdr
            attrs = self.read() if has_attr else None
            tag = self.read() if has_tag else None
            car = self.read()
            cdr = self.read()
            out = [(tag, car)]
            if isinstance(cdr, list):
                out += cdr
            return out
        if t in (self.LGLSXP, self.INTSXP):
            n = self.int()
            v = list(struct.unpack_from(f">{n}i", self.d, self.p))
            self.p += 4 * n
        elif t == self.REALSXP:
            n = self.int()
            v = list(struct.unpack_from(f">{n}d", self.d, self.p))
            self.p += 8 * n
        elif t in (self.STRSXP, self.VECSXP):
            n = self.int()
            v = [self.read() for _ in range(n)]
        else:
            raise ValueError(f"unsupported R SEXP type {t}")
        if has_attr:
            self.read()  # attributes (names, class): not needed here
        return v


def decompress_rdb_chunk(chunk):
    """A lazy-load chunk: 4-byte big-endian raw length, then zlib data, or a type
    byte ('Z' xz, '2' bzip2, '0' none, '1' zlib) before the data in newer R."""
    body = chunk[4:]
    kind = body[:1]
    if kind == b"Z":
        return lzma.decompress(body[1:])
    if kind == b"2":
        return bz2.decompress(body[1:])
    if kind == b"0":
        return body[1:]
    if kind == b"1":
        return zlib.decompress(body[1:])
    return zlib.decompress(body)


def load_novels(pkg_dir):
    data_dir = os.path.join(pkg_dir, "usr/lib/R/site-library/janeaustenr/data")
    with gzip.open(os.path.join(data_dir, "Rdata.rdx")) as f:
        index = RReader(f.read()).read()  # list(variables=, references=, compressed=)
    variables = index[0]  # a named list; names dropped, order as in the package
    with open(os.path.join(data_dir, "Rdata.rdb"), "rb") as f:
        rdb = f.read()
    # Each variable is (offset, length); decode all and recognise each novel by its title.
    texts = []
    for off, length in variables:
        obj = RReader(decompress_rdb_chunk(rdb[int(off):int(off) + int(length)])).read()
        texts.append(obj)
    novels = {}
    for name, title in NOVELS:
        for lines in texts:
            head = " ".join(x or "" for x in lines[:10]).upper()
            if title.upper().replace("&", "AND") in head.replace("&", "AND"):
                novels[name] = lines
                break
        else:
            raise SystemExit(f"novel not found in package: {title}")
    return novels


def clean_line(s):
    s = unicodedata.normalize("NFC", s or "")
    s = s.replace("_", "")  # Gutenberg italics markers
    return s.strip()


def paragraphs(lines):
    """Join printed lines into paragraphs; drop headings (CHAPTER I, VOLUME II, titles)."""
    paras, cur = [], []
    for line in lines:
        s = clean_line(line)
        if s:
            cur.append(s)
            continue
        if cur:
            paras.append(" ".join(cur))
            cur = []
    if cur:
        paras.append(" ".join(cur))
    heading = re.compile(r"^(CHAPTER|VOLUME|Chapter)\b|^[A-Z0-9 .,&'-]+$")
    out = []
    for p in paras:
        p = re.sub(r"\s+", " ", p)
        if heading.match(p) or len(p) < 2:
            continue
        out.append(p)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pkg", required=True, help="unpacked r-cran-janeaustenr .deb")
    ap.add_argument("--out", default="/work/train/data")
    ap.add_argument("--excerpt", help="also write a ~32 KB held-out excerpt here")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    novels = load_novels(args.pkg)
    train, held = [], []
    stats = {}
    for name, title in NOVELS:
        ps = paragraphs(novels[name])
        nt = nh = 0
        for b in range(0, len(ps), BLOCK_PARAGRAPHS):
            block = ps[b:b + BLOCK_PARAGRAPHS]
            if (b // BLOCK_PARAGRAPHS) % HELDOUT_EVERY == HELDOUT_EVERY - 1:
                held += block
                nh += len(block)
            else:
                train += block
                nt += len(block)
        stats[title] = {"paragraphs_train": nt, "paragraphs_heldout": nh}
    # Paragraphs separated by a blank line, as the novels are printed.
    train_txt = "\n\n".join(train) + "\n"
    held_txt = "\n\n".join(held) + "\n"
    with open(os.path.join(args.out, "train.txt"), "w", encoding="utf-8") as f:
        f.write(train_txt)
    with open(os.path.join(args.out, "heldout.txt"), "w", encoding="utf-8") as f:
        f.write(held_txt)
    tb, hb = len(train_txt.encode()), len(held_txt.encode())
    info = {
        "package": "r-cran-janeaustenr (Debian)",
        "novels": stats,
        "train_bytes": tb,
        "heldout_bytes": hb,
        "heldout_fraction": hb / (tb + hb),
        "split": f"blocks of {BLOCK_PARAGRAPHS} paragraphs per novel; block i held out when "
                 f"i % {HELDOUT_EVERY} == {HELDOUT_EVERY - 1}",
    }
    if args.excerpt:
        kept, n = [], 0
        for p in held:
            if n + len(p) + 2 > 32000:
                break
            kept.append(p)
            n += len(p) + 2
        with open(args.excerpt, "w", encoding="utf-8") as f:
            f.write("\n\n".join(kept) + "\n")
    with open(os.path.join(args.out, "corpus.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(json.dumps(info, indent=1))


if __name__ == "__main__":
    main()
