#!/bin/sh
# cli_explain.sh — `gemm --explain`, `--trace`, `--timeline` and `run --trace`:
#
#  - the explain table's parts add up to time_us, and the printed parts are
#    the result row's time_*_us columns;
#  - each "what if" speed-up is the one `gemm --set FIELD=2x` gives when run
#    by hand here; doubling DRAM bandwidth or the tensor rate never slows
#    (L2 bandwidth and SM count: within 1 %, see below);
#  - the trace parses as JSON, every CTA appears exactly once, spans of a
#    track do not overlap, the spans' tensor busy time is the result's
#    tensor_util, and the largest accepted GEMM (2^20 CTAs) writes < 50 MB;
#  - the timeline figure renders: the SVG parses as XML and shows the three
#    panels and the time axis; .gp and .dat lie beside it;
#  - bad input (a --timeline name that is not .svg/.png, a --point no point
#    matches) exits 2 with one line and writes nothing.
#
# Needs $RIDGELINE, $RL_TOP_SRCDIR (make check) and python3 (skips without).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
R=$RIDGELINE
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli_explain.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
. "$RL_TOP_SRCDIR/tests/testlib.sh"
export RIDGELINE_DATA="$RL_TOP_SRCDIR"

# field NAME FILE: the value of NAME in `gemm` key/value output
field() {
	awk -v n="$1" '$1 == n { print $2; exit }' "$2"
}

# ---- --explain: parts and sensitivities against gemm --set ---------------
# 0.995 for DRAM and tensor rate: with the same kernel a doubling may still
# reorder the DES's requests (list scheduling is not monotone): the A100
# PCIe's 64x17920x6656, split 3, plays 0.25 % slower with twice the tensor
# rate, the bound check_gpu's 2x DRAM test also allows (0.5 %); 0.99 where
# the model is known to lose up to ~1 % (more SMs behind the same DRAM, a
# different kernel choice on a faster L2: see the closing note of issue 11)
for shape in "a100-80gb-sxm 1 16384 16384" "h100-sxm 8192 8192 8192" \
	     "a100-80gb-sxm 2048 4096 1024" "a100-80gb-pcie 64 17920 6656"; do
	set -- $shape
	hw=$1 m=$2 n=$3 k=$4
	"$R" gemm --hw "$hw" -m "$m" -n "$n" -k "$k" --explain >"$tmp/ex" 2>"$tmp/err" ||
		{ fail "gemm --explain $shape exited $?: $(cat "$tmp/err")"; continue; }
	t=$(field time_us "$tmp/ex")
	# the table's parts: sum = time_us, each = its result column
	awk -v t="$t" -v shape="$shape" '
		/^where the time went/ { on = 1; next }
		on && $1 == "total" { on = 0 }
		on && NF >= 3 && $2 ~ /^[0-9.]+$/ { s += $2; part[$1] = $2 }
		$1 ~ /^time_[a-z0-9]+_us$/ { v = $1; sub(/^time_/, "", v); sub(/_us$/, "", v); col[v] = $2 }
		END {
			if (s - t > 1e-3 || t - s > 1e-3) { printf "FAIL: %s: parts sum to %s, time_us %s\n", shape, s, t; bad = 1 }
			n = 0
			for (p in part) { n++; if (!(p in col) || col[p] - part[p] > 1e-4 || part[p] - col[p] > 1e-4) {
				printf "FAIL: %s: part %s %s, column %s\n", shape, p, part[p], col[p]; bad = 1 } }
			if (n != 8) { printf "FAIL: %s: %d parts in the table, expected 8\n", shape, n; bad = 1 }
			exit bad }' "$tmp/ex" || fails=$((fails + 1))
	grep -q '^verdict: [a-zA-Z0-9/ -]*-bound: [0-9]* % of time' "$tmp/ex" ||
		fail "$shape: no verdict line: $(grep verdict "$tmp/ex")"
	grep -q 'roofline: ' "$tmp/ex" && grep -q '= predicted' "$tmp/ex" ||
		fail "$shape: no roofline waterfall"
	sed -n '/^what if/,/^$/p' "$tmp/ex" | awk 'NF >= 6 && $(NF) ~ /x$/' >"$tmp/wi"
	[ "$(wc -l <"$tmp/wi")" -eq 4 ] || fail "$shape: expected 4 what-if lines: $(cat "$tmp/wi")"
	while read -r line; do
		f=$(echo "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /\./ && $i ~ /^[a-z]/) { print $i; exit } }')
		v2=$(echo "$line" | awk '{ for (i = 1; i <= NF; i++) if ($i == "->") { print $(i + 1); exit } }')
		sp=$(echo "$line" | awk '{ x = $NF; sub(/x$/, "", x); print x }')
		"$R" gemm --hw "$hw" -m "$m" -n "$n" -k "$k" --set "$f=$v2" >"$tmp/set" 2>"$tmp/err" ||
			{ fail "gemm --set $f=$v2 exited $?: $(cat "$tmp/err")"; continue; }
		t2=$(field time_us "$tmp/set")
		awk -v t="$t" -v t2="$t2" -v sp="$sp" -v f="$f" -v shape="$shape" 'BEGIN {
			want = t / t2; d = want - sp; if (d < 0) d = -d
			# time_us is printed to 4 decimals
			if (d > 5e-4 * want + 1e-4 / t2 * want) { printf "FAIL: %s: %s x2: --explain says %sx, gemm --set gives %.5fx\n", shape, f, sp, want; exit 1 }
			floor = (f ~ /^(hbm|tensor)\./) ? 0.995 : 0.99
			if (sp < floor - 5e-5) { printf "FAIL: %s: doubling %s slows it: %sx\n", shape, f, sp; exit 1 }
		}' || fails=$((fails + 1))
	done <"$tmp/wi"
done

# ---- --trace ----------------------------------------------------------------
check_trace() { # FILE TENSOR_UTIL CTAS MAXBYTES
	python3 - "$@" <<'EOF' || fails=$((fails + 1))
import json, sys
path, util, ctas, cap = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
import os
size = os.path.getsize(path)
bad = []
if size > cap:
    bad.append("%s: %d bytes, over %d" % (path, size, cap))
d = json.load(open(path))
ev = d["traceEvents"]
o = d["otherData"]
spans = [e for e in ev if e.get("ph") == "X"]
counters = set(e["name"] for e in ev if e.get("ph") == "C")
for c in ("DRAM bandwidth", "L2 bandwidth", "L2 hit rate", "tensor utilization", "CTAs resident"):
    if c not in counters:
        bad.append("no counter track '%s'" % c)
names = [e for e in ev if e.get("ph") == "M" and e["name"] == "process_name"]
if sum(1 for e in names if e["args"]["name"].startswith("SM ")) != o["sms"]:
    bad.append("not one track per SM")
per = o["ctas_per_span"]
seen = {}
for s in spans:
    a = s["args"]
    for key in ("tile_m", "tile_n", "k0", "k1", "slab", "split"):
        if key not in a:
            bad.append("span without %s" % key)
            break
    if per == 1:
        if a["ctas"] != 1:
            bad.append("span of %d CTAs" % a["ctas"])
        seen[a["cta"]] = seen.get(a["cta"], 0) + 1
total = sum(s["args"]["ctas"] for s in spans)
# past 2^17 CTAs the simulator plays the first CTAs and folds the
# steady-state waves after them (sim/gpu/gpu.c): the spans are the played
played = o["ctas_played"]
if total != played:
    bad.append("spans cover %d CTAs, the trace says %d were played" % (total, played))
if (played < ctas) != (ctas > 131072):
    bad.append("%d of %d CTAs played" % (played, ctas))
if per == 1 and (len(seen) != ctas or max(seen.values()) != 1 or set(seen) != set(range(ctas))):
    bad.append("not every CTA exactly once")
tracks = {}
for s in spans:
    tracks.setdefault((s["pid"], s["tid"]), []).append((s["ts"], s["ts"] + s["dur"]))
for k, v in tracks.items():
    v.sort()
    for (a0, a1), (b0, b1) in zip(v, v[1:]):
        if b0 < a1 - 1e-6:
            bad.append("overlap on track %s: %s..%s and %s..%s" % (k, a0, a1, b0, b1))
            break
busy = sum(s["args"]["mma_us"] for s in spans)
got = busy / (o["sms"] * o["time_us"])
if played == ctas and abs(got - util) > 1e-4:
    bad.append("spans' tensor busy %.6f of SM-time, tensor_util %.6f" % (got, util))
parts = sum(o["time_%s_us" % p] for p in ("fixed", "fill", "tensor", "dram", "l2", "port", "tail", "splitk"))
if abs(parts - o["time_us"]) > 1e-5:
    bad.append("parts %.6f, time %.6f" % (parts, o["time_us"]))
for b in bad[:5]:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
EOF
}

for shape in "h100-sxm 4096 4096 4096" "a100-80gb-sxm 16 8192 8192" "a100-80gb-pcie 3000 5000 700"; do
	set -- $shape
	"$R" gemm --hw "$1" -m "$2" -n "$3" -k "$4" --trace "$tmp/t.json" >"$tmp/g" 2>"$tmp/err" ||
		{ fail "gemm --trace $shape exited $?: $(cat "$tmp/err")"; continue; }
	check_trace "$tmp/t.json" "$(field tensor_util "$tmp/g")" "$(field ctas "$tmp/g")" 50000000
done
# the largest GEMM accepted: 2^20 CTAs (256x128 or 128x256 tiles)
"$R" gemm --hw h100-sxm -m 262144 -n 131072 -k 64 --trace "$tmp/big.json" >"$tmp/g" 2>"$tmp/err" ||
	fail "gemm --trace (2^20 CTAs) exited $?: $(cat "$tmp/err")"
[ "$(field ctas "$tmp/g")" -eq 1048576 ] || fail "the largest GEMM has $(field ctas "$tmp/g") CTAs, expected 2^20"
check_trace "$tmp/big.json" "$(field tensor_util "$tmp/g")" 1048576 50000000

# ---- --timeline ---------------------------------------------------------------
"$R" gemm --hw a100-80gb-sxm -m 2048 -n 4096 -k 1024 --timeline "$tmp/fig/tl.svg" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] || fail "--timeline into a missing directory: expected exit 1"
mkdir "$tmp/fig"
"$R" gemm --hw a100-80gb-sxm -m 2048 -n 4096 -k 1024 --timeline "$tmp/fig/tl.svg" >/dev/null 2>"$tmp/err" ||
	fail "gemm --timeline exited $?: $(cat "$tmp/err")"
for f in tl.gp tl.dat tl.svg tl.png; do
	[ -s "$tmp/fig/$f" ] || fail "--timeline did not write $f"
done
python3 - "$tmp/fig/tl.svg" <<'EOF' || fails=$((fails + 1))
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
text = " ".join(t.strip() for t in root.itertext() if t.strip())
bad = [w for w in ("CTAs resident per SM", "SM", "DRAM", "L2 hit", "tensor", "time (µs)", "a100-80gb-sxm") if w not in text]
paths = sum(1 for e in root.iter() if e.tag.endswith("path"))
images = sum(1 for e in root.iter() if e.tag.endswith("image"))
if bad:
    print("FAIL: timeline SVG lacks: %s" % ", ".join(bad))
if paths < 10 or images < 1:
    print("FAIL: timeline SVG has %d paths and %d images (axes, curves, heat strip)" % (paths, images))
sys.exit(1 if bad or paths < 10 or images < 1 else 0)
EOF
expect 2 "--timeline" ".svg or .png" -- "$R" gemm --hw a100-80gb-sxm -m 64 -n 64 -k 64 --timeline "$tmp/x.pdf"
[ -e "$tmp/x.pdf" ] || [ -e "$tmp/x.gp" ] && fail "a refused --timeline wrote something"

# ---- run --trace --point ------------------------------------------------------
cat >"$tmp/exp.json" <<'EOF'
{
  "name": "explain",
  "hardware": "a100-80gb-pcie",
  "model": "llama-33b",
  "workload": {"ops": ["up", "down"], "q": [1, 16], "batch": [1, 4]}
}
EOF
"$R" run "$tmp/exp.json" -o "$tmp/run" -j 1 --no-plot --trace "$tmp/run-t.json" --point down,16,4 >"$tmp/out" 2>"$tmp/err" ||
	fail "run --trace exited $?: $(cat "$tmp/err")"
# the point's row in results.csv: its tensor_util and CTAs
row=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["op"] == "down" && $c["q"] == 16 && $c["batch"] == 4 { print $c["tensor_util"], $c["ctas"] }' "$tmp/run/results.csv")
[ -n "$row" ] || fail "run: no down,16,4 row in results.csv"
set -- $row
[ -s "$tmp/run-t.json" ] && check_trace "$tmp/run-t.json" "$1" "$2" 50000000 ||
	fail "run --trace wrote no trace of down,16,4"
# parts in results.csv add up to time_us
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ s = 0; for (p in c) if (p ~ /^time_.*_us$/) s += $c[p]
	  if (s - $c["time_us"] > 1e-3 || $c["time_us"] - s > 1e-3) { print "FAIL: results.csv row " NR ": parts " s ", time_us " $c["time_us"]; bad = 1 } }
	END { exit bad }' "$tmp/run/results.csv" || fails=$((fails + 1))
expect 2 "--point" "no point" -- "$R" run "$tmp/exp.json" -o "$tmp/run2" -j 1 --no-plot --trace "$tmp/none.json" --point gate,16,4
[ -e "$tmp/run2" ] && fail "run with a bad --point created its output directory"
expect 2 "--point" -- "$R" run "$tmp/exp.json" -o "$tmp/run3" -j 1 --no-plot --trace "$tmp/none.json"

[ "$fails" -eq 0 ] && echo "cli_explain: explain, sensitivities, trace, timeline and run --trace hold"
[ "$fails" -eq 0 ]
