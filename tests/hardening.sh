#!/bin/sh
# hardening.sh — the reproducers of issue 16 (items 2–12), each one the
# smallest input or situation that showed the defect, with what must happen
# instead:
#   * planted symlinks in -o DIR are never written through (run, validate);
#   * a stale-file clean-up leaves files ridgeline cannot prove it made;
#   * a lock on -o DIR: a second run on a busy DIR refuses with one line;
#   * a sweep of 8 million variants is refused before any spec is built;
#   * the journal: every record checksummed and range-checked, a corrupt or
#     edited record is dropped and recomputed (results identical to a fresh
#     run), a NUL header, a directory or a link named journal.jsonl refused
#     with one line;
#   * messages are one printable line: control bytes in keys escaped,
#     invalid UTF-8 and \u0000 refused, a non-JSON file never echoed;
#   * measured CSVs: a NUL byte is FILE:LINE, a duplicate column refused, a
#     UTF-8 byte-order mark accepted;
#   * validate -o: a nested DIR is created, and a bad one refused, before
#     anything is simulated; -o FILE exits as run does.
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (set by make check).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
unset RIDGELINE_DATA

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hardening.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
. "$RL_TOP_SRCDIR/tests/testlib.sh"

HW="$RL_TOP_SRCDIR/hw/a100-80gb-pcie.json"
CSV="$tmp/measured.csv"
printf 'm,n,k,dtype,latency_ms\n64,4096,4096,bf16,0.05\n128,4096,4096,bf16,0.06\n1,1024,1024,bf16,0.01\n' >"$CSV"

# A small experiment: 2 q × 2 batch × 3 ops = 12 points, about a second.
cat >"$tmp/exp.json" <<'EOF'
{"name": "hardening", "hardware": "a100-80gb-pcie", "model": "llama-33b",
 "workload": {"q": [1, 16], "batch": [1, 4]}, "options": {"dtype": "fp16"}}
EOF
run() { "$RIDGELINE" run "$tmp/exp.json" -j 2 --no-plot "$@"; }

# one_printable_line FILE WHAT: FILE is one line of printable text (tabs
# and UTF-8 allowed, no other control byte, no DEL).
one_printable_line() {
	[ "$(wc -l <"$1")" -eq 1 ] || fail "$2: expected one line on stderr, got: $(cat -v "$1")"
	if LC_ALL=C tr -d '\n' <"$1" | LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')"; then
		fail "$2: control bytes on stderr: $(cat -v "$1")"
	fi
}

# ---- 2. planted symlinks ----------------------------------------------------
echo "victim" >"$tmp/victim"
mkdir "$tmp/links"
# links at every name the old scheme (.NAME.tmp.PID) would pick for the
# process about to run (sh -c ... exec keeps the pid), and at a final name
plant() { # DIR PREFIX SUFFIX CMD...: links DIR/PREFIX<name>SUFFIX.$$ -> victim, then exec CMD
	sh -c 'd=$1 pre=$2 suf=$3 v=$4; shift 4
		for name in results.csv results.json journal.jsonl validation.csv; do
			ln -s "$v" "$d/$pre$name$suf.$$"
		done
		exec "$@"' plant "$@"
}
ln -s "$tmp/victim" "$tmp/links/results.csv"
plant "$tmp/links" . .tmp "$tmp/victim" "$RIDGELINE" run "$tmp/exp.json" -j 2 --no-plot -o "$tmp/links" >/dev/null 2>"$tmp/err" ||
	fail "run into a directory with planted links: $(cat "$tmp/err")"
[ "$(cat "$tmp/victim")" = victim ] || fail "run wrote through a planted link: victim now $(head -c 60 "$tmp/victim")"
for f in results.csv results.json journal.jsonl; do
	[ -f "$tmp/links/$f" ] && [ ! -L "$tmp/links/$f" ] || fail "$f is not a regular file after the run"
done
# a link at journal.jsonl itself is refused, not followed
mkdir "$tmp/jlink"
ln -s "$tmp/victim" "$tmp/jlink/journal.jsonl"
expect 1 -- run -o "$tmp/jlink"
grep -q 'link' "$tmp/err" || fail "journal.jsonl as a link: expected a message about the link, got: $(cat "$tmp/err")"
[ "$(cat "$tmp/victim")" = victim ] || fail "run appended through journal.jsonl -> victim"

# validate: same for DIR/validation.csv's temporary name
mkdir "$tmp/vlinks"
plant "$tmp/vlinks" "" .tmp "$tmp/victim" "$RIDGELINE" validate --hw "$HW" --measured "$CSV" -o "$tmp/vlinks" -j 1 >/dev/null 2>"$tmp/err" ||
	fail "validate into a directory with planted links: $(cat "$tmp/err")"
[ "$(cat "$tmp/victim")" = victim ] || fail "validate wrote through a planted link"
[ -f "$tmp/vlinks/validation.csv" ] && [ ! -L "$tmp/vlinks/validation.csv" ] ||
	fail "validation.csv is not a regular file"

# ---- 9. stale clean-up only of what ridgeline can prove it made -------------
mkdir "$tmp/stale"
echo other >"$tmp/stale/.notes.tmp.999999999"
echo other >"$tmp/stale/.results.csv.tmp.999999999"
run -o "$tmp/stale" >/dev/null 2>&1 || fail "run with foreign temporaries in DIR"
[ -f "$tmp/stale/.notes.tmp.999999999" ] || fail "run deleted another program's .notes.tmp.999999999"
[ -f "$tmp/stale/.results.csv.tmp.999999999" ] || fail "run deleted .results.csv.tmp.999999999, which it cannot prove it made"

# ---- 10. one run per output directory ---------------------------------------
if command -v flock >/dev/null 2>&1; then
	mkdir "$tmp/busy"
	# another ridgeline holds DIR (its lock file is DIR/.ridgeline.lock)
	# (-o: the lock stays with flock itself, so killing it frees DIR)
	flock -o "$tmp/busy/.ridgeline.lock" sleep 30 >/dev/null 2>&1 &
	holder=$!
	i=0
	while [ ! -e "$tmp/busy/.ridgeline.lock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 0.2
	run -o "$tmp/busy" >"$tmp/out" 2>"$tmp/err"
	st=$?
	[ "$st" -eq 1 ] || fail "run on a locked DIR: exit $st, expected 1"
	one_printable_line "$tmp/err" "run on a locked DIR"
	grep -q 'another ridgeline' "$tmp/err" || fail "run on a locked DIR: $(cat "$tmp/err")"
	[ ! -e "$tmp/busy/journal.jsonl" ] || fail "run on a locked DIR wrote a journal"
	run -o "$tmp/busy" --fresh >/dev/null 2>&1 && fail "--fresh on a locked DIR ran"
	if [ -n "${RIDGELINE_MPI:-}" ] && [ -x "${RIDGELINE_MPI:-}" ] && command -v "${MPIRUN:-mpirun}" >/dev/null 2>&1; then
		asroot=
		[ "$(id -u)" -eq 0 ] && asroot=--allow-run-as-root
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo \
		OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_vader_single_copy_mechanism=none \
			"${MPIRUN:-mpirun}" $asroot --oversubscribe -np 2 "$RIDGELINE_MPI" \
			"$tmp/exp.json" -o "$tmp/busy" --no-plot >/dev/null 2>"$tmp/err" &&
			fail "ridgeline-mpi on a locked DIR ran"
		grep -q 'another ridgeline' "$tmp/err" || fail "ridgeline-mpi on a locked DIR: $(cat "$tmp/err")"
	fi
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	run -o "$tmp/busy" >/dev/null 2>"$tmp/err" || fail "run after the lock was released: $(cat "$tmp/err")"
fi

# ---- 3. sweep sizes are checked before any spec is built --------------------
vals=$(seq -s, 1001 1200)
smv=$(seq -s, 1 200)
clk=$(seq -s, 801 1000)
cat >"$tmp/bomb.json" <<EOF
{"name": "bomb", "hardware": "a100-80gb-pcie", "model": "llama-33b",
 "workload": {"q": [1], "batch": [1]},
 "sweep": {"hbm.bandwidth_gbps": [$vals], "sm.count": [$smv], "clock.sustained_mhz": [$clk]}}
EOF
start=$(date +%s)
expect 2 '8000000' -- timeout 60 "$RIDGELINE" run "$tmp/bomb.json" -o "$tmp/bomb" --no-plot
[ $(( $(date +%s) - start )) -lt 20 ] || fail "the 8M-variant sweep took more than 20 s to refuse"
[ ! -e "$tmp/bomb" ] || fail "the 8M-variant sweep created its output directory"

# ---- 4, 11. the journal -----------------------------------------------------
run -o "$tmp/ref" >/dev/null 2>&1 || fail "reference run"
# (a) an absurd split_k: dropped, recomputed, results unchanged
cp -r "$tmp/ref" "$tmp/j1"
sed '2s/"split_k":[0-9]*/"split_k":1e12/' "$tmp/ref/journal.jsonl" >"$tmp/j1/journal.jsonl"
cmp -s "$tmp/ref/journal.jsonl" "$tmp/j1/journal.jsonl" && fail "split_k edit changed nothing"
run -o "$tmp/j1" >/dev/null 2>"$tmp/err" || fail "journal with split_k 1e12: $(cat "$tmp/err")"
cmp -s "$tmp/ref/results.csv" "$tmp/j1/results.csv" || fail "journal with split_k 1e12: results.csv differs from a clean run"
grep -q 'journal.jsonl:2:' "$tmp/err" || fail "journal with split_k 1e12: no line naming journal.jsonl:2 on stderr: $(cat "$tmp/err")"
# (b) an edited time_us: the checksum catches it
cp -r "$tmp/ref" "$tmp/j2"
sed '3s/"time_us":[0-9]/"time_us":9/' "$tmp/ref/journal.jsonl" >"$tmp/j2/journal.jsonl"
cmp -s "$tmp/ref/journal.jsonl" "$tmp/j2/journal.jsonl" && fail "time_us edit changed nothing"
run -o "$tmp/j2" >/dev/null 2>"$tmp/err" || fail "journal with an edited time_us: $(cat "$tmp/err")"
cmp -s "$tmp/ref/results.csv" "$tmp/j2/results.csv" || fail "an edited time_us flowed into results.csv"
grep -q 'journal.jsonl:3:' "$tmp/err" || fail "edited time_us: no stderr line naming journal.jsonl:3: $(cat "$tmp/err")"
# (c) a garbage line in the middle: the good records are kept
cp -r "$tmp/ref" "$tmp/j3"
sed '5s/.*/{"key": garbage/' "$tmp/ref/journal.jsonl" >"$tmp/j3/journal.jsonl"
run -o "$tmp/j3" >"$tmp/out" 2>"$tmp/err" || fail "journal with a corrupt middle line: exit $?: $(cat "$tmp/err")"
cmp -s "$tmp/ref/results.csv" "$tmp/j3/results.csv" || fail "corrupt middle line: results.csv differs"
grep -q 'journal.jsonl:5:' "$tmp/err" || fail "corrupt middle line: no stderr line naming journal.jsonl:5: $(cat "$tmp/err")"
# exactly one point was simulated again, and the broken line is gone:
# 11 kept + 1 recomputed records; a rerun trusts them all, silently
[ "$(grep -c '"sum"' "$tmp/j3/journal.jsonl")" -eq 12 ] && ! grep -q garbage "$tmp/j3/journal.jsonl" ||
	fail "corrupt middle line: expected 12 whole records, found: $(cut -c1-40 "$tmp/j3/journal.jsonl")"
run -o "$tmp/j3" >/dev/null 2>"$tmp/err" || fail "rerun after a dropped record: $(cat "$tmp/err")"
[ ! -s "$tmp/err" ] || fail "rerun after a dropped record: $(cat "$tmp/err")"
# (d) a journal whose first byte is NUL: refused with one line, not replaced
cp -r "$tmp/ref" "$tmp/j4"
{ printf '\000'; tail -c +2 "$tmp/ref/journal.jsonl"; } >"$tmp/j4/journal.jsonl"
expect 2 'journal.jsonl' '--fresh' -- run -o "$tmp/j4"
one_printable_line "$tmp/err" "journal with a NUL first byte"
[ "$(head -c 1 "$tmp/j4/journal.jsonl" | od -An -tu1 | tr -d ' ')" = 0 ] || fail "journal with a NUL first byte was replaced"
# (e) a directory named journal.jsonl
mkdir -p "$tmp/j5/journal.jsonl"
run -o "$tmp/j5" >/dev/null 2>"$tmp/err"
st=$?
[ "$st" -eq 1 ] || fail "directory named journal.jsonl: exit $st, expected 1"
one_printable_line "$tmp/err" "directory named journal.jsonl"
grep -q 'directory' "$tmp/err" || fail "directory named journal.jsonl: $(cat "$tmp/err")"
grep -q 'Input/output error' "$tmp/err" && fail "directory named journal.jsonl: $(cat "$tmp/err")"

# (f) the same damage under valgrind, where it is installed: ASan does not
# see into libcjson, and a checksum refusal once read a freed cJSON node
if command -v valgrind >/dev/null 2>&1 && [ -z "${RL_SANITIZED:-}" ]; then
	cp -r "$tmp/ref" "$tmp/j6"
	sed -e '2s/"split_k":[0-9]*/"split_k":1e12/' -e '3s/"time_us":[0-9]/"time_us":9/' \
		-e '5s/.*/{"key": garbage/' -e '6s/,"sum":"[0-9a-f]*"//' "$tmp/ref/journal.jsonl" >"$tmp/j6/journal.jsonl"
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		"$RIDGELINE" run "$tmp/exp.json" -j 2 --no-plot -o "$tmp/j6" >/dev/null 2>"$tmp/err"
	st=$?
	[ "$st" -eq 0 ] || fail "valgrind on a resume with damaged records: exit $st: $(grep -v '^ridgeline: ' "$tmp/err" | head -5)"
	cmp -s "$tmp/ref/results.csv" "$tmp/j6/results.csv" || fail "damaged records under valgrind: results.csv differs"
	[ "$(grep -c 'dropped a corrupt journal record' "$tmp/err")" -eq 4 ] ||
		fail "damaged records: expected 4 dropped, got: $(cat "$tmp/err")"
fi

# ---- 5, 6, 12. messages ------------------------------------------------------
# a key holding a newline and an ANSI clear-screen escape
printf '{"name": "x", "hardware": "a100-80gb-pcie", "model": "llama-33b", "workload": {"q": [1], "batch": [1]}, "a\\nb\\u001b[2J": 1}\n' >"$tmp/key.json"
"$RIDGELINE" run "$tmp/key.json" -o "$tmp/none" >/dev/null 2>"$tmp/err"
one_printable_line "$tmp/err" "unknown key with control bytes"
printf '{"name": "x", "name": "y", "hardware": "a100-80gb-pcie", "model": "llama-33b", "workload": {"q": [1], "batch": [1]}}\n' >"$tmp/dup.json"
"$RIDGELINE" run "$tmp/dup.json" -o "$tmp/none" >/dev/null 2>"$tmp/err"
one_printable_line "$tmp/err" "duplicate key"
grep -q 'once' "$tmp/err" || fail "duplicate key: $(cat "$tmp/err")"
# invalid UTF-8 in a string, and \u0000
printf '{"name": "x", "description": "caf\351", "hardware": "a100-80gb-pcie", "model": "llama-33b", "workload": {"q": [1], "batch": [1]}}\n' >"$tmp/latin1.json"
expect 2 'UTF-8' -- "$RIDGELINE" run "$tmp/latin1.json" -o "$tmp/none"
one_printable_line "$tmp/err" "invalid UTF-8"
printf '{"name": "x", "description": "a\\u0000b", "hardware": "a100-80gb-pcie", "model": "llama-33b", "workload": {"q": [1], "batch": [1]}}\n' >"$tmp/nul.json"
expect 2 'u0000' -- "$RIDGELINE" run "$tmp/nul.json" -o "$tmp/none"
# a file that is not JSON is never echoed
printf 'root:x:0:0:root:/root:/bin/bash\nSECRET=hunter2\n' >"$tmp/passwd"
sed "s|\"a100-80gb-pcie\"|\"$tmp/passwd\"|" "$tmp/exp.json" >"$tmp/pw.json"
expect 2 'not a JSON file' -- "$RIDGELINE" run "$tmp/pw.json" -o "$tmp/none"
grep -q 'root:x' "$tmp/err" && fail "the contents of a non-JSON file were echoed: $(cat "$tmp/err")"
expect 2 'not a JSON file' -- "$RIDGELINE" hw show "$tmp/passwd"
grep -q 'root:x' "$tmp/err" && fail "hw show echoed a non-JSON file: $(cat "$tmp/err")"
printf 'A=1\000SECRET=hunter2\000' >"$tmp/environ"
expect 2 -- "$RIDGELINE" hw show "$tmp/environ"
grep -q 'SECRET' "$tmp/err" && fail "hw show echoed an environ-like file: $(cat "$tmp/err")"
one_printable_line "$tmp/err" "environ-like file"
# grammar of "expected a/an ... file"
printf '[1, 2]\n' >"$tmp/array.json"
"$RIDGELINE" run "$tmp/array.json" -o "$tmp/none" >/dev/null 2>"$tmp/err"
grep -q 'a experiment' "$tmp/err" && fail "grammar: $(cat "$tmp/err")"

# ---- 7, 12. measured CSVs ----------------------------------------------------
# a NUL byte in line 3
{ printf 'm,n,k,dtype,latency_ms\n64,4096,4096,bf16,0.05\n128,40\000'; printf '96,4096,bf16,0.06\n1,1024,1024,bf16,0.01\n'; } >"$tmp/nul.csv"
expect 2 "$tmp/nul.csv:3" 'NUL' -- "$RIDGELINE" validate --hw "$HW" --measured "$tmp/nul.csv" -j 1
# a field holding control bytes is escaped in the message (found by
# tests/fuzz/fuzz_measured_csv)
printf 'm,n,k,dtype,latency_ms\n64,4096,4096,bf16,0.0\033[2J5\r\n' >"$tmp/esc.csv"
expect 2 "$tmp/esc.csv:2" 'latency_ms' '\u001B[2J' -- "$RIDGELINE" validate --hw "$HW" --measured "$tmp/esc.csv" -j 1
one_printable_line "$tmp/err" "CSV field with an escape"
# a duplicate column
printf 'm,n,k,dtype,latency_ms,m\n64,4096,4096,bf16,0.05,1\n' >"$tmp/dupcol.csv"
expect 2 "$tmp/dupcol.csv:1" "'m'" -- "$RIDGELINE" validate --hw "$HW" --measured "$tmp/dupcol.csv" -j 1
# a UTF-8 byte-order mark before the header
{ printf '\357\273\277'; cat "$CSV"; } >"$tmp/bom.csv"
expect 0 '3 GEMMs' -- "$RIDGELINE" validate --hw "$HW" --measured "$tmp/bom.csv" -j 1

# ---- 8, 12. validate -o ------------------------------------------------------
expect 0 'validation.csv' -- "$RIDGELINE" validate --hw "$HW" --measured "$CSV" -o "$tmp/a/b/c" -j 1
[ -f "$tmp/a/b/c/validation.csv" ] || fail "validate -o a/b/c wrote no validation.csv"
echo file >"$tmp/plain"
"$RIDGELINE" validate --hw "$HW" --measured "$CSV" -o "$tmp/plain" -j 1 >"$tmp/out" 2>"$tmp/vst"
vst=$?
run -o "$tmp/plain" >/dev/null 2>&1
rst=$?
[ "$vst" -eq "$rst" ] || fail "-o FILE: validate exits $vst, run exits $rst"
"$RIDGELINE" validate --hw "$HW" --measured "$CSV" -o "$tmp/plain/sub" -j 1 >"$tmp/out" 2>"$tmp/err"
[ $? -ne 0 ] || fail "validate -o FILE/sub succeeded"
[ ! -s "$tmp/out" ] || fail "validate -o FILE/sub simulated before finding out DIR cannot be made: $(cat "$tmp/out")"
one_printable_line "$tmp/err" "validate -o FILE/sub"

[ "$fails" -eq 0 ] || { echo "hardening: $fails failure(s)"; exit 1; }
echo "hardening: all cases passed"
