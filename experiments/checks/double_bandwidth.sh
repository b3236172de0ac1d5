#!/bin/sh
# double_bandwidth.sh — does doubling the DRAM bandwidth ever slow a GEMM?
#
#   experiments/checks/double_bandwidth.sh [RIDGELINE] [HW ...]
#
# Plays 400 GEMM shapes (a fixed pseudo-random draw over m, n, k, seed 7)
# on each HW as shipped and with hbm.bandwidth_gbps doubled, through
# `ridgeline validate` (graph-replay protocol, a dummy measured column), and
# prints how many shapes switch kernel, how many get slower with the same
# kernel and with a switched one, and the five worst. RIDGELINE defaults to
# build/ridgeline; HW to a100-80gb-sxm h100-sxm. About a minute of CPU.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
rl=${1:-$here/../../build/ridgeline}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- a100-80gb-sxm h100-sxm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# a linear congruential draw, the same on every awk
awk 'BEGIN {
	split("1 2 4 8 16 33 64 100 128 200 256 384 512 777 1024 1500 2048 3000 4096 6000 8192", M, " ")
	split("128 256 512 1000 1024 2048 3000 4096 6656 8192 12288 16384 17920", N, " ")
	s = 7; print "m,n,k,dtype,latency_ms"
	for (i = 0; i < 400; i++) {
		s = (s * 1103515245 + 12345) % 2147483648; m = M[int(s / 2147483648 * 21) + 1]
		s = (s * 1103515245 + 12345) % 2147483648; n = N[int(s / 2147483648 * 13) + 1]
		s = (s * 1103515245 + 12345) % 2147483648; k = N[int(s / 2147483648 * 13) + 1]
		print m "," n "," k ",bf16,1.0"
	}
}' >"$tmp/shapes.csv"
for hw in "$@"; do
	bw=$("$rl" hw show "$hw" | awk '$1 == "hbm.bandwidth_gbps" { print $2 }')
	"$rl" validate --hw "$hw" --measured "$tmp/shapes.csv" -o "$tmp/a" >/dev/null
	"$rl" validate --hw "$hw" --measured "$tmp/shapes.csv" -o "$tmp/b" \
		--set hbm.bandwidth_gbps="$(awk -v b="$bw" 'BEGIN { print 2 * b }')" >/dev/null
	paste -d, "$tmp/a/validation.csv" "$tmp/b/validation.csv" | awk -F, -v hw="$hw" '
	NR == 1 { next }
	{ same = ($9 == $19 && $10 == $20); r = $16 / $6; n++; if (!same) sw++
	  if (same && r > ws) ws = r
	  if (r > 1) { if (same) ss++; else sws++; w[++nw] = sprintf("%.2f %s %sx%sx%s", 100 * (r - 1), same ? "same" : "switched", $1, $2, $3) } }
	END { printf "%s: %d shapes, %d switch kernel; slower at 2x: %d with the same kernel (worst %+.2f %%), %d switched\n", hw, n, sw, ss, (ws > 1 ? 100 * (ws - 1) : 0), sws
	      cmd = "sort -rn | head -5 | sed \"s/^\\([^ ]*\\)/  +\\1 %/\""
	      for (i = 1; i <= nw; i++) print w[i] | cmd; close(cmd) }'
done
