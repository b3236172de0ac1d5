#!/bin/sh
# pandas.sh — ridgeline.run()'s rows are what pandas.DataFrame takes as they
# are: the same columns, in the same order, with the same values, as
# pandas.read_csv of the results.csv `ridgeline run` writes for the same
# experiment, number fields as numeric columns. The module and the library
# of the build (python/ridgeline.py, .libs/libridgeline.so.0); tests/library.sh
# checks the installed ones.
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (set by make check) and Debian's
# python3 with pandas (apt-get install python3-pandas; ./quickstart check
# installs it); skips without them or under --enable-sanitizers.
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
[ "${RL_SANITIZED:-0}" = 1 ] && { echo "SKIP: python cannot load the sanitized library"; exit 77; }
py=
for p in /usr/bin/python3 python3; do
	command -v "$p" >/dev/null 2>&1 && { py=$p; break; }
done
[ -n "$py" ] || { echo "SKIP: no python3"; exit 77; }
"$py" -c 'import pandas' 2>/dev/null ||
	{ echo "SKIP: $py has no pandas (apt-get install python3-pandas; ./quickstart check installs it)"; exit 77; }
builddir=$(cd "$(dirname "$RIDGELINE")" && pwd)
lib="$builddir/.libs/libridgeline.so.0"
[ -f "$lib" ] || { echo "SKIP: no shared library $lib (configured --disable-shared?)"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pandas.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/exp.json" <<'EOF'
{"name": "pandas", "hardware": "a100-80gb-pcie", "model": "llama-33b",
 "workload": {"ops": ["up", "down"], "q": [1, 16], "batch": [1, 8]},
 "sweep": {"hbm.bandwidth_gbps": [1935, 3870]}}
EOF
"$RIDGELINE" run "$tmp/exp.json" -o "$tmp/run" -j 2 --no-plot >/dev/null 2>"$tmp/err" ||
	{ echo "FAIL: ridgeline run: $(cat "$tmp/err")"; exit 1; }
src=$(cd "$RL_TOP_SRCDIR" && pwd)
cd "$tmp" || exit 99
RIDGELINE_DATA="$src" RIDGELINE_LIB="$lib" PYTHONPATH="$src/python" "$py" - "$tmp/exp.json" \
	"$tmp/run/results.csv" <<'EOF' || { echo "FAIL: ridgeline.run() rows in pandas"; exit 1; }
import sys, pandas, ridgeline
df = pandas.DataFrame(ridgeline.run(sys.argv[1], jobs=2))
ref = pandas.read_csv(sys.argv[2])
assert list(df.columns) == list(ref.columns), (list(df.columns), list(ref.columns))
assert df.shape == ref.shape == (16, len(ref.columns)), (df.shape, ref.shape)
for c in ref.columns:
    if ref[c].dtype.kind in "if":
        assert df[c].dtype.kind in "if", (c, df[c].dtype)
        # results.csv rounds (docs/results.md): within half its last digit
        assert ((df[c] - ref[c]).abs() <= 1e-6 * ref[c].abs() + 0.005).all(), c
    else:
        assert (df[c].astype(str) == ref[c].astype(str)).all(), c
# a numeric column per number field: a group sum needs no conversion
assert (df.groupby("op")["time_us"].sum() > 0).all()
EOF
echo "pandas: pandas.DataFrame(ridgeline.run(...)) equals pandas.read_csv(results.csv)"
