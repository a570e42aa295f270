#!/usr/bin/env python3
"""Per-operation instruction counts per token from scripts/profile-386.sh's callgrind
output: self cost by function, with the code inlined into the forward pass split by
the source file it comes from (attention kernels, K/V store, residual adds).

  scripts/op-breakdown.py build/prof386.out 32
"""
import collections, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from callgrind_costs import costs
out, per = sys.argv[1], int(sys.argv[2])
cost = collections.Counter()
def op(fn, f, line):
    f = f.split('/')[-1]
    if 'matvec' in fn or 'row_q16' in fn: return 'matvec (incl. embedding rows)'
    if 'ActQ' in fn: return 'quantize activations'
    if 'layer_norm' in fn: return 'layer_norm'
    if 'gelu' in fn: return 'gelu'
    if 'scores' in fn or 'exp_neg' in fn or 'softmax' in fn or 'attn' in fn: return 'attention'
    if 'forward' in fn:
        if f in ('attention.rs', 'softmax.rs', 'isqrt.rs'): return 'attention'
        if f == 'dot.rs': return 'attention'
        if f == 'actquant.rs': return 'K/V store (quantize)'
        return 'forward: inlined helpers (iterators, shifts, adds)'
    if 'generate_one' in fn or 'sample' in fn or 'argmax' in fn or 'Tokenizer' in fn: return 'sample + decode'
    if 'memset' in fn or 'memcpy' in fn: return 'memset/memcpy'
    if 'div' in fn: return 'u64 division (library)'
    return 'other: ' + fn[:60]
for fn, f, line, c in costs(out):
    cost[op(fn, f, line)] += c
tot = sum(cost.values())
print(f'{"operation":52} {"instr/token":>12} {"ms @25000":>9} {"share":>6}')
for k, c in cost.most_common():
    print(f'{k:52} {c/per:12.0f} {c/per/25000:9.1f} {100*c/tot:5.1f}%')
print(f'{"total":52} {tot/per:12.0f} {tot/per/25000:9.1f}')
