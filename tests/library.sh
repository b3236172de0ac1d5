#!/bin/sh
# library.sh — libridgeline as a user embeds it, installed into a temporary
# DESTDIR: examples/gemm.c compiles against the installed header and library
# with `pkg-config --cflags --libs ridgeline` (and links the static library
# too), the Python module (ctypes, python/ridgeline.py) loads the installed
# shared library, and both give every field `ridgeline gemm` prints, with
# the same names and values (to the CLI's printed precision); the module's
# run() gives results.csv's rows.
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (set by make check), cc, pkg-config,
# make; python3 for the module part. Skips under --enable-sanitizers (a
# program built without the sanitizer cannot load the sanitized library).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
[ "${RL_SANITIZED:-0}" = 1 ] && { echo "SKIP: an uninstrumented program cannot load the sanitized library"; exit 77; }
command -v cc >/dev/null 2>&1 || { echo "SKIP: no cc"; exit 77; }
command -v pkg-config >/dev/null 2>&1 || { echo "SKIP: no pkg-config"; exit 77; }
unset RIDGELINE_DATA
R=$RIDGELINE
builddir=$(cd "$(dirname "$R")" && pwd)
src=$RL_TOP_SRCDIR
tmp=$(mktemp -d "${TMPDIR:-/tmp}/library.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
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
var() {
	printf 'print-var:\n\t@echo $(%s)\n' "$1" |
		make -s -C "$builddir" --no-print-directory -f Makefile -f - print-var |
		grep -v '^make' | tail -n 1
}
libdir=$dest$(var libdir)
data=$dest$(var pkgdatadir)
export RIDGELINE_DATA="$data"

# same "NAME VALUE" lines: names in order, strings equal, numbers equal to
# the CLI's rounding (half a unit of its last printed decimal)
same() { # WHAT EXPECTED GOT
	awk -v what="$1" '
	NR == FNR { name[FNR] = $1; val[FNR] = $2; n = FNR; next }
	{ i = FNR
	  if ($1 != name[i]) { printf "%s: field %d is %s, ridgeline gemm has %s\n", what, i, $1, name[i]; bad = 1; exit }
	  a = val[i]; b = $2
	  if (a ~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ && b ~ /^-?[0-9.e+-]+$/) {
	    d = a - b; if (d < 0) d = -d
	    dec = index(a, ".") ? length(a) - index(a, ".") : 0
	    if (d > 0.5001 * 10 ^ -dec) { printf "%s: %s = %s, ridgeline gemm has %s\n", what, $1, b, a; bad = 1 }
	  } else if (a != b && !(a == "" && b == "")) { printf "%s: %s = \"%s\", ridgeline gemm has \"%s\"\n", what, $1, b, a; bad = 1 }
	}
	END { if (!bad && FNR != n) { printf "%s: %d fields, ridgeline gemm has %d\n", what, FNR, n; bad = 1 } exit bad }' "$2" "$3"
}
# the CLI's key/value lines; an empty value (model) becomes ""
cli() {
	"$R" gemm "$@" | awk '{ v = $0; sub(/^[^ ]+ +/, "", v); if (v == $1) v = ""; print $1, v }'
}
cli --hw a100-80gb-sxm -m 128 -n 16384 -k 16384 >"$tmp/cli" || fail "ridgeline gemm failed"
cli --hw a100-80gb-sxm -m 128 -n 16384 -k 16384 --set hbm.bandwidth_gbps=4000 >"$tmp/cli-set" ||
	fail "ridgeline gemm --set failed"

# ---- C: the example against the installed library -------------------------
pc="PKG_CONFIG_PATH=$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest"
flags=$(env $pc pkg-config --cflags --libs ridgeline) || fail "pkg-config ridgeline: not found in $libdir/pkgconfig"
cc -o "$tmp/gemm" "$src/examples/gemm.c" $flags 2>"$tmp/err" ||
	fail "examples/gemm.c does not build against the installed library: $(cat "$tmp/err")"
LD_LIBRARY_PATH="$libdir" "$tmp/gemm" a100-80gb-sxm 128 16384 16384 >"$tmp/c" 2>"$tmp/err" ||
	fail "examples/gemm failed: $(cat "$tmp/err")"
same "C example" "$tmp/cli" "$tmp/c" || fails=$((fails + 1))
LD_LIBRARY_PATH="$libdir" "$tmp/gemm" a100-80gb-sxm 128 16384 16384 hbm.bandwidth_gbps=4000 >"$tmp/c-set" 2>"$tmp/err" ||
	fail "examples/gemm with a set field failed: $(cat "$tmp/err")"
same "C example, hbm.bandwidth_gbps=4000" "$tmp/cli-set" "$tmp/c-set" || fails=$((fails + 1))
LD_LIBRARY_PATH="$libdir" "$tmp/gemm" a100-80gb-sxm 128 16384 16384 clock.sustained_mhz=99999 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "examples/gemm: an out-of-range field is not bad input (exit 2)"
grep -q "clock.sustained_mhz" "$tmp/err" || fail "examples/gemm: the error does not name the field: $(cat "$tmp/err")"
# the static library links too
static=$(env $pc pkg-config --static --libs gsl libcjson 2>/dev/null)
cc -o "$tmp/gemm-static" "$src/examples/gemm.c" -I"$dest$(var includedir)" \
	"$libdir/libridgeline.a" $static -lm 2>"$tmp/err" ||
	fail "examples/gemm.c does not link the static library: $(cat "$tmp/err")"
"$tmp/gemm-static" a100-80gb-sxm 128 16384 16384 >"$tmp/cs" 2>&1 && cmp -s "$tmp/c" "$tmp/cs" ||
	fail "the static and the shared library differ"

# ---- Python: the ctypes module over the installed library ------------------
py=
for p in /usr/bin/python3 python3; do
	command -v "$p" >/dev/null 2>&1 && { py=$p; break; }
done
if [ -z "$py" ]; then
	echo "SKIP (part): no python3"
else
	export RIDGELINE_LIB="$libdir/libridgeline.so.0" PYTHONPATH="$data/python"
	"$py" - >"$tmp/py" 2>"$tmp/err" <<'EOF' || fail "python gemm: $(cat "$tmp/err")"
import ridgeline
r = ridgeline.gemm("a100-80gb-sxm", m=128, n=16384, k=16384)
for k, v in r.items():
    print(k, v)
EOF
	same "python gemm" "$tmp/cli" "$tmp/py" || fails=$((fails + 1))
	"$py" - >"$tmp/py-set" 2>"$tmp/err" <<'EOF' || fail "python gemm set=: $(cat "$tmp/err")"
import ridgeline
r = ridgeline.gemm("a100-80gb-sxm", 128, 16384, 16384, set={"hbm.bandwidth_gbps": 4000})
for k, v in r.items():
    print(k, v)
EOF
	same "python gemm, hbm.bandwidth_gbps=4000" "$tmp/cli-set" "$tmp/py-set" || fails=$((fails + 1))
	"$py" - 2>"$tmp/err" <<'EOF' || fail "python: a bad name is not ridgeline.Error(-2): $(cat "$tmp/err")"
import ridgeline
try:
    ridgeline.gemm("no-such-gpu", 1, 1, 1)
except ridgeline.Error as e:
    assert e.code == -2 and "no-such-gpu" in str(e), (e.code, str(e))
else:
    raise SystemExit("no error")
EOF
	# run(): the rows of results.csv, swept field included
	cat >"$tmp/exp.json" <<'EOF'
{"name": "library", "hardware": "a100-80gb-pcie", "model": "llama-33b",
 "workload": {"ops": ["up", "down"], "q": [1, 16], "batch": [1, 8]},
 "sweep": {"hbm.bandwidth_gbps": [1935, 3870]}}
EOF
	"$R" run "$tmp/exp.json" -o "$tmp/run" -j 2 --no-plot >/dev/null 2>"$tmp/err" ||
		fail "ridgeline run: $(cat "$tmp/err")"
	"$py" - "$tmp/exp.json" "$tmp/run/results.csv" 2>"$tmp/err" <<'EOF' || fail "python run: $(cat "$tmp/err")"
import csv, sys, ridgeline
rows = ridgeline.run(sys.argv[1])
with open(sys.argv[2], newline="") as f:
    ref = list(csv.DictReader(f))
assert len(rows) == len(ref), (len(rows), len(ref))
for got, want in zip(rows, ref):
    assert list(got) == list(want), (list(got), list(want))
    for k, w in want.items():
        g = got[k]
        if isinstance(g, str):
            assert g == w, (k, g, w)
        else:
            dec = len(w) - w.index(".") - 1 if "." in w else 0
            assert abs(g - float(w)) <= 0.5001 * 10 ** -dec, (k, g, w)
EOF
fi

[ "$fails" -eq 0 ] && echo "library: the C example and the Python module give the CLI's fields and values"
[ "$fails" -eq 0 ]
