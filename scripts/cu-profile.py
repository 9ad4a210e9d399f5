#!/usr/bin/env python3
"""Instruction-level CU profile of a cu-bench case on real SBF.

Reads the disassembled register traces LiteSVM writes (cu-bench built with
`--features trace`, SBF_TRACE_DIR and SBF_TRACE_DISASSEMBLE set; see
scripts/cu-profile.sh). One traced instruction is one CU, so a trace's line
count is the transaction's total CU, which picks the case.

  cu-profile.py DIR TOTAL            where the TOTAL-CU transaction spends
  cu-profile.py DIR BASE TOTAL N     what each of N extra units costs:
                                     (trace TOTAL - trace BASE) / N per pc

Prints contiguous runs of program counters with their CU, largest first;
--code prints each run's instructions too. The harness has no symbols, so a
run is recognised by its code (constants, offsets into OrderNode/QueueEvent).
"""
import argparse
import collections
import pathlib
import re
import sys

LINE = re.compile(r"\s*\d+ \[[^\]]*\]\s+(\d+): (.*)")


def load(path):
    counts, code = collections.Counter(), {}
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if m:
                pc = int(m.group(1))
                counts[pc] += 1
                code[pc] = m.group(2)
    return counts, code


def trace_of(directory, total):
    for path in pathlib.Path(directory).glob("*.trace"):
        with open(path) as f:
            if sum(1 for _ in f) == total:
                return path
    sys.exit(f"cu-profile: no trace of {total} CU in {directory} (is it a case's 'total CU'?)")


def runs(cost):
    out, cur = [], []
    for pc in sorted(cost):
        if cur and pc != cur[-1] + 1:
            out.append(cur)
            cur = []
        cur.append(pc)
    if cur:
        out.append(cur)
    return sorted(out, key=lambda r: -sum(cost[p] for p in r))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("totals", type=int, nargs="+", help="TOTAL, or BASE TOTAL N")
    ap.add_argument("--code", action="store_true", help="print each run's instructions")
    ap.add_argument("--top", type=int, default=25, help="runs to print (default 25)")
    a = ap.parse_args()
    if len(a.totals) == 1:
        counts, code = load(trace_of(a.dir, a.totals[0]))
        cost = {pc: float(n) for pc, n in counts.items()}
    elif len(a.totals) == 3:
        base, base_code = load(trace_of(a.dir, a.totals[0]))
        more, code = load(trace_of(a.dir, a.totals[1]))
        code = {**base_code, **code}
        n = a.totals[2]
        cost = {pc: (more[pc] - base[pc]) / n for pc in set(base) | set(more) if more[pc] != base[pc]}
    else:
        ap.error("give TOTAL, or BASE TOTAL N")
    print(f"{sum(cost.values()):.1f} CU in all")
    for r in runs(cost)[: a.top]:
        print(f"{sum(cost[p] for p in r):8.1f} CU  pcs {r[0]}..{r[-1]}")
        if a.code:
            for p in r:
                print(f"           {cost[p]:6.2f} {p:6d}: {code[p]}")


if __name__ == "__main__":
    main()
