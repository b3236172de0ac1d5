# testlib.sh — helpers shared by the shell tests (sourced, not run).
# The sourcing script sets $tmp (a scratch directory) and fails=0 first.

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# expect STATUS NEEDLE... -- CMD...: run CMD, check its exit status, that
# stderr is exactly one line when STATUS is 2, and that every NEEDLE
# occurs in stderr (status 2) or stdout (status 0).
expect() {
	want=$1
	shift
	n=0
	while [ "$1" != "--" ]; do
		n=$((n + 1))
		eval "needle_$n=\$1"
		shift
	done
	shift
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$* -> exit $got, expected $want; stderr: $(cat "$tmp/err")"
		return
	fi
	where="$tmp/out"
	if [ "$want" -eq 2 ]; then
		where="$tmp/err"
		lines=$(wc -l <"$tmp/err")
		[ "$lines" -eq 1 ] || fail "$* -> $lines lines on stderr: $(cat "$tmp/err")"
	fi
	i=1
	while [ "$i" -le "$n" ]; do
		eval "needle=\$needle_$i"
		grep -qF -- "$needle" "$where" ||
			fail "$* -> no '$needle' in: $(cat "$where")"
		i=$((i + 1))
	done
}

# mutate SRC DEST SED-SCRIPT: DEST = SRC edited, and it must differ.
mutate() {
	sed "$3" "$1" >"$2"
	cmp -s "$1" "$2" && fail "sed '$3' did not change $1"
}
