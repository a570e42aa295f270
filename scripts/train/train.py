#!/usr/bin/env python3
"""Train a small GPT-2 (transformers GPT2LMHeadModel) on the corpus, on CPU, seeded.

Produces in --out (Hugging Face layout):
  config.json, model.safetensors   the model (tied output head)
  vocab.json, merges.txt           the tokenizer it was trained with (copied from --tok)
  metrics.json                     sizes, MACs/token, train and held-out loss/ppl, timing
and logs progress to stdout.

  python3 scripts/train/train.py --tok /work/train/tok2048 --data /work/train/data \
      --out /work/train/default --layers 4 --d 128 --heads 4 --steps 3000

Data: train.txt and heldout.txt (from prepare_corpus.py) are each tokenized as one
stream. Each step takes a batch of random windows (seeded) from the train stream.
Evaluation scores every held-out token once with sliding windows (stride ctx/2, each
window scoring only tokens that have at least ctx/2 tokens of context, except the first)
and reports perplexity per token and per byte (bytes of the scored tokens), so runs with
different vocabularies compare fairly. The same metric on an equally long slice of the
train stream gives the train figure.
"""
import argparse
import json
import math
import os
import shutil
import time

# Other processes may share the 2 cores: sleeping (not spinning) OpenMP workers keep
# a descheduled thread from stalling every matmul.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402 (after the OpenMP setting)
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from tokenizers import ByteLevelBPETokenizer  # noqa: E402
from transformers import GPT2Config, GPT2LMHeadModel  # noqa: E402

from train_tokenizer import bytes_to_unicode_by_byte  # noqa: E402 (same folder)


def byte_decoder():
    """GPT-2's printable symbol -> byte map (the inverse of train_tokenizer's)."""
    return {sym: b for b, sym in bytes_to_unicode_by_byte().items()}


def token_byte_lengths(vocab_path):
    with open(vocab_path, encoding="utf-8") as f:
        vocab = json.load(f)
    dec = byte_decoder()
    lens = np.zeros(len(vocab), dtype=np.int64)
    for s, i in vocab.items():
        lens[i] = sum(1 for ch in s if ch in dec) if s != "<|endoftext|>" else 0
    return lens


def encode_file(tok, path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return np.array(tok.encode(text).ids, dtype=np.int64), len(text.encode("utf-8"))


def macs_per_token(cfg, avg_ctx):
    """Multiply-accumulates for one token: weights (qkv 3d², out d², ffn 8d²) per layer,
    output head V·d, attention scores and weighted sum 2·ctx·d per layer."""
    d, L, V = cfg.n_embd, cfg.n_layer, cfg.vocab_size
    return {
        "layers_matmul": L * 12 * d * d,
        "head": V * d,
        "attention_at_avg_ctx": L * 2 * avg_ctx * d,
        "total_at_avg_ctx": L * 12 * d * d + V * d + L * 2 * avg_ctx * d,
        "avg_ctx": avg_ctx,
    }


@torch.no_grad()
def evaluate(model, ids, blen, ctx, batch=16):
    """Sliding-window NLL: returns (nats per token, nats per byte, tokens scored)."""
    model.eval()
    stride = ctx // 2
    windows = []  # (start, first scored index within the window)
    start = 0
    while True:
        end = min(start + ctx, len(ids))
        first = 1 if start == 0 else ctx - stride
        if end - start > first:
            windows.append((start, end, first))
        if end == len(ids):
            break
        start += stride
    nll, ntok, nbytes = 0.0, 0, 0
    for i in range(0, len(windows), batch):
        group = windows[i:i + batch]
        width = max(e - s for s, e, _ in group)
        x = torch.zeros(len(group), width, dtype=torch.long)
        mask = torch.zeros(len(group), width, dtype=torch.bool)
        for r, (s, e, first) in enumerate(group):
            x[r, :e - s] = torch.from_numpy(ids[s:e])
            mask[r, first:e - s] = True
        logits = model(input_ids=x).logits
        # position p predicts token p (scored) from tokens < p
        logp = F.log_softmax(logits[:, :-1].float(), dim=-1)
        tgt = x[:, 1:]
        tok_nll = -logp.gather(-1, tgt.unsqueeze(-1)).squeeze(-1)
        m = mask[:, 1:]
        nll += tok_nll[m].sum().item()
        ntok += int(m.sum())
        nbytes += int(torch.from_numpy(blen)[tgt[m]].sum())
    model.train()
    return nll / ntok, nll / nbytes, ntok


def lr_at(step, args):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    p = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.min_lr + 0.5 * (args.lr - args.min_lr) * (1 + math.cos(math.pi * p))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tok", required=True, help="dir with vocab.json + merges.txt")
    ap.add_argument("--data", default="/work/train/data")
    ap.add_argument("--out", required=True)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--d", type=int, default=128)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--min-lr", type=float, default=3e-4)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--dropout", type=float, default=0.1, help="embedding + residual dropout")
    ap.add_argument("--attn-dropout", type=float, default=0.0,
                    help="dropout on attention weights (0: it halves CPU speed here)")
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--eval-tokens", type=int, default=0,
                    help="cap held-out tokens for intermediate evals (0: all)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)

    vocab_path = os.path.join(args.tok, "vocab.json")
    merges_path = os.path.join(args.tok, "merges.txt")
    tok = ByteLevelBPETokenizer(vocab_path, merges_path)
    blen = token_byte_lengths(vocab_path)
    train_ids, train_bytes = encode_file(tok, os.path.join(args.data, "train.txt"))
    held_ids, held_bytes = encode_file(tok, os.path.join(args.data, "heldout.txt"))
    # A train slice as long as the held-out stream, for a comparable train figure.
    train_probe = train_ids[len(train_ids) // 3: len(train_ids) // 3 + len(held_ids)]
    vocab_size = tok.get_vocab_size()
    eot = tok.token_to_id("<|endoftext|>")
    print(f"vocab {vocab_size}; train {len(train_ids)} tokens ({train_bytes / len(train_ids):.3f}"
          f" B/tok); held-out {len(held_ids)} tokens ({held_bytes / len(held_ids):.3f} B/tok)",
          flush=True)

    cfg = GPT2Config(
        vocab_size=vocab_size, n_positions=args.ctx, n_embd=args.d, n_layer=args.layers,
        n_head=args.heads, n_inner=4 * args.d, activation_function="gelu_new",
        resid_pdrop=args.dropout, embd_pdrop=args.dropout, attn_pdrop=args.attn_dropout,
        layer_norm_epsilon=1e-5, tie_word_embeddings=True, bos_token_id=eot,
        eos_token_id=eot,
    )
    model = GPT2LMHeadModel(cfg)
    n_params = sum(p.numel() for p in model.parameters())  # tied head counted once
    macs = macs_per_token(cfg, args.ctx // 2)
    print(f"params {n_params}; MACs/token {macs}", flush=True)

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": args.weight_decay},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr, betas=(0.9, 0.95), eps=1e-8)

    gen = torch.Generator().manual_seed(args.seed)
    train_t = torch.from_numpy(train_ids)
    offsets_max = len(train_ids) - args.ctx - 1
    history = []
    t0 = time.time()
    ema = None
    for step in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args)
        starts = torch.randint(0, offsets_max, (args.batch,), generator=gen)
        chunk = torch.stack([train_t[s:s + args.ctx + 1] for s in starts.tolist()])
        x, y = chunk[:, :-1], chunk[:, 1:]
        logits = model(input_ids=x).logits
        loss = F.cross_entropy(logits.reshape(-1, vocab_size), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 50 == 0:
            el = time.time() - t0
            tps = (step + 1) * args.batch * args.ctx / el
            print(f"step {step} loss {loss.item():.4f} ema {ema:.4f} lr {lr_at(step, args):.2e}"
                  f" {el:.0f}s {tps:.0f} tok/s", flush=True)
        last = step == args.steps - 1
        if (step + 1) % args.eval_every == 0 and not last:
            cap = args.eval_tokens or len(held_ids)
            h_tok, h_byte, _ = evaluate(model, held_ids[:cap], blen, args.ctx)
            tr_tok, tr_byte, _ = evaluate(model, train_probe[:cap], blen, args.ctx)
            history.append({"step": step + 1, "train_nll_tok": tr_tok, "heldout_nll_tok": h_tok,
                            "heldout_nll_byte": h_byte, "seconds": time.time() - t0})
            print(f"eval step {step + 1}: train {tr_tok:.4f} held-out {h_tok:.4f} nats/token; "
                  f"held-out {h_byte:.4f} nats/byte", flush=True)
    train_seconds = time.time() - t0

    h_tok, h_byte, h_n = evaluate(model, held_ids, blen, args.ctx)
    tr_tok, tr_byte, _ = evaluate(model, train_probe, blen, args.ctx)
    history.append({"step": args.steps, "train_nll_tok": tr_tok, "heldout_nll_tok": h_tok,
                    "heldout_nll_byte": h_byte, "seconds": train_seconds})
    metrics = {
        "args": vars(args),
        "vocab_size": vocab_size,
        "params": n_params,
        "macs_per_token": macs,
        "train_tokens": int(len(train_ids)),
        "epochs": args.steps * args.batch * args.ctx / len(train_ids),
        "heldout_tokens_scored": h_n,
        "heldout_bytes_per_token": held_bytes / len(held_ids),
        "train_seconds": train_seconds,
        "heldout_nll_per_token": h_tok,
        "heldout_ppl_per_token": math.exp(h_tok),
        "heldout_nll_per_byte": h_byte,
        "heldout_ppl_per_byte": math.exp(h_byte),
        "heldout_bits_per_byte": h_byte / math.log(2),
        "train_nll_per_token": tr_tok,
        "train_ppl_per_token": math.exp(tr_tok),
        "train_nll_per_byte": tr_byte,
        "history": history,
    }
    print(json.dumps({k: v for k, v in metrics.items() if k != "history"}, indent=1), flush=True)

    model.save_pretrained(args.out, safe_serialization=True)
    shutil.copy(vocab_path, os.path.join(args.out, "vocab.json"))
    shutil.copy(merges_path, os.path.join(args.out, "merges.txt"))
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    print(f"saved to {args.out}", flush=True)


if __name__ == "__main__":
    main()
