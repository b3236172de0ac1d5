#!/bin/sh
# csv_formats.sh — the measured CSVs users have validate to the same result
# as the plain file: an RFC 4180 file as pandas/Excel write it (quoted
# fields, a quoted comma, line break and "" in an extra column, CRLF, a
# byte-order mark) and a CUTLASS profiler CSV (its own columns, several
# kernels per shape of which the fastest counts, a failed kernel skipped),
# read by header (auto) and by --format cutlass-profiler. Bad files are
# refused with one line naming FILE:LINE.
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (set by make check).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
unset RIDGELINE_DATA
R=$RIDGELINE
tmp=$(mktemp -d "${TMPDIR:-/tmp}/csv_formats.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
. "$RL_TOP_SRCDIR/tests/testlib.sh"

HW=a100-80gb-sxm
# the reference: four GEMMs, latencies made up (only agreement matters here)
cat >"$tmp/plain.csv" <<'EOF'
m,n,k,dtype,latency_ms
1,4096,4096,bf16,0.0301
64,8192,8192,bf16,0.1202
512,1024,2048,fp16,0.0153
2048,2048,2048,bf16,0.0804
EOF
# the same rows as a spreadsheet exports them
printf '\357\273\277"m","n","k","dtype","latency_ms","note"\r\n' >"$tmp/quoted.csv"
printf '"1","4096","4096","bf16","0.0301","decode, batch 1"\r\n' >>"$tmp/quoted.csv"
printf '"64",8192,"8192","bf16",0.1202,"two\r\nlines"\r\n' >>"$tmp/quoted.csv"
printf '512,1024,2048,"fp16","0.0153","say ""hi"""\r\n' >>"$tmp/quoted.csv"
printf '2048,2048,2048,bf16,0.0804,\r\n' >>"$tmp/quoted.csv"
# the same shapes as cutlass_profiler --output writes them: two kernels per
# shape (the faster one is the measurement), one that failed verification
h='Problem,Provider,OperationKind,Operation,Disposition,Status,gemm_kind,m,n,k,A,B,C,alpha,beta,split_k_slices,batch_count,op_class,accum,cta_m,cta_n,cta_k,stages,Bytes,Flops,Flops/Byte,Runtime,GB/s,GFLOPs'
{
	echo "$h"
	echo '1,CUTLASS,gemm,cutlass_tensorop_bf16_s16816gemm_bf16_64x64_64x5_tn_align8,passed,success,universal,1,4096,4096,bf16:row,bf16:column,bf16:column,1,0,1,1,tensorop,f32,64,64,64,5,33570816,33554432,1,0.0402,835,835'
	echo '1,CUTLASS,gemm,cutlass_tensorop_bf16_s16816gemm_bf16_128x64_32x6_tn_align8,passed,success,universal,1,4096,4096,bf16:row,bf16:column,bf16:column,1,0,1,1,tensorop,f32,128,64,32,6,33570816,33554432,1,0.0301,1115,1115'
	echo '2,CUTLASS,gemm,cutlass_tensorop_bf16_s16816gemm_bf16_128x128_32x5_tn_align8,passed,success,universal,64,8192,8192,bf16:row,bf16:column,bf16:column,1,0,1,1,tensorop,f32,128,128,32,5,135266304,8589934592,63,0.1202,1125,71463'
	echo '2,CUTLASS,gemm,cutlass_tensorop_bf16_s16816gemm_bf16_64x64_64x5_tn_align8,failed,success,universal,64,8192,8192,bf16:row,bf16:column,bf16:column,1,0,1,1,tensorop,f32,64,64,64,5,135266304,8589934592,63,0.0001,1,1'
	echo '2,CUTLASS,gemm,cutlass_tensorop_bf16_s16816gemm_bf16_256x128_32x3_tn_align8,passed,success,universal,64,8192,8192,bf16:row,bf16:column,bf16:column,1,0,1,1,tensorop,f32,256,128,32,3,135266304,8589934592,63,0.1500,901,57266'
	echo '3,CUTLASS,gemm,cutlass_tensorop_h16816gemm_128x128_32x5_tn_align8,not_verified,success,universal,512,1024,2048,f16:row,f16:column,f16:column,1,0,1,1,tensorop,f32,128,128,32,5,7340032,2147483648,292,0.0153,479,140356'
	echo '4,CUTLASS,gemm,cutlass_tensorop_bf16_s16816gemm_bf16_128x256_32x3_tn_align8,passed,success,universal,2048,2048,2048,bf16:row,bf16:column,bf16:column,1,0,1,1,tensorop,f32,128,256,32,3,25165824,17179869184,682,0.0804,313,213680'
	echo '4,CUTLASS,gemm,cutlass_tensorop_bf16_s16816gemm_bf16_64x64_64x5_tn_align8,passed,error,universal,2048,2048,2048,bf16:row,bf16:column,bf16:column,1,0,1,1,tensorop,f32,64,64,64,5,25165824,17179869184,682,0.0002,1,1'
} >"$tmp/cutlass.csv"

val() { # NAME ARGS...: validate into $tmp/NAME, keep stdout
	name=$1
	shift
	"$R" validate --hw $HW -j 2 -o "$tmp/$name" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" ||
		fail "validate $*: exit $?: $(cat "$tmp/$name.err")"
}
val plain --measured "$tmp/plain.csv" --protocol warm
val quoted --measured "$tmp/quoted.csv" --protocol warm
val cutlass --measured "$tmp/cutlass.csv"
val cutlass-f --measured "$tmp/cutlass.csv" --format cutlass-profiler
[ "$(wc -l <"$tmp/plain/validation.csv")" -eq 5 ] || fail "plain: expected 4 rows in validation.csv"
for f in quoted cutlass cutlass-f; do
	cmp -s "$tmp/plain/validation.csv" "$tmp/$f/validation.csv" ||
		fail "$f: validation.csv differs from the plain file's: $(diff "$tmp/plain/validation.csv" "$tmp/$f/validation.csv" | head -n 4 | tr '\n' ' ')"
	# the summary table (not the first line, which names the file)
	tail -n +2 "$tmp/plain.out" | grep -v "$tmp" >"$tmp/a"
	tail -n +2 "$tmp/$f.out" | grep -v "$tmp" >"$tmp/b"
	cmp -s "$tmp/a" "$tmp/b" || fail "$f: the summary differs from the plain file's: $(diff "$tmp/a" "$tmp/b" | head -n 4 | tr "\n" " ")"
done
grep -q "4 GEMMs" "$tmp/cutlass.out" || fail "cutlass: expected 4 GEMMs (one per shape): $(head -n 1 "$tmp/cutlass.out")"

# refused: one line, FILE:LINE
expect 2 "$tmp/open.csv:3:" -- sh -c "printf 'm,n,k,dtype,latency_ms\n1,2,3,bf16,1\n\"4,5,6,bf16,1\n' >'$tmp/open.csv'; '$R' validate --hw $HW --measured '$tmp/open.csv'"
sed '2s/bf16:column,bf16:column,1,0/f32:column,bf16:column,1,0/' "$tmp/cutlass.csv" >"$tmp/mixed.csv"
expect 2 "$tmp/mixed.csv:2: A, B" "f32" -- "$R" validate --hw $HW --measured "$tmp/mixed.csv"
expect 2 "--format" "cutlass-profiler" -- "$R" validate --hw $HW --measured "$tmp/plain.csv" --format excel
expect 2 "$tmp/plain.csv:1: header has no column 'A'" -- "$R" validate --hw $HW --measured "$tmp/plain.csv" --format cutlass-profiler

[ "$fails" -eq 0 ] && echo "csv_formats: quoted/CRLF/BOM and CUTLASS profiler CSVs validate as the plain file does"
[ "$fails" -eq 0 ]
