#!/usr/bin/env python3
"""coverage.py SUMMARY.json — line and branch coverage per source folder
(hw, models, sim/engine, sim/gpu, ...) and in all, from gcovr's
--json-summary (make coverage). Folders the house rules set targets for
(HACKING.md: >= 95 % lines, >= 85 % branches in sim/engine, sim/gpu and
models) are marked when below them; the exit status is 0 either way."""
import json
import os
import sys

TARGETS = {"sim/engine", "sim/gpu", "models"}
LINES, BRANCHES = 95.0, 85.0


def pct(a, b):
    return 100.0 * a / b if b else 100.0


def main(path):
    with open(path) as f:
        files = json.load(f)["files"]
    folders = {}
    for e in files:
        d = os.path.dirname(e["filename"]) or "."
        s = folders.setdefault(d, [0, 0, 0, 0])
        s[0] += e["line_covered"]
        s[1] += e["line_total"]
        s[2] += e["branch_covered"]
        s[3] += e["branch_total"]
    print("%-14s %7s %7s %9s %9s" % ("folder", "lines", "lines%", "branches",
                                     "branch%"))
    tot = [0, 0, 0, 0]
    for d in sorted(folders):
        s = folders[d]
        tot = [a + b for a, b in zip(tot, s)]
        lp, bp = pct(s[0], s[1]), pct(s[2], s[3])
        low = d in TARGETS and (lp < LINES or bp < BRANCHES)
        print("%-14s %7d %7.1f %9d %9.1f%s" % (d, s[1], lp, s[3], bp,
              "  below target" if low else ""))
    print("%-14s %7d %7.1f %9d %9.1f" % ("all", tot[1], pct(tot[0], tot[1]),
                                          tot[3], pct(tot[2], tot[3])))


if __name__ == "__main__":
    main(sys.argv[1])
