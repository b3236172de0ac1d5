/*
 * cmd_gemm.c — `ridgeline gemm`: simulate one GEMM and print one result
 * row with the results.csv columns (docs/results.md), one per line or, with
 * --csv, as CSV: the same fields either way. It simulates through the
 * public library (ridgeline_gemm(), sim/api/ridgeline.h), so what the
 * command prints is what a program embedding the library reads.
 *
 * --explain, --trace and --timeline simulate the GEMM once more with a
 * recorder (sim/gpu/attrib.h) on the same spec — the same prediction, to
 * the picosecond, which is checked — and print where the time went, the
 * roofline gap as a waterfall of the same parts and the speed-up from
 * each resource doubled (each one more simulation), or write the run as
 * a Chrome trace (sim/run/tracefile.h) or a gnuplot figure
 * (sim/run/timeline.h).
 */
#include <stdio.h>
#include <string.h>

#include "hw/spec.h"
#include "models/gemm.h"
#include "models/roofline.h"
#include "sim/api/internal.h"
#include "sim/api/ridgeline.h"
#include "sim/cli/cli.h"
#include "sim/gpu/attrib.h"
#include "sim/gpu/gpu.h"
#include "sim/run/timeline.h"
#include "sim/run/tracefile.h"

static const char usage[] =
	"usage: ridgeline gemm --hw HW -m M -n N -k K [--dtype bf16|fp16|fp8]\n"
	"                      [--l2 cold|warm] [--csv] [--set PATH=VALUE ...]\n"
	"                      [--explain] [--trace FILE.json]\n"
	"                      [--timeline FILE.svg|FILE.png]\n"
	"Simulate C[m×n] = A[m×k]·B[k×n] on hardware HW (name or path) and\n"
	"print one row with the results.csv columns (--csv: as CSV).\n";

/* The verdict's phrase for the dominant part. */
static void verdict(const struct gpu_result *r, const double *pct, int top,
		    char *out, size_t len)
{
	switch (top) {
	case ATTRIB_DRAM:
		snprintf(out, len, "DRAM-bound: %.0f %% of time waiting on DRAM, "
			 "streaming %.2f TB/s", pct[top], r->hbm_gbps / 1e3);
		break;
	case ATTRIB_TENSOR:
		snprintf(out, len, "tensor-bound: %.0f %% of time in the tensor "
			 "cores, %.0f TFLOP/s overall", pct[top], r->tflops);
		break;
	case ATTRIB_L2:
		snprintf(out, len, "L2-bound: %.0f %% of time waiting on L2 "
			 "slices (hit rate %.0f %%)", pct[top],
			 100 * r->l2_hit_rate);
		break;
	case ATTRIB_PORT:
		snprintf(out, len, "SM load/store-bound: %.0f %% of time on the "
			 "SMs' L2 ports and shared-memory reads", pct[top]);
		break;
	case ATTRIB_FIXED:
		snprintf(out, len, "fixed-cost-bound: %.0f %% of time is kernel "
			 "launch", pct[top]);
		break;
	case ATTRIB_FILL:
		snprintf(out, len, "latency-bound: %.0f %% of time is exposed "
			 "memory latency (pipeline fill and drain)", pct[top]);
		break;
	case ATTRIB_TAIL:
		snprintf(out, len, "tail-bound: %.0f %% of time in the ragged "
			 "last wave (%.2f waves)", pct[top], r->waves);
		break;
	default:
		snprintf(out, len, "split-K-bound: %.0f %% of time reducing "
			 "split-K partials (split %d)", pct[top], r->split_k);
		break;
	}
}

/* --explain: the parts, the roofline waterfall, the sensitivities and
 * the verdict of g on hw (options go), simulated as r with a recorder. */
static int explain(const struct hw_spec *hw, const struct gemm *g,
		   const struct gpu_opts *go, const struct gpu_result *r,
		   char *err)
{
	static const char *const what[ATTRIB_NPARTS] = {
		"kernel launch (and the reduction kernel's)",
		"exposed latency: pipeline fill and drain",
		"tensor cores at work",
		"waiting on DRAM channels (beyond latency)",
		"waiting on L2 slices (beyond latency)",
		"SM L2 port and shared-memory reads",
		"ragged last wave (machine no longer full)",
		"split-K partials and their reduction",
	};
	struct roofline_point rp;
	double pct[ATTRIB_NPARTS], sp[ATTRIB_NSENS], cum, sum = 0;
	int top = 0, second = -1, bind;
	char line[256], field[64];
	int rc;

	for (int i = 0; i < ATTRIB_NPARTS; i++) {
		pct[i] = 100 * r->part_us[i] / r->time_us;
		sum += r->part_us[i];
		if (r->part_us[i] > r->part_us[top])
			top = i;
	}
	for (int i = 0; i < ATTRIB_NPARTS; i++)
		if (i != top && (second < 0 || r->part_us[i] > r->part_us[second]))
			second = i;
	printf("\nwhere the time went (the simulation's critical path; the "
	       "parts add up to time_us):\n");
	printf("  %-8s %12s %8s\n", "part", "us", "share");
	for (int i = 0; i < ATTRIB_NPARTS; i++)
		printf("  %-8s %12.4f %6.1f %%  %s\n", attrib_part_name[i],
		       r->part_us[i], pct[i], what[i]);
	printf("  %-8s %12.4f %6.1f %%\n", "total", sum, 100 * sum / r->time_us);

	/* the datasheet roofline is met by one resource: its part absorbs
	 * it, every other part is gap */
	roofline_gemm(hw, g, &rp);
	bind = rp.memory_bound ? ATTRIB_DRAM : ATTRIB_TENSOR;
	printf("\nroofline gap (datasheet roofline -> predicted; step, "
	       "running total, us):\n");
	printf("  %-44s %12.4f %12.4f\n", rp.memory_bound ?
	       "roofline: compulsory bytes at datasheet DRAM bw" :
	       "roofline: FLOPs at the boost-clock tensor peak",
	       rp.time_us, rp.time_us);
	cum = rp.time_us;
	snprintf(line, sizeof line, "%s %s the roofline's time",
		 attrib_part_name[bind],
		 r->part_us[bind] >= rp.time_us ? "beyond" : "short of");
	cum += r->part_us[bind] - rp.time_us;
	printf("  %-44s %+12.4f %12.4f\n", line, r->part_us[bind] - rp.time_us,
	       cum);
	for (int i = 0; i < ATTRIB_NPARTS; i++) {
		if (i == bind)
			continue;
		cum += r->part_us[i];
		snprintf(line, sizeof line, "+ %s", attrib_part_name[i]);
		printf("  %-44s %+12.4f %12.4f\n", line, r->part_us[i], cum);
	}
	printf("  %-44s %12s %12.4f (roofline is %.1f %% of it)\n",
	       "= predicted", "", r->time_us, 100 * rp.time_us / r->time_us);

	if ((rc = attrib_sensitivities(hw, g, go, r->time_us, sp, err)))
		return rc;
	printf("\nwhat if (speed-up with one resource doubled, re-simulated):\n");
	for (int i = 0; i < ATTRIB_NSENS; i++) {
		double v = 0;

		attrib_sens_field(i, g, field, sizeof field);
		hw_spec_get(hw, field, &v);
		if (sp[i] > 0)
			printf("  %-15s %-26s %10.6g -> %-10.6g %.4fx\n",
			       attrib_sens_name[i], field, v, 2 * v, sp[i]);
		else
			printf("  %-15s %-26s %10.6g -> %-10.6g n/a (out of "
			       "range)\n", attrib_sens_name[i], field, v, 2 * v);
	}
	verdict(r, pct, top, line, sizeof line);
	printf("\nverdict: %s; %s %.0f %%\n", line,
	       second == ATTRIB_TAIL ? "tail wave" : attrib_part_name[second],
	       pct[second]);
	return RL_OK;
}

/* --explain, --trace, --timeline: simulate again with a recorder; the
 * result must be the plain run's (time_us). Returns the exit status. */
static int recorded(const struct hw_spec *hw, const struct gemm *g, int warm,
		    int do_explain, const char *trace, const char *timeline,
		    double time_us)
{
	struct gpu_recorder rec;
	struct gpu_opts go = {.l2_warm = warm};
	struct gpu_result r;
	char err[RL_ERR_LEN];
	int rc;

	attrib_init(&rec, trace || timeline);
	go.rec = &rec;
	rc = gpu_simulate_gemm(hw, g, &go, &r, err);
	if (rc == RL_OK && r.time_us != time_us) {
		rl_errf(err, "internal: the recorded run took %.6f us, the "
			     "plain one %.6f us", r.time_us, time_us);
		rc = RL_EIO;
	}
	go.rec = NULL;
	if (rc == RL_OK && trace)
		rc = tracefile_write(trace, &rec, hw->name, g, &r, err);
	if (rc == RL_OK && timeline)
		rc = timeline_write(timeline, &rec, hw->name, g, &r, err);
	if (rc == RL_OK && do_explain)
		rc = explain(hw, g, &go, &r, err);
	attrib_destroy(&rec);
	if (rc != RL_OK) {
		fflush(stdout);
		fprintf(stderr, "ridgeline gemm: %s\n", err);
		return cli_exit_code(rc);
	}
	return 0;
}

int cmd_gemm(int argc, char **argv)
{
	const char *hwname = NULL;
	unsigned long long dim[3] = {0, 0, 0};
	struct gemm g = {.dtype = RL_BF16};
	struct gpu_opts go = {0};
	struct hw_spec *hw = NULL;
	ridgeline_hw *lib;
	ridgeline_result *r;
	size_t n;
	char err[RL_ERR_LEN];
	struct cli_sets sets = {.n = 0};
	int csv = 0, rc, do_explain = 0, warm = 0;
	const char *trace = NULL, *timeline = NULL;
	const struct cli_opt opts[] = {
		CLI_OPT_HW(&hwname),
		{.short_name = 'm', .kind = CLI_UINT, .target = &dim[0],
		 .arg = "M", .help = "rows of A and C", .lo = 1,
		 .hi = 1ULL << 20},
		{.short_name = 'n', .kind = CLI_UINT, .target = &dim[1],
		 .arg = "N", .help = "columns of B and C", .lo = 1,
		 .hi = 1ULL << 20},
		{.short_name = 'k', .kind = CLI_UINT, .target = &dim[2],
		 .arg = "K", .help = "the reduction dimension", .lo = 1,
		 .hi = 1ULL << 20},
		{.name = "dtype", .kind = CLI_DTYPE, .target = &g.dtype,
		 .arg = "bf16|fp16|fp8", .help = "input type (default bf16)"},
		CLI_OPT_L2(&warm),
		{.name = "csv", .kind = CLI_FLAG, .target = &csv,
		 .help = "print the row as CSV"},
		CLI_OPT_SET(&sets),
		{.name = "explain", .kind = CLI_FLAG, .target = &do_explain,
		 .help = "also print where the time went (critical-path parts "
		 "that add up to time_us), the roofline gap made of them, "
		 "the speed-up from doubling DRAM bandwidth, L2 bandwidth, "
		 "tensor rate or SM count (each re-simulated) and a "
		 "one-line verdict"},
		{.name = "trace", .kind = CLI_STR, .target = &trace,
		 .arg = "FILE.json", .help = "write the run as Chrome "
		 "trace-event JSON (Perfetto, chrome://tracing): a track per "
		 "SM, a span per CTA, counters"},
		{.name = "timeline", .kind = CLI_FIGURE, .target = &timeline,
		 .arg = "FILE.svg|FILE.png", .help = "write a figure of the run "
		 "(CTAs resident per SM, DRAM/L2 and tensor utilisation over "
		 "time), with its .gp script and .dat data beside it (both "
		 ".svg and .png)"},
		CLI_OPT_HELP,
		CLI_OPT_END,
	};

	if ((rc = cli_parse("ridgeline gemm", usage, opts, argc, argv,
			    NULL)) >= 0)
		return rc;
	if (!hwname || !dim[0] || !dim[1] || !dim[2]) {
		fprintf(stderr, "ridgeline gemm: --hw, -m, -n and -k are "
				"required (see "
				"ridgeline gemm --help)\n");
		return 2;
	}
	go.l2_warm = warm;
	g.m = dim[0];
	g.n = dim[1];
	g.k = dim[2];
	if ((rc = hw_spec_load(hwname, &hw, err)) != RL_OK) {
		fprintf(stderr, "ridgeline gemm: %s\n", err);
		return cli_exit_code(rc);
	}
	if (cli_apply_sets("gemm", hw, &sets)) {
		hw_spec_free(hw);
		return 2;
	}
	if (!(lib = rl_api_hw_adopt(hw))) {
		fprintf(stderr, "ridgeline gemm: out of memory\n");
		hw_spec_free(hw);
		return 1;
	}
	rc = ridgeline_gemm(lib, g.m, g.n, g.k, rl_dtype_name(g.dtype),
			    go.l2_warm, &r, err);
	if (rc != RL_OK) {
		fprintf(stderr, "ridgeline gemm: %s\n", err);
		ridgeline_hw_free(lib);
		return cli_exit_code(rc);
	}
	n = ridgeline_result_fields(r);
	if (csv) {
		for (size_t i = 0; i < n; i++)
			printf("%s%s", i ? "," : "", ridgeline_result_name(r, i));
		for (size_t i = 0; i < n; i++)
			printf("%s%s", i ? "," : "\n", ridgeline_result_text(r, i));
		putchar('\n');
	} else {
		/* the same fields, one per line, aligned */
		for (size_t i = 0; i < n; i++)
			printf("%-18s %s\n", ridgeline_result_name(r, i),
			       ridgeline_result_text(r, i));
	}
	if (do_explain || trace || timeline) {
		double t = ridgeline_result_number(r,
			ridgeline_result_find(r, "time_us"));

		rc = recorded(hw, &g, go.l2_warm, do_explain, trace, timeline, t);
	} else {
		rc = 0;
	}
	ridgeline_result_free(r);
	ridgeline_hw_free(lib);
	return rc;
}
