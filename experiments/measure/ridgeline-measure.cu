/* ridgeline-measure — measure cuBLASLt GEMM latencies and the two roofline ceilings of a GPU.
 *
 * For each shape (m, n, k, dtype) it times one GEMM C = A·B as PyTorch computes `A @ B`
 * for row-major A (m×k activations), B (k×n weights) and C (m×n), in bf16 or fp16 with
 * fp32 accumulation, using the algorithm cuBLASLt's heuristic picks first (what a framework
 * gets) and a 32 MiB workspace. The numbers are meant to validate ridgeline's predictions,
 * so the method follows the measured A100 data in shared/data:
 *
 *   - inputs are random (a device-side hash, never zeros: tensor-core power, hence clocks,
 *     depends on the bits);
 *   - the GEMM rotates over `copies` private copies of (A, B, C), enough that the bytes of
 *     A and B between two uses of the same copy are at least 4× the L2 size, so B comes from HBM
 *     as it does for a layer's weights in a real forward pass;
 *   - a batch of G GEMMs (G a multiple of copies, replay ≈ 1 ms, 20–100 for small shapes)
 *     is captured in a CUDA graph; the graph is replayed `reps` times between CUDA events
 *     and each replay's time / G is one sample; latency is the median sample (min and p90
 *     too). The same batch launched with plain stream launches gives the `nograph` columns,
 *     where host launch overhead shows for small shapes.
 *
 * It also measures the two ceilings of the roofline: device-to-device copy bandwidth
 * (cudaMemcpyAsync of 2 GiB, read + written bytes counted) and large bf16 GEMM throughput
 * (8192³ and 16384³).
 *
 * Outputs (both written to a temporary name and renamed when complete):
 *   CSV  m,n,k,dtype,latency_ms,... (ridgeline's measured-data format; extra columns after)
 *   JSON device, versions, clocks before/under load/after, settings, ceilings, command line.
 *
 * Exit status: 0 success, 1 CUDA/cuBLAS/IO failure (message names file:line and the error),
 * 2 bad usage or input. Every CUDA and cuBLAS call is checked.
 *
 * Build: `make measure` (configure must find nvcc), or see run-h200.sh. No GPU is needed to
 * build; `--list` prints the shapes without touching a GPU.
 */
#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "lt-names.h"

/* ---- error checking --------------------------------------------------------------------- */

#define CUDA_CHECK(call)                                                                      \
    do {                                                                                      \
        cudaError_t e_ = (call);                                                              \
        if (e_ != cudaSuccess) {                                                              \
            fprintf(stderr, "%s:%d: %s: %s (%s)\n", __FILE__, __LINE__, #call,               \
                    cudaGetErrorString(e_), cudaGetErrorName(e_));                            \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)

#define CUBLAS_CHECK(call)                                                                    \
    do {                                                                                      \
        cublasStatus_t s_ = (call);                                                           \
        if (s_ != CUBLAS_STATUS_SUCCESS) {                                                    \
            fprintf(stderr, "%s:%d: %s: %s (%s)\n", __FILE__, __LINE__, #call,               \
                    cublasGetStatusString(s_), cublasGetStatusName(s_));                      \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)

static void die(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ridgeline-measure: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(status);
}

/* ---- shapes, grids, options ------------------------------------------------------------- */

enum dtype { DT_BF16, DT_FP16 };

static const char *dtype_name(dtype d) { return d == DT_BF16 ? "bf16" : "fp16"; }

struct shape {
    long m, n, k; /* C = A·B: A m×k, B k×n, C m×n (row-major) */
    dtype dt;
};

static bool shape_less(const shape &a, const shape &b)
{
    if (a.dt != b.dt) return a.dt < b.dt;
    if (a.n != b.n) return a.n < b.n;
    if (a.k != b.k) return a.k < b.k;
    return a.m < b.m;
}

static bool shape_eq(const shape &a, const shape &b)
{
    return a.dt == b.dt && a.m == b.m && a.n == b.n && a.k == b.k;
}

/* The distinct m values of shared/data/a100-sxm4-80gb-bf16-gemm.csv (74 values; the file's
 * n and k are {1024, 2048, 4096, 8192, 16384}). --m-from FILE.csv reads them instead. */
static const long a100_data_m[] = {
    1,    2,    3,    4,    5,    6,    7,    8,    9,    10,    11,    12,   13,   14,   15,
    16,   17,   32,   33,   48,   49,   64,   65,   80,   81,    96,    97,   112,  113,  128,
    129,  160,  161,  192,  193,  224,  225,  256,  257,  512,   513,   768,  769,  1024, 1025,
    1280, 1281, 1536, 1537, 1792, 1793, 2048, 2049, 2304, 2305,  2560,  2561, 2816, 2817, 3072,
    3073, 3328, 3329, 3584, 3585, 3840, 3841, 4096, 4097, 4352,  4353,  8192, 16384, 32768,
};
static const long a100_data_nk[] = {1024, 2048, 4096, 8192, 16384};

/* Llama 33B MLP (hidden 6656, FFN 17920): up/gate are T×6656·6656×17920, down is
 * T×17920·17920×6656, for T = batch·q tokens (the Medusa roofline figure's sweep). */
static const long llama_q[] = {1, 16, 32, 48, 64, 80, 96, 112};
static const long llama_batch[] = {1, 2, 4, 8, 16, 32, 64};

struct options {
    const char *shapes_file = nullptr; /* --shapes FILE.csv */
    const char *grid = nullptr;        /* --grid NAME */
    const char *m_from = nullptr;      /* --m-from FILE.csv (a100-data grid) */
    const char *out = nullptr;         /* --out OUT.csv */
    std::string meta;                  /* --meta OUT.json (default: OUT.csv → OUT.json) */
    std::vector<dtype> dtypes;         /* --dtype bf16,fp16 */
    bool layout_tn = false;            /* --layout tn: B stored n×k (nn.Linear weight) */
    int reps = 50;                     /* --reps: timed samples per mode (at most) */
    int min_reps = 10;                 /* --min-reps: samples kept even when --max-ms is hit */
    int warmup = 10;                   /* --warmup: untimed-for-stats GEMMs before timing */
    int batch = 100;                   /* --batch: most GEMMs per graph (more if copies > batch) */
    double replay_ms = 1.0;            /* --replay-ms: target GPU time of one sample */
    double max_ms = 100.0;             /* --max-ms: GPU time budget per shape and mode */
    double rotate = 4.0;               /* --rotate: A+B bytes between reuses, in L2 sizes */
    double mem_frac = 0.8;             /* --mem-frac: share of free memory for buffers */
    double deadline_s = 0.0;           /* --deadline-s: stop starting shapes after this */
    size_t workspace = 32u << 20;      /* --workspace-mib: cuBLASLt workspace */
    double copy_gib = 2.0;             /* --copy-gib: D2D copy ceiling buffer size */
    int device = 0;                    /* --device */
    uint64_t seed = 0x5eed;            /* --seed: data hash seed */
    bool ceilings_only = false;        /* --ceilings */
    bool no_ceilings = false;          /* --no-ceilings */
    bool no_nograph = false;           /* --no-nograph: skip the plain-launch column */
    bool list = false;                 /* --list: print shapes and exit (no GPU) */
    int argc = 0;
    char **argv = nullptr;
};

static void usage(FILE *f)
{
    fputs(
        "usage: ridgeline-measure (--grid NAME | --shapes FILE.csv) --out OUT.csv [--meta OUT.json]\n"
        "                         [--dtype bf16,fp16] [options]\n"
        "       ridgeline-measure --ceilings --meta OUT.json [--out OUT.csv]\n"
        "       ridgeline-measure (--grid NAME | --shapes FILE.csv) --list [--dtype ...]\n"
        "\n"
        "Times cuBLASLt GEMMs C = A·B (row-major A m×k, B k×n, as PyTorch's A @ B) with CUDA\n"
        "graphs and events over rotating copies of the operands, plus the GPU's copy bandwidth\n"
        "and large-GEMM TFLOP/s. See experiments/measure/README.md.\n"
        "\n"
        "shapes:\n"
        "  --grid llama33b-mlp    m = batch·q (q 1,16..112; batch 1..64),\n"
        "                         (n,k) = (17920,6656), (6656,17920)\n"
        "  --grid a100-data       m of shared/data/a100-sxm4-80gb-bf16-gemm.csv, n,k in 1024..16384\n"
        "  --m-from FILE.csv      a100-data grid: take m values from FILE's m column\n"
        "  --shapes FILE.csv      CSV with a header naming m, n and k columns (others ignored)\n"
        "  --dtype LIST           bf16, fp16 or bf16,fp16 (default bf16)\n"
        "  --layout nn|tn         nn: B stored k×n, A @ B (default); tn: B stored n×k, A @ W.T\n"
        "outputs:\n"
        "  --out OUT.csv          results (required unless --ceilings or --list)\n"
        "  --meta OUT.json        metadata (default OUT.csv with .json; required with --ceilings)\n"
        "timing:\n"
        "  --reps N               timed samples per shape and mode, at most (default 50)\n"
        "  --min-reps N           samples kept even beyond --max-ms (default 10)\n"
        "  --warmup N             warm-up GEMMs per shape (default 10)\n"
        "  --batch N              GEMMs per graph, at most, unless copies is larger (default 100)\n"
        "  --replay-ms X          target GPU time of one sample (default 1)\n"
        "  --max-ms X             GPU time budget per shape and mode (default 100)\n"
        "  --no-nograph           skip the plain-launch (no graph) measurement\n"
        "  --deadline-s X         start no new shape after X seconds; write what was measured\n"
        "setup:\n"
        "  --rotate X             A+B bytes between reuses of a copy, in L2 sizes (default 4)\n"
        "  --mem-frac X           share of free GPU memory for operand copies (default 0.8)\n"
        "  --workspace-mib N      cuBLASLt workspace (default 32)\n"
        "  --copy-gib X           copy-bandwidth buffer size (default 2)\n"
        "  --ceilings             measure only the ceilings\n"
        "  --no-ceilings          skip the ceilings\n"
        "  --device N             CUDA device (default 0)\n"
        "  --seed N               data seed (default 24301)\n",
        f);
}

static long parse_long(const char *opt, const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        die(2, "%s: expected an integer in [%ld, %ld], got '%s'", opt, lo, hi, s);
    return v;
}

static double parse_double(const char *opt, const char *s, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        die(2, "%s: expected a number in [%g, %g], got '%s'", opt, lo, hi, s);
    return v;
}

static void parse_dtypes(const char *s, std::vector<dtype> &out)
{
    std::string all(s);
    size_t pos = 0;
    out.clear();
    while (pos <= all.size()) {
        size_t comma = all.find(',', pos);
        std::string tok = all.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        dtype d;
        if (tok == "bf16")
            d = DT_BF16;
        else if (tok == "fp16")
            d = DT_FP16;
        else
            die(2, "--dtype: expected bf16, fp16 or a comma list of them, got '%s'", s);
        if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(d);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
}

static void parse_args(int argc, char **argv, options &o)
{
    o.argc = argc;
    o.argv = argv;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        auto val = [&]() -> const char * {
            if (i + 1 >= argc) die(2, "%s: missing value", a);
            return argv[++i];
        };
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--shapes")) o.shapes_file = val();
        else if (!strcmp(a, "--grid")) o.grid = val();
        else if (!strcmp(a, "--m-from")) o.m_from = val();
        else if (!strcmp(a, "--out")) o.out = val();
        else if (!strcmp(a, "--meta")) o.meta = val();
        else if (!strcmp(a, "--dtype")) parse_dtypes(val(), o.dtypes);
        else if (!strcmp(a, "--layout")) {
            const char *v = val();
            if (!strcmp(v, "nn")) o.layout_tn = false;
            else if (!strcmp(v, "tn")) o.layout_tn = true;
            else die(2, "--layout: expected nn or tn, got '%s'", v);
        } else if (!strcmp(a, "--reps")) o.reps = (int)parse_long(a, val(), 1, 100000);
        else if (!strcmp(a, "--min-reps")) o.min_reps = (int)parse_long(a, val(), 1, 100000);
        else if (!strcmp(a, "--warmup")) o.warmup = (int)parse_long(a, val(), 0, 100000);
        else if (!strcmp(a, "--batch")) o.batch = (int)parse_long(a, val(), 1, 10000);
        else if (!strcmp(a, "--replay-ms")) o.replay_ms = parse_double(a, val(), 1e-3, 1e4);
        else if (!strcmp(a, "--max-ms")) o.max_ms = parse_double(a, val(), 0, 1e7);
        else if (!strcmp(a, "--rotate")) o.rotate = parse_double(a, val(), 0, 1e4);
        else if (!strcmp(a, "--mem-frac")) o.mem_frac = parse_double(a, val(), 0.01, 0.98);
        else if (!strcmp(a, "--deadline-s")) o.deadline_s = parse_double(a, val(), 0, 1e7);
        else if (!strcmp(a, "--workspace-mib"))
            o.workspace = (size_t)parse_long(a, val(), 0, 4096) << 20;
        else if (!strcmp(a, "--copy-gib")) o.copy_gib = parse_double(a, val(), 0.001, 1024);
        else if (!strcmp(a, "--device")) o.device = (int)parse_long(a, val(), 0, 1023);
        else if (!strcmp(a, "--seed")) o.seed = (uint64_t)parse_long(a, val(), 0, 0x7fffffffL);
        else if (!strcmp(a, "--ceilings")) o.ceilings_only = true;
        else if (!strcmp(a, "--no-ceilings")) o.no_ceilings = true;
        else if (!strcmp(a, "--no-nograph")) o.no_nograph = true;
        else if (!strcmp(a, "--list")) o.list = true;
        else {
            usage(stderr);
            die(2, "unknown argument '%s'", a);
        }
    }
    if (o.dtypes.empty()) o.dtypes.push_back(DT_BF16);
    if (o.min_reps > o.reps) o.min_reps = o.reps;
    if (o.ceilings_only && o.no_ceilings) die(2, "--ceilings and --no-ceilings contradict");
    if (o.ceilings_only) {
        if (o.grid || o.shapes_file) die(2, "--ceilings measures only the ceilings; drop --grid/--shapes");
        if (o.meta.empty() && !o.list) die(2, "--ceilings needs --meta OUT.json");
        return;
    }
    if (!o.grid == !o.shapes_file) die(2, "give exactly one of --grid NAME and --shapes FILE.csv");
    if (o.m_from && !(o.grid && !strcmp(o.grid, "a100-data")))
        die(2, "--m-from applies to --grid a100-data only");
    if (o.list) return;
    if (!o.out) die(2, "--out OUT.csv is required");
    if (o.meta.empty()) {
        o.meta = o.out;
        size_t n = o.meta.size();
        if (n > 4 && o.meta.compare(n - 4, 4, ".csv") == 0) o.meta.resize(n - 4);
        o.meta += ".json";
    }
}

/* Trim spaces, tabs and a trailing \r in place. */
static std::string trim(const std::string &s)
{
    size_t b = s.find_first_not_of(" \t\r\n\"");
    size_t e = s.find_last_not_of(" \t\r\n\"");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

static std::vector<std::string> split_csv(const std::string &line)
{
    std::vector<std::string> f;
    size_t pos = 0;
    for (;;) {
        size_t c = line.find(',', pos);
        f.push_back(trim(line.substr(pos, c == std::string::npos ? std::string::npos : c - pos)));
        if (c == std::string::npos) break;
        pos = c + 1;
    }
    return f;
}

/* Read the columns `names` of a CSV file with a header line; rows as integer tuples.
 * Blank lines and lines starting with '#' are skipped. Bad input exits with status 2. */
static std::vector<std::vector<long>> read_csv_columns(const char *path,
                                                       const std::vector<std::string> &names)
{
    FILE *f = fopen(path, "r");
    if (!f) die(2, "%s: cannot open: %s", path, strerror(errno));
    std::vector<std::vector<long>> rows;
    std::vector<int> idx;
    char buf[4096];
    int lineno = 0;
    while (fgets(buf, sizeof buf, f)) {
        lineno++;
        std::string line(buf);
        if (line.size() == sizeof buf - 1 && line.back() != '\n')
            die(2, "%s:%d: line longer than %zu bytes", path, lineno, sizeof buf - 2);
        std::string t = trim(line);
        if (t.empty() || t[0] == '#') continue;
        std::vector<std::string> f_ = split_csv(line);
        if (idx.empty()) {
            for (const std::string &want : names) {
                int at = -1;
                for (size_t j = 0; j < f_.size(); j++)
                    if (f_[j] == want) at = (int)j;
                if (at < 0) die(2, "%s:%d: header has no '%s' column", path, lineno, want.c_str());
                idx.push_back(at);
            }
            continue;
        }
        std::vector<long> row;
        for (size_t j = 0; j < idx.size(); j++) {
            if ((size_t)idx[j] >= f_.size())
                die(2, "%s:%d: row has no '%s' field", path, lineno, names[j].c_str());
            const std::string &s = f_[idx[j]];
            char *end;
            errno = 0;
            long v = strtol(s.c_str(), &end, 10);
            if (errno || s.empty() || *end || v < 1 || v > (1L << 31))
                die(2, "%s:%d: %s: expected a positive integer, got '%s'", path, lineno,
                    names[j].c_str(), s.c_str());
            row.push_back(v);
        }
        rows.push_back(row);
    }
    if (ferror(f)) die(2, "%s: read error", path);
    fclose(f);
    if (idx.empty()) die(2, "%s: empty file, expected a header naming m,n,k", path);
    return rows;
}

static std::vector<shape> build_shapes(const options &o)
{
    std::vector<shape> s;
    for (dtype dt : o.dtypes) {
        if (o.shapes_file) {
            for (const auto &r : read_csv_columns(o.shapes_file, {"m", "n", "k"}))
                s.push_back({r[0], r[1], r[2], dt});
        } else if (!strcmp(o.grid, "llama33b-mlp")) {
            const long nk[2][2] = {{17920, 6656}, {6656, 17920}};
            for (const auto &p : nk)
                for (long q : llama_q)
                    for (long b : llama_batch) s.push_back({b * q, p[0], p[1], dt});
        } else if (!strcmp(o.grid, "a100-data")) {
            std::vector<long> ms;
            if (o.m_from)
                for (const auto &r : read_csv_columns(o.m_from, {"m"})) ms.push_back(r[0]);
            else
                ms.assign(a100_data_m, a100_data_m + sizeof a100_data_m / sizeof *a100_data_m);
            for (long n : a100_data_nk)
                for (long k : a100_data_nk)
                    for (long m : ms) s.push_back({m, n, k, dt});
        } else {
            die(2, "--grid: unknown grid '%s' (llama33b-mlp, a100-data)", o.grid);
        }
    }
    std::sort(s.begin(), s.end(), shape_less);
    s.erase(std::unique(s.begin(), s.end(), shape_eq), s.end());
    if (s.empty()) die(2, "no shapes to measure");
    return s;
}

/* ---- clocks: NVML (loaded at run time if present), else nvidia-smi, else unavailable ---- */

/* The few NVML entry points used, declared here so that neither nvml.h nor libnvidia-ml
 * is needed to build; the library ships with the driver and is dlopen()ed when present. */
typedef struct nvml_device_st *nvml_device;
struct nvml_api {
    void *lib = nullptr;
    nvml_device dev = nullptr;
    int (*init)(void) = nullptr;
    int (*shutdown)(void) = nullptr;
    int (*by_pci)(const char *, nvml_device *) = nullptr;
    int (*clock)(nvml_device, int, unsigned *) = nullptr;       /* 1 = SM, 2 = memory */
    int (*temperature)(nvml_device, int, unsigned *) = nullptr; /* 0 = GPU die */
    int (*power)(nvml_device, unsigned *) = nullptr;            /* milliwatts */
    int (*power_limit)(nvml_device, unsigned *) = nullptr;      /* milliwatts */
    int (*reasons)(nvml_device, unsigned long long *) = nullptr;
    int (*driver_version)(char *, unsigned) = nullptr;
};
enum { NVML_CLOCK_SM = 1, NVML_CLOCK_MEM = 2, NVML_TEMPERATURE_GPU = 0 };

static bool nvml_open(nvml_api &n, const char *pci_bus_id)
{
    n.lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!n.lib) n.lib = dlopen("libnvidia-ml.so", RTLD_NOW | RTLD_LOCAL);
    if (!n.lib) return false;
#define SYM(field, name) *(void **)&n.field = dlsym(n.lib, name)
    SYM(init, "nvmlInit_v2");
    SYM(shutdown, "nvmlShutdown");
    SYM(by_pci, "nvmlDeviceGetHandleByPciBusId_v2");
    SYM(clock, "nvmlDeviceGetClockInfo");
    SYM(temperature, "nvmlDeviceGetTemperature");
    SYM(power, "nvmlDeviceGetPowerUsage");
    SYM(power_limit, "nvmlDeviceGetEnforcedPowerLimit");
    SYM(reasons, "nvmlDeviceGetCurrentClocksEventReasons");
    if (!n.reasons) SYM(reasons, "nvmlDeviceGetCurrentClocksThrottleReasons");
    SYM(driver_version, "nvmlSystemGetDriverVersion");
#undef SYM
    if (!n.init || !n.by_pci || !n.clock || n.init() != 0) goto fail;
    if (n.by_pci(pci_bus_id, &n.dev) != 0) {
        if (n.shutdown) n.shutdown();
        goto fail;
    }
    return true;
fail:
    dlclose(n.lib);
    n = nvml_api();
    return false;
}

static void nvml_close(nvml_api &n)
{
    if (!n.lib) return;
    if (n.shutdown) n.shutdown();
    dlclose(n.lib);
    n = nvml_api();
}

struct clock_sample {
    bool ok = false;
    long sm_mhz = -1, mem_mhz = -1; /* current clocks */
    long temp_c = -1;               /* GPU die temperature */
    double power_w = -1;            /* board power draw */
    double power_limit_w = -1;      /* enforced power limit */
    long long reasons = -1;         /* NVML clock event (throttle) reasons bitmask */
    std::string raw;                /* nvidia-smi output line, when that was the source */
};

struct clock_source {
    nvml_api nvml;
    bool have_nvml = false;
    bool have_smi = false;
    std::string bus_id;
    std::string driver; /* driver version string, "" if unknown */
    const char *name() const { return have_nvml ? "nvml" : have_smi ? "nvidia-smi" : "unavailable"; }
};

/* One line of `nvidia-smi --query-gpu=QUERY --format=csv,noheader,nounits` for our GPU:
 * selected by PCI bus id, or, if nvidia-smi refuses that id, the only GPU it lists. */
static bool smi_line(const std::string &query, const std::string &bus_id, std::string &line)
{
    /* bus_id comes from cudaDeviceGetPCIBusId: hex digits, ':' and '.' only */
    if (bus_id.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos) return false;
    for (int by_id = 1; by_id >= 0; by_id--) {
        std::string cmd = "nvidia-smi --query-gpu=" + query + " --format=csv,noheader,nounits" +
                          (by_id ? " -i " + bus_id : std::string()) + " 2>/dev/null";
        FILE *p = popen(cmd.c_str(), "r");
        if (!p) return false;
        std::vector<std::string> lines;
        char buf[512];
        while (fgets(buf, sizeof buf, p))
            if (!trim(buf).empty()) lines.push_back(trim(buf));
        int rc = pclose(p);
        if (rc == 0 && lines.size() == 1) {
            line = lines[0];
            return true;
        }
    }
    return false;
}

/* A number from nvidia-smi, or -1 for "[N/A]", "[Not Supported]" and the like. */
static double smi_num(const std::string &s)
{
    char *end;
    double v = strtod(s.c_str(), &end);
    return end != s.c_str() && *end == 0 ? v : -1;
}

static bool smi_query(const std::string &bus_id, clock_sample &s)
{
    std::string line;
    if (!smi_line("clocks.sm,clocks.mem,temperature.gpu,power.draw,power.limit", bus_id, line))
        return false;
    s.raw = line;
    std::vector<std::string> f = split_csv(line);
    f.resize(5);
    s.sm_mhz = (long)smi_num(f[0]);
    s.mem_mhz = (long)smi_num(f[1]);
    s.temp_c = (long)smi_num(f[2]);
    s.power_w = smi_num(f[3]);
    s.power_limit_w = smi_num(f[4]);
    s.ok = s.sm_mhz > 0;
    return s.ok;
}

static std::string driver_version(clock_source &c)
{
    char buf[96] = "";
    if (c.have_nvml) {
        if (c.nvml.driver_version && c.nvml.driver_version(buf, sizeof buf) == 0) return buf;
        return "";
    }
    std::string line;
    return c.have_smi && smi_line("driver_version", c.bus_id, line) ? line : "";
}

/* Full sample (NVML or nvidia-smi). */
static clock_sample clocks_read(clock_source &c)
{
    clock_sample s;
    if (c.have_nvml) {
        unsigned v;
        if (c.nvml.clock(c.nvml.dev, NVML_CLOCK_SM, &v) == 0) s.sm_mhz = v;
        if (c.nvml.clock(c.nvml.dev, NVML_CLOCK_MEM, &v) == 0) s.mem_mhz = v;
        if (c.nvml.temperature && c.nvml.temperature(c.nvml.dev, NVML_TEMPERATURE_GPU, &v) == 0)
            s.temp_c = v;
        if (c.nvml.power && c.nvml.power(c.nvml.dev, &v) == 0) s.power_w = v / 1000.0;
        if (c.nvml.power_limit && c.nvml.power_limit(c.nvml.dev, &v) == 0)
            s.power_limit_w = v / 1000.0;
        unsigned long long r;
        if (c.nvml.reasons && c.nvml.reasons(c.nvml.dev, &r) == 0) s.reasons = (long long)r;
        s.ok = s.sm_mhz > 0;
    } else if (c.have_smi) {
        smi_query(c.bus_id, s);
    }
    return s;
}

/* Cheap sample while a measurement is in flight: NVML only (nvidia-smi takes ~0.1 s). */
static clock_sample clocks_read_fast(clock_source &c)
{
    return c.have_nvml ? clocks_read(c) : clock_sample();
}

/* ---- device-side random data ------------------------------------------------------------ */

__device__ __forceinline__ uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* p[i] = uniform in [-1, 1), a hash of (seed, i): products stay well inside fp16 range for
 * k ≤ 10^5 (|sum| ~ sqrt(k/9)), and the bits look like real data to the tensor cores. */
template <typename T>
__global__ void fill_uniform(T *p, size_t n, uint64_t seed)
{
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        uint64_t h = splitmix64(seed ^ splitmix64(i));
        float u = (float)(h >> 40) * (1.0f / 16777216.0f) * 2.0f - 1.0f;
        p[i] = (T)u;
    }
}

static void fill_random(void *p, size_t bytes, dtype dt, uint64_t seed, cudaStream_t st)
{
    size_t n = bytes / 2;
    if (n == 0) return;
    int threads = 256;
    size_t want = (n + threads - 1) / threads;
    unsigned blocks = (unsigned)std::min<size_t>(want, 65536);
    if (dt == DT_BF16)
        fill_uniform<__nv_bfloat16><<<blocks, threads, 0, st>>>((__nv_bfloat16 *)p, n, seed);
    else
        fill_uniform<__half><<<blocks, threads, 0, st>>>((__half *)p, n, seed);
    CUDA_CHECK(cudaGetLastError());
}

/* ---- the GPU context --------------------------------------------------------------------- */

struct gpu {
    int dev = 0;
    cudaDeviceProp prop;
    std::string bus_id;
    int sm_count = 0, l2_bytes = 0, cc_major = 0, cc_minor = 0;
    int max_sm_clock_khz = 0, mem_clock_khz = 0, mem_bus_bits = 0; /* 0 if not reported */
    size_t free_bytes = 0, total_bytes = 0;
    int driver_version = 0, runtime_version = 0;
    size_t cublaslt_version = 0;
    cudaStream_t stream = nullptr;
    cublasLtHandle_t lt = nullptr;
    void *workspace = nullptr;
    size_t workspace_bytes = 0;
    char *pool = nullptr; /* operand copies, carved per shape */
    size_t pool_bytes = 0;
    std::vector<cudaEvent_t> ev; /* 2 per sample */
    clock_source clocks;
};

static int attr_or_zero(cudaDeviceAttr a, int dev)
{
    int v = 0;
    if (cudaDeviceGetAttribute(&v, a, dev) != cudaSuccess) {
        (void)cudaGetLastError(); /* attribute not reported by this driver: record 0 */
        v = 0;
    }
    return v;
}

static void gpu_open(gpu &g, const options &o)
{
    int count = 0;
    CUDA_CHECK(cudaGetDeviceCount(&count));
    if (o.device >= count) die(2, "--device %d: only %d CUDA device(s)", o.device, count);
    g.dev = o.device;
    CUDA_CHECK(cudaSetDevice(g.dev));
    CUDA_CHECK(cudaGetDeviceProperties(&g.prop, g.dev));
    char bus[64];
    CUDA_CHECK(cudaDeviceGetPCIBusId(bus, sizeof bus, g.dev));
    g.bus_id = bus;
    CUDA_CHECK(cudaDeviceGetAttribute(&g.sm_count, cudaDevAttrMultiProcessorCount, g.dev));
    CUDA_CHECK(cudaDeviceGetAttribute(&g.l2_bytes, cudaDevAttrL2CacheSize, g.dev));
    CUDA_CHECK(cudaDeviceGetAttribute(&g.cc_major, cudaDevAttrComputeCapabilityMajor, g.dev));
    CUDA_CHECK(cudaDeviceGetAttribute(&g.cc_minor, cudaDevAttrComputeCapabilityMinor, g.dev));
    g.max_sm_clock_khz = attr_or_zero(cudaDevAttrClockRate, g.dev);
    g.mem_clock_khz = attr_or_zero(cudaDevAttrMemoryClockRate, g.dev);
    g.mem_bus_bits = attr_or_zero(cudaDevAttrGlobalMemoryBusWidth, g.dev);
    CUDA_CHECK(cudaDriverGetVersion(&g.driver_version));
    CUDA_CHECK(cudaRuntimeGetVersion(&g.runtime_version));
    g.cublaslt_version = cublasLtGetVersion();
    CUDA_CHECK(cudaStreamCreateWithFlags(&g.stream, cudaStreamNonBlocking));
    CUBLAS_CHECK(cublasLtCreate(&g.lt));
    g.workspace_bytes = o.workspace;
    if (g.workspace_bytes) CUDA_CHECK(cudaMalloc(&g.workspace, g.workspace_bytes));
    CUDA_CHECK(cudaMemGetInfo(&g.free_bytes, &g.total_bytes));
    int nev = 2 * std::max(o.reps, 20);
    g.ev.resize(nev);
    for (auto &e : g.ev) CUDA_CHECK(cudaEventCreate(&e));

    g.clocks.bus_id = g.bus_id;
    g.clocks.have_nvml = nvml_open(g.clocks.nvml, g.bus_id.c_str());
    if (!g.clocks.have_nvml) {
        clock_sample s;
        g.clocks.have_smi = smi_query(g.bus_id, s);
    }
    g.clocks.driver = driver_version(g.clocks);
}

static void gpu_close(gpu &g)
{
    for (auto &e : g.ev) CUDA_CHECK(cudaEventDestroy(e));
    if (g.pool) CUDA_CHECK(cudaFree(g.pool));
    if (g.workspace) CUDA_CHECK(cudaFree(g.workspace));
    CUBLAS_CHECK(cublasLtDestroy(g.lt));
    CUDA_CHECK(cudaStreamDestroy(g.stream));
    nvml_close(g.clocks.nvml);
}

/* ---- one GEMM shape: plan, cuBLASLt setup, timing ---------------------------------------- */

static const size_t ALIGN = 4096; /* every operand copy starts on a 4 KiB boundary */

static size_t round_up(size_t x, size_t a) { return (x + a - 1) / a * a; }

struct plan {
    size_t bytes_a, bytes_b, bytes_c; /* one copy of each operand */
    size_t per_copy;                  /* aligned bytes of one (A, B, C) copy */
    int copies_wanted;                /* for rotate·L2 bytes of A+B between reuses */
};

static plan plan_shape(const shape &s, const options &o, long l2_bytes)
{
    plan p;
    p.bytes_a = (size_t)s.m * s.k * 2;
    p.bytes_b = (size_t)s.k * s.n * 2;
    p.bytes_c = (size_t)s.m * s.n * 2;
    p.per_copy = round_up(p.bytes_a, ALIGN) + round_up(p.bytes_b, ALIGN) + round_up(p.bytes_c, ALIGN);
    /* between two uses of one copy, the other copies - 1 copies stream rotate·L2 bytes */
    double need = o.rotate * (double)l2_bytes / (double)(p.bytes_a + p.bytes_b);
    long c = (long)std::ceil(need) + 1;
    p.copies_wanted = (int)std::min(4096L, std::max(2L, c));
    return p;
}

struct stats {
    double med = NAN, min = NAN, p90 = NAN; /* ms per GEMM */
};

/* Median (mean of the middle two for even counts), minimum and nearest-rank 90th percentile. */
static stats stats_of(std::vector<double> v)
{
    stats s;
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    s.min = v[0];
    s.med = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    size_t r = (size_t)std::ceil(0.9 * (double)n);
    s.p90 = v[std::max<size_t>(r, 1) - 1];
    return s;
}

struct algo_info {
    int id = -1;
    unsigned tile = 0, stages = 0, reduction = 0, swizzle = 0, custom = 0;
    int split_k = 1;
    uint16_t cluster = 0;
    size_t workspace = 0; /* bytes the heuristic asked for */
};

struct result {
    shape s;
    stats graph, plain;
    int reps = 0, batch = 0, copies = 0;
    algo_info algo;
    long sm_mhz = -1; /* NVML sample while the graph samples ran, -1 if none */
    long long reasons = -1;
};

struct lt_gemm {
    cublasLtMatmulDesc_t op = nullptr;
    cublasLtMatrixLayout_t la = nullptr, lb = nullptr, lc = nullptr;
    cublasLtMatmulAlgo_t algo;
    size_t ws = 0;
    std::vector<const void *> a, b; /* per copy: cuBLASLt's A is our B (weights), its B our A */
    std::vector<void *> c;
};

/* cuBLAS is column-major. Row-major C (m×n) is column-major C^T (n×m), and C^T = B^T·A^T,
 * where row-major B (k×n) read column-major is B^T (n×k, ld n) and row-major A (m×k) is A^T
 * (k×m, ld k): so cuBLASLt computes D(n×m) = op(W)(n×k) · X(k×m) with W = our B, X = our A,
 * transa = transb = N. That is exactly what PyTorch does for A @ B. With --layout tn, B is
 * stored n×k row-major (an nn.Linear weight, y = x @ W.T): read column-major it is k×n
 * (ld k), so transa = T. */
static void lt_setup(gpu &g, const options &o, const shape &s, lt_gemm &L, algo_info &info)
{
    cudaDataType_t t = s.dt == DT_BF16 ? CUDA_R_16BF : CUDA_R_16F;
    CUBLAS_CHECK(cublasLtMatmulDescCreate(&L.op, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    cublasOperation_t ta = o.layout_tn ? CUBLAS_OP_T : CUBLAS_OP_N, tb = CUBLAS_OP_N;
    CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(L.op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
    CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(L.op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
    if (o.layout_tn)
        CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&L.la, t, s.k, s.n, s.k));
    else
        CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&L.la, t, s.n, s.k, s.n));
    CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&L.lb, t, s.k, s.m, s.k));
    CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&L.lc, t, s.n, s.m, s.n));

    cublasLtMatmulPreference_t pref;
    CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
    size_t ws = g.workspace_bytes;
    CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                      &ws, sizeof ws));
    cublasLtMatmulHeuristicResult_t h;
    int found = 0;
    CUBLAS_CHECK(cublasLtMatmulAlgoGetHeuristic(g.lt, L.op, L.la, L.lb, L.lc, L.lc, pref, 1, &h, &found));
    CUBLAS_CHECK(cublasLtMatmulPreferenceDestroy(pref));
    if (found < 1) die(1, "cuBLASLt heuristic found no algorithm for %ld,%ld,%ld,%s", s.m, s.n, s.k,
                       dtype_name(s.dt));
    CUBLAS_CHECK(h.state);
    L.algo = h.algo;
    L.ws = h.workspaceSize;
    info.workspace = h.workspaceSize;

    size_t w;
    auto get = [&](cublasLtMatmulAlgoConfigAttributes_t a, void *p, size_t n) {
        memset(p, 0, n);
        CUBLAS_CHECK(cublasLtMatmulAlgoConfigGetAttribute(&L.algo, a, p, n, &w));
    };
    get(CUBLASLT_ALGO_CONFIG_ID, &info.id, sizeof info.id);
    get(CUBLASLT_ALGO_CONFIG_TILE_ID, &info.tile, sizeof info.tile);
    get(CUBLASLT_ALGO_CONFIG_SPLITK_NUM, &info.split_k, sizeof info.split_k);
    get(CUBLASLT_ALGO_CONFIG_REDUCTION_SCHEME, &info.reduction, sizeof info.reduction);
    get(CUBLASLT_ALGO_CONFIG_CTA_SWIZZLING, &info.swizzle, sizeof info.swizzle);
    get(CUBLASLT_ALGO_CONFIG_CUSTOM_OPTION, &info.custom, sizeof info.custom);
    get(CUBLASLT_ALGO_CONFIG_STAGES_ID, &info.stages, sizeof info.stages);
    get(CUBLASLT_ALGO_CONFIG_CLUSTER_SHAPE_ID, &info.cluster, sizeof info.cluster);
}

static void lt_teardown(lt_gemm &L)
{
    CUBLAS_CHECK(cublasLtMatrixLayoutDestroy(L.lc));
    CUBLAS_CHECK(cublasLtMatrixLayoutDestroy(L.lb));
    CUBLAS_CHECK(cublasLtMatrixLayoutDestroy(L.la));
    CUBLAS_CHECK(cublasLtMatmulDescDestroy(L.op));
}

static void lt_run(gpu &g, lt_gemm &L, int copy)
{
    const float alpha = 1.0f, beta = 0.0f;
    CUBLAS_CHECK(cublasLtMatmul(g.lt, L.op, &alpha, L.a[copy], L.la, L.b[copy], L.lb, &beta,
                                L.c[copy], L.lc, L.c[copy], L.lc, &L.algo, g.workspace, L.ws,
                                g.stream));
}

static double elapsed_ms(cudaEvent_t a, cudaEvent_t b)
{
    float ms = 0;
    CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
    return ms;
}

/* Measure one shape; the pool must hold at least one copy (checked by the caller). */
static result measure_shape(gpu &g, const options &o, const shape &s, uint64_t seed, int max_reps)
{
    result r;
    r.s = s;
    plan p = plan_shape(s, o, g.l2_bytes);
    int copies = (int)std::min<size_t>(p.copies_wanted, g.pool_bytes / p.per_copy);
    if (copies < 1) die(1, "shape %ld,%ld,%ld needs %zu bytes, pool has %zu", s.m, s.n, s.k, p.per_copy,
                        g.pool_bytes);
    r.copies = copies;

    lt_gemm L;
    lt_setup(g, o, s, L, r.algo);
    size_t ra = round_up(p.bytes_a, ALIGN), rb = round_up(p.bytes_b, ALIGN);
    for (int i = 0; i < copies; i++) {
        char *base = g.pool + (size_t)i * p.per_copy;
        L.b.push_back(base);           /* activations A */
        L.a.push_back(base + ra);      /* weights B */
        L.c.push_back(base + ra + rb); /* output C */
    }
    fill_random(g.pool, (size_t)copies * p.per_copy, s.dt, seed, g.stream);

    /* Warm-up: two GEMMs load the kernel (lazy module loading), then `warmup` GEMMs over the
     * copies, timed together to size the batch and the number of samples. */
    int n_est = std::max(o.warmup, 1);
    lt_run(g, L, 0);
    lt_run(g, L, 1 % copies);
    CUDA_CHECK(cudaStreamSynchronize(g.stream));
    CUDA_CHECK(cudaEventRecord(g.ev[0], g.stream));
    for (int i = 0; i < n_est; i++) lt_run(g, L, i % copies);
    CUDA_CHECK(cudaEventRecord(g.ev[1], g.stream));
    CUDA_CHECK(cudaStreamSynchronize(g.stream));
    double t_est = std::max(elapsed_ms(g.ev[0], g.ev[1]) / n_est, 1e-4);

    /* Batch: about replay_ms of GPU time, at most --batch, rounded up to a multiple of copies
     * so that every copy is used equally and replays chain without short reuse distances. */
    long want = (long)std::ceil(o.replay_ms / t_est);
    want = std::max(1L, std::min<long>(want, o.batch));
    int batch = (int)((want + copies - 1) / copies * copies);
    double fit = std::floor(o.max_ms / (batch * t_est)); /* samples within the budget */
    int reps = (int)std::min<double>(max_reps, std::max<double>(o.min_reps, fit));
    reps = std::max(1, reps);
    r.batch = batch;
    r.reps = reps;

    /* CUDA graph of `batch` GEMMs over the copies; one untimed replay, then `reps` samples. */
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    CUDA_CHECK(cudaStreamBeginCapture(g.stream, cudaStreamCaptureModeThreadLocal));
    for (int i = 0; i < batch; i++) lt_run(g, L, i % copies);
    CUDA_CHECK(cudaStreamEndCapture(g.stream, &graph));
    CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));
    CUDA_CHECK(cudaGraphUpload(exec, g.stream));
    CUDA_CHECK(cudaGraphLaunch(exec, g.stream));
    for (int i = 0; i < reps; i++) {
        CUDA_CHECK(cudaEventRecord(g.ev[2 * i], g.stream));
        CUDA_CHECK(cudaGraphLaunch(exec, g.stream));
        CUDA_CHECK(cudaEventRecord(g.ev[2 * i + 1], g.stream));
    }
    clock_sample cs = clocks_read_fast(g.clocks); /* while the samples run */
    r.sm_mhz = cs.sm_mhz;
    r.reasons = cs.reasons;
    CUDA_CHECK(cudaStreamSynchronize(g.stream));
    std::vector<double> t;
    for (int i = 0; i < reps; i++) t.push_back(elapsed_ms(g.ev[2 * i], g.ev[2 * i + 1]) / batch);
    r.graph = stats_of(t);
    CUDA_CHECK(cudaGraphExecDestroy(exec));
    CUDA_CHECK(cudaGraphDestroy(graph));

    /* The same batch as plain stream launches: host launch cost shows when it exceeds the
     * GEMM's GPU time. */
    if (!o.no_nograph) {
        t.clear();
        for (int i = 0; i < reps; i++) {
            CUDA_CHECK(cudaEventRecord(g.ev[2 * i], g.stream));
            for (int j = 0; j < batch; j++) lt_run(g, L, j % copies);
            CUDA_CHECK(cudaEventRecord(g.ev[2 * i + 1], g.stream));
        }
        CUDA_CHECK(cudaStreamSynchronize(g.stream));
        for (int i = 0; i < reps; i++) t.push_back(elapsed_ms(g.ev[2 * i], g.ev[2 * i + 1]) / batch);
        r.plain = stats_of(t);
    }
    lt_teardown(L);
    return r;
}

/* ---- ceilings ---------------------------------------------------------------------------- */

struct ceilings {
    bool measured = false;
    size_t copy_bytes = 0;   /* bytes copied per cudaMemcpyAsync */
    int copy_reps = 0;
    stats copy_ms;           /* per copy */
    double copy_gbps_median = NAN, copy_gbps_best = NAN; /* 2·bytes / time, 1e9 B/s */
    std::vector<result> gemm; /* bf16 8192³, 16384³ */
    double gemm_tflops_best = NAN;
};

static double tflops_of(const shape &s, double ms)
{
    return 2.0 * s.m * s.n * s.k / (ms * 1e-3) / 1e12;
}

static double gbps_of(const shape &s, double ms)
{
    return 2.0 * ((double)s.m * s.k + (double)s.k * s.n + (double)s.m * s.n) / (ms * 1e-3) / 1e9;
}

static void measure_ceilings(gpu &g, const options &o, ceilings &c)
{
    c.measured = true;
    /* Copy bandwidth: src and dst are the two halves of the pool's first 2·copy_bytes. */
    size_t bytes = round_up((size_t)(o.copy_gib * (double)(1ull << 30)), ALIGN);
    bytes = std::min(bytes, g.pool_bytes / 2 / ALIGN * ALIGN);
    c.copy_bytes = bytes;
    char *src = g.pool, *dst = g.pool + bytes;
    fill_random(src, bytes, DT_BF16, o.seed ^ 0xc0b1ull, g.stream);
    for (int i = 0; i < 3; i++)
        CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, g.stream));
    int reps = std::min<int>(20, (int)g.ev.size() / 2);
    c.copy_reps = reps;
    for (int i = 0; i < reps; i++) {
        CUDA_CHECK(cudaEventRecord(g.ev[2 * i], g.stream));
        CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, g.stream));
        CUDA_CHECK(cudaEventRecord(g.ev[2 * i + 1], g.stream));
    }
    CUDA_CHECK(cudaStreamSynchronize(g.stream));
    std::vector<double> t;
    for (int i = 0; i < reps; i++) t.push_back(elapsed_ms(g.ev[2 * i], g.ev[2 * i + 1]));
    c.copy_ms = stats_of(t);
    c.copy_gbps_median = 2.0 * bytes / (c.copy_ms.med * 1e-3) / 1e9;
    c.copy_gbps_best = 2.0 * bytes / (c.copy_ms.min * 1e-3) / 1e9;
    fprintf(stderr, "ceiling: D2D copy %zu B: %.4f ms median -> %.1f GB/s (best %.1f)\n", bytes,
            c.copy_ms.med, c.copy_gbps_median, c.copy_gbps_best);

    /* Compute: large bf16 GEMMs in the nn layout, graph-timed like every shape. */
    options og = o;
    og.layout_tn = false;
    og.no_nograph = true;
    const long sizes[] = {8192, 16384};
    for (long n : sizes) {
        shape s = {n, n, n, DT_BF16};
        plan p = plan_shape(s, og, g.l2_bytes);
        if (p.per_copy > g.pool_bytes) {
            fprintf(stderr, "ceiling: skipping bf16 %ld^3: needs %zu bytes, pool has %zu\n", n,
                    p.per_copy, g.pool_bytes);
            continue;
        }
        result r = measure_shape(g, og, s, o.seed ^ (uint64_t)n, std::min(o.reps, 20));
        double tf = tflops_of(s, r.graph.med);
        fprintf(stderr, "ceiling: bf16 GEMM %ld^3: %.4f ms median -> %.1f TFLOP/s\n", n, r.graph.med, tf);
        c.gemm.push_back(r);
        if (!(tf <= c.gemm_tflops_best)) c.gemm_tflops_best = tf;
    }
}

/* ---- output ------------------------------------------------------------------------------ */

static const char *id_lookup(const id_name *t, size_t n, unsigned id, char *buf, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].id == id) return t[i].name;
    snprintf(buf, len, "id%u", id);
    return buf;
}
#define LOOKUP(table, id, buf) id_lookup(table, sizeof table / sizeof *table, id, buf, sizeof buf)

static void csv_header(FILE *f)
{
    fputs("m,n,k,dtype,latency_ms,latency_min_ms,latency_p90_ms,latency_nograph_ms,"
          "latency_nograph_min_ms,latency_nograph_p90_ms,reps,batch,copies,tflops,gbps,layout,"
          "algo_id,tile,stages,split_k,reduction,swizzle,custom,cluster,workspace_bytes,sm_mhz,"
          "protocol\n",
          f);
}

static void csv_num(FILE *f, double v)
{
    if (std::isnan(v))
        fputs(",NA", f);
    else
        fprintf(f, ",%.6f", v);
}

static void csv_row(FILE *f, const result &r, bool tn)
{
    char b1[32], b2[32], b3[32];
    fprintf(f, "%ld,%ld,%ld,%s", r.s.m, r.s.n, r.s.k, dtype_name(r.s.dt));
    csv_num(f, r.graph.med);
    csv_num(f, r.graph.min);
    csv_num(f, r.graph.p90);
    csv_num(f, r.plain.med);
    csv_num(f, r.plain.min);
    csv_num(f, r.plain.p90);
    fprintf(f, ",%d,%d,%d,%.3f,%.1f,%s,%d,%s,%s,%d,%u,%u,%u,%s,%zu,", r.reps, r.batch, r.copies,
            tflops_of(r.s, r.graph.med), gbps_of(r.s, r.graph.med), tn ? "tn" : "nn", r.algo.id,
            LOOKUP(tile_names, r.algo.tile, b1), LOOKUP(stages_names, r.algo.stages, b2),
            r.algo.split_k, r.algo.reduction, r.algo.swizzle, r.algo.custom,
            LOOKUP(cluster_names, r.algo.cluster, b3), r.algo.workspace);
    if (r.sm_mhz >= 0)
        fprintf(f, "%ld", r.sm_mhz);
    else
        fputs("NA", f);
    /* ridgeline's name for how the row was timed (validate/calibrate read it): the rotated
     * copies hold 4 L2 sizes between reuses, so every call finds its operands in DRAM */
    fputs(",cold\n", f);
}

static std::string json_str(const std::string &s)
{
    std::string o = "\"";
    for (unsigned char ch : s) {
        if (ch == '"' || ch == '\\') {
            o += '\\';
            o += (char)ch;
        } else if (ch < 0x20) {
            char b[8];
            snprintf(b, sizeof b, "\\u%04x", ch);
            o += b;
        } else {
            o += (char)ch;
        }
    }
    return o + "\"";
}

static std::string json_num(double v)
{
    if (!std::isfinite(v)) return "null";
    char b[64];
    snprintf(b, sizeof b, "%.10g", v);
    return b;
}

static std::string json_int(long long v, bool valid)
{
    return valid ? std::to_string(v) : "null";
}

static std::string json_clock(const clock_sample &s)
{
    if (!s.ok) return "null";
    std::string o = "{\"sm_mhz\": " + json_int(s.sm_mhz, s.sm_mhz >= 0) +
                    ", \"mem_mhz\": " + json_int(s.mem_mhz, s.mem_mhz >= 0) +
                    ", \"temperature_c\": " + json_int(s.temp_c, s.temp_c >= 0) +
                    ", \"power_w\": " + json_num(s.power_w >= 0 ? s.power_w : NAN) +
                    ", \"power_limit_w\": " + json_num(s.power_limit_w >= 0 ? s.power_limit_w : NAN);
    if (s.reasons >= 0) {
        char b[32];
        snprintf(b, sizeof b, "0x%llx", (unsigned long long)s.reasons);
        o += ", \"clock_event_reasons\": " + json_str(b);
    }
    if (!s.raw.empty()) o += ", \"nvidia_smi\": " + json_str(s.raw);
    return o + "}";
}

static std::string version_str(int v) /* CUDA encodes 1000·major + 10·minor */
{
    char b[32];
    snprintf(b, sizeof b, "%d.%d", v / 1000, (v % 1000) / 10);
    return b;
}

static std::string json_result(const result &r)
{
    char b1[32], b2[32], b3[32];
    return "{\"m\": " + std::to_string(r.s.m) + ", \"n\": " + std::to_string(r.s.n) +
           ", \"k\": " + std::to_string(r.s.k) + ", \"dtype\": " + json_str(dtype_name(r.s.dt)) +
           ", \"latency_ms\": " + json_num(r.graph.med) + ", \"latency_min_ms\": " + json_num(r.graph.min) +
           ", \"latency_p90_ms\": " + json_num(r.graph.p90) +
           ", \"tflops\": " + json_num(tflops_of(r.s, r.graph.med)) +
           ", \"reps\": " + std::to_string(r.reps) + ", \"batch\": " + std::to_string(r.batch) +
           ", \"copies\": " + std::to_string(r.copies) +
           ", \"tile\": " + json_str(LOOKUP(tile_names, r.algo.tile, b1)) +
           ", \"stages\": " + json_str(LOOKUP(stages_names, r.algo.stages, b2)) +
           ", \"split_k\": " + std::to_string(r.algo.split_k) +
           ", \"cluster\": " + json_str(LOOKUP(cluster_names, r.algo.cluster, b3)) + "}";
}

struct run_info {
    std::string date_utc;
    clock_sample before, after;
    long load_sm_min = -1, load_sm_max = -1; /* over per-shape NVML samples */
    long long load_reasons = 0;              /* OR of per-shape reasons */
    int load_samples = 0;
    size_t requested = 0, measured = 0;
    bool truncated = false;
    double wall_s = 0;
};

static void write_meta(FILE *f, const gpu &g, const options &o, const ceilings &c, const run_info &ri)
{
    std::string cmd;
    for (int i = 0; i < o.argc; i++) cmd += (i ? " " : "") + std::string(o.argv[i]);
    fprintf(f, "{\n");
    fprintf(f, "  \"tool\": \"ridgeline-measure\",\n");
    fprintf(f, "  \"date_utc\": %s,\n", json_str(ri.date_utc).c_str());
    fprintf(f, "  \"command_line\": %s,\n", json_str(cmd).c_str());
    fprintf(f, "  \"argv\": [");
    for (int i = 0; i < o.argc; i++) fprintf(f, "%s%s", i ? ", " : "", json_str(o.argv[i]).c_str());
    fprintf(f, "],\n");
    fprintf(f, "  \"gpu\": {\n");
    fprintf(f, "    \"name\": %s,\n", json_str(g.prop.name).c_str());
    fprintf(f, "    \"device\": %d,\n", g.dev);
    fprintf(f, "    \"pci_bus_id\": %s,\n", json_str(g.bus_id).c_str());
    fprintf(f, "    \"compute_capability\": \"%d.%d\",\n", g.cc_major, g.cc_minor);
    fprintf(f, "    \"sm_count\": %d,\n", g.sm_count);
    fprintf(f, "    \"l2_bytes\": %d,\n", g.l2_bytes);
    fprintf(f, "    \"memory_bytes\": %zu,\n", g.total_bytes);
    fprintf(f, "    \"max_sm_clock_mhz\": %s,\n",
            json_int(g.max_sm_clock_khz / 1000, g.max_sm_clock_khz > 0).c_str());
    fprintf(f, "    \"memory_clock_mhz\": %s,\n",
            json_int(g.mem_clock_khz / 1000, g.mem_clock_khz > 0).c_str());
    fprintf(f, "    \"memory_bus_bits\": %s\n", json_int(g.mem_bus_bits, g.mem_bus_bits > 0).c_str());
    fprintf(f, "  },\n");
    fprintf(f, "  \"versions\": {\n");
    fprintf(f, "    \"driver\": %s,\n",
            g.clocks.driver.empty() ? "null" : json_str(g.clocks.driver).c_str());
    fprintf(f, "    \"driver_cuda\": %s,\n", json_str(version_str(g.driver_version)).c_str());
    fprintf(f, "    \"cuda_runtime\": %s,\n", json_str(version_str(g.runtime_version)).c_str());
    fprintf(f, "    \"cublaslt\": %zu,\n", g.cublaslt_version);
    fprintf(f, "    \"cublas_headers\": \"%d.%d.%d\"\n", CUBLAS_VER_MAJOR, CUBLAS_VER_MINOR,
            CUBLAS_VER_PATCH);
    fprintf(f, "  },\n");
    fprintf(f, "  \"clocks\": {\n");
    fprintf(f, "    \"source\": %s,\n", json_str(g.clocks.name()).c_str());
    fprintf(f, "    \"before\": %s,\n", json_clock(ri.before).c_str());
    fprintf(f, "    \"under_load\": ");
    if (ri.load_samples > 0) {
        char b[32];
        snprintf(b, sizeof b, "0x%llx", (unsigned long long)ri.load_reasons);
        fprintf(f, "{\"sm_mhz_min\": %ld, \"sm_mhz_max\": %ld, \"samples\": %d, "
                   "\"clock_event_reasons_or\": %s},\n",
                ri.load_sm_min, ri.load_sm_max, ri.load_samples, json_str(b).c_str());
    } else {
        fprintf(f, "null,\n");
    }
    fprintf(f, "    \"after\": %s\n", json_clock(ri.after).c_str());
    fprintf(f, "  },\n");
    fprintf(f, "  \"settings\": {\n");
    fprintf(f, "    \"api\": \"cublasLtMatmul, first heuristic result\",\n");
    fprintf(f, "    \"layout\": %s,\n", json_str(o.layout_tn ? "tn: A m x k, B stored n x k (A @ B.T)"
                                                       : "nn: A m x k, B k x n, row-major (A @ B)").c_str());
    fprintf(f, "    \"compute_type\": \"CUBLAS_COMPUTE_32F\",\n");
    fprintf(f, "    \"scale_type\": \"CUDA_R_32F\",\n");
    fprintf(f, "    \"workspace_bytes\": %zu,\n", g.workspace_bytes);
    fprintf(f, "    \"reps\": %d,\n    \"min_reps\": %d,\n    \"warmup\": %d,\n", o.reps,
            o.min_reps, o.warmup);
    fprintf(f, "    \"batch\": %d,\n    \"replay_ms\": %s,\n    \"max_ms\": %s,\n", o.batch,
            json_num(o.replay_ms).c_str(), json_num(o.max_ms).c_str());
    fprintf(f, "    \"rotate_l2_multiple\": %s,\n", json_num(o.rotate).c_str());
    fprintf(f, "    \"pool_bytes\": %zu,\n", g.pool_bytes);
    fprintf(f, "    \"seed\": %llu,\n", (unsigned long long)o.seed);
    fprintf(f, "    \"nograph\": %s\n", o.no_nograph ? "false" : "true");
    fprintf(f, "  },\n");
    fprintf(f, "  \"ceilings\": ");
    if (c.measured) {
        fprintf(f, "{\n");
        fprintf(f, "    \"d2d_copy\": {\"bytes\": %zu, \"reps\": %d, \"ms_median\": %s, \"ms_min\": %s, "
                   "\"gbps_median\": %s, \"gbps_best\": %s, "
                   "\"counted\": \"bytes read + bytes written = 2 x bytes, GB = 1e9 B\"},\n",
                c.copy_bytes, c.copy_reps, json_num(c.copy_ms.med).c_str(), json_num(c.copy_ms.min).c_str(),
                json_num(c.copy_gbps_median).c_str(), json_num(c.copy_gbps_best).c_str());
        fprintf(f, "    \"gemm_bf16\": [");
        for (size_t i = 0; i < c.gemm.size(); i++)
            fprintf(f, "%s\n      %s", i ? "," : "", json_result(c.gemm[i]).c_str());
        fprintf(f, "\n    ],\n");
        fprintf(f, "    \"gemm_bf16_best_tflops\": %s\n", json_num(c.gemm_tflops_best).c_str());
        fprintf(f, "  },\n");
    } else {
        fprintf(f, "null,\n");
    }
    fprintf(f, "  \"shapes\": {\"requested\": %zu, \"measured\": %zu, \"complete\": %s},\n", ri.requested,
            ri.measured, ri.truncated ? "false" : "true");
    fprintf(f, "  \"outputs\": {\"csv\": %s},\n", o.out ? json_str(o.out).c_str() : "null");
    fprintf(f, "  \"wall_seconds\": %s\n", json_num(ri.wall_s).c_str());
    fprintf(f, "}\n");
}

/* Write through `path`.tmp.PID and rename, so an interrupted run leaves no partial file. */
struct atomic_file {
    std::string path, tmp;
    FILE *f = nullptr;
};

/* Fail on an unwritable output before the measurements rather than after them. */
static void probe_writable(const std::string &path)
{
    std::string tmp = path + ".tmp." + std::to_string((long)getpid());
    FILE *f = fopen(tmp.c_str(), "w");
    if (!f) die(1, "%s: cannot create: %s", tmp.c_str(), strerror(errno));
    fclose(f);
    remove(tmp.c_str());
}

static void atomic_open(atomic_file &a, const std::string &path)
{
    a.path = path;
    a.tmp = path + ".tmp." + std::to_string((long)getpid());
    a.f = fopen(a.tmp.c_str(), "w");
    if (!a.f) die(1, "%s: cannot create: %s", a.tmp.c_str(), strerror(errno));
}

static void atomic_commit(atomic_file &a)
{
    if (fflush(a.f) != 0 || ferror(a.f) || fclose(a.f) != 0) {
        remove(a.tmp.c_str());
        die(1, "%s: write failed: %s", a.tmp.c_str(), strerror(errno));
    }
    if (rename(a.tmp.c_str(), a.path.c_str()) != 0) {
        int e = errno;
        remove(a.tmp.c_str());
        die(1, "%s: cannot rename to %s: %s", a.tmp.c_str(), a.path.c_str(), strerror(e));
    }
}

static double now_s()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- main -------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    options o;
    parse_args(argc, argv, o);
    std::vector<shape> shapes;
    if (!o.ceilings_only) shapes = build_shapes(o);
    if (o.list) {
        printf("m,n,k,dtype\n");
        for (const shape &s : shapes) printf("%ld,%ld,%ld,%s\n", s.m, s.n, s.k, dtype_name(s.dt));
        fprintf(stderr, "%zu shapes\n", shapes.size());
        return 0;
    }
    if (o.out) probe_writable(o.out);
    probe_writable(o.meta);

    double t0 = now_s();
    run_info ri;
    {
        char b[32];
        time_t now = time(nullptr);
        strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        ri.date_utc = b;
    }
    gpu g;
    gpu_open(g, o);
    fprintf(stderr, "ridgeline-measure: %s (%s), %d SMs, L2 %d B, cc %d.%d, clocks via %s\n", g.prop.name,
            g.bus_id.c_str(), g.sm_count, g.l2_bytes, g.cc_major, g.cc_minor, g.clocks.name());

    /* One pool for all operand copies, sized for the largest need, within --mem-frac of the
     * memory free after the workspace. */
    size_t need = 0;
    for (const shape &s : shapes) {
        plan p = plan_shape(s, o, g.l2_bytes);
        need = std::max(need, (size_t)p.copies_wanted * p.per_copy);
    }
    if (!o.no_ceilings) {
        size_t copy = round_up((size_t)(o.copy_gib * (double)(1ull << 30)), ALIGN);
        plan p = plan_shape({16384, 16384, 16384, DT_BF16}, o, g.l2_bytes);
        need = std::max({need, 2 * copy, (size_t)p.copies_wanted * p.per_copy});
    }
    size_t cap = (size_t)(o.mem_frac * (double)g.free_bytes) / ALIGN * ALIGN;
    g.pool_bytes = round_up(std::min(need, cap), ALIGN);
    CUDA_CHECK(cudaMalloc(&g.pool, g.pool_bytes));
    for (const shape &s : shapes)
        if (plan_shape(s, o, g.l2_bytes).per_copy > g.pool_bytes)
            die(1, "shape %ld,%ld,%ld,%s needs %zu bytes per copy; only %zu bytes usable (--mem-frac)",
                s.m, s.n, s.k, dtype_name(s.dt), plan_shape(s, o, g.l2_bytes).per_copy, g.pool_bytes);

    ri.before = clocks_read(g.clocks);
    ceilings c;
    if (!o.no_ceilings) measure_ceilings(g, o, c);

    std::vector<result> results;
    ri.requested = shapes.size();
    for (size_t i = 0; i < shapes.size(); i++) {
        if (o.deadline_s > 0 && now_s() - t0 > o.deadline_s) {
            ri.truncated = true;
            fprintf(stderr, "ridgeline-measure: WARNING: --deadline-s %.0f reached after %zu of %zu shapes; "
                            "writing a partial result (meta shapes.complete = false)\n",
                    o.deadline_s, i, shapes.size());
            break;
        }
        const shape &s = shapes[i];
        result r = measure_shape(g, o, s, o.seed ^ ((uint64_t)i << 20), o.reps);
        results.push_back(r);
        if (r.sm_mhz >= 0) {
            ri.load_sm_min = ri.load_samples ? std::min(ri.load_sm_min, r.sm_mhz) : r.sm_mhz;
            ri.load_sm_max = ri.load_samples ? std::max(ri.load_sm_max, r.sm_mhz) : r.sm_mhz;
            if (r.reasons >= 0) ri.load_reasons |= r.reasons;
            ri.load_samples++;
        }
        char tb[32];
        fprintf(stderr, "[%zu/%zu] %ld,%ld,%ld,%s: %.4f ms graph (min %.4f, p90 %.4f), %.4f ms plain; "
                        "%.1f TFLOP/s, %.0f GB/s; copies %d, batch %d, reps %d; tile %s, split-k %d\n",
                i + 1, shapes.size(), s.m, s.n, s.k, dtype_name(s.dt), r.graph.med, r.graph.min, r.graph.p90,
                r.plain.med, tflops_of(s, r.graph.med), gbps_of(s, r.graph.med), r.copies, r.batch, r.reps,
                LOOKUP(tile_names, r.algo.tile, tb), r.algo.split_k);
    }
    ri.measured = results.size();
    ri.after = clocks_read(g.clocks);
    ri.wall_s = now_s() - t0;

    atomic_file out_csv, out_meta;
    if (o.out) {
        atomic_open(out_csv, o.out);
        csv_header(out_csv.f);
        for (const result &r : c.gemm)
            if (o.ceilings_only) csv_row(out_csv.f, r, false);
        for (const result &r : results) csv_row(out_csv.f, r, o.layout_tn);
        atomic_commit(out_csv);
    }
    atomic_open(out_meta, o.meta);
    write_meta(out_meta.f, g, o, c, ri);
    atomic_commit(out_meta);
    gpu_close(g);
    fprintf(stderr, "ridgeline-measure: %zu shapes in %.1f s -> %s%s%s\n", results.size(), ri.wall_s,
            o.out ? o.out : "", o.out ? ", " : "", o.meta.c_str());
    return 0;
}
