#!/usr/bin/env bash
# calibrate.sh — reproduce the calibration of the three fitted A100
# parameters (experiments/calibration/README.md): each is fitted on its own
# subset of the measured data, where it alone sets the time.
#   usage: experiments/calibrate.sh [RIDGELINE] [MEASURED.csv]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rl=${1:-$here/../build/ridgeline}
data=${2:-$here/../../shared/data/a100-sxm4-80gb-bf16-gemm.csv}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# compute-bound: m, n, k >= 4096 — sets clock.sustained_mhz
awk -F, 'NR == 1 || ($1 >= 4096 && $2 >= 4096 && $3 >= 4096)' "$data" >"$tmp/big.csv"
# weight streaming: m <= 16, n·k >= 8192² — sets hbm.efficiency
awk -F, 'NR == 1 || ($1 <= 16 && $2 * $3 >= 8192 * 8192)' "$data" >"$tmp/stream.csv"
# tiny: m <= 16, n·k <= 2048·1024 — sets launch.overhead_us
awk -F, 'NR == 1 || ($1 <= 16 && $2 * $3 <= 2048 * 1024)' "$data" >"$tmp/tiny.csv"

sweep() { # subset field values...
	local sub=$1 field=$2
	shift 2
	for v in "$@"; do
		printf '%-24s %-8s ' "$field" "$v"
		"$rl" validate --hw a100-80gb-sxm --measured "$tmp/$sub.csv" -j "$(nproc)" \
			--set "$field=$v" | awk '$1 == "all" { print "rows", $2, "MAPE", $3, "bias", $6 }'
	done
}
echo "# clock.sustained_mhz on $(($(wc -l <"$tmp/big.csv") - 1)) compute-bound rows"
sweep big clock.sustained_mhz 1120 1150 1180 1210 1240
echo "# hbm.efficiency on $(($(wc -l <"$tmp/stream.csv") - 1)) weight-streaming rows"
sweep stream hbm.efficiency 0.70 0.73 0.76 0.79 0.82
echo "# launch.overhead_us on $(($(wc -l <"$tmp/tiny.csv") - 1)) tiny rows"
sweep tiny launch.overhead_us 3.5 4.0 4.5 4.7 5.0 5.5
