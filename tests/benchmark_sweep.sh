#!/bin/sh
# benchmark_sweep.sh — throughput of `ridgeline run` on a 1,008-point hardware
# sweep over the reference grid (experiments/whatif-a100-pcie.json: 168
# GEMMs × 3 HBM bandwidths × 2 SM counts), journal and results included,
# figures excluded (--no-plot): points per second on 1 and 2 threads and,
# when ridgeline-mpi is built, on 2 MPI ranks (rank 0 simulates on one
# thread beside handing out points). Each configuration runs
# BENCH_REPEAT times (default 3); the best time is reported.
#
#   tests/benchmark_sweep.sh [BUILD_DIR]      (make bench runs it)
set -u
build=${1:-.}
src=$(cd "$(dirname "$0")/.." && pwd)
exp="$src/experiments/whatif-a100-pcie.json"
repeat=${BENCH_REPEAT:-3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/benchmark_sweep.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

# best wall time of $repeat runs of "$@" (a fresh journal each time)
best() {
	b=
	i=0
	while [ "$i" -lt "$repeat" ]; do
		rm -rf "$tmp/out"
		t0=$(now)
		"$@" >/dev/null 2>"$tmp/err" || { echo "benchmark_sweep: failed: $*: $(cat "$tmp/err")" >&2; exit 1; }
		t1=$(now)
		b=$(awk -v a="$t0" -v z="$t1" -v b="$b" 'BEGIN { t = z - a; print (b == "" || t < b) ? t : b }')
		i=$((i + 1))
	done
	echo "$b"
}

npoints=$("$build/ridgeline" run "$exp" -o "$tmp/count" -j 1 --no-plot 2>/dev/null | grep -c '^\(up\|gate\|down\) ')
t1=$(best "$build/ridgeline" run "$exp" -o "$tmp/out" -j 1 --no-plot)
t2=$(best "$build/ridgeline" run "$exp" -o "$tmp/out" -j 2 --no-plot)
printf 'benchmark_sweep: %d points (%s), best of %d, %d cores online\n' \
	"$npoints" "$(basename "$exp")" "$repeat" "$(nproc)"
printf '  %-22s %8s %10s %8s\n' configuration "time s" "points/s" speed-up
row() { awk -v n="$npoints" -v t="$2" -v t1="$t1" -v c="$1" \
	'BEGIN { printf "  %-22s %8.2f %10.1f %8.2f\n", c, t, n / t, t1 / t }'; }
row "1 thread (-j 1)" "$t1"
row "2 threads (-j 2)" "$t2"
if [ -x "$build/ridgeline-mpi" ] && command -v mpirun >/dev/null 2>&1; then
	asroot=
	[ "$(id -u)" -eq 0 ] && asroot=--allow-run-as-root
	export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo \
		OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_vader_single_copy_mechanism=none
	tm=$(best mpirun $asroot --oversubscribe -np 2 "$build/ridgeline-mpi" "$exp" -o "$tmp/out" --no-plot)
	row "MPI, 2 ranks" "$tm"
	# the MPI output must equal the local one
	"$build/ridgeline" run "$exp" -o "$tmp/local" -j 2 --no-plot >/dev/null 2>&1
	cmp -s "$tmp/local/results.csv" "$tmp/out/results.csv" ||
		echo "benchmark_sweep: MPI results differ from the local run" >&2
fi
