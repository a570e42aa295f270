#!/usr/bin/env python3
"""Print a Markdown table of training runs from their metrics.json files (train.py).

  python3 scripts/train/summarize_runs.py /work/train/compare/*/metrics.json

Columns: vocabulary, layers x width, bytes/token on held-out text, parameters, int8
weight bytes (≈ 1 byte per parameter), MACs/token (at average context 128), tokens
trained on, held-out perplexity per token and per byte, train NLL vs held-out NLL.
"""
import json
import math
import os
import sys


def main():
    rows = []
    for path in sys.argv[1:]:
        with open(path) as f:
            m = json.load(f)
        a = m["args"]
        rows.append((
            os.path.basename(os.path.dirname(path)),
            m["vocab_size"],
            f'{a["layers"]}x{a["d"]}',
            f'{m["heldout_bytes_per_token"]:.3f}',
            f'{m["params"] / 1e6:.2f} M',
            f'{m["macs_per_token"]["total_at_avg_ctx"] / 1e6:.2f} M',
            f'{a["steps"] * a["batch"] * a["ctx"] / 1e6:.2f} M',
            f'{m["train_seconds"] / 60:.1f}',
            f'{m["heldout_ppl_per_token"]:.2f}',
            f'{m["heldout_ppl_per_byte"]:.4f}',
            f'{m["heldout_bits_per_byte"]:.4f}',
            f'{m["train_nll_per_token"]:.3f} / {m["heldout_nll_per_token"]:.3f}',
        ))
    head = ("run", "vocab", "layers x d", "bytes/token", "params", "MACs/token",
            "tokens trained", "minutes", "ppl/token", "ppl/byte", "bits/byte",
            "train / held-out NLL")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(str(x) for x in r) + " |")


if __name__ == "__main__":
    main()
