#!/bin/sh
# manpage.sh — ridgeline(1) is well-formed roff and says everything --help
# says: every subcommand of `ridgeline --help`, every option of every
# `ridgeline CMD --help` (and of ridgeline-mpi), the exit statuses and
# $RIDGELINE_DATA; `ridgeline help CMD` prints exactly `ridgeline CMD --help`.
#
# Needs $RIDGELINE (set by make check; the page is the build's ridgeline.1)
# and groff (Debian: groff-base, which man-db pulls in).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
R=$RIDGELINE
page="$(dirname "$R")/ridgeline.1"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/manpage.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# ---- help CMD = CMD --help (no groff needed) ------------------------------
"$R" --help >"$tmp/help" || fail "ridgeline --help exited $?"
cmds=$(awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }' "$tmp/help")
[ -n "$cmds" ] || fail "no commands in ridgeline --help"
for c in $cmds; do
	"$R" "$c" --help >"$tmp/h-$c" 2>&1 || fail "ridgeline $c --help exited $?"
	"$R" help "$c" >"$tmp/hh-$c" 2>&1 || fail "ridgeline help $c exited $?"
	cmp -s "$tmp/h-$c" "$tmp/hh-$c" || fail "ridgeline help $c differs from ridgeline $c --help"
done
"$R" help nosuch >/dev/null 2>&1
[ $? -eq 2 ] || fail "ridgeline help nosuch: expected exit 2"

# ---- the page ---------------------------------------------------------------
command -v groff >/dev/null 2>&1 || { echo "SKIP: no groff (apt-get install groff-base)"; exit 77; }
[ -f "$page" ] || { echo "FAIL: $page not built"; exit 1; }
# every warning but 'break' (a long installation path cannot be adjusted)
groff -man -Tascii -ww -Wbreak -z "$page" 2>"$tmp/warn"
[ -s "$tmp/warn" ] && fail "groff warns about ridgeline.1: $(head -n 5 "$tmp/warn")"
if command -v lexgrog >/dev/null 2>&1; then
	lexgrog "$page" >"$tmp/lex" 2>&1 || fail "lexgrog cannot read the NAME section: $(cat "$tmp/lex")"
fi
grep -q '@[a-zA-Z]*@' "$page" && fail "ridgeline.1 has unsubstituted @VARIABLES@"
# plain text, no overstrike, one space between words
groff -man -Tascii -P-cbou "$page" 2>/dev/null | tr -s ' ' >"$tmp/text"

has() {
	grep -qF -- "$1" "$tmp/text" || fail "ridgeline.1 does not mention '$1' ($2)"
}
for c in $cmds; do
	has "ridgeline $c" "a subcommand of ridgeline --help"
	# every option in the command's help: --long and -x
	for o in $(grep -o -- '--[a-z][a-z0-9-]*\|\(^\|[ [|]\)-[a-zA-Z]\b' "$tmp/h-$c" |
		   sed 's/^[ [|]*//' | sort -u); do
		has "$o" "an option of ridgeline $c --help"
	done
done
mpi="$(dirname "$R")/ridgeline-mpi"
if [ -x "$mpi" ]; then
	# (Open MPI's own allocations are not ridgeline's leaks: run_mpi.sh)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		"$mpi" --help >"$tmp/h-mpi" 2>&1 || fail "ridgeline-mpi --help exited $?"
	has "ridgeline-mpi" "the MPI binary"
	for o in $(grep -o -- '--[a-z][a-z0-9-]*\|\(^\|[ [|]\)-[a-zA-Z]\b' "$tmp/h-mpi" |
		   sed 's/^[ [|]*//' | sort -u); do
		has "$o" "an option of ridgeline-mpi --help"
	done
fi
has "--version" "ridgeline --version"
has "RIDGELINE_DATA" "the environment"
for s in "EXIT STATUS" "ENVIRONMENT" "FILES" "EXAMPLES"; do has "$s" "a section"; done

[ "$fails" -eq 0 ] && echo "manpage: ridgeline.1 lists every command and option of --help"
[ "$fails" -eq 0 ]
