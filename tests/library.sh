#!/bin/sh
# library.sh — libridgeline as a user embeds it, installed into a temporary
# DESTDIR: examples/gemm.c compiles against the installed header and library
# with `pkg-config --cflags --libs ridgeline` (and links the static library
# too), the Python module (ctypes, python/ridgeline.py) loads the installed
# shared library, and both give every field `ridgeline gemm` prints, with
# the same names and values (to the CLI's printed precision); the module's
# run() gives results.csv's rows (tests/pandas.sh puts them in a DataFrame).
# examples/experiment.c (ridgeline_experiment_run) prints results.csv's
# bytes; examples/validate.c (ridgeline_validation_*) prints the numbers of
# `ridgeline validate`'s table, and ridgeline_calibrate recovers the clock a
# table was made with; the module's validate() and calibrate() the same.
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
# under make coverage the installed library carries gcov counters: the
# programs built against it link gcov's runtime too
cov=
[ "${RL_COVERAGE:-0}" = 1 ] && cov=--coverage
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
pythondir=$dest$(var pythondir)
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
cc $cov -o "$tmp/gemm" "$src/examples/gemm.c" $flags 2>"$tmp/err" ||
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
cc $cov -o "$tmp/gemm-static" "$src/examples/gemm.c" -I"$dest$(var includedir)" \
	"$libdir/libridgeline.a" $static -lm 2>"$tmp/err" ||
	fail "examples/gemm.c does not link the static library: $(cat "$tmp/err")"
"$tmp/gemm-static" a100-80gb-sxm 128 16384 16384 >"$tmp/cs" 2>&1 && cmp -s "$tmp/c" "$tmp/cs" ||
	fail "the static and the shared library differ"

# ---- C: an experiment, a validation and a calibration ----------------------
# run(): the rows of results.csv, swept field included
cat >"$tmp/exp.json" <<'EOF'
{"name": "library", "hardware": "a100-80gb-pcie", "model": "llama-33b",
 "workload": {"ops": ["up", "down"], "q": [1, 16], "batch": [1, 8]},
 "sweep": {"hbm.bandwidth_gbps": [1935, 3870]}}
EOF
"$R" run "$tmp/exp.json" -o "$tmp/run" -j 2 --no-plot >/dev/null 2>"$tmp/err" ||
	fail "ridgeline run: $(cat "$tmp/err")"
for ex in experiment validate; do
	cc $cov -o "$tmp/$ex" "$src/examples/$ex.c" $flags -lm 2>"$tmp/err" ||
		fail "examples/$ex.c does not build against the installed library: $(cat "$tmp/err")"
done
for j in 1 2; do
	LD_LIBRARY_PATH="$libdir" "$tmp/experiment" "$tmp/exp.json" $j >"$tmp/rows$j" 2>"$tmp/err" ||
		fail "examples/experiment -j $j: $(cat "$tmp/err")"
	cmp -s "$tmp/run/results.csv" "$tmp/rows$j" ||
		fail "examples/experiment (ridgeline_experiment_run, $j threads) differs from results.csv: $(diff "$tmp/run/results.csv" "$tmp/rows$j" | head -n 4)"
done
# a measured table made on a spec whose sustained clock is 1100 MHz: the
# simulated times at that clock, cold L2 (the rows say so), compute-bound
# shapes (their time moves with the clock)
printf 'm,n,k,dtype,latency_ms,protocol\n' >"$tmp/measured.csv"
for s in "4096 4096 4096" "8192 8192 4096" "2048 8192 8192" "4096 8192 2048" "6144 6144 6144" "8192 4096 8192"; do
	set -- $s
	t=$("$R" gemm --hw a100-80gb-sxm -m $1 -n $2 -k $3 --l2 cold --set clock.sustained_mhz=1100 |
		awk '$1 == "time_us" { print $2 / 1000 }')
	[ -n "$t" ] || fail "ridgeline gemm $s printed no time_us"
	echo "$1,$2,$3,bf16,$t,cold" >>"$tmp/measured.csv"
done
# the numbers of each row of the CLI's table and of the example's, in order
"$R" validate --hw a100-80gb-sxm --measured "$tmp/measured.csv" -j 2 >"$tmp/val-cli" 2>"$tmp/err" ||
	fail "ridgeline validate: $(cat "$tmp/err")"
LD_LIBRARY_PATH="$libdir" "$tmp/validate" a100-80gb-sxm "$tmp/measured.csv" clock.sustained_mhz \
	>"$tmp/val-c" 2>"$tmp/err" || fail "examples/validate: $(cat "$tmp/err")"
nums() { awk 'NF >= 6 && $(NF-4) ~ /^[0-9]+$/ && $NF ~ /^[-+][0-9.]+$/ { print $(NF-4), $(NF-3), $(NF-2), $(NF-1), $NF }' "$@"; }
nums "$tmp/val-cli" >"$tmp/nums-cli"
sed '/^fitted/q' "$tmp/val-c" | nums >"$tmp/nums-c"
[ -s "$tmp/nums-cli" ] && cmp -s "$tmp/nums-cli" "$tmp/nums-c" ||
	fail "examples/validate's table differs from ridgeline validate's: $(cat "$tmp/nums-cli") vs $(cat "$tmp/nums-c")"
# the table was made at 1100 MHz: the fit finds it (1 %), and validating the
# fitted spec leaves under 1 % error
mhz=$(awk '$1 == "clock.sustained_mhz" { print $2 }' "$tmp/val-c")
awk -v f="${mhz:-0}" 'BEGIN { exit !(f > 1089 && f < 1111) }' ||
	fail "ridgeline_calibrate: clock.sustained_mhz = ${mhz:-none}, the table was made at 1100"
after=$(sed '1,/^fitted/d' "$tmp/val-c" | awk '$1 == "all" { print $3 }')
awk -v m="${after:-99}" 'BEGIN { exit !(m < 1) }' ||
	fail "the calibrated spec validates to ${after:-nothing} % MAPE, expected < 1 %"
LD_LIBRARY_PATH="$libdir" "$tmp/validate" a100-80gb-sxm "$tmp/measured.csv" no.such_field >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "no.such_field" "$tmp/err" ||
	fail "ridgeline_calibrate: an unknown field is not bad input naming it: $(cat "$tmp/err")"

# ---- Python: the ctypes module over the installed library ------------------
py=
for p in /usr/bin/python3 python3; do
	command -v "$p" >/dev/null 2>&1 && { py=$p; break; }
done
if [ -z "$py" ]; then
	echo "SKIP (part): no python3"
else
	# installed into the python's site directory, not the data directory;
	# run from elsewhere, so that python/ in the checkout is not what loads
	[ -f "$pythondir/ridgeline.py" ] || fail "the module is not in $pythondir"
	grep -qF "\"$(var libdir)\"" "$pythondir/ridgeline.py" ||
		fail "the installed module does not name the configured libdir $(var libdir)"
	export RIDGELINE_LIB="$libdir/libridgeline.so.0" PYTHONPATH="$pythondir"
	mkdir "$tmp/elsewhere" && cd "$tmp/elsewhere" || exit 99
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
	"$py" - "$tmp/exp.json" "$tmp/run/results.csv" "$pythondir" 2>"$tmp/err" <<'EOF' || fail "python run: $(cat "$tmp/err")"
import csv, os, sys, ridgeline
assert os.path.dirname(os.path.abspath(ridgeline.__file__)) == os.path.abspath(sys.argv[3]), ridgeline.__file__
rows = ridgeline.run(sys.argv[1], jobs=2)
assert rows == ridgeline.run(sys.argv[1], jobs=1), "jobs=2 and jobs=1 differ"
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
	# validate() and calibrate(): the CLI's figures, the fit's clock
	"$py" - "$tmp/measured.csv" "$tmp/nums-cli" 2>"$tmp/err" <<'EOF' || fail "python validate/calibrate: $(cat "$tmp/err")"
import sys, ridgeline
v = ridgeline.validate("a100-80gb-sxm", sys.argv[1], jobs=2)
want = [l.split() for l in open(sys.argv[2])]
got = [[str(s["n"])] + ["%.2f" % s[f] for f in ("mape", "median_ape", "max_ape")]
       + ["%+.2f" % s["mean_error"]] for s in v["summary"].values() if s["n"]]
assert got == want, (got, want)
assert len(v["rows"]) == 6 and list(v["rows"][0])[:3] == ["m", "n", "k"], v["rows"][0]
c = ridgeline.calibrate("a100-80gb-sxm", sys.argv[1], fields="clock.sustained_mhz", jobs=2)
f = c["fields"]["clock.sustained_mhz"]
assert 1089 < f < 1111, f
assert c["validation"]["summary"]["all"]["mape"] < 1, c["validation"]["summary"]["all"]
try:
    ridgeline.validate("a100-80gb-sxm", sys.argv[1], protocol="lukewarm")
except ridgeline.Error as e:
    assert e.code == -2 and "lukewarm" in str(e), (e.code, str(e))
else:
    raise SystemExit("protocol=lukewarm accepted")
EOF
	cd "$builddir" || exit 99
fi

[ "$fails" -eq 0 ] && echo "library: the C example and the Python module give the CLI's fields and values"
[ "$fails" -eq 0 ]
