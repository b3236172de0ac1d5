#!/bin/sh
# run_cache.sh — the result cache of `ridgeline run` (sim/run/runner.c:
# points with the same spec, GEMM and L2 state are simulated once) changes
# no output byte:
#   * the reference experiment (168 points, 70 distinct GEMMs): results.csv
#     and results.json identical with the cache on and off
#     (RIDGELINE_NO_RESULT_CACHE=1), on -j 1 and -j 2, every point journaled
#     exactly once;
#   * a fixed set of odd shapes: two made-up models (hidden and intermediate
#     sizes that are multiples of no tile, one gated, one plain MLP) × q and
#     batch lists whose products repeat (1·6 = 2·3 = 3·2 = 6·1) × two GPUs ×
#     a derived spec sweep, cold and warm L2: identical with the cache on
#     and off;
#   * resume: a journal cut short (as by kill -9) in the middle of groups is
#     completed by a cached rerun to the same bytes, each point once.
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (set by make check).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
unset RIDGELINE_DATA RIDGELINE_NO_RESULT_CACHE

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run_cache.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
. "$RL_TOP_SRCDIR/tests/testlib.sh"

# run NAME EXPERIMENT JOBS CACHE(on|off): ridgeline run into $tmp/NAME
run() {
	if [ "$4" = off ]; then
		RIDGELINE_NO_RESULT_CACHE=1 "$RIDGELINE" run "$2" -o "$tmp/$1" -j "$3" --no-plot >/dev/null 2>"$tmp/err"
	else
		"$RIDGELINE" run "$2" -o "$tmp/$1" -j "$3" --no-plot >/dev/null 2>"$tmp/err"
	fi || fail "run $2 -j $3, cache $4: $(cat "$tmp/err")"
}

# same A B NPOINTS: outputs of runs A and B byte-identical, each journal
# holding NPOINTS records of distinct keys (plus its header line)
same() {
	for f in results.csv results.json; do
		cmp -s "$tmp/$1/$f" "$tmp/$2/$f" || fail "$f differs between $1 and $2"
	done
	for d in "$1" "$2"; do
		n=$(($(wc -l <"$tmp/$d/journal.jsonl") - 1))
		[ "$n" -eq "$3" ] || fail "$d: $n journal records, expected $3"
		k=$(sed 1d "$tmp/$d/journal.jsonl" | grep -o '"key": *"[0-9a-f]*"' | sort -u | wc -l)
		[ "$k" -eq "$3" ] || fail "$d: $k distinct journal keys, expected $3"
	done
}

# ---- the reference experiment ----------------------------------------------
ref=medusa-llama33b-a100-pcie
run ref-on1 $ref 1 on
run ref-on2 $ref 2 on
run ref-off1 $ref 1 off
run ref-off2 $ref 2 off
same ref-off1 ref-on1 168
same ref-off1 ref-on2 168
same ref-off1 ref-off2 168
[ "$(($(wc -l <"$tmp/ref-on1/results.csv") - 1))" -eq 168 ] || fail "reference: expected 168 rows"

# ---- odd shapes ------------------------------------------------------------
cat >"$tmp/odd-gated.json" <<'EOF'
{"name": "odd-gated", "display_name": "odd gated", "source": "made up for run_cache.sh",
 "hidden": 3001, "intermediate": 11013, "layers": 2, "heads": 24, "kv_heads": 8,
 "head_dim": 128, "vocab": 1000, "tied_embeddings": false, "dtype": "bf16", "mlp": "gated"}
EOF
cat >"$tmp/odd-plain.json" <<'EOF'
{"name": "odd-plain", "display_name": "odd plain", "source": "made up for run_cache.sh",
 "hidden": 7777, "intermediate": 20483, "layers": 2, "heads": 64, "kv_heads": 8,
 "head_dim": 128, "vocab": 1000, "tied_embeddings": false, "dtype": "fp16", "mlp": "plain"}
EOF
for l2 in cold warm; do
	cat >"$tmp/odd-$l2.json" <<EOF
{"name": "odd-$l2", "hardware": ["a100-80gb-sxm", "h100-sxm"],
 "model": ["$tmp/odd-gated.json", "$tmp/odd-plain.json"],
 "workload": {"q": [1, 2, 3, 6], "batch": [1, 2, 3, 6, 97]},
 "options": {"l2": "$l2"},
 "sweep": {"hbm.efficiency": [0.8, 0.9]}}
EOF
done
# 2 GPUs x 2 efficiencies x (3 + 2 ops) x 4 q x 5 batch = 400 points
for l2 in cold warm; do
	run odd-$l2-on "$tmp/odd-$l2.json" 2 on
	run odd-$l2-off "$tmp/odd-$l2.json" 2 off
	run odd-$l2-on1 "$tmp/odd-$l2.json" 1 on
	same odd-$l2-off odd-$l2-on 400
	same odd-$l2-off odd-$l2-on1 400
done
cmp -s "$tmp/odd-cold-on/results.csv" "$tmp/odd-warm-on/results.csv" &&
	fail "odd shapes: the L2 state changed no result (is it part of the cache key?)"

# ---- resume in the middle of groups -----------------------------------------
# keep the header and every third record: groups end up partly journaled
mkdir "$tmp/cut"
awk 'NR == 1 || NR % 3 == 0' "$tmp/ref-on1/journal.jsonl" >"$tmp/cut/journal.jsonl"
run cut $ref 2 on
same ref-off1 cut 168

[ "$fails" -eq 0 ] || { echo "run_cache: $fails failure(s)"; exit 1; }
echo "run_cache: ok"
