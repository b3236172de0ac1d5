#!/bin/sh
# sweep_plots.sh — sweep figures answer the question asked of them:
#   * a field's figure holds the other swept field at the base GPU's own
#     value (a100-80gb-sxm: 2,039 GB/s), or at the listed value nearest to
#     it when that is not listed — not at the first listed value;
#   * options.sweep_lines "batch" draws one line per batch size;
#   * a two-field product sweep adds a heat map of both.
# Every number of the figures' data is recomputed here from results.csv
# (total FLOPs / total time of the rows the figure covers).
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (set by make check) and gnuplot.
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
command -v gnuplot >/dev/null 2>&1 || { echo "SKIP: gnuplot not installed"; exit 77; }
unset RIDGELINE_DATA
R=$RIDGELINE
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sweep_plots.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
. "$RL_TOP_SRCDIR/tests/testlib.sh"

exp() { # NAME BANDWIDTHS LINES
	cat >"$tmp/$1.json" <<EOF
{"name": "$1", "hardware": "a100-80gb-sxm", "model": "llama-33b",
 "workload": {"ops": ["up"], "q": [1, 16], "batch": [1, 8]},
 "options": {"sweep_lines": "$3"},
 "sweep": {"hbm.bandwidth_gbps": [$2], "sm.count": [64, 108]}}
EOF
	"$R" run "$tmp/$1.json" -o "$tmp/$1" -j 2 >/dev/null 2>"$tmp/err" ||
		fail "run $1: $(cat "$tmp/err")"
}

# expected "line-key value tflops" of the sm.count figure from results.csv:
# rows with hbm.bandwidth_gbps = HELD, grouped by GROUP (q or batch)
expected() { # DIR HELD GROUP
	awk -F, -v held="$2" -v group="$3" '
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["hbm.bandwidth_gbps"] == held {
		k = $c[group] " " $c["sm.count"]
		fl[k] += $c["flops"]; t[k] += $c["time_us"] }
	END { for (k in fl) printf "%s %.3g\n", k, fl[k] / t[k] / 1e6 }' "$1/results.csv" | sort
}
# what sweep-sm.count.dat holds, as "line-key value tflops"
got() { # DIR
	awk '/^# (q|batch) = / { key = $4; next } /^#/ || NF < 2 { next }
	{ printf "%s %s %.3g\n", key, $1, $2 }' "$1/sweep-sm.count.dat" | sort
}

# the base's own bandwidth is listed: held there
exp own "1000, 2039, 4000" q
expected "$tmp/own" 2039 q >"$tmp/want"
got "$tmp/own" >"$tmp/have"
cmp -s "$tmp/want" "$tmp/have" ||
	fail "sm.count figure is not at the base's 2,039 GB/s: $(diff "$tmp/want" "$tmp/have" | tr '\n' ' ')"
grep -q 'hbm.bandwidth_gbps = 2039' "$tmp/own/sweep-sm.count.gp" ||
	fail "sm.count figure's title does not say hbm.bandwidth_gbps = 2039"
# not listed: the nearest listed value, 1900
exp near "1000, 1900, 4000" q
expected "$tmp/near" 1900 q >"$tmp/want"
got "$tmp/near" >"$tmp/have"
cmp -s "$tmp/want" "$tmp/have" ||
	fail "sm.count figure is not at the nearest listed 1,900 GB/s: $(diff "$tmp/want" "$tmp/have" | tr '\n' ' ')"
# one line per batch size
exp batch "1000, 2039, 4000" batch
expected "$tmp/batch" 2039 batch >"$tmp/want"
got "$tmp/batch" >"$tmp/have"
cmp -s "$tmp/want" "$tmp/have" ||
	fail "sweep_lines batch: $(diff "$tmp/want" "$tmp/have" | tr '\n' ' ')"
grep -q 'title "batch 8"' "$tmp/batch/sweep-sm.count.gp" || fail "sweep_lines batch: no line titled batch 8"

# the heat map: every pair, over all rows
heat="$tmp/own/sweep-hbm.bandwidth_gbps-sm.count"
[ -s "$heat.png" ] && [ -s "$heat.svg" ] || fail "no heat map $heat.{png,svg}"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ k = $c["hbm.bandwidth_gbps"] " " $c["sm.count"]; fl[k] += $c["flops"]; t[k] += $c["time_us"] }
	END { for (k in fl) printf "%s %.3g\n", k, fl[k] / t[k] / 1e6 }' "$tmp/own/results.csv" | sort >"$tmp/want"
awk '/^#/ || NF < 5 { next } { printf "%s %s %.3g\n", $4, $5, $3 }' "$heat.dat" | sort >"$tmp/have"
cmp -s "$tmp/want" "$tmp/have" || fail "heat map data: $(diff "$tmp/want" "$tmp/have" | tr '\n' ' ')"

# a bad value is refused with one line
sed 's/"sweep_lines": "q"/"sweep_lines": "op"/' "$tmp/own.json" >"$tmp/bad.json"
expect 2 '$.options.sweep_lines' -- "$R" run "$tmp/bad.json" -o "$tmp/never"

[ "$fails" -eq 0 ] && echo "sweep_plots: held at the base's value, per-batch lines, heat map"
[ "$fails" -eq 0 ]
