#!/bin/sh
# cli_gemm_validate.sh — `ridgeline gemm` and `ridgeline validate`: their
# outputs against hand-computed numbers, and every kind of bad input
# (options, hardware overrides, measured CSV) answered by exit status 2,
# one line on stderr, and nothing written to the output directory.
#
# Needs $RIDGELINE (the binary) and $RL_TOP_SRCDIR (set by make check).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
unset RIDGELINE_DATA

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cli_gemm.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
. "$RL_TOP_SRCDIR/tests/testlib.sh"
R="$RIDGELINE"
SXM=a100-80gb-sxm

# ---- gemm: good output -----------------------------------------------------

# m = 1, n = k = 16384 bf16: flops 2·1·16384² = 536870912; compulsory bytes
# 2·(16384 + 16384² + 16384) = 536936448; OI 0.9999
"$R" gemm --hw $SXM -m 1 -n 16384 -k 16384 --csv >"$tmp/g1" 2>"$tmp/e1" ||
	fail "gemm --csv exited $?: $(cat "$tmp/e1")"
# the DESIGN columns and 27-33 first; later columns may follow
head -1 "$tmp/g1" | grep -q '^hw,model,op,q,batch,m,n,k,dtype,flops,bytes_min,bytes_hbm,oi,time_us,roofline_time_us,tflops,hbm_gbps,roofline_tflops,frac_of_roofline,bound,l2_hit_rate,tensor_util,hbm_util,waves,tile,split_k,bytes_hbm_read,bytes_hbm_write,l2_util,ctas,events,roofline_bound,clock_mhz\(,\|$\)' ||
	fail "gemm --csv header: $(head -1 "$tmp/g1")"
sed -n 2p "$tmp/g1" | awk -F, '$1 != "a100-80gb-sxm" || $6 != 1 || $7 != 16384 ||
	$8 != 16384 || $9 != "bf16" || $10 != 536870912 || $11 != 536936448 ||
	$13 != 0.9999 || $20 != "memory" { exit 1 }' ||
	fail "gemm --csv row: $(sed -n 2p "$tmp/g1")"
# the same inputs give the same bytes
"$R" gemm --hw $SXM -m 1 -n 16384 -k 16384 --csv >"$tmp/g2" 2>/dev/null
cmp -s "$tmp/g1" "$tmp/g2" || fail "gemm output differs between two runs"
# a what-if: half the HBM efficiency makes weight streaming slower
"$R" gemm --hw $SXM -m 1 -n 16384 -k 16384 --csv \
	--set hbm.efficiency=0.38 >"$tmp/g3" 2>"$tmp/e3" ||
	fail "gemm --set exited $?: $(cat "$tmp/e3")"
t1=$(sed -n 2p "$tmp/g1" | cut -d, -f14)
t3=$(sed -n 2p "$tmp/g3" | cut -d, -f14)
awk -v a="$t1" -v b="$t3" 'BEGIN { exit !(b > 1.8 * a) }' ||
	fail "--set hbm.efficiency=0.38: $t3 us not ~2x $t1 us"

# ---- gemm: bad input ---------------------------------------------------------

expect 2 "-m: expected an integer in [1, 1048576], found '0'" -- \
	"$R" gemm --hw $SXM -m 0 -n 8 -k 8
expect 2 "-n: expected an integer in [1, 1048576], found '-5'" -- \
	"$R" gemm --hw $SXM -m 8 -n -5 -k 8
expect 2 "-k: expected an integer in [1, 1048576], found 'abc'" -- \
	"$R" gemm --hw $SXM -m 8 -n 8 -k abc
expect 2 "-m: expected an integer in [1, 1048576], found '99999999'" -- \
	"$R" gemm --hw $SXM -m 99999999 -n 8 -k 8
# in range per dimension, but 8192 x 4096 = 33,554,432 CTAs of 128x256
expect 2 "33554432 CTAs, more than the 1048576 a simulation takes" -- \
	"$R" gemm --hw $SXM -m 1048576 -n 1048576 -k 1048576
expect 2 "--dtype: expected bf16, fp16 or fp8, found 'fp32'" -- \
	"$R" gemm --hw $SXM -m 8 -n 8 -k 8 --dtype fp32
expect 2 "--l2: expected cold or warm, found 'hot'" -- \
	"$R" gemm --hw $SXM -m 8 -n 8 -k 8 --l2 hot
expect 2 "--hw, -m, -n and -k are required" -- \
	"$R" gemm --hw $SXM -m 8 -n 8
expect 2 "unknown option '--bogus'" -- \
	"$R" gemm --hw $SXM -m 8 -n 8 -k 8 --bogus
expect 2 "option '--hw' needs a value" -- "$R" gemm -m 8 -n 8 -k 8 --hw
expect 2 "nope" -- "$R" gemm --hw nope -m 8 -n 8 -k 8
expect 2 'found "hbm.bandwith_gbps"' -- \
	"$R" gemm --hw $SXM -m 8 -n 8 -k 8 --set hbm.bandwith_gbps=1
expect 2 "--set hbm.bandwidth_gbps: expected a number, found 'abc'" -- \
	"$R" gemm --hw $SXM -m 8 -n 8 -k 8 --set hbm.bandwidth_gbps=abc
expect 2 "expected PATH=VALUE" -- \
	"$R" gemm --hw $SXM -m 8 -n 8 -k 8 --set hbm.bandwidth_gbps
expect 2 "hbm.bandwidth_gbps" -- \
	"$R" gemm --hw $SXM -m 8 -n 8 -k 8 --set hbm.bandwidth_gbps=-1
expect 2 "expected at most clock.boost_mhz = 1410, found 3000" -- \
	"$R" gemm --hw $SXM -m 8 -n 8 -k 8 --set clock.sustained_mhz=3000

# ---- validate: good output ---------------------------------------------------

cat >"$tmp/ok.csv" <<'CSV'
latency_ms,extra,m,n,k,dtype
0.3531,x,1,16384,16384,bf16
0.0060,y,1,1024,1024,bf16
4.2804,z,8192,8192,8192,bf16
CSV
"$R" validate --hw $SXM --measured "$tmp/ok.csv" -o "$tmp/vout" -j 2 \
	>"$tmp/v1" 2>"$tmp/ve" || fail "validate exited $?: $(cat "$tmp/ve")"
grep -q "^all  *3 " "$tmp/v1" || fail "validate summary: $(cat "$tmp/v1")"
head -1 "$tmp/vout/validation.csv" | grep -q '^m,n,k,dtype,measured_ms,predicted_ms,error_pct' ||
	fail "validation.csv header: $(head -1 "$tmp/vout/validation.csv")"
# error_pct = 100·(predicted − measured)/measured, recomputed here
awk -F, 'NR > 1 { e = 100 * ($6 - $5) / $5; d = e - $7; if (d < 0) d = -d
	if (d > 0.02) bad = 1 } END { exit bad || NR != 4 }' \
	"$tmp/vout/validation.csv" || fail "validation.csv rows: $(cat "$tmp/vout/validation.csv")"
cut -d, -f1-5 "$tmp/vout/validation.csv" | sed -n 2,4p | tr '\n' ' ' |
	grep -q '^1,16384,16384,bf16,0.353100 1,1024,1024,bf16,0.006000 8192,8192,8192,bf16,4.280400 $' ||
	fail "validation.csv order: $(cat "$tmp/vout/validation.csv")"

# ---- validate: bad input, nothing written -------------------------------------

bad() { # NAME CONTENT NEEDLE: a measured CSV that must be refused
	printf '%s\n' "$2" >"$tmp/$1.csv"
	expect 2 "$3" -- "$R" validate --hw $SXM --measured "$tmp/$1.csv" \
		-o "$tmp/never"
	[ -e "$tmp/never" ] && fail "$1: $tmp/never was created"
}
bad nolat 'm,n,k,dtype
1,8,8,bf16' "$tmp/nolat.csv:1: header has no column 'latency_ms'"
bad zero 'm,n,k,dtype,latency_ms
1,8,8,bf16,0.01
0,8,8,bf16,0.01' "$tmp/zero.csv:3: m, n, k: expected integers in [1, 1048576], found '0,8,8'"
bad word 'm,n,k,dtype,latency_ms
x,8,8,bf16,0.01' "$tmp/word.csv:2: m, n, k"
bad fp32 'm,n,k,dtype,latency_ms
1,8,8,fp32,0.01' "$tmp/fp32.csv:2: dtype: expected bf16, fp16 or fp8, found 'fp32'"
bad neglat 'm,n,k,dtype,latency_ms
1,8,8,bf16,-1' "$tmp/neglat.csv:2: latency_ms: expected a number in (0, 1e6], found '-1'"
bad nanlat 'm,n,k,dtype,latency_ms
1,8,8,bf16,nan' "$tmp/nanlat.csv:2: latency_ms: expected a number"
bad short 'm,n,k,dtype,latency_ms
1,8,8' "$tmp/short.csv:2: missing column"
bad header 'm,n,k,dtype,latency_ms' "$tmp/header.csv: no data rows"
bad huge 'm,n,k,dtype,latency_ms
1,8,8,bf16,0.01
1048576,1048576,1048576,bf16,1' "$tmp/huge.csv:3: gemm 1048576x1048576x1048576: 33554432 CTAs"
: >"$tmp/empty.csv"
expect 2 "$tmp/empty.csv: empty file" -- \
	"$R" validate --hw $SXM --measured "$tmp/empty.csv" -o "$tmp/never"
expect 2 "$tmp/missing.csv" -- \
	"$R" validate --hw $SXM --measured "$tmp/missing.csv" -o "$tmp/never"
[ -e "$tmp/never" ] && fail "$tmp/never was created"
expect 2 "-j: expected an integer in [1, 4096], found '0'" -- \
	"$R" validate --hw $SXM --measured "$tmp/ok.csv" -j 0
expect 2 "--hw and --measured are required" -- "$R" validate --hw $SXM

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
echo "all gemm/validate CLI checks passed"
