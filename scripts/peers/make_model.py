#!/usr/bin/env python3
"""A GPT-2 of a given shape with random weights, as a Hugging Face directory
(config.json, model.safetensors, vocab.json, merges.txt), for speed comparisons:
speed does not depend on the values. Weights are GPT-2's initialisation (normal, std
0.02; LayerNorm gains 1, biases 0); the tokenizer is a byte-level BPE of exactly
--vocab ids in GPT-2's layout, trained with `tokenizers` on --text.

  make_model.py --layers 2 --embd 48 --heads 4 --vocab 4096 --ctx 256 --text T --out DIR
"""
import argparse
import json
import os
import sys

import numpy as np
from safetensors.numpy import save_file
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, trainers

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "train"))
from train_tokenizer import gpt2_layout  # noqa: E402  (GPT-2's id order, shared with training)


def tokenizer(texts, vocab_size, out):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size - 1, min_frequency=1, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), special_tokens=[])
    tok.train(texts, trainer)
    vocab, merges = gpt2_layout(tok)
    if len(vocab) != vocab_size:
        sys.exit(f"make_model: the text gives {len(vocab)} ids, not {vocab_size}: give more text")
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(m + "\n" for m in merges))


def weights(layers, d, vocab, ctx, seed):
    rng = np.random.default_rng(seed)
    n = lambda *shape: rng.normal(0.0, 0.02, size=shape).astype(np.float32)  # noqa: E731
    t = {"wte.weight": n(vocab, d), "wpe.weight": n(ctx, d),
         "ln_f.weight": np.ones(d, np.float32), "ln_f.bias": np.zeros(d, np.float32)}
    for i in range(layers):
        p = f"h.{i}."
        t.update({
            p + "ln_1.weight": np.ones(d, np.float32), p + "ln_1.bias": np.zeros(d, np.float32),
            p + "attn.c_attn.weight": n(d, 3 * d), p + "attn.c_attn.bias": np.zeros(3 * d, np.float32),
            p + "attn.c_proj.weight": n(d, d), p + "attn.c_proj.bias": np.zeros(d, np.float32),
            p + "ln_2.weight": np.ones(d, np.float32), p + "ln_2.bias": np.zeros(d, np.float32),
            p + "mlp.c_fc.weight": n(d, 4 * d), p + "mlp.c_fc.bias": np.zeros(4 * d, np.float32),
            p + "mlp.c_proj.weight": n(4 * d, d), p + "mlp.c_proj.bias": np.zeros(d, np.float32),
        })
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for k in ("layers", "embd", "heads", "vocab", "ctx"):
        ap.add_argument("--" + k, type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--text", action="append", required=True, help="tokenizer training text (repeatable)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_layer": a.layers,
              "n_embd": a.embd, "n_head": a.heads, "n_positions": a.ctx, "n_ctx": a.ctx,
              "vocab_size": a.vocab, "n_inner": None, "activation_function": "gelu_new",
              "layer_norm_epsilon": 1e-5, "tie_word_embeddings": True,
              "bos_token_id": a.vocab - 1, "eos_token_id": a.vocab - 1}
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    save_file(weights(a.layers, a.embd, a.vocab, a.ctx, a.seed), os.path.join(a.out, "model.safetensors"))
    tokenizer(a.text, a.vocab, a.out)
    print(f"{a.out}: {a.layers} layers x {a.embd}, {a.heads} heads, vocab {a.vocab}, ctx {a.ctx}")


if __name__ == "__main__":
    main()
