#!/bin/sh
# run_reference.sh — the reference experiment end to end
# (experiments/medusa-llama33b-a100-pcie.json; the chart it reproduces is
# described in README, The reference experiment):
#   * the regimes of the reference chart hold in results.csv, against a
#     roofline recomputed here from m, n, k and the datasheet figures
#     (1,935 GB/s; 108 SMs × 2048 FLOP/clk × 1410 MHz = 311.9 TFLOP/s):
#     ar points memory-bound with OI < 70 and under bandwidth·OI; q = 112
#     at batch >= 16 compute-bound; OI grows with q·batch; no point above
#     its roofline;
#   * the SVG parses (xmllint) and holds both ceilings with their labels,
#     the ridge line (a vertical path), the title, the axes and all 8
#     legend entries; the PNG is a PNG;
#   * -j 1 and -j 2 give byte-identical results.csv/results.json/figure
#     data, and a rerun on the same directory (resumed from the journal)
#     rewrites the same bytes;
#   * stderr stays empty when it is not a terminal (no progress bar).
#
# Needs $RIDGELINE, $RL_TOP_SRCDIR (set by make check), xmllint
# (libxml2-utils) and gnuplot (gnuplot-nox).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
unset RIDGELINE_DATA

for tool in xmllint gnuplot; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "SKIP: $tool not installed (apt-get install libxml2-utils gnuplot-nox)"
		exit 77
	}
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run_reference.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
REF="$RL_TOP_SRCDIR/experiments/medusa-llama33b-a100-pcie.json"
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# ---- run it ---------------------------------------------------------------
"$RIDGELINE" run "$REF" -o "$tmp/a" -j 2 >"$tmp/a.out" 2>"$tmp/a.err" ||
	{ echo "FAIL: ridgeline run exited $?: $(cat "$tmp/a.err")"; exit 1; }
[ ! -s "$tmp/a.err" ] || fail "stderr not empty off a terminal: $(head -c 300 "$tmp/a.err")"
for f in results.csv results.json roofline.svg roofline.png roofline.gp roofline.dat journal.jsonl; do
	[ -s "$tmp/a/$f" ] || fail "missing $f"
done
ls -a "$tmp/a" | grep -q '\.tmp\.' && fail "temporary files left: $(ls -a "$tmp/a")"
grep -q 'gate' "$tmp/a.out" || fail "no table on stdout"

# ---- results.csv: columns, count, regimes ------------------------------
cols='hw,model,op,q,batch,m,n,k,dtype,flops,bytes_min,bytes_hbm,oi,time_us,roofline_time_us,tflops,hbm_gbps,roofline_tflops,frac_of_roofline,bound,l2_hit_rate,tensor_util,hbm_util,waves,tile,split_k,bytes_hbm_read,bytes_hbm_write,l2_util,ctas,events,roofline_bound,clock_mhz'
# the DESIGN columns and 27-33 first; later columns may follow
case "$(head -1 "$tmp/a/results.csv")" in
"$cols" | "$cols",*) ;;
*) fail "results.csv header: $(head -1 "$tmp/a/results.csv")" ;;
esac
rows=$(($(wc -l <"$tmp/a/results.csv") - 1))
[ "$rows" -eq 168 ] || fail "results.csv has $rows rows, expected 8 q x 7 batch x 3 ops = 168"

awk -F, -v fails=0 '
function bad(msg) { print "FAIL: row " NR ": " msg; fails++ }
function rel(a, b) { return (a > b ? a - b : b - a) / (b > 0 ? b : 1) }
NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
{
	bw = 1935e9; peak = 108 * 2048 * 1410e6; ridge = peak / bw
	op = $c["op"]; q = $c["q"] + 0; b = $c["batch"] + 0
	m = $c["m"] + 0; n = $c["n"] + 0; k = $c["k"] + 0
	if ($c["hw"] != "a100-80gb-pcie" || $c["model"] != "llama-33b" || $c["dtype"] != "fp16")
		bad("hw/model/dtype " $c["hw"] " " $c["model"] " " $c["dtype"])
	if (m != q * b) bad("m = " m ", expected q*batch = " q * b)
	if (op == "down" ? (k != 17920 || n != 6656) : (k != 6656 || n != 17920))
		bad(op " shape n=" n " k=" k)
	flops = 2 * m * n * k
	bytes = 2 * (m * k + k * n + m * n)
	oi = flops / bytes
	att = (bw * oi < peak) ? bw * oi : peak
	if (rel($c["flops"], flops) > 1e-9) bad("flops " $c["flops"] " vs " flops)
	if (rel($c["oi"], oi) > 1e-3) bad("oi " $c["oi"] " vs " oi)
	if (rel($c["roofline_tflops"] * 1e12, att) > 1e-3)
		bad("roofline_tflops " $c["roofline_tflops"] " vs " att / 1e12)
	sim = flops / ($c["time_us"] * 1e-6)
	# never above the roofline (datasheet peak and bandwidth)
	if (sim > att * (1 + 1e-9)) bad(op " q=" q " b=" b ": " sim / 1e12 " TFLOP/s above the roofline " att / 1e12)
	if ($c["frac_of_roofline"] > 1 + 1e-4) bad("frac_of_roofline " $c["frac_of_roofline"])
	if (q == 1) {
		if (oi >= 70) bad("ar OI " oi " >= 70")
		if (sim > bw * oi) bad("ar above the memory ceiling")
		if ($c["bound"] != "memory") bad("ar b=" b " " op " bound " $c["bound"] ", expected memory")
		nar++
	}
	if (q == 112 && b >= 16) {
		if (oi <= ridge) bad("q=112 b=" b " OI " oi " not beyond the ridge " ridge)
		if ($c["bound"] != "compute") bad("q=112 b=" b " " op " bound " $c["bound"] ", expected compute")
		n112++
	}
	# OI grows with q*batch, per op
	key = op SUBSEP m
	if (key in seen && rel(seen[key], oi) > 1e-12) bad("same m, different OI")
	seen[key] = oi
	ops[op] = 1
}
END {
	if (nar != 21) { print "FAIL: " nar " ar rows, expected 21"; fails++ }
	if (n112 != 9) { print "FAIL: " n112 " q=112 rows with batch >= 16, expected 9"; fails++ }
	for (o in ops) {
		nm = 0
		for (kk in seen) { split(kk, p, SUBSEP); if (p[1] == o) ms[++nm] = p[2] + 0 }
		# insertion sort by m
		for (i = 2; i <= nm; i++) { v = ms[i]; j = i - 1; while (j > 0 && ms[j] > v) { ms[j + 1] = ms[j]; j-- } ms[j + 1] = v }
		for (i = 2; i <= nm; i++)
			if (!(seen[o SUBSEP ms[i]] > seen[o SUBSEP ms[i - 1]])) {
				print "FAIL: " o ": OI does not grow from m=" ms[i - 1] " to m=" ms[i]; fails++
			}
		delete ms
	}
	exit fails > 0
}' "$tmp/a/results.csv" || fail "regimes (above)"

# ---- the SVG ---------------------------------------------------------------
svg="$tmp/a/roofline.svg"
xmllint --noout "$svg" || fail "roofline.svg does not parse"
xp() { xmllint --xpath "$1" "$svg" 2>/dev/null; }
titles=$(xp "//*[local-name()='g']/*[local-name()='title']/text()")
texts=$(xp "//*[local-name()='text']//text()")
for label in "1,935 GB/s" "312 TFLOP/s" \
	"up/gate/down ar" "up/gate/down spec: 16" "up/gate/down spec: 32" \
	"up/gate/down spec: 48" "up/gate/down spec: 64" "up/gate/down spec: 80" \
	"up/gate/down spec: 96" "up/gate/down spec: 112"; do
	printf '%s\n' "$titles" | grep -qxF "$label" || fail "no plot titled '$label' in the SVG"
	printf '%s\n' "$texts" | grep -qxF "$label" || fail "no legend text '$label' in the SVG"
done
for label in "Llama 33B, A100 80GB PCIe" "Operational Intensity (FLOP/Byte)" \
	"Performance (FLOP/s)" 10G 100G 1T 10T 100T 1000T 1 10 100 1k 10k; do
	printf '%s\n' "$texts" | grep -qxF "$label" || fail "no text '$label' in the SVG"
done
# each ceiling is a drawn, dashed path in its group
for label in "1,935 GB/s" "312 TFLOP/s"; do
	d=$(xp "(//*[local-name()='g'][*[local-name()='title']='$label']//*[local-name()='path'][@stroke-dasharray])[1]/@d")
	[ -n "$d" ] || fail "ceiling '$label' has no dashed path"
done
# the ridge: a dashed vertical path (same x at both ends)
d=$(xp "(//*[local-name()='g'][starts-with(*[local-name()='title'],'ridge')]//*[local-name()='path'][@stroke-dasharray])[1]/@d")
printf '%s\n' "$d" | grep -Eq "M([0-9.]+),[0-9.]+ L\\1,[0-9.]+" ||
	fail "no vertical ridge line in the SVG (path: $d)"
# the PNG
[ "$(head -c 8 "$tmp/a/roofline.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] ||
	fail "roofline.png is not a PNG"

# ---- determinism: -j 1 vs -j 2, resume rewrites the same bytes -------------
"$RIDGELINE" run "$REF" -o "$tmp/b" -j 1 >"$tmp/b.out" 2>"$tmp/b.err" || fail "-j 1 run failed: $(cat "$tmp/b.err")"
for f in results.csv results.json roofline.dat roofline.gp roofline.svg; do
	cmp -s "$tmp/a/$f" "$tmp/b/$f" || fail "$f differs between -j 2 and -j 1"
done
sed "s|$tmp/a|DIR|" "$tmp/a.out" >"$tmp/a.table"
sed "s|$tmp/b|DIR|" "$tmp/b.out" >"$tmp/b.table"
cmp -s "$tmp/a.table" "$tmp/b.table" || fail "the table differs between -j 2 and -j 1"
mkdir "$tmp/first"
cp "$tmp/a/results.csv" "$tmp/a/results.json" "$tmp/first/"
"$RIDGELINE" run "$REF" -o "$tmp/a" -j 2 >/dev/null 2>"$tmp/c.err" || fail "rerun failed: $(cat "$tmp/c.err")"
for f in results.csv results.json; do
	cmp -s "$tmp/a/$f" "$tmp/first/$f" || fail "$f differs after a rerun resumed from the journal"
done

echo "run_reference: $fails failures"
[ "$fails" -eq 0 ]
