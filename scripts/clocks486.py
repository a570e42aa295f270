#!/usr/bin/env python3
"""Estimated i486 clocks for GEN's code: DOSBox counts one cycle per instruction, a real
486 does not (`imul` takes 13-42 clocks, `movzx` 3, a base+index address 1 more).

Timings are the i486 tables (Intel i486 Microprocessor Programmer's Reference Manual,
instruction set clock counts: cache hits, aligned operands, no wait states), with:
  - +1 clock for an address with both a base and an index register;
  - +1 clock (address generation interlock) when a register of the address was written
    by the instruction just before;
  - +1 clock per prefix byte (operand size, address size, segment override);
  - Jcc 3 clocks taken, 1 not taken;
  - mul/imul early out: 10 + max(3, bits of the multiplier); the multiplier's bits are
    those of the narrowest source whose width this script can see (an immediate, or a
    register just loaded by movsx/movzx of a byte or word, or masked by `and`), else
    --mul-bits (default 16).
Not modelled: cache misses (the 486 has 8 KB; weights stream from memory at roughly one
16-byte line fill per 16 weights), misaligned operands, prefetch stalls. An estimate to
compare kernels, not a measurement.

  clocks486.py loops ELF FUNCTION [--macs-per-iter N]
      every loop of FUNCTION (a backward jump inside it), static: clocks per iteration
      with the back edge taken and every other jump not taken.
  clocks486.py profile ELF CALLGRIND_OUT [--macs N] [--top K]
      a callgrind run (--dump-instr=yes --collect-jumps=yes) weighted instruction by
      instruction: clocks and instructions by function, and per MAC over the whole run.

FUNCTION is a demangled name, or a unique part of one (`matvec::rows_128`).
"""
import argparse
import bisect
import math
import re
import subprocess
import sys

REG32 = {
    "eax": "eax", "ax": "eax", "al": "eax", "ah": "eax",
    "ebx": "ebx", "bx": "ebx", "bl": "ebx", "bh": "ebx",
    "ecx": "ecx", "cx": "ecx", "cl": "ecx", "ch": "ecx",
    "edx": "edx", "dx": "edx", "dl": "edx", "dh": "edx",
    "esi": "esi", "si": "esi", "edi": "edi", "di": "edi",
    "ebp": "ebp", "bp": "ebp", "esp": "esp", "sp": "esp",
}
STRING = re.compile(r"^(stos|lods|movs|cmps|scas)[bwd]?$")
PREFIXES = {"66", "67", "26", "2e", "36", "3e", "64", "65"}

# Clocks by operand form: r = register, m = memory, i = immediate.
ALU = {"rr": 1, "rm": 2, "mr": 3, "ri": 1, "mi": 3}  # add adc sub sbb and or xor
CMP = {"rr": 1, "rm": 2, "mr": 2, "ri": 1, "mi": 2}  # cmp test
UNARY = {"r": 1, "m": 3}  # inc dec neg not
SHIFT = {"r1": 3, "ri": 2, "rc": 3, "m1": 4, "mi": 4, "mc": 4}  # shl shr sar sal rol ror
DOUBLE_SHIFT = {"rri": 2, "mri": 3, "rrc": 3, "mrc": 4}  # shld shrd
FIXED = {
    "mov": 1, "lea": 1, "nop": 1, "xchg": 3, "movzx": 3, "movsx": 3, "cdq": 3, "cwde": 3,
    "cbw": 3, "cwd": 3, "bswap": 1, "push": 1, "pop": 1, "call": 3, "ret": 5, "leave": 5,
    "enter": 14, "div": 40, "idiv": 43, "clc": 2, "stc": 2, "cld": 2, "std": 2, "cmc": 2,
    "lahf": 3, "sahf": 2, "pushf": 4, "popf": 9, "xlat": 4, "bt": 3, "bts": 6, "btr": 6,
    "btc": 6, "bsf": 6, "bsr": 6, "ud2": 0, "int": 30, "hlt": 4, "stos": 5, "lods": 5,
    "movs": 7, "cmps": 8, "scas": 6, "loop": 7, "jecxz": 8, "jmp": 3,
}


def bits_of(v):
    """ceil(log2 |v|): the early-out length of a multiplier."""
    v = abs(v)
    return 0 if v <= 1 else math.ceil(math.log2(v))


def split_operands(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


class Insn:
    def __init__(self, addr, raw, mnem, ops):
        self.addr, self.raw = addr, raw
        self.prefixes = 0
        for b in raw:
            if b not in PREFIXES:
                break
            self.prefixes += 1
        parts = mnem.split()
        self.rep = parts[0] in ("rep", "repe", "repz", "repne", "repnz")
        self.mnem = parts[-1]
        self.text = f"{mnem} {ops}".strip()
        ops = re.sub(r"\s*<.*>$", "", ops)  # objdump's symbol comment on jump targets
        self.ops = split_operands(ops) if ops else []

    def kind(self, op):
        if "[" in op or "PTR" in op or re.match(r"[cdefgs]s:", op):
            return "m"
        if op in REG32:
            return "r"
        return "i"

    def address_regs(self):
        regs, index = [], False
        for op in self.ops:
            m = re.search(r"\[(.*)\]", op)
            if not m:
                continue
            terms = re.split(r"[+-]", m.group(1))
            for t in terms:
                r = t.split("*")[0].strip()
                if r in REG32:
                    regs.append(REG32[r])
        if self.mnem.startswith(("push", "pop", "call", "ret")):
            regs.append("esp")
        return regs

    def base_and_index(self):
        for op in self.ops:
            m = re.search(r"\[(.*)\]", op)
            if m and len([t for t in re.split(r"[+-]", m.group(1)) if t.split("*")[0].strip() in REG32]) >= 2:
                return True
        return False

    def written(self):
        """Registers this instruction writes (for the interlock of the next one)."""
        m, ops = self.mnem, self.ops
        if m in ("push", "call", "ret", "leave", "enter"):
            return {"esp"} | ({"ebp"} if m in ("leave", "enter") else set())
        if m == "pop":
            return {"esp"} | ({REG32[ops[0]]} if ops and ops[0] in REG32 else set())
        if m in ("mul", "imul") and len(ops) == 1 or m in ("div", "idiv"):
            return {"eax", "edx"}
        if m in ("cdq", "cwd"):
            return {"edx"}
        if m in ("cwde", "cbw", "lahf", "xlat"):
            return {"eax"}
        if m.startswith(("cmp", "test", "j", "nop", "bt")) and m not in ("bts", "btr", "btc"):
            return set()
        if m == "xchg":
            return {REG32[o] for o in ops if o in REG32}
        if STRING.match(m):
            return {"esi", "edi", "ecx", "eax"}
        if ops and ops[0] in REG32:
            return {REG32[ops[0]]}
        return set()


def base_clocks(i, widths, mul_bits):
    """Clocks of `i` before address penalties and prefixes; None when unknown."""
    m, ops = i.mnem, i.ops
    k = "".join(i.kind(o) for o in ops)
    if re.match(r"^(add|adc|sub|sbb|and|or|xor)$", m):
        return ALU.get(k)
    if m in ("cmp", "test"):
        return CMP.get(k)
    if m in ("inc", "dec", "neg", "not"):
        return UNARY.get(k)
    if m in ("shl", "shr", "sar", "sal", "rol", "ror"):
        if len(ops) == 1 or ops[1] == "1":
            return SHIFT[k[0] + "1"]
        return SHIFT[k[0] + ("c" if ops[1] == "cl" else "i")]
    if m in ("shld", "shrd"):
        return DOUBLE_SHIFT[k[:2] + ("c" if ops[2] == "cl" else "i")]
    if m.startswith("set"):
        return 4 if k == "r" else 3
    if m in ("mul", "imul"):
        # Sources: the r/m operand and eax (one operand), or the two last operands.
        srcs = ops[-2:] if len(ops) >= 2 else [ops[0], "eax"]
        if len(ops) == 2:
            srcs = ops
        known = [widths.get(s, widths.get(REG32.get(s, ""), None)) if i.kind(s) != "i" else bits_of(int(s, 0))
                 for s in srcs]
        known = [b for b in known if b is not None]
        return 10 + max(3, min(known) if known else mul_bits)
    if m == "push":
        return 4 if k == "m" else 1
    if m == "pop":
        return 6 if k == "m" else 1
    if m in ("call", "jmp"):
        return 5 if k in ("r", "m") else 3
    if STRING.match(m):
        name = STRING.match(m).group(1)
        if i.rep:
            return {"movs": 12, "stos": 7, "lods": 7, "cmps": 7, "scas": 7}[name]  # + n per element, not known
        return FIXED[name]
    if m.startswith("j") and m not in ("jmp", "jecxz"):
        return 1  # not taken; the caller adds 2 when taken
    if m.startswith("cmov"):
        return None  # no cmov on a 486
    if m == "mov" and k == "mm":
        return None
    return FIXED.get(m)


def update_widths(i, widths):
    """Known value widths of registers after `i` (see mul/imul above)."""
    for r in i.written():
        widths.pop(r, None)
    m, ops = i.mnem, i.ops
    if len(ops) == 2 and ops[0] in REG32:
        d = REG32[ops[0]]
        if m == "movsx":
            widths[d] = 7 if "BYTE" in ops[1] else 15
        elif m == "movzx":
            widths[d] = 8 if "BYTE" in ops[1] else 16
        elif m == "and" and i.kind(ops[1]) == "i" and int(ops[1], 0) >= 0:  # noqa: SIM114
            widths[d] = bits_of(int(ops[1], 0) + 1)
        elif m == "mov" and i.kind(ops[1]) == "i":
            widths[d] = bits_of(int(ops[1], 0))


def insn_clocks(i, prev, widths, mul_bits, taken):
    c = base_clocks(i, widths, mul_bits)
    if c is None:
        return None
    if taken:
        c += 2
    if i.base_and_index():
        c += 1
    if prev is not None and set(i.address_regs()) & prev.written():
        c += 1
    return c + i.prefixes


def disassemble(elf):
    out = subprocess.run(["objdump", "-d", "-C", "-M", "intel", "-j", ".text", elf],
                         capture_output=True, text=True, check=True).stdout
    funcs, cur, rows = {}, None, []
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.*)>:$", line)
        if m:
            cur = m.group(2)
            funcs[cur] = int(m.group(1), 16)
            continue
        m = re.match(r"^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$", line)
        if m and cur:
            text = m.group(3).strip()
            mm = re.match(r"((?:(?:rep\w*|lock|data16|addr16) )*\S+)\s*(.*)", text)
            rows.append((cur, Insn(int(m.group(1), 16), m.group(2).split(), mm.group(1), mm.group(2))))
    return funcs, rows


def find_function(funcs, name):
    if name in funcs:
        return name
    hits = [f for f in funcs if name in f]
    if len(hits) != 1:
        sys.exit(f"clocks486: {name!r} matches {len(hits)} functions: {hits[:8]}")
    return hits[0]


def jump_target(i):
    if i.mnem.startswith("j") or i.mnem == "loop":
        if i.ops and re.fullmatch(r"[0-9a-f]+", i.ops[0]):
            return int(i.ops[0], 16)
    return None


def cmd_loops(a):
    funcs, rows = disassemble(a.elf)
    fn = find_function(funcs, a.function)
    body = [i for f, i in rows if f == fn]
    index = {i.addr: n for n, i in enumerate(body)}
    loops = [(index[t], n) for n, i in enumerate(body) if (t := jump_target(i)) in index and t <= i.addr]
    if not loops:
        print(f"{fn}: no loop")
        return
    for s, e in loops:
        total, unknown, widths, prev = 0, [], {}, None
        for n in range(s, e + 1):
            i = body[n]
            c = insn_clocks(i, prev, widths, a.mul_bits, taken=(n == e))
            if c is None:
                unknown.append(i.mnem)
            else:
                total += c
            if a.detail:
                print(f"  {i.addr:#x} {c if c is not None else '?':>3}  {i.text}")
            update_widths(i, widths)
            prev = i
        n = e - s + 1
        line = f"{fn} loop {body[s].addr:#x}-{body[e].addr:#x}: {n} instructions, ~{total} clocks/iteration"
        if a.macs_per_iter:
            line += f", {n / a.macs_per_iter:.2f} instructions/MAC, ~{total / a.macs_per_iter:.2f} clocks/MAC"
        if unknown:
            line += f" (no timing: {' '.join(sorted(set(unknown)))})"
        print(line)


def read_callgrind(path):
    """address -> executed count, summed over every function of a callgrind output."""
    counts, addr, skip, positions = {}, 0, False, None
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("positions:"):
            positions = line.split()[1:]
            if positions[0] != "instr":
                sys.exit("clocks486: the callgrind run needs --dump-instr=yes")
            continue
        if line.startswith("calls="):
            skip = True  # the next cost line is the callee's inclusive cost
            continue
        m = re.match(r"^(0x[0-9a-fA-F]+|[+-]\d+|\*)((?:\s+\S+)*)$", line)
        if not m or positions is None:
            continue
        a_ = m.group(1)
        if a_.startswith("0x"):
            addr = int(a_, 16)
        elif a_[0] in "+-":
            addr += int(a_)
        fields = m.group(2).split()
        if len(fields) < len(positions):  # a position without cost (a jump's source)
            continue
        if skip:
            skip = False
            continue
        counts[addr] = counts.get(addr, 0) + int(fields[-1])
    return counts


def cmd_profile(a):
    funcs, rows = disassemble(a.elf)
    counts = read_callgrind(a.callgrind)
    by_fn = {}
    widths, prev, unknown = {}, None, {}
    targets = {t for _, i in rows if (t := jump_target(i)) is not None}
    next_addr = {rows[k][1].addr: rows[k + 1][1].addr for k in range(len(rows) - 1)}
    total_i = total_c = 0
    for fn, i in rows:
        if i.addr in targets:
            widths = {}
        n = counts.get(i.addr, 0)
        if n:
            t = 0
            if i.mnem.startswith("j") and i.mnem != "jmp":
                # Taken = executed minus fallen through (the next instruction's count,
                # exact unless something else jumps there too).
                t = max(0, n - counts.get(next_addr.get(i.addr, -1), 0))
            c = insn_clocks(i, prev, widths, a.mul_bits, taken=False)
            if c is None:
                unknown[i.mnem] = unknown.get(i.mnem, 0) + n
                c = 0
            c = c * n + 2 * t
            if i.rep:  # rep string ops: callgrind counts one per element
                c = insn_clocks(i, prev, widths, a.mul_bits, False) + 3 * n
            f = by_fn.setdefault(fn, [0, 0])
            f[0] += n
            f[1] += c
            total_i += n
            total_c += c
        update_widths(i, widths)
        prev = i
    print(f"{'function':70} {'instr':>12} {'est. 486 clocks':>16} {'clocks/instr':>12}")
    for fn, (n, c) in sorted(by_fn.items(), key=lambda kv: -kv[1][1])[:a.top]:
        print(f"{fn[:70]:70} {n:12d} {c:16d} {c / n:12.2f}")
    line = f"total: {total_i} instructions, ~{total_c} clocks"
    if a.macs:
        line += f"; per MAC {total_i / a.macs:.2f} instructions, ~{total_c / a.macs:.2f} clocks"
    print(line)
    if unknown:
        print("no timing for: " + " ".join(f"{k}×{v}" for k, v in unknown.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mul-bits", type=int, default=16, help="multiplier bits when not visible (default 16)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("loops")
    lp.add_argument("elf")
    lp.add_argument("function")
    lp.add_argument("--macs-per-iter", type=float)
    lp.add_argument("--detail", action="store_true", help="print every instruction with its clocks")
    pp = sub.add_parser("profile")
    pp.add_argument("elf")
    pp.add_argument("callgrind")
    pp.add_argument("--macs", type=float)
    pp.add_argument("--top", type=int, default=12)
    a = ap.parse_args()
    cmd_loops(a) if a.cmd == "loops" else cmd_profile(a)


if __name__ == "__main__":
    main()
