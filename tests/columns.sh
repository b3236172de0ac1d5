#!/bin/sh
# columns.sh — one set of result fields: `gemm` key/value, `gemm --csv`,
# results.csv and results.json carry the same fields, with the same names, in
# the same order, and docs/results.md lists exactly those, numbered; the
# first 26 CSV columns are the fixed interface; swept fields follow at the end
# of both results.csv and each results.json row.
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (set by make check).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
unset RIDGELINE_DATA
R=$RIDGELINE
tmp=$(mktemp -d "${TMPDIR:-/tmp}/columns.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
. "$RL_TOP_SRCDIR/tests/testlib.sh"

fixed='hw,model,op,q,batch,m,n,k,dtype,flops,bytes_min,bytes_hbm,oi,time_us,roofline_time_us,tflops,hbm_gbps,roofline_tflops,frac_of_roofline,bound,l2_hit_rate,tensor_util,hbm_util,waves,tile,split_k'

# ---- gemm: key/value and --csv --------------------------------------------
"$R" gemm --hw a100-80gb-sxm -m 64 -n 1024 -k 1024 >"$tmp/kv" 2>"$tmp/err" ||
	fail "gemm exited $?: $(cat "$tmp/err")"
"$R" gemm --hw a100-80gb-sxm -m 64 -n 1024 -k 1024 --csv >"$tmp/csv" 2>"$tmp/err" ||
	fail "gemm --csv exited $?: $(cat "$tmp/err")"
kv_names=$(awk '{ printf "%s%s", (NR > 1 ? "," : ""), $1 }' "$tmp/kv")
csv_names=$(head -n 1 "$tmp/csv")
[ "$kv_names" = "$csv_names" ] ||
	fail "gemm key/value fields ($kv_names) differ from gemm --csv ($csv_names)"
case $csv_names in
"$fixed",*) ;;
*) fail "gemm --csv: the first 26 columns are not the fixed interface: $csv_names" ;;
esac
# the values agree too (key/value pads the name; a value may be empty)
kv_values=$(awk '{ v = $0; sub(/^[^ ]+ +/, "", v); if (v == $1) v = "";
	printf "%s%s", (NR > 1 ? "," : ""), v }' "$tmp/kv")
[ "$kv_values" = "$(sed -n 2p "$tmp/csv")" ] ||
	fail "gemm key/value values ($kv_values) differ from gemm --csv ($(sed -n 2p "$tmp/csv"))"

# ---- docs/results.md: the numbered table lists exactly these -------------
doc_names=$(sed -n 's/^| *\([0-9][0-9]*\) | `\([a-z_0-9]*\)` |.*/\1 \2/p' "$RL_TOP_SRCDIR/docs/results.md" |
	awk '$1 != NR { print "misnumbered:" $0; exit } { printf "%s%s", (NR > 1 ? "," : ""), $2 }')
[ "$doc_names" = "$csv_names" ] ||
	fail "docs/results.md lists ($doc_names), the CSV has ($csv_names)"

# ---- run: results.csv and results.json, with a swept field ----------------
cat >"$tmp/exp.json" <<'EOF'
{
  "name": "columns",
  "hardware": "a100-80gb-pcie",
  "model": "llama-33b",
  "workload": {"ops": ["up"], "q": [1], "batch": [1, 8]},
  "sweep": {"hbm.bandwidth_gbps": [1935, 3870]}
}
EOF
"$R" run "$tmp/exp.json" -o "$tmp/out" -j 1 --no-plot >/dev/null 2>"$tmp/err" ||
	fail "run exited $?: $(cat "$tmp/err")"
[ "$(head -n 1 "$tmp/out/results.csv")" = "$csv_names,hbm.bandwidth_gbps" ] ||
	fail "results.csv header: $(head -n 1 "$tmp/out/results.csv"), expected $csv_names,hbm.bandwidth_gbps"
# the keys of the first results.json row, in order (cJSON prints one per line)
json_names=$(awk '/^\t"results":/ { on = 1; next }
	on && /^\t\t}/ { exit }
	on && /^\t\t\t"/ { k = $1; gsub(/[":]/, "", k); printf "%s%s", (n++ ? "," : ""), k }' \
	"$tmp/out/results.json")
[ "$json_names" = "$csv_names,hbm.bandwidth_gbps" ] ||
	fail "results.json row keys ($json_names) differ from results.csv ($csv_names,hbm.bandwidth_gbps)"

[ "$fails" -eq 0 ] && echo "columns: gemm, gemm --csv, results.csv, results.json and docs/results.md agree"
[ "$fails" -eq 0 ]
