#!/bin/sh
# schemas.sh — docs/schema/*.json and docs/specs.md describe what the parsers
# accept:
#   * hw.schema.json is what tests/spec_schema prints from hw/spec.c's field
#     table (so a new field cannot be missing from it);
#   * docs/specs.md has a row for every hardware field, with its unit;
#   * every shipped hardware, model and experiment file validates against its
#     schema (tests/schemacheck.py, needs python3), and files the parsers
#     refuse (an unknown key, a value out of range, a wrong type, a missing
#     key) are refused by the schema too.
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (set by make check).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
unset RIDGELINE_DATA
src=$RL_TOP_SRCDIR
schema="$src/docs/schema"
gen="$(dirname "$RIDGELINE")/tests/spec_schema"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/schemas.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
. "$src/tests/testlib.sh"

# ---- hw.schema.json and docs/specs.md follow the field table --------------
"$gen" >"$tmp/hw.schema.json" || fail "$gen failed"
cmp -s "$tmp/hw.schema.json" "$schema/hw.schema.json" ||
	fail "docs/schema/hw.schema.json is not what hw/spec.c's table gives; regenerate: build/tests/spec_schema > docs/schema/hw.schema.json ($(diff "$schema/hw.schema.json" "$tmp/hw.schema.json" | head -n 6 | tr '\n' ' '))"
"$gen" --fields >"$tmp/fields" || fail "$gen --fields failed"
[ -s "$tmp/fields" ] || fail "no hardware fields listed"
while IFS='	' read -r path kind min max opt unit; do
	grep -qF "| \`$path\` | $unit |" "$src/docs/specs.md" ||
		fail "docs/specs.md has no row '| \`$path\` | $unit |'"
done <"$tmp/fields"

# ---- the schemas accept the shipped files and refuse what the parsers refuse
py=
for p in /usr/bin/python3 python3; do
	command -v "$p" >/dev/null 2>&1 && { py=$p; break; }
done
if [ -z "$py" ]; then
	echo "SKIP (part): no python3 to validate files against the schemas"
else
	check() { "$py" "$src/tests/schemacheck.py" "$@"; }
	check "$schema/hw.schema.json" "$src"/hw/*.json >"$tmp/out" 2>&1 ||
		fail "shipped hardware files against hw.schema.json: $(cat "$tmp/out")"
	check "$schema/model.schema.json" "$src"/models/*.json >"$tmp/out" 2>&1 ||
		fail "shipped model files against model.schema.json: $(cat "$tmp/out")"
	check "$schema/experiment.schema.json" "$src"/experiments/*.json >"$tmp/out" 2>&1 ||
		fail "shipped experiments against experiment.schema.json: $(cat "$tmp/out")"

	# refused by both: KIND SCHEMA FILE SED-SCRIPT
	refused() {
		mutate "$3" "$tmp/bad.json" "$4"
		case $1 in
		hw) "$RIDGELINE" hw show "$tmp/bad.json" >/dev/null 2>&1 ;;
		models) "$RIDGELINE" models show "$tmp/bad.json" >/dev/null 2>&1 ;;
		run) "$RIDGELINE" run "$tmp/bad.json" -o "$tmp/never" >/dev/null 2>&1 ;;
		esac
		[ $? -eq 2 ] || fail "ridgeline accepts $3 edited by '$4'"
		check "$2" "$tmp/bad.json" >/dev/null 2>&1 &&
			fail "$(basename "$2") accepts $3 edited by '$4'"
	}
	hw="$src/hw/a100-80gb-pcie.json"
	refused hw "$schema/hw.schema.json" "$hw" 's/"count": {/"cores": {/'
	refused hw "$schema/hw.schema.json" "$hw" '0,/"value": 108/s//"value": 0/'
	refused hw "$schema/hw.schema.json" "$hw" '0,/"value": 108/s//"value": 108.5/'
	refused hw "$schema/hw.schema.json" "$hw" '0,/"value": 108/s//"value": "108"/'
	refused hw "$schema/hw.schema.json" "$hw" 's/"display_name"/"title"/'
	m="$src/models/llama-33b.json"
	refused models "$schema/model.schema.json" "$m" 's/"mlp": "gated"/"mlp": "moe"/'
	refused models "$schema/model.schema.json" "$m" 's/"layers": 60/"layers": 0/'
	refused models "$schema/model.schema.json" "$m" 's/"heads": 52/"heads": 52, "experts": 8/'
	e="$src/experiments/whatif-a100-pcie.json"
	refused run "$schema/experiment.schema.json" "$e" 's/"sm.count"/"sm.cores"/'
	refused run "$schema/experiment.schema.json" "$e" 's/"cold"/"tepid"/'
	refused run "$schema/experiment.schema.json" "$e" 's/"batch"/"batches"/'
fi

[ "$fails" -eq 0 ] && echo "schemas: docs/schema and docs/specs.md agree with the parsers"
[ "$fails" -eq 0 ]
