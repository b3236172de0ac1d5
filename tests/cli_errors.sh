#!/bin/sh
# cli_errors.sh — the hw, models and roofline commands: outputs pinned to
# hand-computed numbers, and every kind of bad input answered by exit
# status 2 with one line on stderr naming the file, the JSON path and what
# was expected. Bad files are the shipped ones with one edit (sed), each
# checked to differ from the original so that no case passes vacuously.
#
# Needs $RIDGELINE (the binary) and $RL_TOP_SRCDIR (set by make check).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
unset RIDGELINE_DATA

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli_errors.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
HW="$RL_TOP_SRCDIR/hw/a100-80gb-pcie.json"
MODEL="$RL_TOP_SRCDIR/models/llama-33b.json"

. "$RL_TOP_SRCDIR/tests/testlib.sh"

R="$RIDGELINE"

# ---- good output ---------------------------------------------------------

# 108 · 2048 · 1410 MHz = 311.87 TFLOP/s; 311.87 / 1.935 = 161.17 FLOP/B;
# 1935 GB/s · the calibrated efficiency, read from the file
eff=$(awk '/"efficiency"/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$HW")
effbw=$(awk -v e="$eff" 'BEGIN { printf "%.2f", 1935 * e }')
expect 0 "A100 80GB PCIe (a100-80gb-pcie)" "hbm.bandwidth_gbps" \
	"NVIDIA A100 datasheet" "peak fp16" "311.87" "161.17" "$effbw" -- \
	"$R" hw show a100-80gb-pcie
expect 0 "a100-80gb-pcie" "a100-80gb-sxm" "h100-sxm" "b200" -- "$R" hw list
expect 0 "llama-33b" "llama-3-70b" -- "$R" models list
expect 0 "17920" "6656" "T" -- "$R" models show llama-33b
expect 0 "A100 80GB SXM" -- "$R" hw show "$RL_TOP_SRCDIR/hw/a100-80gb-sxm.json"

# The CSV header and the T = 1 row: 2·6656·17920 = 238551040 FLOP,
# 2·(6656 + 6656·17920 + 17920) = 238600192 B, OI 0.9998,
# 238600192 / 1.935e12 = 123.3076 µs, 1.935 · 0.99979 = 1.9346 TFLOP/s.
"$R" roofline --hw a100-80gb-pcie --model llama-33b --q 1 --batch 1 \
	--ops up --csv >"$tmp/csv" 2>&1 || fail "roofline --csv failed"
cat >"$tmp/want" <<'EOF'
op,q,batch,m,n,k,flops,bytes_min,oi,roofline_time_us,roofline_tflops,bound
up,1,1,1,17920,6656,238551040,238600192,0.9998,123.3076,1.9346,memory
EOF
cmp -s "$tmp/csv" "$tmp/want" || fail "roofline csv: $(cat "$tmp/csv")"

# Order: op, q, batch as given; m = batch · q; 167 tokens is the first
# compute-bound count (crossover T* = 166.7).
"$R" roofline --hw a100-80gb-pcie --model llama-33b --q 16,1 --batch 2,1 \
	--ops down,up --csv | cut -d, -f1-4 | tail -n +2 >"$tmp/order"
printf '%s\n' down,16,2,32 down,16,1,16 down,1,2,2 down,1,1,1 \
	up,16,2,32 up,16,1,16 up,1,2,2 up,1,1,1 >"$tmp/want"
cmp -s "$tmp/order" "$tmp/want" || fail "roofline order: $(cat "$tmp/order")"
b=$("$R" roofline --hw a100-80gb-pcie --model llama-33b --q 166,167 \
	--batch 1 --ops gate --csv | cut -d, -f12 | tail -n +2 | tr '\n' ' ')
[ "$b" = "memory compute " ] || fail "crossover: '$b'"
expect 0 "roofline" "TFLOP/s" "memory" "compute" "up" "gate" "down" -- \
	"$R" roofline --hw a100-80gb-pcie --model llama-33b --q 1,112 --batch 1,64

for c in hw models roofline; do
	expect 0 "usage: ridgeline $c" -- "$R" "$c" --help
done
expect 0 "usage: ridgeline hw" -- "$R" hw show --help

# ---- bad arguments -------------------------------------------------------

# one option parser (sim/cli/cli.c) for every command: -j N is also
# --jobs N and --jobs=N, with one range, [1, 4096]; a bad value names the
# option as -j whichever way it came; --help lists what the table parses
for c in run validate calibrate; do
	expect 2 "ridgeline $c: -j: expected an integer in [1, 4096], found '0'" -- \
		"$R" "$c" --jobs=0 x
	expect 2 "ridgeline $c: -j: expected an integer in [1, 4096], found '4097'" -- \
		"$R" "$c" -j 4097 x
	expect 0 "-j, --jobs N" "-o, --output" "-h, --help" -- "$R" "$c" --help
done
for c in gemm layer; do
	expect 2 "ridgeline $c: --l2: expected cold or warm, found 'hot'" -- \
		"$R" "$c" --l2=hot
done

RL="$R roofline --hw a100-80gb-pcie --model llama-33b"
expect 2 "unknown option '--frob'" -- $RL --q 1 --batch 1 --frob
expect 2 "option '--batch' needs a value" -- $RL --q 1 --batch
expect 2 "unexpected argument 'extra'" -- $RL --q 1 --batch 1 extra
expect 2 "missing --batch" -- $RL --q 1
expect 2 "--q: expected a comma-separated list of integers in [1, 1000000]" \
	'found "x" in "1,x"' -- $RL --q 1,x --batch 1
expect 2 'found "0" in "0"' -- $RL --q 0 --batch 1
expect 2 'found "-4" in "-4"' -- $RL --q 1 --batch -4
expect 2 'found "1.5" in "1.5"' -- $RL --q 1 --batch 1.5
expect 2 'found "" in "1,,2"' -- $RL --q 1,,2 --batch 1
expect 2 "--ops: expected ops of llama-33b among {up, gate, down}" \
	'found "qkv"' -- $RL --q 1 --batch 1 --ops up,qkv
expect 2 'hw "no-such-gpu": expected no-such-gpu.json in' "/hw, " \
	"found nothing" -- \
	"$R" roofline --hw no-such-gpu --model llama-33b --q 1 --batch 1
expect 2 'models "llama-99b": expected llama-99b.json in' -- \
	"$R" roofline --hw a100-80gb-pcie --model llama-99b --q 1 --batch 1
expect 2 "unknown option '--all'" -- "$R" hw list --all
expect 2 "expected 'list' or 'show', found 'frob'" -- "$R" hw frob
expect 2 "show needs a NAME or PATH" -- "$R" models show
expect 2 "$tmp/none.json: expected a hardware spec file, found nothing" -- \
	"$R" hw show "$tmp/none.json"

# ---- bad hardware files --------------------------------------------------

f="$tmp/typo.json"
mutate "$HW" "$f" 's/"bandwidth_gbps"/"bandwith_gbps"/'
expect 2 "$f: \$.hbm.bandwith_gbps: expected a key in {channels, bandwidth_gbps, latency_ns, efficiency, capacity_gb}" \
	'(did you mean "bandwidth_gbps"?)' -- "$R" hw show "$f"

f="$tmp/missing.json"
mutate "$HW" "$f" '/"latency_ns": {/,/}/d'
expect 2 "$f: \$.hbm.latency_ns: expected an object {\"value\": a number in [0, 100000], \"source\": a non-empty string}, found nothing" \
	-- "$R" hw show "$f"

f="$tmp/type.json"
mutate "$HW" "$f" 's/"value": 1935,/"value": "1935",/'
expect 2 "$f: \$.hbm.bandwidth_gbps.value: expected a number in [1, 1000000], found \"1935\"" \
	-- "$R" hw show "$f"

f="$tmp/zero.json"
mutate "$HW" "$f" 's/"value": 1935,/"value": 0,/'
expect 2 "$f: \$.hbm.bandwidth_gbps.value: expected a number in [1, 1000000], found 0" \
	-- "$R" hw show "$f"

f="$tmp/negative.json"
mutate "$HW" "$f" "s/\"value\": $eff,/\"value\": -$eff,/"
expect 2 "$f: \$.hbm.efficiency.value: expected a number in [0.01, 1], found -$eff" \
	-- "$R" hw show "$f"

f="$tmp/absurd.json"
mutate "$HW" "$f" 's/"value": 1935,/"value": 1e30,/'
expect 2 "$f: \$.hbm.bandwidth_gbps.value: expected a number in [1, 1000000], found 1e+30" \
	-- "$R" hw show "$f"

f="$tmp/nan.json"
mutate "$HW" "$f" 's/"value": 1935,/"value": NaN,/'
line=$(grep -n '"value": NaN,' "$f" | cut -d: -f1)
col=$(grep '"value": NaN,' "$f" | awk '{ print index($0, "NaN") }')
expect 2 "$f: line $line, column $col" 'expected valid JSON, found "NaN,"' \
	-- "$R" hw show "$f"

f="$tmp/malformed.json"
mutate "$HW" "$f" 's/"value": 1935,/"value": 1935,,/'
line=$(grep -n '"value": 1935,,' "$f" | cut -d: -f1)
col=$(grep '"value": 1935,,' "$f" | awk '{ print index($0, ",,") + 1 }')
expect 2 "$f: line $line, column $col" "expected valid JSON" -- \
	"$R" hw show "$f"

f="$tmp/nosource.json"
mutate "$HW" "$f" '/"value": 1935,/{
N
s/"value": 1935,\n *"source": "[^"]*"/"value": 1935/
}'
expect 2 "$f: \$.hbm.bandwidth_gbps.source: expected a non-empty string naming where the value comes from, found nothing" \
	-- "$R" hw show "$f"

f="$tmp/emptysource.json"
mutate "$HW" "$f" 's/"source": "same chip as a100-80gb-sxm ([^"]*"/"source": ""/'
expect 2 "$f: \$.clock.sustained_mhz.source: expected a non-empty string, found \"\"" \
	-- "$R" hw show "$f"

f="$tmp/sustained.json"
sus=$(awk '/"sustained_mhz"/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$HW")
mutate "$HW" "$f" "s/\"value\": $sus,/\"value\": 1500,/"
expect 2 "$f: \$.clock.sustained_mhz.value: expected at most clock.boost_mhz = 1410, found 1500" \
	-- "$R" hw show "$f"

# A bad file given to roofline is bad input too.
expect 2 "$f: \$.clock.sustained_mhz.value" -- \
	"$R" roofline --hw "$f" --model llama-33b --q 1 --batch 1

# ---- bad model files -----------------------------------------------------

f="$tmp/mlp.json"
mutate "$MODEL" "$f" 's/"mlp": "gated"/"mlp": "swiglu"/'
expect 2 "$f: \$.mlp: expected one of \"gated\", \"plain\", found \"swiglu\"" \
	-- "$R" models show "$f"

f="$tmp/hidden.json"
mutate "$MODEL" "$f" 's/"hidden": 6656/"hidden": 0/'
expect 2 "$f: \$.hidden: expected an integer in [1, 1048576], found 0" \
	-- "$R" models show "$f"
expect 2 "$f: \$.hidden" -- \
	"$R" roofline --hw a100-80gb-pcie --model "$f" --q 1 --batch 1

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
echo "all CLI checks passed"
exit 0
