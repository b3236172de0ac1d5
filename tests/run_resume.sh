#!/bin/sh
# run_resume.sh — the journal makes `ridgeline run` crash-proof:
#   * kill -9 at arbitrary moments (during simulation or while the outputs
#     and figures are being written), then a rerun on the same DIR, gives
#     results.csv/results.json byte-identical to an uninterrupted run, every
#     point journaled exactly once, and no temporary file left behind;
#   * SIGINT leaves no temporary file either;
#   * a changed experiment is refused on an old DIR (exit 2, "--fresh" in the
#     one-line message, outputs untouched) and accepted with --fresh;
#   * a sweep (2 hardware fields, product) adds one CSV column per field and
#     writes a roofline figure per derived spec and a plot per swept field;
#   * several hardware names and models in one experiment: every pair gets
#     its rows (shapes from the models' published sizes) and its figure.
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (set by make check) and gnuplot.
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
unset RIDGELINE_DATA
command -v gnuplot >/dev/null 2>&1 || { echo "SKIP: gnuplot not installed"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run_resume.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# 4 q × 3 batch × 3 ops × (2 × 2 derived specs) = 144 points
cat >"$tmp/sweep.json" <<'EOF'
{
  "name": "resume-test",
  "hardware": ["a100-80gb-pcie"],
  "model": "llama-33b",
  "workload": {"q": [1, 16, 64, 112], "batch": [1, 8, 64]},
  "options": {"dtype": "fp16", "l2": "cold"},
  "sweep": {"hbm.bandwidth_gbps": [1935, 3000], "sm.count": [108, 132]}
}
EOF
npoints=144

# ---- the uninterrupted run -------------------------------------------------
"$RIDGELINE" run "$tmp/sweep.json" -o "$tmp/ref" -j 2 >/dev/null 2>"$tmp/err" ||
	{ echo "FAIL: uninterrupted run: $(cat "$tmp/err")"; exit 1; }
head -1 "$tmp/ref/results.csv" | grep -q ',roofline_bound,clock_mhz,\(.*,\)\?hbm.bandwidth_gbps,sm.count$' ||
	fail "results.csv lacks one column per swept field: $(head -1 "$tmp/ref/results.csv")"
[ "$(($(wc -l <"$tmp/ref/results.csv") - 1))" -eq $npoints ] || fail "results.csv: expected $npoints rows"
grep -q '^a100-80gb-pcie+hbm.bandwidth_gbps-3000+sm.count-132,' "$tmp/ref/results.csv" ||
	fail "no derived spec name in results.csv"
n=$(ls "$tmp/ref"/roofline-*.svg 2>/dev/null | wc -l)
[ "$n" -eq 4 ] || fail "expected 4 roofline figures (one per derived spec), found $n"
for f in sweep-hbm.bandwidth_gbps sweep-sm.count; do
	[ -s "$tmp/ref/$f.svg" ] && [ -s "$tmp/ref/$f.png" ] || fail "missing $f.svg/.png"
done
grep -q '"derived_from"' "$tmp/ref/results.json" || fail "results.json lacks the derived specs"

# ---- kill -9 at arbitrary moments, then rerun ------------------------------
# Delays spread over the run (simulation, results, figures); each kill is
# followed by a check that every complete journal line is a whole record.
for delay in 0.05 0.3 0.7 1.1 1.6 2.2 0.4 3.0; do
	"$RIDGELINE" run "$tmp/sweep.json" -o "$tmp/k" -j 2 >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ -f "$tmp/k/journal.jsonl" ]; then
		bad=$(sed '$d' "$tmp/k/journal.jsonl" | grep -cv '^{.*}$')
		[ "$bad" -eq 0 ] || fail "journal has $bad broken lines before its last one"
	fi
done
"$RIDGELINE" run "$tmp/sweep.json" -o "$tmp/k" -j 2 >/dev/null 2>"$tmp/err" ||
	fail "rerun after kill -9: $(cat "$tmp/err")"
# Every point is journaled now, so a rerun goes straight to writing the
# results and figures: kill -9 it there too.
for delay in 0.02 0.1 0.25 0.5; do
	"$RIDGELINE" run "$tmp/sweep.json" -o "$tmp/k" -j 2 >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
"$RIDGELINE" run "$tmp/sweep.json" -o "$tmp/k" -j 2 >/dev/null 2>"$tmp/err" ||
	fail "rerun after kill -9 while writing: $(cat "$tmp/err")"
for f in results.csv results.json; do
	cmp -s "$tmp/ref/$f" "$tmp/k/$f" || fail "$f after kill -9 + rerun differs from the uninterrupted run"
done
[ "$(wc -l <"$tmp/k/journal.jsonl")" -eq $((npoints + 1)) ] ||
	fail "journal holds $(($(wc -l <"$tmp/k/journal.jsonl") - 1)) records, expected each of $npoints points once"
ls -a "$tmp/k" | grep -q '\.tmp\.' && fail "temporary files left after the rerun: $(ls -a "$tmp/k" | grep '\.tmp\.')"

# ---- SIGINT ----------------------------------------------------------------
for delay in 0.2 1.0 2.5; do
	rm -rf "$tmp/i"
	"$RIDGELINE" run "$tmp/sweep.json" -o "$tmp/i" -j 2 >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ls -a "$tmp/i" 2>/dev/null | grep -q '\.tmp\.' && fail "SIGINT after ${delay}s left: $(ls -a "$tmp/i" | grep '\.tmp\.')"
done

# ---- a changed experiment never mixes with old results ---------------------
sed 's/"batch": \[1, 8, 64\]/"batch": [1, 8, 32]/' "$tmp/sweep.json" >"$tmp/changed.json"
cmp -s "$tmp/sweep.json" "$tmp/changed.json" && fail "the edit changed nothing"
cp "$tmp/ref/results.csv" "$tmp/before.csv"
"$RIDGELINE" run "$tmp/changed.json" -o "$tmp/ref" -j 2 >/dev/null 2>"$tmp/err"
st=$?
[ "$st" -eq 2 ] || fail "changed experiment on an old DIR: exit $st, expected 2"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q -- '--fresh' "$tmp/err" ||
	fail "changed experiment: expected one line suggesting --fresh, got: $(cat "$tmp/err")"
cmp -s "$tmp/before.csv" "$tmp/ref/results.csv" || fail "a refused run changed results.csv"
"$RIDGELINE" run "$tmp/changed.json" -o "$tmp/ref" -j 2 --fresh --no-plot >/dev/null 2>"$tmp/err" ||
	fail "--fresh: $(cat "$tmp/err")"
grep -q ',32,' "$tmp/ref/results.csv" || fail "--fresh did not run the changed experiment"

# ---- several hardware names and models in one experiment -------------------
# 2 GPUs × 2 models × 3 ops × 2 q × 1 batch = 24 points, a figure per pair
cat >"$tmp/multi.json" <<'EOF'
{"name": "multi", "hardware": ["a100-80gb-pcie", "h100-sxm"],
 "model": ["llama-2-7b", "llama-3-8b"], "workload": {"q": [1, 16], "batch": [4]}}
EOF
"$RIDGELINE" run "$tmp/multi.json" -o "$tmp/multi" -j 2 >/dev/null 2>"$tmp/err" || fail "multi: $(cat "$tmp/err")"
[ "$(($(wc -l <"$tmp/multi/results.csv") - 1))" -eq 24 ] || fail "multi: expected 24 rows"
for hw in a100-80gb-pcie h100-sxm; do
	for m in llama-2-7b llama-3-8b; do
		[ -s "$tmp/multi/roofline-$hw-$m.svg" ] || fail "multi: no figure for $hw, $m"
		# Llama-2-7B: hidden 4096, FFN 11008; Llama-3-8B: 4096, 14336
		# (Touvron et al. 2023; Meta Llama 3 model card): up is m x 4096 . 4096 x FFN
		ffn=11008; [ "$m" = llama-3-8b ] && ffn=14336
		grep -q "^$hw,$m,up,16,4,64,$ffn,4096," "$tmp/multi/results.csv" ||
			fail "multi: no up row 64x$ffn x4096 for $hw, $m"
	done
done

echo "run_resume: $fails failures"
[ "$fails" -eq 0 ]
