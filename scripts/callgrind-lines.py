#!/usr/bin/env python3
"""Self cost of the functions whose name contains FUNC, by source file:line, inlined
code included (callgrind's own annotate credits inlined lines to the caller).

  scripts/callgrind-lines.py build/prof386.out PER FUNC   (PER: divide counts, e.g. 32 tokens)
"""
import re, sys, collections
out, per, fsub = sys.argv[1], int(sys.argv[2]), sys.argv[3]
names = {}
def name(tag, s):
    m = re.match(r'\((\d+)\)(?: (.*))?', s)
    if m.group(2): names[(tag, m.group(1))] = m.group(2)
    return names.get((tag, m.group(1)), '?')
cur_file = fn_file = '?'; fn = '?'
line = 0; skip = False
by_line = collections.Counter()
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
    if fsub in fn:
        by_line[(cur_file.split('/')[-1], line)] += int(c)
tot = sum(by_line.values())
print(f'total {tot/per:.0f}')
for (f, ln), c in sorted(by_line.items(), key=lambda kv: -kv[1])[:60]:
    print(f'{c/per:10.0f}  {f}:{ln}')
