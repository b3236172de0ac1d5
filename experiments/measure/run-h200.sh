#!/usr/bin/env bash
# run-h200.sh — build ridgeline-measure and take every measurement the H200 validation needs:
#   h200-ceilings.json            copy bandwidth and large bf16 GEMM TFLOP/s
#   h200-llama33b-mlp-bf16.csv    Llama 33B MLP GEMMs (Medusa roofline sweep), bf16
#   h200-llama33b-mlp-fp16.csv    the same in fp16
#   h200-a100grid-bf16.csv        the 1,850 shapes of shared/data/a100-sxm4-80gb-bf16-gemm.csv
# each CSV with its .json metadata and a .log of per-shape progress, plus COMMANDS.md with
# the exact commands and their exit status.
#
# usage: experiments/measure/run-h200.sh [OUTDIR]     (default: experiments/measured)
# environment: NVCC (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc),
#              BUILD_DIR (default: build-measure, ignored by git), PREFIX (default: h200)
#
# Needs only nvcc, cuBLAS and a GPU: no configure, no ridgeline dependencies. Expected
# runtime on an H200 is about 4 minutes (an estimate from a roofline model of the GPU, not
# yet timed); each step has a --deadline-s (90 + 90 + 300 s) after which it starts no new
# shape and writes what it has, so the script ends within ~8.5 minutes in any case.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top" || exit 1
out=${1:-experiments/measured}
prefix=${PREFIX:-h200}
build=${BUILD_DIR:-build-measure}
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
bin=$build/ridgeline-measure
mkdir -p "$out" "$build"
commands=$out/COMMANDS.md
status=0

# Same flags as `make measure` (Makefile.am): sm_80 and sm_90 code, PTX for newer GPUs.
cudalib=$(cd "$(dirname "$nvcc")/.." && pwd)/lib64
# shellcheck disable=SC2054  # the commas in -gencode values are nvcc syntax
build_cmd=("$nvcc" -O3 -std=c++17
    -gencode arch=compute_80,code=sm_80 -gencode arch=compute_90,code=sm_90
    -gencode arch=compute_90,code=compute_90
    -Xcompiler -Wall,-Wextra -Xlinker -rpath -Xlinker "$cudalib"
    -o "$bin" experiments/measure/ridgeline-measure.cu -lcublasLt -lcublas -ldl)

{
    echo "# Measurement commands ($prefix)"
    echo
    echo "Run by \`experiments/measure/run-h200.sh $*\` on $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    if rev=$(git rev-parse --short HEAD 2>/dev/null); then
        git diff --quiet HEAD -- experiments/measure 2>/dev/null || rev="$rev (experiments/measure modified)"
    else
        rev="an unknown commit (no git checkout)"
    fi
    echo "from $rev."
    if command -v nvidia-smi >/dev/null; then
        echo "GPU: $(nvidia-smi --query-gpu=name,driver_version,pci.bus_id --format=csv,noheader 2>/dev/null | head -1)"
    fi
    echo
} > "$commands"

# shell_words ARGS...: print ARGS as one shell command line, quoting only where needed.
shell_words() {
    local a sep=
    for a in "$@"; do
        if [[ $a =~ ^[A-Za-z0-9_./,=:+@%-]+$ ]]; then printf '%s%s' "$sep" "$a"
        else printf '%s%q' "$sep" "$a"; fi
        sep=' '
    done
    echo
}

# step NAME CMD...: echo the command into COMMANDS.md, run it with stderr to NAME.log,
# record its exit status and wall time, and carry on with the next step if it fails.
step() {
    local name=$1
    shift
    local t0=$SECONDS rc
    {
        echo "## $name"
        echo
        echo '```sh'
        shell_words "$@"
        echo '```'
    } >> "$commands"
    echo "== $name: $*" >&2
    "$@" 2>&1 | tee "$out/$prefix-$name.log" >&2
    rc=${PIPESTATUS[0]}
    printf '\nexit status %s, %s s wall\n\n' "$rc" "$((SECONDS - t0))" >> "$commands"
    [ "$rc" -eq 0 ] || status=1
    return "$rc"
}

if command -v nvidia-smi >/dev/null; then
    name=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
    case $name in
    *H200*) ;;
    *) echo "run-h200.sh: warning: GPU is '$name', not an H200; set PREFIX to name the files" >&2 ;;
    esac
    nvidia-smi > "$out/$prefix-nvidia-smi.txt" 2>&1 || true
fi

step build "${build_cmd[@]}" || { echo "run-h200.sh: build failed" >&2; exit 1; }

step ceilings "$bin" --ceilings --meta "$out/$prefix-ceilings.json" --out "$out/$prefix-ceilings.csv"

for dt in bf16 fp16; do
    step "llama33b-mlp-$dt" "$bin" --grid llama33b-mlp --dtype "$dt" \
        --reps 50 --warmup 10 --deadline-s 90 \
        --out "$out/$prefix-llama33b-mlp-$dt.csv" --meta "$out/$prefix-llama33b-mlp-$dt.json"
done

# 1,850 shapes: fewer samples and a tighter per-shape budget keep this step near 3 minutes.
step a100grid-bf16 "$bin" --grid a100-data --dtype bf16 \
    --reps 40 --warmup 10 --max-ms 50 --deadline-s 300 \
    --out "$out/$prefix-a100grid-bf16.csv" --meta "$out/$prefix-a100grid-bf16.json"

echo "run-h200.sh: done, outputs in $out (status $status)" >&2
exit "$status"
