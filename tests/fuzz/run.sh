#!/bin/sh
# run.sh — run ridgeline's libFuzzer targets (./configure --enable-fuzzing;
# `make fuzz` calls this) for SECONDS each, one after the other:
#
#   tests/fuzz/run.sh BUILD_DIR SRC_DIR SECONDS [TARGET...]
#
# Each target starts from its seeds (shipped files; tests/fuzz/seeds) and
# its dictionary, and keeps its growing corpus in BUILD_DIR/fuzz/corpus/T,
# so later runs start where earlier ones stopped. A crash, a sanitizer
# report, a property failure (tests/fuzz/fuzz.h) or a timeout is saved as
# BUILD_DIR/fuzz/artifacts/T-*, and the script exits 1. One summary line
# per target (executions, rate, coverage, corpus) goes to stdout and to
# BUILD_DIR/fuzz/summary.txt. $RL_SHARED (make passes it) adds the head of
# the measured GEMM CSVs to the CSV seeds when present.
set -u
build=$(cd "${1:?usage: run.sh BUILD_DIR SRC_DIR SECONDS [TARGET...]}" && pwd) || exit 2
src=$(cd "${2:?}" && pwd) || exit 2
secs=${3:?}
shift 3
targets=${*:-fuzz_hw_spec fuzz_model_spec fuzz_experiment fuzz_measured_csv fuzz_set fuzz_journal}
fz="$src/tests/fuzz"
out="$build/fuzz"
mkdir -p "$out/corpus" "$out/seeds" "$out/artifacts" "$out/logs"
# the CSV and journal targets write a file per input, and the journal
# fsyncs: on tmpfs that costs nothing (about 40x the executions)
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi
: >"$out/summary.txt"
status=0

for t in $targets; do
	bin="$build/tests/fuzz/$t"
	[ -x "$bin" ] || { echo "run.sh: $bin not built (./configure --enable-fuzzing; make)" >&2; exit 2; }
	seeds="$out/seeds/$t"
	rm -rf "$seeds"
	mkdir -p "$seeds" "$out/corpus/$t"
	case $t in
	fuzz_hw_spec) cp "$src"/hw/*.json "$seeds/"; dict=json.dict ;;
	fuzz_model_spec) cp "$src"/models/*.json "$seeds/"; dict=json.dict ;;
	fuzz_experiment) cp "$src"/experiments/*.json "$seeds/"; dict=json.dict ;;
	fuzz_measured_csv)
		cp "$fz"/seeds/*.csv "$seeds/"
		for f in "${RL_SHARED:-$src/../shared}"/data/*gemm*.csv; do
			[ -f "$f" ] && head -n 200 "$f" >"$seeds/head-$(basename "$f")"
		done
		dict=csv.dict ;;
	fuzz_set) cp "$fz"/seeds/*.set "$seeds/"; dict=set.dict ;;
	fuzz_journal) cp "$fz"/seeds/*.jsonl "$seeds/"; dict=journal.dict ;;
	*) echo "run.sh: unknown target $t" >&2; exit 2 ;;
	esac
	log="$out/logs/$t.log"
	# -timeout: one input taking 30 s is a finding (a hang), not a slow case
	(cd "$out" && ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1" \
		"$bin" "corpus/$t" "seeds/$t" -dict="$fz/$dict" \
		-max_total_time="$secs" -timeout=30 -rss_limit_mb=3072 \
		-max_len=16384 -print_final_stats=1 \
		-artifact_prefix="artifacts/$t-" >"$log" 2>&1)
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p')
	if [ "$rc" -eq 0 ]; then
		verdict="nothing found"
	else
		verdict="FOUND something (exit $rc): $(ls "$out/artifacts" | grep "^$t-" | tr '\n' ' ')see $log"
		status=1
	fi
	line=$(printf '%-18s %4s s  %10s runs  %7s/s  %s  %s' "$t" "$secs" "${runs:-?}" "${rate:-?}" "${cov:-cov ?}" "$verdict")
	echo "$line"
	echo "$line" >>"$out/summary.txt"
done
exit $status
