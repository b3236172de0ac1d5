#!/bin/sh
# install.sh — installs like a GNU package: `make install DESTDIR=TMP` puts the
# binary, the man page, the data files and the schemas in place; the installed
# binary, run from another directory, finds the data by name through
# $RIDGELINE_DATA and never reads the source tree (which the uninstalled
# binary does); the Python module goes to the configured python's site
# directory, which for the default prefix is on Debian's python3 default
# sys.path, and imports from another directory; `make uninstall` leaves no
# file and none of ridgeline's directories behind.
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (set by make check); make.
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
unset RIDGELINE_DATA
builddir=$(cd "$(dirname "$RIDGELINE")" && pwd)
src=$(cd "$RL_TOP_SRCDIR" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/install.XXXXXX") || exit 99
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# a make of its own: not the jobserver, directory messages or -w of the
# make check that runs this test
unset MAKEFLAGS MFLAGS MAKELEVEL
dest="$tmp/dest"
make -s -C "$builddir" install DESTDIR="$dest" >"$tmp/log" 2>&1 ||
	{ echo "FAIL: make install DESTDIR=$dest: $(tail -n 20 "$tmp/log")"; exit 1; }
# where things went: the configured directories, under DESTDIR
pkgdatadir=$(make -s -C "$builddir" --no-print-directory -f Makefile -f - print-pkgdatadir <<'EOF' | grep -v '^make' | tail -n 1
print-pkgdatadir:
	@echo $(pkgdatadir)
EOF
)
bindir=$(make -s -C "$builddir" --no-print-directory -f Makefile -f - print-bindir <<'EOF' | grep -v '^make' | tail -n 1
print-bindir:
	@echo $(bindir)
EOF
)
mandir=$(make -s -C "$builddir" --no-print-directory -f Makefile -f - print-mandir <<'EOF' | grep -v '^make' | tail -n 1
print-mandir:
	@echo $(mandir)
EOF
)
docdir=$(make -s -C "$builddir" --no-print-directory -f Makefile -f - print-docdir <<'EOF' | grep -v '^make' | tail -n 1
print-docdir:
	@echo $(docdir)
EOF
)
for f in README.md results.md specs.md; do
	[ -f "$dest$docdir/$f" ] || fail "not installed: $dest$docdir/$f"
done
bin="$dest$bindir/ridgeline"
data="$dest$pkgdatadir"
[ -x "$bin" ] || fail "no $bin"
[ -f "$dest$mandir/man1/ridgeline.1" ] || fail "no man page in $dest$mandir/man1"
for f in hw/a100-80gb-pcie.json models/llama-33b.json \
	experiments/medusa-llama33b-a100-pcie.json schema/hw.schema.json \
	schema/model.schema.json schema/experiment.schema.json; do
	[ -f "$data/$f" ] || fail "not installed: $data/$f"
done

# the installed binary, from elsewhere: $RIDGELINE_DATA, not the source tree
mkdir "$tmp/elsewhere"
(cd "$tmp/elsewhere" && RIDGELINE_DATA="$data" "$bin" hw show a100-80gb-pcie) >"$tmp/show" 2>"$tmp/err" ||
	fail "installed: hw show a100-80gb-pcie with RIDGELINE_DATA: $(cat "$tmp/err")"
grep -q "^file: $data/hw/a100-80gb-pcie.json" "$tmp/show" ||
	fail "installed: hw show did not read $data/hw: $(grep '^file:' "$tmp/show")"
(cd "$tmp/elsewhere" && RIDGELINE_DATA="$data" "$bin" run medusa-llama33b-a100-pcie -o out --no-plot -j 2) \
	>/dev/null 2>"$tmp/err" || fail "installed: run by name: $(cat "$tmp/err")"
[ -f "$tmp/elsewhere/out/results.csv" ] || fail "installed: run wrote no results.csv"
# without RIDGELINE_DATA: the configured pkgdatadir (not under DESTDIR), never
# the source tree
(cd "$tmp/elsewhere" && "$bin" hw show a100-80gb-pcie) >"$tmp/show" 2>"$tmp/err"
if grep -q "^file: $src/" "$tmp/show" || grep -qF "$src/hw" "$tmp/err"; then
	fail "installed binary looked in the source tree: $(grep '^file:' "$tmp/show") $(cat "$tmp/err")"
fi
# the Python module: in pythondir, which for prefix /usr/local is a
# directory the configured python reads with no PYTHONPATH (Debian:
# /usr/local/lib/python3.X/dist-packages); imported from elsewhere
pyvar() { # VARIABLE [MAKE-ARGS]: a make variable's value
	v=$1; shift
	printf 'print-var:\n\t@echo $(%s)\n' "$v" |
		make -s -C "$builddir" --no-print-directory -f Makefile -f - "$@" print-var |
		grep -v '^make' | tail -n 1
}
py=$(pyvar PYTHON)
if [ "$py" = : ] || [ -z "$py" ]; then
	echo "SKIP (part): configured without python3; the module is not installed"
else
	pythondir=$(pyvar pythondir)
	[ -f "$dest$pythondir/ridgeline.py" ] || fail "the module is not in $dest$pythondir"
	usr=$(pyvar pythondir prefix=/usr/local)
	env -u PYTHONPATH "$py" -c 'import sys; sys.exit(sys.argv[1] not in sys.path)' "$usr" ||
		fail "pythondir for prefix /usr/local ($usr) is not on $py's default sys.path: $(env -u PYTHONPATH "$py" -c 'import sys; print(sys.path)')"
	libdir=$(pyvar libdir)
	# python is not instrumented: it cannot load a sanitized library
	[ "${RL_SANITIZED:-0}" = 1 ] ||
	(cd "$tmp/elsewhere" && PYTHONPATH="$dest$pythondir" RIDGELINE_LIB="$dest$libdir/libridgeline.so.0" \
		RIDGELINE_DATA="$data" "$py" -c '
import os, sys, ridgeline
assert os.path.dirname(ridgeline.__file__) == sys.argv[1], ridgeline.__file__
assert ridgeline.gemm("a100-80gb-pcie", 64, 4096, 4096)["time_us"] > 0' "$dest$pythondir") \
		2>"$tmp/err" || fail "installed module from elsewhere: $(cat "$tmp/err")"
fi

# the uninstalled binary does find the checkout's files
"$RIDGELINE" hw show a100-80gb-pcie >"$tmp/show" 2>"$tmp/err" ||
	fail "uninstalled: hw show: $(cat "$tmp/err")"
grep -q "^file: .*/hw/a100-80gb-pcie.json" "$tmp/show" || fail "uninstalled: no file line"

# uninstall: nothing left of ridgeline
make -s -C "$builddir" uninstall DESTDIR="$dest" >"$tmp/log" 2>&1 ||
	fail "make uninstall: $(tail -n 20 "$tmp/log")"
left=$(find "$dest" -type f -o -type l)
[ -z "$left" ] || fail "make uninstall left files: $left"
[ -e "$data" ] && fail "make uninstall left $data: $(find "$data")"
[ -e "$dest$docdir" ] && fail "make uninstall left $dest$docdir"

[ "$fails" -eq 0 ] && echo "install: DESTDIR install, lookup, uninstall"
[ "$fails" -eq 0 ]
