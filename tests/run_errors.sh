#!/bin/sh
# run_errors.sh — `ridgeline run` on bad experiment files: exit status 2,
# exactly one line on stderr naming the file and the JSON path, and
# nothing written to the output directory (absent stays absent, an
# existing one keeps exactly its contents). Bad files are the shipped
# reference experiment with one edit each, checked to differ from it.
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (set by make check).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
unset RIDGELINE_DATA

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run_errors.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
REF="$RL_TOP_SRCDIR/experiments/medusa-llama33b-a100-pcie.json"
fails=0
cases=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# bad NAME NEEDLE SED-EXPR: the reference file edited by SED-EXPR must be
# refused with exit 2, one stderr line containing the file and NEEDLE,
# and no trace in DIR.
bad() {
	name=$1 needle=$2 expr=$3
	cases=$((cases + 1))
	f="$tmp/$name.json"
	sed -e "$expr" "$REF" >"$f"
	if cmp -s "$f" "$REF"; then
		fail "$name: the edit '$expr' changed nothing"
		return
	fi
	# 1. DIR absent: must stay absent
	rm -rf "$tmp/out"
	"$RIDGELINE" run "$f" -o "$tmp/out" -j 2 >"$tmp/stdout" 2>"$tmp/stderr"
	st=$?
	[ "$st" -eq 2 ] || fail "$name: exit status $st, expected 2"
	[ "$(wc -l <"$tmp/stderr")" -eq 1 ] ||
		fail "$name: expected one line on stderr, got: $(cat "$tmp/stderr")"
	grep -qF "$f" "$tmp/stderr" || fail "$name: message does not name the file: $(cat "$tmp/stderr")"
	grep -qF -- "$needle" "$tmp/stderr" || fail "$name: expected '$needle' in: $(cat "$tmp/stderr")"
	[ ! -e "$tmp/out" ] || fail "$name: created the output directory"
	[ ! -s "$tmp/stdout" ] || fail "$name: printed on stdout"
	# 2. DIR exists with earlier contents: must be left exactly as it was
	mkdir -p "$tmp/keep"
	echo "earlier results" >"$tmp/keep/results.csv"
	before=$(ls -la --time-style=+%s.%N "$tmp/keep"; cat "$tmp/keep/results.csv")
	"$RIDGELINE" run "$f" -o "$tmp/keep" >/dev/null 2>&1
	after=$(ls -la --time-style=+%s.%N "$tmp/keep"; cat "$tmp/keep/results.csv")
	[ "$before" = "$after" ] || fail "$name: changed an existing output directory"
}

# malformed JSON
bad malformed 'expected valid JSON' 's/"q": \[/"q": [[/'
bad trailing 'expected valid JSON' '$ s/}/}}/'
# unknown keys, at the top and inside
bad unknown_top '$.hardwar' 's/"hardware"/"hardwar"/'
bad unknown_workload '$.workload.batches' 's/"batch"/"batches"/'
bad unknown_option '$.options.l3' 's/"l2"/"l3"/'
# empty lists
bad empty_q '$.workload.q' 's/"q": \[[^]]*\]/"q": []/'
bad empty_batch '$.workload.batch' 's/"batch": \[[^]]*\]/"batch": []/'
bad empty_ops '$.workload.ops' 's/"ops": \[[^]]*\]/"ops": []/'
bad empty_hardware '$.hardware' 's/"hardware": \[[^]]*\]/"hardware": []/'
# q or batch <= 0, not integers, wrong types
bad q_zero '$.workload.q[0]' 's/"q": \[1,/"q": [0,/'
bad q_negative '$.workload.q[2]' 's/32, 48/-32, 48/'
bad batch_zero '$.workload.batch[6]' 's/32, 64\]/32, 0]/'
bad batch_negative '$.workload.batch[0]' 's/"batch": \[1,/"batch": [-1,/'
bad q_fraction '$.workload.q[1]' 's/\[1, 16,/[1, 16.5,/'
bad q_string '$.workload.q[1]' 's/\[1, 16,/[1, "16",/'
bad batch_not_list '$.workload.batch' 's/"batch": \[[^]]*\]/"batch": 8/'
bad dtype '$.options.dtype' 's/"fp16"/"fp32"/'
bad l2 '$.options.l2' 's/"cold"/"lukewarm"/'

# a GEMM too large to simulate (m = 112·8192 on a model 1,048,576 wide:
# 14.7 million CTAs) is refused before anything is written
sed -e 's/"hidden": 6656/"hidden": 1048576/' \
	-e 's/"intermediate": 17920/"intermediate": 1048576/' \
	-e 's/"heads": 52/"heads": 64/' \
	"$RL_TOP_SRCDIR/models/llama-33b.json" >"$tmp/huge.json"
bad too_large 'llama-33b up at m = 917504 cannot be simulated' \
	"s|\"llama-33b\"|\"$tmp/huge.json\"|; s/32, 64\]/32, 8192]/"
# unknown hardware, model, op
bad unknown_hardware '$.hardware[0]' 's/"a100-80gb-pcie"/"a100-80gb-pcix"/'
bad unknown_model '$.model' 's/"llama-33b"/"llama-34b"/'
bad unknown_op '$.workload.ops[2]' 's/"down"\]/"softmax"]/'
bad duplicate_q '$.workload.q[2]' 's/16, 32,/16, 16,/'
# sweeps: unknown field, invalid derived spec
bad sweep_field '$.sweep' 's/"options"/"sweep": {"hbm.bandwith_gbps": [1000]}, "options"/'
bad sweep_value '$.sweep' 's/"options"/"sweep": {"clock.sustained_mhz": [1000, 9000]}, "options"/'

# a missing file and a name that is not shipped
cases=$((cases + 1))
"$RIDGELINE" run "$tmp/nonexistent.json" -o "$tmp/out2" >/dev/null 2>"$tmp/stderr"
st=$?
[ "$st" -eq 2 ] || fail "missing file: exit status $st"
[ "$(wc -l <"$tmp/stderr")" -eq 1 ] || fail "missing file: not one line"
[ ! -e "$tmp/out2" ] || fail "missing file: created the output directory"
# bad options
for args in "-j 0" "-j x" "--frobnicate" ""; do
	cases=$((cases + 1))
	# shellcheck disable=SC2086
	"$RIDGELINE" run $args ${args:+"$REF"} -o "$tmp/out3" >/dev/null 2>&1
	st=$?
	[ "$st" -eq 2 ] || fail "options '$args': exit status $st, expected 2"
	[ ! -e "$tmp/out3" ] || fail "options '$args': created the output directory"
done

echo "run_errors: $cases cases, $fails failures"
[ "$fails" -eq 0 ]
