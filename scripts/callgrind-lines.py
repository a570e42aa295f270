#!/usr/bin/env python3
"""Self cost of the functions whose name contains FUNC, by source file:line, inlined
code included (callgrind's own annotate credits inlined lines to the caller).

  scripts/callgrind-lines.py build/prof386.out PER FUNC   (PER: divide counts, e.g. 32 tokens)
"""
import collections, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from callgrind_costs import costs
out, per, fsub = sys.argv[1], int(sys.argv[2]), sys.argv[3]
by_line = collections.Counter()
for fn, f, line, c in costs(out):
    if fsub in fn:
        by_line[(f.split('/')[-1], line)] += c
tot = sum(by_line.values())
print(f'total {tot/per:.0f}')
for (f, ln), c in sorted(by_line.items(), key=lambda kv: -kv[1])[:60]:
    print(f'{c/per:10.0f}  {f}:{ln}')
