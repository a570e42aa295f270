#!/usr/bin/env python3
"""Sample continuations from an exported model directory with transformers (float).

Prints Markdown: for each prompt, a greedy continuation and sampled continuations
(temperature 0.8, top-k 40) at fixed seeds, as quoted in docs/MODEL.md.

  python3 scripts/train/samples.py /work/train/default [--tokens 60]

The model and tokenizer are loaded from the directory only (config.json,
model.safetensors, vocab.json, merges.txt).
"""
import argparse

import torch
from transformers import GPT2LMHeadModel, GPT2TokenizerFast

PROMPTS = [
    "It was a fine morning, and",
    "\"My dear Miss",
    "Mr. Darcy",
    "She could not help thinking that",
]
SEEDS = [1, 2]


def quote(text):
    return "\n".join("> " + line for line in text.split("\n"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model_dir")
    ap.add_argument("--tokens", type=int, default=60)
    args = ap.parse_args()
    torch.set_num_threads(2)
    tok = GPT2TokenizerFast.from_pretrained(args.model_dir)  # vocab.json + merges.txt
    model = GPT2LMHeadModel.from_pretrained(args.model_dir).eval()
    eot = model.config.eos_token_id

    def run(prompt, **kw):
        ids = torch.tensor([tok.encode(prompt)])
        out = model.generate(ids, max_new_tokens=args.tokens, pad_token_id=eot,
                             eos_token_id=None, **kw)
        return tok.decode(out[0].tolist())

    for p in PROMPTS:
        print(f"### Prompt: `{p}`\n")
        print(f"greedy:\n\n{quote(run(p, do_sample=False))}\n")
        for s in SEEDS:
            torch.manual_seed(s)
            text = run(p, do_sample=True, temperature=0.8, top_k=40)
            print(f"sampled (seed {s}, T=0.8, top-k 40):\n\n{quote(text)}\n")


if __name__ == "__main__":
    main()
