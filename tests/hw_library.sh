#!/bin/sh
# hw_library.sh — the shipped hardware library:
#   * every hw/*.json loads by its name, and its "name" is its file name (a
#     spec found by name that says otherwise is refused with one line; a path
#     may hold any name); `hw list` lists each by the name it is looked up by;
#   * every value has a source, and no source or note points outside the
#     repository (DESIGN.md, ../shared, machine paths): they cite datasheets,
#     papers and measurements themselves;
#   * each GPU against its own datasheet, the numbers written here from the
#     datasheets (not from the files): peak dense 16-bit TFLOP/s within 1 %,
#     DRAM bandwidth equal; a new spec needs its row below;
#   * the values transferred to GPUs without data follow their calibrated
#     sibling by the rule their sources state (recalibrating a sibling and
#     forgetting a transfer fails here);
#   * no GEMM beats the datasheet roofline (4096^3 and 1 x 8192 x 8192).
#
# Needs $RIDGELINE and $RL_TOP_SRCDIR (set by make check).
set -u

: "${RIDGELINE:?set RIDGELINE to the ridgeline binary}"
: "${RL_TOP_SRCDIR:?set RL_TOP_SRCDIR to the source tree}"
unset RIDGELINE_DATA
R=$RIDGELINE
src=$RL_TOP_SRCDIR
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hw_library.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
. "$src/tests/testlib.sh"

# name, dense FP16/BF16 TFLOP/s, DRAM GB/s — from each GPU's datasheet
# (dense = half of the "with sparsity" figure)
cat >"$tmp/datasheet" <<'EOF'
a100-40gb-sxm   312     1555   A100 datasheet: 312 TFLOPS, 1,555 GB/s HBM2
a100-80gb-pcie  312     1935   A100 datasheet: 312 TFLOPS, 1,935 GB/s HBM2e
a100-80gb-sxm   312     2039   A100 datasheet: 312 TFLOPS, 2,039 GB/s HBM2e
h100-pcie       756     2000   H100 datasheet: 1,513 sparse, 2 TB/s HBM2e
h100-sxm        989     3350   H100 datasheet: 1,979 sparse, 3.35 TB/s HBM3
h100-nvl        835.5   3900   H100 datasheet: 1,671 sparse, 3.9 TB/s HBM3
h200-sxm        989     4800   H200 datasheet: 1,979 sparse, 4.8 TB/s HBM3e
b200            2250    8000   HGX B200 datasheet: 4.5 PF sparse per GPU, 8 TB/s
b300            2250    8000   HGX B300 datasheet: 36 PF sparse per 8 GPUs, 8 TB/s
gb200           2500    8000   GB200 NVL72 datasheet: 10 PF sparse per 2 GPUs, 16 TB/s per 2
a40             149.7   696    A40 datasheet: 149.7 TFLOPS, 696 GB/s GDDR6
l40s            362.05  864    L40S datasheet: 362.05 TFLOPS, 864 GB/s GDDR6
l4              121     300    L4 datasheet: 242 sparse, 300 GB/s GDDR6
rtx-pro-6000    503.8   1597   RTX Blackwell whitepaper 503.8; Server Edition 1,597 GB/s GDDR7
EOF

# ---- every shipped spec: found by its name, sourced, cited in-repo ----------
"$R" hw list >"$tmp/list" 2>"$tmp/list.err" ||
	fail "hw list -> exit $?: $(cat "$tmp/list.err")"
n=0
for f in "$src"/hw/*.json; do
	name=$(basename "$f" .json)
	n=$((n + 1))
	"$R" hw show "$name" >"$tmp/show" 2>"$tmp/err" || {
		fail "hw show $name -> exit $?: $(cat "$tmp/err")"
		continue
	}
	head -n 1 "$tmp/show" | grep -qF "($name)" ||
		fail "hw show $name: the spec is not named $name: $(head -n 1 "$tmp/show")"
	grep -q "^$name " "$tmp/list" ||
		fail "hw list has no line for $name (listed by the name it is looked up by)"
	grep -q "^$name " "$tmp/datasheet" ||
		fail "$name: no datasheet row in tests/hw_library.sh"
	# field lines: path (26 columns), value and unit (13 each), source
	awk -v n="$name" '
		/^field / { on = 1; next }
		on && /^$/ { exit }
		on && $0 !~ /\(absent: none\)$/ && substr($0, 53) !~ /[^ ]/ {
			print n ": " $1 ": no source"; bad = 1 }
		END { exit bad }' "$tmp/show" >"$tmp/nosrc" ||
		fail "$(cat "$tmp/nosrc")"
	# the notes and the field lines (not line 2, the file it was read from)
	if sed 2d "$tmp/show" | grep -nE 'DESIGN\.md|\.\./shared|shared/data|/work/|/home/|/tmp/|KINDS\.md|\.library' \
		>"$tmp/bad"; then
		fail "$name cites outside the repository: $(cut -c 1-160 "$tmp/bad" | tr '\n' ' ')"
	fi
done
[ "$n" -ge 14 ] || fail "expected at least 14 shipped specs, found $n"

# ---- each GPU against its datasheet ------------------------------------------
while read -r name tflops gbps rest; do
	[ -f "$src/hw/$name.json" ] || { fail "$name: in the datasheet table, not in hw/"; continue; }
	line=$(grep "^$name " "$tmp/list") || continue
	# hw list: name, display name (may hold spaces), SMs, fp16, bf16, GB/s, ridge
	echo "$line" | awk -v n="$name" -v t="$tflops" -v b="$gbps" '{
		fp16 = $(NF-3); bf16 = $(NF-2); bw = $(NF-1); bad = 0
		if (fp16 < 0.99 * t || fp16 > 1.01 * t) {
			printf "%s: peak fp16 %s TFLOP/s, datasheet %s (more than 1 %% apart)\n", n, fp16, t; bad = 1 }
		if (bf16 < 0.99 * t || bf16 > 1.01 * t) {
			printf "%s: peak bf16 %s TFLOP/s, datasheet %s (more than 1 %% apart)\n", n, bf16, t; bad = 1 }
		if (bw != b) {
			printf "%s: DRAM %s GB/s, datasheet %s\n", n, bw, b; bad = 1 }
		exit bad }' >"$tmp/ds" || fail "$(cat "$tmp/ds")"
done <"$tmp/datasheet"

# ---- transferred values follow their calibrated sibling ----------------------
# GPU, field, sibling, rule: "ratio" = the sibling's sustained/boost ratio at
# this GPU's boost clock (±1 MHz); "same" = the sibling's value; a number =
# the sibling's value times it, to 2 decimals (GDDR: measured stream fraction
# of this GPU / the A100's, RRZE gpu-benches gpu-roofline; L2: SM-count or
# measured-bandwidth ratios, see each source). When a sibling is
# recalibrated, the failure says what the value (and its source) become.
get() { "$R" hw show "$1" 2>/dev/null | awk -v f="$2" '$1 == f { print $2; exit }'; }
while read -r gpu field sib rule; do
	v=$(get "$gpu" "$field")
	case $rule in
	ratio)
		want=$(awk -v b="$(get "$gpu" clock.boost_mhz)" -v s="$(get "$sib" clock.sustained_mhz)" \
			-v sb="$(get "$sib" clock.boost_mhz)" 'BEGIN { printf "%.0f", b * s / sb }')
		tol=1 ;;
	same) want=$(get "$sib" "$field"); tol=0 ;;
	*) want=$(awk -v e="$(get "$sib" "$field")" -v r="$rule" 'BEGIN { printf "%.2f", e * r }')
		tol=0.005 ;;
	esac
	awk -v v="$v" -v w="$want" -v t="$tol" 'BEGIN { d = v - w; exit !(v != "" && d <= t && -d <= t) }' ||
		fail "$gpu $field = $v, expected $want ($rule of $sib.json)"
done <<'EOF'
a40          clock.sustained_mhz a100-80gb-sxm ratio
l40s         clock.sustained_mhz a100-80gb-sxm ratio
l4           clock.sustained_mhz a100-80gb-sxm ratio
rtx-pro-6000 clock.sustained_mhz a100-80gb-sxm ratio
h100-nvl     clock.sustained_mhz h100-sxm      ratio
b300         clock.sustained_mhz b200          ratio
gb200        clock.sustained_mhz b200          ratio
a40          hbm.efficiency      a100-80gb-sxm 1.1057
l40s         hbm.efficiency      a100-80gb-sxm 1.1085
l4           hbm.efficiency      a100-80gb-sxm 1.1085
rtx-pro-6000 hbm.efficiency      a100-80gb-sxm 1.1085
h100-nvl     hbm.efficiency      h100-sxm      same
b300         hbm.efficiency      b200          same
gb200        hbm.efficiency      b200          same
a40          launch.overhead_us  a100-80gb-sxm same
l40s         launch.overhead_us  a100-80gb-sxm same
l4           launch.overhead_us  a100-80gb-sxm same
rtx-pro-6000 launch.overhead_us  a100-80gb-sxm same
h100-nvl     launch.overhead_us  h100-sxm      same
b300         launch.overhead_us  b200          same
gb200        launch.overhead_us  b200          same
h100-nvl     hbm.latency_ns      h100-sxm      same
b300         hbm.latency_ns      b200          same
gb200        hbm.latency_ns      b200          same
h100-nvl     l2.hit_latency_cycles h100-sxm    same
b300         l2.hit_latency_cycles b200        same
gb200        l2.hit_latency_cycles b200        same
a100-80gb-pcie hbm.efficiency    a100-80gb-sxm same
a100-40gb-sxm hbm.efficiency     a100-80gb-sxm same
a100-80gb-pcie launch.overhead_us a100-80gb-sxm same
a100-40gb-sxm launch.overhead_us a100-80gb-sxm same
a100-40gb-sxm clock.sustained_mhz a100-80gb-sxm same
a100-80gb-pcie l2.bytes_per_clk  a100-80gb-sxm same
a100-40gb-sxm l2.bytes_per_clk   a100-80gb-sxm same
h100-nvl     l2.bytes_per_clk    h100-sxm      same
h200-sxm     l2.bytes_per_clk    h100-sxm      same
h100-pcie    l2.bytes_per_clk    h100-sxm      0.863636
b200         l2.bytes_per_clk    h100-sxm      1.121212
gb200        l2.bytes_per_clk    h100-sxm      1.121212
b300         l2.bytes_per_clk    h100-sxm      1.212121
l40s         l2.bytes_per_clk    a100-80gb-sxm 0.545170
a40          l2.bytes_per_clk    a100-80gb-sxm 0.332143
l4           l2.bytes_per_clk    a100-80gb-sxm 0.222675
rtx-pro-6000 l2.bytes_per_clk    a100-80gb-sxm 0.721774
h100-pcie    clock.sustained_mhz h100-sxm      ratio
b200         clock.sustained_mhz h100-sxm      ratio
h200-sxm     clock.sustained_mhz h100-sxm      same
h200-sxm     clock.burst_mhz     h100-sxm      same
h200-sxm     hbm.efficiency      h100-sxm      same
h100-pcie    hbm.efficiency      h100-sxm      same
b200         hbm.efficiency      h100-sxm      same
h200-sxm     launch.overhead_us  h100-sxm      same
h100-pcie    launch.overhead_us  h100-sxm      same
b200         launch.overhead_us  h100-sxm      same
h100-nvl     sm.l2_bytes_per_clk h100-sxm      same
h200-sxm     sm.l2_bytes_per_clk h100-sxm      same
h100-pcie    sm.l2_bytes_per_clk h100-sxm      same
b200         sm.l2_bytes_per_clk h100-sxm      same
b300         sm.l2_bytes_per_clk h100-sxm      same
gb200        sm.l2_bytes_per_clk h100-sxm      same
EOF

# ---- never above the datasheet roofline ---------------------------------------
while read -r name rest; do
	for shape in "4096 4096 4096" "1 8192 8192"; do
		set -- $shape
		"$R" gemm --hw "$name" -m "$1" -n "$2" -k "$3" >"$tmp/g" 2>"$tmp/err" || {
			fail "gemm --hw $name $shape -> exit $?: $(cat "$tmp/err")"
			continue
		}
		awk -v what="$name $shape" '
			{ v[$1] = $2 }
			END {
				if (!(v["time_us"] > 0) || !(v["roofline_time_us"] > 0)) {
					print what ": no time_us/roofline_time_us"; exit 1 }
				if (v["time_us"] < v["roofline_time_us"]) {
					print what ": " v["time_us"] " us, faster than the roofline " v["roofline_time_us"] " us"; exit 1 }
				if (v["tflops"] > v["roofline_tflops"]) {
					print what ": " v["tflops"] " TFLOP/s above the roofline " v["roofline_tflops"]; exit 1 }
			}' "$tmp/g" >"$tmp/roof" || fail "$(cat "$tmp/roof")"
	done
done <"$tmp/datasheet"

# ---- a spec whose name is not its file name is refused when looked up -------
mkdir -p "$tmp/data/hw"
mutate "$src/hw/l4.json" "$tmp/data/hw/mygpu.json" 's/"name": "l4"/"name": "l4-renamed"/'
RIDGELINE_DATA="$tmp/data" expect 2 "mygpu.json: \$.name: expected \"mygpu\"" \
	"found \"l4-renamed\"" -- "$R" hw show mygpu
RIDGELINE_DATA="$tmp/data" expect 2 "mygpu.json: \$.name: expected \"mygpu\"" \
	-- "$R" gemm --hw mygpu -m 64 -n 64 -k 64
RIDGELINE_DATA="$tmp/data" "$R" hw list >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] || fail "hw list with a misnamed spec in \$RIDGELINE_DATA: expected exit 2"
grep -q '^l40s ' "$tmp/out" || fail "hw list stops listing at a misnamed spec"
# a path may hold any name
expect 0 "(l4-renamed)" -- "$R" hw show "$tmp/data/hw/mygpu.json"

[ "$fails" -eq 0 ] || exit 1
echo "ok: $n hardware specs"
