#!/usr/bin/env python3
"""Train a GPT-2-compatible byte-level BPE on the training text.

Produces in --out: vocab.json and merges.txt in exactly GPT-2's layout, so GPT-2 tools
(transformers' GPT2Tokenizer, our Rust tokenizer) read them unchanged:
  - ids 0..255 are the 256 byte symbols in GPT-2's byte order (bytes_to_unicode),
  - id 256+i is the token made by merge i (merges.txt line i+1, rank order),
  - the last id is <|endoftext|>.
The pre-tokenizer is GPT-2's (ByteLevel with the GPT-2 regex, no prefix space).

  python3 scripts/train/train_tokenizer.py --vocab 2048 --text /work/train/data/train.txt \
      --out /work/train/tok2048

It checks, on a sample of the text, that GPT-2's original BPE algorithm (OpenAI's
encoder.py, restated below with the same regex) gives the same ids from the written
vocab.json + merges.txt as `tokenizers` and transformers' GPT2Tokenizer loading them.
"""
import argparse
import json
import os

from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers

EOT = "<|endoftext|>"


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode map (same order as encoder.json)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]  # index = position in GPT-2's byte order


def train(text_path, vocab_size):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size - 1,  # the last id is <|endoftext|>, added below
        min_frequency=2,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
        show_progress=False,
    )
    tok.train([text_path], trainer)
    return tok


def gpt2_layout(tok):
    """Renumber: bytes first in GPT-2 order, then one id per merge, then <|endoftext|>."""
    model = json.loads(tok.to_str())["model"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    vocab = {s: i for i, s in enumerate(bytes_to_unicode())}
    for m in merges:
        a, b = m.split(" ")
        assert a in vocab and b in vocab, f"merge of unknown token: {m}"
        t = a + b
        assert t not in vocab, f"duplicate token from merge: {m}"
        vocab[t] = len(vocab)
    vocab[EOT] = len(vocab)
    return vocab, merges


GPT2_PATTERN = (r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+"""
                r"""|\s+(?!\S)|\s+""")


def reference_encode(text, vocab, merges):
    """GPT-2's encoder.py BPE: split with the GPT-2 regex, map bytes to symbols, then
    repeatedly merge the adjacent pair with the lowest merge rank."""
    import regex

    ranks = {tuple(m.split(" ")): i for i, m in enumerate(merges)}
    byte_sym = bytes_to_unicode_by_byte()
    cache = {}

    def bpe(word):
        if word in cache:
            return cache[word]
        parts = list(word)
        while len(parts) > 1:
            pairs = [(ranks.get((a, b), 1 << 30), i) for i, (a, b) in
                     enumerate(zip(parts, parts[1:]))]
            rank, _ = min(pairs)
            if rank == 1 << 30:
                break
            first, second = [(a, b) for a, b in zip(parts, parts[1:])
                             if ranks.get((a, b)) == rank][0]
            out, i = [], 0
            while i < len(parts):
                if i < len(parts) - 1 and parts[i] == first and parts[i + 1] == second:
                    out.append(first + second)
                    i += 2
                else:
                    out.append(parts[i])
                    i += 1
            parts = out
        cache[word] = parts
        return parts

    ids = []
    for piece in regex.findall(GPT2_PATTERN, text):
        word = "".join(byte_sym[b] for b in piece.encode("utf-8"))
        ids += [vocab[t] for t in bpe(word)]
    return ids


def bytes_to_unicode_by_byte():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    syms = bytes_to_unicode()
    order = bs + [b for b in range(256) if b not in bs]
    return {b: syms[i] for i, b in enumerate(order)}


def check_against_reference(out_dir, text_path):
    """Ids from GPT-2's original algorithm must equal `tokenizers` and transformers'
    GPT2Tokenizer, all reading the written vocab.json + merges.txt."""
    from transformers import GPT2Tokenizer
    from tokenizers import ByteLevelBPETokenizer

    with open(text_path, encoding="utf-8") as f:
        sample = f.read()[:200_000]
    with open(os.path.join(out_dir, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(out_dir, "merges.txt"), encoding="utf-8") as f:
        merges = [ln.rstrip("\n") for ln in f if not ln.startswith("#version")]
    ref = reference_encode(sample, vocab, merges)
    fast = ByteLevelBPETokenizer(os.path.join(out_dir, "vocab.json"),
                                 os.path.join(out_dir, "merges.txt"))
    hf = GPT2Tokenizer(os.path.join(out_dir, "vocab.json"), os.path.join(out_dir, "merges.txt"))
    assert fast.encode(sample).ids == ref, "tokenizers disagrees with GPT-2's algorithm"
    assert hf.encode(sample) == ref, "GPT2Tokenizer disagrees with GPT-2's algorithm"
    assert hf.decode(ref) == sample, "round trip failed"
    return len(sample.encode("utf-8")) / len(ref)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vocab", type=int, required=True, help="total ids incl. <|endoftext|>")
    ap.add_argument("--text", default="/work/train/data/train.txt")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    vocab, merges = gpt2_layout(train(args.text, args.vocab))
    with open(os.path.join(args.out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(args.out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for m in merges:
            f.write(m + "\n")
    bpt = check_against_reference(args.out, args.text)
    print(f"vocab {len(vocab)} ({len(merges)} merges) -> {args.out}; "
          f"bytes/token on a train sample {bpt:.3f}; reference tokenizer agrees")


if __name__ == "__main__":
    main()
