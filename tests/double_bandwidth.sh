#!/bin/sh
# double_bandwidth.sh — doubling a GPU's DRAM bandwidth (a what-if, as
# --set makes it) never switches a GEMM to a kernel that plays slower, and
# with the same kernel costs at most 1.5 % (the machine's list scheduling is
# not monotone: README, fidelity). Runs experiments/checks/double_bandwidth.sh
# (400 random shapes, as shipped and doubled) on one GPU of each kernel
# family and clock regime: the A100 SXM and the A40 (SM80, SM89), the
# H100 SXM (SM90), the B200 and the GB200 (SM100). Before the what-if rule
# the B200 had 8 such switches (worst +7.5 %) and the GB200 10.
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (make check).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/double_bandwidth.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
. "$RL_TOP_SRCDIR/tests/testlib.sh"
export RIDGELINE_DATA="$RL_TOP_SRCDIR"

specs="a100-80gb-sxm a40 h100-sxm b200 gb200"
# shellcheck disable=SC2086
if ! sh "$RL_TOP_SRCDIR/experiments/checks/double_bandwidth.sh" "$RIDGELINE" \
	$specs >"$tmp/out" 2>"$tmp/err"; then
	fail "double_bandwidth.sh failed: $(cat "$tmp/err")"
fi
# one summary line per spec:
# "HW: 400 shapes, S switch kernel; slower at 2x: N with the same kernel
#  (worst +W %), X switched"
for hw in $specs; do
	line=$(grep "^$hw: " "$tmp/out")
	[ -n "$line" ] || { fail "$hw: no summary line"; continue; }
	echo "$line" | awk -v hw="$hw" '
	{ n = $2; worst = $0; sub(/.*worst \+/, "", worst); sub(/ %.*/, "", worst)
	  sw = $0; sub(/.*\), /, "", sw); sub(/ switched.*/, "", sw)
	  if (n != 400) { print "FAIL: " hw ": " n " shapes, expected 400"; bad = 1 }
	  if (sw + 0 != 0) { print "FAIL: " hw ": " sw " shapes switch to a slower kernel at 2x DRAM"; bad = 1 }
	  if (worst + 0 > 1.5) { print "FAIL: " hw ": same kernel up to +" worst " % at 2x DRAM, allowed 1.5"; bad = 1 }
	  exit bad }' || { fails=$((fails + 1)); grep -A5 "^$hw: " "$tmp/out"; }
done
[ "$fails" -eq 0 ] && echo "PASS: double_bandwidth.sh ($specs)"
exit "$fails"
