#!/usr/bin/env python3
"""Per-operation instruction counts per token from scripts/profile-386.sh's callgrind
output: self cost by function, with the code inlined into the forward pass split by
the source file it comes from (attention kernels, K/V store, residual adds).

  scripts/op-breakdown.py build/prof386.out 32
"""
import re, sys, collections
out, per = sys.argv[1], int(sys.argv[2])
names = {}
def name(tag, s):
    m = re.match(r'\((\d+)\)(?: (.*))?', s)
    if m.group(2): names[(tag, m.group(1))] = m.group(2)
    return names.get((tag, m.group(1)), '?')
cur_file = fn_file = fn = '?'; line = 0; skip = False
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
for l in open(out):
    l = l.rstrip('\n')
    if l.startswith('fl='): fn_file = cur_file = name('fl', l[3:]); continue
    if l.startswith(('fi=', 'fe=')): cur_file = name('fl', l[3:]); continue
    if l.startswith('fn='): fn = name('fn', l[3:]); cur_file = fn_file; continue
    if l.startswith('calls='): skip = True; continue
    if l.startswith(('cfl=', 'cfi=')): name('fl', l[4:]); continue
    if l.startswith('cfn='): name('fn', l[4:]); continue
    m = re.match(r'^(0x[0-9a-fA-F]+|[+-]\d+|\*)\s+(\d+|[+-]\d+|\*)\s+(\d+)', l)
    if not m: continue
    a, ln, c = m.groups()
    if ln[0] in '+-': line += int(ln)
    elif ln != '*': line = int(ln)
    if skip: skip = False; continue
    cost[op(fn, cur_file, line)] += int(c)
tot = sum(cost.values())
print(f'{"operation":52} {"instr/token":>12} {"ms @25000":>9} {"share":>6}')
for k, c in cost.most_common():
    print(f'{k:52} {c/per:12.0f} {c/per/25000:9.1f} {100*c/tot:5.1f}%')
print(f'{"total":52} {tot/per:12.0f} {tot/per/25000:9.1f}')
