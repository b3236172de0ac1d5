#!/bin/sh
# cli_calibrate.sh — `ridgeline calibrate` end to end: the written spec is
# loaded by path by hw show, gemm and validate, and validate on it gives
# the in-sample error calibrate reported; the fitted fields' sources name
# the data by its SHA-256 (computed here by sha256sum, independently);
# stdout and the spec are byte-identical for -j 1 and -j 2, with the
# default four starts (their table, where each began and ended, is part of
# stdout) and --starts N prints N of them; a plan is at
# most 32 shapes on the grid; every refusal is exit status 2, one line on
# stderr naming the file or field, and nothing written.
#
# Needs $RIDGELINE (the binary) and $RL_TOP_SRCDIR (set by make check).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
unset RIDGELINE_DATA

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli_calibrate.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
. "$RL_TOP_SRCDIR/tests/testlib.sh"
R="$RIDGELINE"
SXM=a100-80gb-sxm

# twelve measured A100-SXM4 rows (shared/data), one per regime and size
cat >"$tmp/ok.csv" <<'CSV'
m,n,k,dtype,latency_ms
1,1024,1024,bf16,0.005955
8,1024,1024,bf16,0.008423
16,2048,1024,bf16,0.009062
1,2048,2048,bf16,0.011092
1,8192,8192,bf16,0.096364
8,8192,8192,bf16,0.090611
1,8192,16384,bf16,0.179028
16,16384,8192,bf16,0.178841
2048,2048,2048,bf16,0.108726
4096,4096,4096,bf16,0.548896
2048,4096,8192,bf16,0.549956
8192,8192,8192,bf16,4.280406
CSV

# ---- a fit, its spec, and the spec reloaded -----------------------------------

mkdir "$tmp/a" "$tmp/b"
"$R" calibrate --hw $SXM --measured "$tmp/ok.csv" -o "$tmp/a/cal.json" -j 1 \
	>"$tmp/a/out" 2>"$tmp/a/err" || fail "calibrate -j 1 exited $?: $(cat "$tmp/a/err")"
"$R" calibrate --hw $SXM --measured "$tmp/ok.csv" -o "$tmp/b/cal.json" -j 2 \
	>"$tmp/b/out" 2>"$tmp/b/err" || fail "calibrate -j 2 exited $?: $(cat "$tmp/b/err")"
sed "s|$tmp/[ab]/|DIR/|" "$tmp/a/out" >"$tmp/a/out.n"
sed "s|$tmp/[ab]/|DIR/|" "$tmp/b/out" >"$tmp/b/out.n"
cmp -s "$tmp/a/out.n" "$tmp/b/out.n" || fail "stdout differs between -j 1 and -j 2"
cmp -s "$tmp/a/cal.json" "$tmp/b/cal.json" || fail "the spec differs between -j 1 and -j 2"
for f in clock.sustained_mhz hbm.efficiency launch.overhead_us; do
	grep -q "^$f " "$tmp/a/out" || fail "no row for $f in: $(cat "$tmp/a/out")"
done
grep -q '^5-fold cross-validation' "$tmp/a/out" || fail "no cross-validation table"
# the starts: four by default, each a 'from' and a 'to' line, one of them
# marked as the fit, and the count in the recorded command
n=$(grep -c '^ *[0-9][0-9]* from ' "$tmp/a/out")
[ "$n" -eq 4 ] || fail "$n starts in the table (expected the default 4): $(cat "$tmp/a/out")"
n=$(grep -c '^   to\* ' "$tmp/a/out")
[ "$n" -eq 1 ] || fail "$n starts marked as the fit (expected 1)"
grep -q 'measured ok.csv --starts 4' "$tmp/a/cal.json" ||
	fail "the sources do not record --starts 4"
grep -q '^correlations of the fitted fields:' "$tmp/a/out" || fail "no correlation matrix"

# loadable by path by hw show, gemm and validate
expect 0 "a100-80gb-sxm-calibrated" -- "$R" hw show "$tmp/a/cal.json"
expect 0 "time_us" -- "$R" gemm --hw "$tmp/a/cal.json" -m 1 -n 1024 -k 1024
# validate on the written spec reproduces the reported in-sample error
after=$(awk '/^in-sample, after/ { on = 1 } on && $1 == "all" { print $2, $3, $4, $5, $6; exit }' "$tmp/a/out")
again=$("$R" validate --hw "$tmp/a/cal.json" --measured "$tmp/ok.csv" -j 2 |
	awk '$1 == "all" { print $2, $3, $4, $5, $6; exit }')
[ -n "$after" ] && [ "$after" = "$again" ] ||
	fail "validate on the written spec gives '$again', calibrate reported '$after'"
# the sources: version, command, data file, rows, SHA-256, value ± error
sha=$(sha256sum "$tmp/ok.csv" | cut -c1-64)
n=$(grep -c "SHA-256 $sha" "$tmp/a/cal.json")
[ "$n" -eq 3 ] || fail "$n fitted sources carry SHA-256 $sha (expected 3)"
grep -q 'ridgeline calibrate --hw a100-80gb-sxm --measured ok.csv' "$tmp/a/cal.json" ||
	fail "the sources do not give the command"
grep -q 'ok.csv (12 rows' "$tmp/a/cal.json" || fail "the sources do not give the row count"
grep -q 'fitted [0-9.]* ± [0-9.e-]* MHz' "$tmp/a/cal.json" ||
	fail "the clock's source has no value ± error"

# default file name in the working directory, and --name
(cd "$tmp/b" && "$R" calibrate --hw $SXM --measured "$tmp/ok.csv" \
	--fit launch.overhead_us --starts 2 >"$tmp/b/out2" 2>&1) || fail "calibrate without -o failed"
[ -f "$tmp/b/a100-80gb-sxm-calibrated.json" ] || fail "no a100-80gb-sxm-calibrated.json"
n=$(grep -c '^ *[0-9][0-9]* from ' "$tmp/b/out2")
[ "$n" -eq 2 ] || fail "--starts 2: $n starts in the table: $(cat "$tmp/b/out2")"
(cd "$tmp/b" && "$R" calibrate --hw $SXM --measured "$tmp/ok.csv" \
	--fit launch.overhead_us --name my-a100 >/dev/null 2>&1) || fail "calibrate --name failed"
grep -q '"name":.*"my-a100"' "$tmp/b/my-a100.json" 2>/dev/null || fail "--name my-a100: no my-a100.json named so"

# ---- a measurement plan ----------------------------------------------------------

"$R" calibrate --plan --hw $SXM --fit launch.overhead_us >"$tmp/plan.csv" 2>"$tmp/perr" ||
	fail "calibrate --plan exited $?: $(cat "$tmp/perr")"
awk -F, 'NR == 1 { if ($0 != "m,n,k,dtype") exit 1; next }
	function p2(x, lo, hi) { if (x < lo || x > hi) return 0
		while (x > 1 && x % 2 == 0) x /= 2; return x == 1 }
	!p2($1, 1, 8192) || !p2($2, 1024, 16384) || !p2($3, 1024, 16384) ||
	$4 != "bf16" || seen[$1","$2","$3]++ { exit 1 }
	END { if (NR < 2 || NR > 33) exit 1 }' "$tmp/plan.csv" ||
	fail "plan not at most 32 distinct shapes on the grid: $(cat "$tmp/plan.csv")"

# ---- refusals: one line, exit 2, nothing written ------------------------------------

refuse() { # NEEDLE ARGS...: calibrate ARGS -o never.json must be refused
	needle=$1
	shift
	expect 2 "$needle" -- "$R" calibrate "$@" -o "$tmp/never.json"
	[ -e "$tmp/never.json" ] && fail "$*: $tmp/never.json was written"
	ls -a "$tmp" | grep -q '\.tmp' && fail "$*: a temporary file was left"
}
refuse "hbm.bogus: no such field" --hw $SXM --measured "$tmp/ok.csv" --fit hbm.bogus
refuse "name: a string, not a numeric field" --hw $SXM --measured "$tmp/ok.csv" --fit name
refuse "peak_tflops: a derived quantity" --hw $SXM --measured "$tmp/ok.csv" --fit peak_tflops
refuse "sm.count: an integer field" --hw $SXM --measured "$tmp/ok.csv" --fit sm.count
refuse "hbm: a group of fields" --hw $SXM --measured "$tmp/ok.csv" --fit hbm
refuse "hbm.efficiency: given twice" --hw $SXM --measured "$tmp/ok.csv" \
	--fit hbm.efficiency,hbm.efficiency
head -3 "$tmp/ok.csv" >"$tmp/two.csv"
refuse "$tmp/two.csv: 2 rows for 3 fitted fields" --hw $SXM --measured "$tmp/two.csv"
# weight streaming only: no compute-bound row, nothing pins the tensor clock
cat >"$tmp/stream.csv" <<'CSV'
m,n,k,dtype,latency_ms
1,16384,16384,bf16,0.3531
2,16384,16384,bf16,0.3535
4,16384,16384,bf16,0.3540
CSV
refuse "$tmp/stream.csv: no row is sensitive to clock.sustained_mhz" \
	--hw $SXM --measured "$tmp/stream.csv" --fit clock.sustained_mhz
refuse "$tmp/stream.csv: no row is sensitive to launch.overhead_us" \
	--hw $SXM --measured "$tmp/stream.csv" --fit launch.overhead_us
printf 'm,n,k,dtype,latency_ms\n1,1024,1024,bf16,0.006\n1,1024,1024,bf16,-1\n' >"$tmp/bad.csv"
refuse "$tmp/bad.csv:3: latency_ms" --hw $SXM --measured "$tmp/bad.csv"
printf 'm,n,k,dtype,latency_ms,protocol\n1,1024,1024,bf16,0.006,hot\n' >"$tmp/proto.csv"
refuse "$tmp/proto.csv:2: protocol: expected graph-replay, cold or warm, found 'hot'" \
	--hw $SXM --measured "$tmp/proto.csv"
refuse "--protocol: expected graph-replay, cold or warm, found 'hot'" \
	--hw $SXM --measured "$tmp/ok.csv" --protocol hot
refuse '$.name' --hw $SXM --measured "$tmp/ok.csv" --name 'no spaces'
refuse "nope" --hw nope --measured "$tmp/ok.csv"
expect 2 "-o $tmp/nodir/x.json: $tmp/nodir is not a directory" -- \
	"$R" calibrate --hw $SXM --measured "$tmp/ok.csv" -o "$tmp/nodir/x.json"
expect 2 "-o $tmp/a: is a directory" -- \
	"$R" calibrate --hw $SXM --measured "$tmp/ok.csv" -o "$tmp/a"
refuse "$tmp/missing.csv" --hw $SXM --measured "$tmp/missing.csv"
refuse "--hw and --measured (or --plan) are required" --hw $SXM
refuse "--dtype applies to --plan only" --hw $SXM --measured "$tmp/ok.csv" --dtype fp16
refuse "tensor.fp8_flop_per_clk: absent from a100-80gb-sxm" --hw $SXM --measured "$tmp/ok.csv" \
	--fit tensor.fp8_flop_per_clk
expect 2 "--plan prints shapes to measure" -- \
	"$R" calibrate --plan --hw $SXM --measured "$tmp/ok.csv"
expect 2 "--starts: expected an integer in [1, 32], found '0'" -- \
	"$R" calibrate --hw $SXM --measured "$tmp/ok.csv" --starts 0
expect 2 "--starts: expected an integer in [1, 32], found '33'" -- \
	"$R" calibrate --hw $SXM --measured "$tmp/ok.csv" --starts 33
expect 2 "--starts applies to a fit, not to --plan" -- \
	"$R" calibrate --plan --hw $SXM --starts 2
expect 2 "-j: expected an integer in [1, 4096], found '0'" -- \
	"$R" calibrate --hw $SXM --measured "$tmp/ok.csv" -j 0

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
echo "all calibrate CLI checks passed"
