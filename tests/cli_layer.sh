#!/bin/sh
# cli_layer.sh — the decoder layer end to end: `ridgeline layer` prints
# every op and a total that is their sum; an experiment with kv_len, tp
# and the layer ops runs and writes the layer columns; bad input (unknown
# op, kv_len <= 0, tp not dividing the heads, q > kv_len, attention CSV
# rows with a bad field) is one line on stderr, exit 2, nothing written;
# and, when the measured data is there ($RL_SHARED/data), validate on the
# decoding-attention rows holds the issue's target (MAPE <= 10 %,
# |bias| <= 3 %).
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (set by make check); $RL_SHARED.
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
RIDGELINE_DATA=$RL_TOP_SRCDIR
export RIDGELINE_DATA

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli_layer.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
. "$RL_TOP_SRCDIR/tests/testlib.sh"
R="$RIDGELINE"

# ---- ridgeline layer -------------------------------------------------------

expect 0 "qkv" "attn" "o " "up" "gate" "down" "total" "Q.K^T" -- \
	"$R" layer --hw a100-80gb-pcie --model llama-33b --q 1 --batch 8 \
	--kv-len 2048
# the total is the sum of the ops' times (awk adds the rows up)
awk '$1 ~ /^(qkv|attn|o|up|gate|down)$/ { s += $(NF - 4) }
     $1 == "total" { t = $2 }
     END { if (s == 0 || (s - t) > 0.02 || (t - s) > 0.02) exit 1 }' \
	"$tmp/out" || fail "layer: total is not the sum of the ops: $(cat "$tmp/out")"
# tp = 2 adds ar_o and ar_down
expect 0 "ar_o" "ar_down" "latency" -- "$R" layer --hw a100-80gb-sxm \
	--model llama-3-70b --q 16 --batch 4 --kv-len 1024 --tp 2
[ "$(grep -c '^ar_' "$tmp/out")" -eq 2 ] ||
	fail "tp 2: expected exactly two all-reduces: $(cat "$tmp/out")"

expect 2 "qkvx" -- "$R" layer --hw a100-80gb-sxm --model llama-3-8b \
	--q 1 --batch 1 --kv-len 64 --ops qkv,qkvx
expect 2 "--kv-len" -- "$R" layer --hw a100-80gb-sxm --model llama-3-8b \
	--q 1 --batch 1 --kv-len 0
expect 2 "tp = 3" -- "$R" layer --hw a100-80gb-sxm --model llama-3-8b \
	--q 1 --batch 1 --kv-len 64 --tp 3
expect 2 "kv_len" -- "$R" layer --hw a100-80gb-sxm --model llama-3-8b \
	--q 64 --batch 1 --kv-len 16
# a GPU without a link cannot run the all-reduce
expect 2 "link.bandwidth_gbps" -- "$R" layer --hw l4 --model llama-3-8b \
	--q 1 --batch 1 --kv-len 64 --tp 2 --ops ar_o

# ---- experiments -------------------------------------------------------------

cat >"$tmp/good.json" <<'JSON'
{"name": "layer-good", "hardware": "a100-80gb-sxm", "model": "llama-3-8b",
 "workload": {"q": [1, 4], "batch": [2], "kv_len": [256, 1024], "tp": [1, 2]},
 "options": {"dtype": "bf16"}}
JSON
expect 0 "attn" "ar_down" -- "$R" run "$tmp/good.json" -o "$tmp/good" -j 1
csv="$tmp/good/results.csv"
[ -f "$csv" ] || fail "run: no results.csv"
# 2 kv_len x 2 q x (6 ops at tp 1 + 8 at tp 2) = 56 rows; the layer columns
[ "$(($(wc -l <"$csv") - 1))" -eq 56 ] || fail "run: $(wc -l <"$csv") lines"
head -1 "$csv" | grep -q ',kv_len,tp,layers$' || fail "run: header $(head -1 "$csv")"
# byte-identical with -j 2 and with the result cache off (two models'
# attention rows must not share a result: llama-2-7b has 32 KV heads)
sed 's/"llama-3-8b"/["llama-3-8b", "llama-2-7b"]/' "$tmp/good.json" >"$tmp/two.json"
"$R" run "$tmp/two.json" -o "$tmp/two1" -j 1 >/dev/null 2>&1 || fail "run two models -j 1"
"$R" run "$tmp/two.json" -o "$tmp/two2" -j 2 >/dev/null 2>&1 || fail "run two models -j 2"
RIDGELINE_NO_RESULT_CACHE=1 "$R" run "$tmp/two.json" -o "$tmp/two3" -j 2 >/dev/null 2>&1 ||
	fail "run two models, cache off"
cmp -s "$tmp/two1/results.csv" "$tmp/two2/results.csv" || fail "results.csv differs between -j 1 and -j 2"
cmp -s "$tmp/two1/results.csv" "$tmp/two3/results.csv" || fail "results.csv differs with the result cache off"

# "layers": "model": the decoder ops count Llama 3 8B's 32 layers, lm_head
# (added to the defaults: 4096 x 128256 / tp) once
cat >"$tmp/model.json" <<'JSON'
{"name": "layer-model", "hardware": "a100-80gb-sxm", "model": "llama-3-8b",
 "workload": {"q": [1], "batch": [4], "kv_len": [512], "layers": "model"}}
JSON
expect 0 "lm_head" -- "$R" run "$tmp/model.json" -o "$tmp/model" -j 1 --no-plot
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ n++; want = ($c["op"] == "lm_head") ? 1 : 32
	  if ($c["layers"] != want) { print "FAIL: " $c["op"] " layers " $c["layers"]; bad = 1 }
	  if ($c["op"] == "lm_head" && ($c["n"] != 128256 || $c["k"] != 4096)) { print "FAIL: lm_head " $c["n"] "x" $c["k"]; bad = 1 } }
	END { exit bad || n != 7 }' "$tmp/model/results.csv" ||
	fail "layers model: $(cat "$tmp/model/results.csv" | cut -d, -f3,6-8 | tr '\n' ' ')"

bad() { # NAME NEEDLE JSON-WORKLOAD
	printf '{"name": "bad", "hardware": "a100-80gb-sxm", "model": "llama-3-8b", "workload": %s}\n' "$3" >"$tmp/$1.json"
	expect 2 "$2" -- "$R" run "$tmp/$1.json" -o "$tmp/out-$1"
	[ ! -e "$tmp/out-$1" ] || fail "$1: wrote $tmp/out-$1"
}
bad unknown-op '$.workload.ops[1]' '{"ops": ["qkv", "softmax"], "q": [1], "batch": [1], "kv_len": [64]}'
bad kv-zero '$.workload.kv_len[0]' '{"q": [1], "batch": [1], "kv_len": [0]}'
bad kv-neg '$.workload.kv_len[1]' '{"q": [1], "batch": [1], "kv_len": [64, -5]}'
bad tp-3 '$.workload.tp[0]' '{"q": [1], "batch": [1], "kv_len": [64], "tp": [3]}'
bad q-over-kv '$.workload.kv_len[0]' '{"q": [1, 128], "batch": [1], "kv_len": [64]}'
bad attn-no-kv 'kv_len' '{"ops": ["attn"], "q": [1], "batch": [1]}'
bad ar-tp1 '$.workload.ops[0]' '{"ops": ["ar_o"], "q": [1], "batch": [1]}'
bad layers '$.workload.layers' '{"q": [1], "batch": [1], "layers": "all"}'

# ---- validate on attention rows ---------------------------------------------

printf 'batch,heads,kv_heads,head_dim,q,kv_len,dtype,latency_ms\n1,8,1,128,1,0,bf16,0.01\n' >"$tmp/a.csv"
expect 2 "a.csv:2: kv_len" -- "$R" validate --hw a100-80gb-sxm --measured "$tmp/a.csv" -o "$tmp/va"
[ ! -e "$tmp/va" ] || fail "validate: wrote $tmp/va on bad input"
printf 'batch,heads,kv_heads,head_dim,q,kv_len,dtype,latency_ms\n1,8,3,128,1,64,bf16,0.01\n' >"$tmp/b.csv"
expect 2 "b.csv:2:" "kv_heads" -- "$R" validate --hw a100-80gb-sxm --measured "$tmp/b.csv"

data="${RL_SHARED:-}/data/a100-sxm4-80gb-bf16-decode-attention.csv"
if [ -n "${RL_SHARED:-}" ] && [ -f "$data" ]; then
	expect 0 "5093 attention calls" -- "$R" validate --hw a100-80gb-sxm \
		--measured "$data" -j 2
	awk '$1 == "all" { m = $3; b = $6; if (b < 0) b = -b;
	     if (m > 10 || b > 3) exit 1; ok = 1 } END { exit !ok }' "$tmp/out" ||
		fail "attention validate: $(grep '^all' "$tmp/out") (target MAPE <= 10, |bias| <= 3)"
else
	echo "SKIP: attention validation (no \$RL_SHARED/data)"
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "cli_layer: all passed"
