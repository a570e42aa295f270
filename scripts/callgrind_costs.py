"""Reads a callgrind output file as (function, source file, line, self cost) records,
inlined code credited to its own file and line (shared by op-breakdown.py and
callgrind-lines.py)."""
import re


def costs(path):
    names = {}

    def name(tag, s):
        m = re.match(r'\((\d+)\)(?: (.*))?', s)
        if m.group(2):
            names[(tag, m.group(1))] = m.group(2)
        return names.get((tag, m.group(1)), '?')

    cur_file = fn_file = fn = '?'
    line = 0
    skip = False
    for l in open(path):
        l = l.rstrip('\n')
        if l.startswith('fl='): fn_file = cur_file = name('fl', l[3:]); continue
        if l.startswith(('fi=', 'fe=')): cur_file = name('fl', l[3:]); continue
        if l.startswith('fn='): fn = name('fn', l[3:]); cur_file = fn_file; continue
        # A call line's cost is the callee's inclusive cost: not self cost.
        if l.startswith('calls='): skip = True; continue
        if l.startswith(('cfl=', 'cfi=')): name('fl', l[4:]); continue
        if l.startswith('cfn='): name('fn', l[4:]); continue
        m = re.match(r'^(0x[0-9a-fA-F]+|[+-]\d+|\*)\s+(\d+|[+-]\d+|\*)\s+(\d+)', l)
        if not m: continue
        _, ln, c = m.groups()
        if ln[0] in '+-': line += int(ln)
        elif ln != '*': line = int(ln)
        if skip: skip = False; continue
        yield fn, cur_file, line, int(c)
