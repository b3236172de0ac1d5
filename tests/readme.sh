#!/bin/sh
# readme.sh — every ```sh block of README.md runs as written, in order, from
# the top of a checkout whose build is in build/ (README's own set-up), so a
# command the README shows cannot drift from the program.
#
# The scratch checkout is $tmp/top: links to the source tree's entries, build/
# linked to this build, a real results/ and out/. $RL_SHARED_DIR is exported
# as README says. A block is not run when
#   * the line before its fence is <!-- readme.sh: skip (REASON) --> (the
#     blocks that install packages or run this very test suite), or
#   * it uses ridgeline-mpi and the build has none (./configure --with-mpi),
#     or it reads $RL_SHARED_DIR/data and the measured data is not there;
# each skip is printed with its reason. At least 3 blocks must run (the
# ones that need neither MPI nor the measured data).
# Under --enable-sanitizers (RL_SANITIZED=1) the test skips: it is an
# interface check, already run in the plain build, and slow there.
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (set by make check); $RL_SHARED.
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
[ "${RL_SANITIZED:-0}" = 1 ] && { echo "SKIP: README blocks are checked in the plain build"; exit 77; }
# make coverage (RL_COVERAGE=1): README's embedding block links the
# instrumented static library without --coverage, as a user would not
[ "${RL_COVERAGE:-0}" = 1 ] && { echo "SKIP: README blocks are checked in the plain build, not under make coverage"; exit 77; }
command -v bash >/dev/null 2>&1 || { echo "SKIP: bash not found"; exit 77; }
unset RIDGELINE_DATA
readme="$RL_TOP_SRCDIR/README.md"
builddir=$(cd "$(dirname "$RIDGELINE")" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/readme.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0

# The blocks, one file each: $tmp/block-N.sh, $tmp/block-N.skip (a reason)
# and $tmp/block-N.line (README line of the fence).
awk -v dir="$tmp" '
/^<!-- readme\.sh: skip/ { skip = $0; sub(/^<!-- readme\.sh: skip */, "", skip);
	sub(/ *-->$/, "", skip); if (skip == "") skip = "(no reason given)"; next }
/^```sh *$/ && !inblock { n++; inblock = 1; f = dir "/block-" n ".sh";
	printf "" > f; print NR > (dir "/block-" n ".line");
	if (skip != "") print skip > (dir "/block-" n ".skip"); skip = ""; next }
/^```/ && inblock { inblock = 0; close(f); next }
inblock { print > f; next }
/[^ \t]/ { skip = "" }
END { if (inblock) { print "unterminated sh block" > "/dev/stderr"; exit 1 }
	print n + 0 > (dir "/count") }' "$readme" || { echo "FAIL: cannot read the blocks of $readme"; exit 1; }

mkdir "$tmp/top" "$tmp/top/results" "$tmp/top/out"
for e in "$RL_TOP_SRCDIR"/* "$RL_TOP_SRCDIR"/.ci; do
	b=$(basename "$e")
	case $b in build | build-* | results | out) continue ;; esac
	[ -e "$e" ] && ln -s "$e" "$tmp/top/$b"
done
ln -s "$builddir" "$tmp/top/build"
RL_SHARED_DIR=${RL_SHARED:-${RL_SHARED_DIR:-}}
export RL_SHARED_DIR

n=$(cat "$tmp/count")
ran=0
i=1
while [ "$i" -le "$n" ]; do
	b="$tmp/block-$i.sh"
	where="README.md:$(cat "$tmp/block-$i.line")"
	reason=
	if [ -f "$tmp/block-$i.skip" ]; then
		reason=$(cat "$tmp/block-$i.skip")
	elif grep -q 'ridgeline-mpi' "$b" &&
	     { [ ! -x "$builddir/ridgeline-mpi" ] || ! command -v mpirun >/dev/null 2>&1; }; then
		reason="(no ridgeline-mpi or mpirun: ./configure --with-mpi, openmpi-bin)"
	elif grep -q 'RL_SHARED_DIR/data' "$b" &&
	     [ ! -d "$RL_SHARED_DIR/data" ]; then
		reason="(no measured data in '$RL_SHARED_DIR/data')"
	fi
	if [ -n "$reason" ]; then
		echo "skipped $where $reason"
	else
		echo "running $where: $(head -n 1 "$b")"
		if ! (cd "$tmp/top" && bash -e -o pipefail "$b") >"$tmp/log" 2>&1; then
			fail_msg=$(tail -n 20 "$tmp/log")
			echo "FAIL: the block at $where:"
			sed 's/^/    /' "$b"
			echo "  output (last 20 lines):"
			echo "$fail_msg" | sed 's/^/    /'
			fails=$((fails + 1))
		fi
		ran=$((ran + 1))
	fi
	i=$((i + 1))
done

[ "$ran" -ge 3 ] || { echo "FAIL: only $ran of $n README blocks ran (expected at least 3)"; fails=$((fails + 1)); }
echo "$ran of $n README blocks ran, $fails failed"
[ "$fails" -eq 0 ]
