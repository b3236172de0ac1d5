#!/bin/sh
# run_mpi.sh — ridgeline-mpi (./configure --with-mpi) under `mpirun -np 3`
# on this machine (loopback only):
#   * results.csv/results.json byte-identical to a local `ridgeline run`;
#   * resume: a journal cut short (as by a crash) is completed by a rerun
#     under MPI, with the same bytes and every point journaled once;
#   * bad input: a non-zero exit, the one-line message from rank 0, and no
#     output directory.
#
# Needs $RIDGELINE, $RIDGELINE_MPI, $RL_TOP_SRCDIR and $MPIRUN (set by make
# check when configured --with-mpi); Debian packages openmpi-bin and
# libopenmpi-dev.
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
RIDGELINE_MPI=${RIDGELINE_MPI:-}
MPIRUN=${MPIRUN:-mpirun}
unset RIDGELINE_DATA

[ -x "$RIDGELINE_MPI" ] || { echo "SKIP: ridgeline-mpi not built (./configure --with-mpi)"; exit 77; }
command -v "$MPIRUN" >/dev/null 2>&1 || { echo "SKIP: $MPIRUN not found (apt-get install openmpi-bin)"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/run_mpi.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# Three ranks on however many cores there are; shared memory and loopback
# only; root only where the test runs as root (containers, CI).
# Under --enable-sanitizers, LeakSanitizer would report Open MPI's own
# allocations (MCA components unloaded at MPI_Finalize): leak checking stays
# on for ridgeline itself in the other tests, off for the MPI ranks here.
mpi() {
	asroot=
	[ "$(id -u)" -eq 0 ] && asroot=--allow-run-as-root
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo \
	OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_vader_single_copy_mechanism=none \
	OMPI_MCA_rmaps_base_oversubscribe=1 \
		"$MPIRUN" $asroot --oversubscribe -np 3 "$RIDGELINE_MPI" "$@"
}

# 3 q × 3 batch × 3 ops × 2 derived specs = 54 points
cat >"$tmp/exp.json" <<'EOF'
{
  "name": "mpi-test",
  "hardware": ["a100-80gb-pcie"],
  "model": "llama-33b",
  "workload": {"q": [1, 16, 112], "batch": [1, 8, 64]},
  "options": {"dtype": "fp16", "l2": "cold"},
  "sweep": {"hbm.bandwidth_gbps": [1935, 3000]}
}
EOF
npoints=54

"$RIDGELINE" run "$tmp/exp.json" -o "$tmp/local" -j 2 --no-plot >/dev/null 2>"$tmp/err" ||
	{ echo "FAIL: local run: $(cat "$tmp/err")"; exit 1; }

mpi "$tmp/exp.json" -o "$tmp/mpi" --no-plot >"$tmp/out" 2>"$tmp/err" ||
	{ echo "FAIL: mpirun -np 3 ridgeline-mpi exited $?: $(cat "$tmp/err")"; exit 1; }
for f in results.csv results.json; do
	cmp -s "$tmp/local/$f" "$tmp/mpi/$f" || fail "$f from 3 MPI ranks differs from the local run"
done
[ "$(wc -l <"$tmp/mpi/journal.jsonl")" -eq $((npoints + 1)) ] || fail "journal: expected $npoints records"
grep -q 'wrote:' "$tmp/out" || fail "rank 0 printed no table/summary"

# resume: keep the header and 20 records, plus half a record (a crash)
head -21 "$tmp/mpi/journal.jsonl" >"$tmp/j"
sed -n 22p "$tmp/mpi/journal.jsonl" | head -c 60 >>"$tmp/j"
mv "$tmp/j" "$tmp/mpi/journal.jsonl"
rm "$tmp/mpi/results.csv" "$tmp/mpi/results.json"
mpi "$tmp/exp.json" -o "$tmp/mpi" --no-plot >/dev/null 2>"$tmp/err" || fail "MPI resume: $(cat "$tmp/err")"
for f in results.csv results.json; do
	cmp -s "$tmp/local/$f" "$tmp/mpi/$f" || fail "$f after an MPI resume differs from the local run"
done
[ "$(wc -l <"$tmp/mpi/journal.jsonl")" -eq $((npoints + 1)) ] ||
	fail "journal after resume: $(($(wc -l <"$tmp/mpi/journal.jsonl") - 1)) records, expected $npoints"

# a local rerun on the MPI directory resumes from the same journal
"$RIDGELINE" run "$tmp/exp.json" -o "$tmp/mpi" --no-plot >/dev/null 2>"$tmp/err" || fail "local rerun on the MPI DIR: $(cat "$tmp/err")"
cmp -s "$tmp/local/results.csv" "$tmp/mpi/results.csv" || fail "local rerun on the MPI DIR changed results.csv"

# bad input: rank 0 says why, everyone stops, nothing is written
sed 's/"q": \[1,/"q": [0,/' "$tmp/exp.json" >"$tmp/bad.json"
mpi "$tmp/bad.json" -o "$tmp/bad" >/dev/null 2>"$tmp/err"
st=$?
[ "$st" -eq 2 ] || fail "bad experiment under MPI: exit status $st, expected 2"
grep -q '\$\.workload\.q\[0\]' "$tmp/err" || fail "bad experiment under MPI: no message naming \$.workload.q[0]: $(cat "$tmp/err")"
[ "$(grep -c 'ridgeline-mpi:' "$tmp/err")" -eq 1 ] || fail "bad experiment: expected the message once (rank 0 only)"
[ ! -e "$tmp/bad" ] || fail "bad experiment under MPI created the output directory"

echo "run_mpi: $fails failures"
[ "$fails" -eq 0 ]
