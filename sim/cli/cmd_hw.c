/*
 * cmd_hw.c — `ridgeline hw list` and `ridgeline hw show NAME|PATH`:
 * the hardware library, every value with its unit and source, and the
 * derived rates the roofline uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/common.h"
#include "hw/data.h"
#include "hw/spec.h"
#include "sim/cli/cli.h"

static const char usage_text[] =
	"usage: ridgeline hw list\n"
	"       ridgeline hw show NAME|PATH\n"
	"\n"
	"list: the hardware specs found in $RIDGELINE_DATA/hw, the installed\n"
	"      data directory (and the source tree, for the binary in the build\n"
	"      tree), with peak and bandwidth.\n"
	"show: every field of one spec with its unit and source, then the\n"
	"      derived rates: peak TFLOP/s per dtype (boost clock), sustained\n"
	"      TFLOP/s (sustained clock), HBM bandwidth, effective bandwidth\n"
	"      (x hbm.efficiency) and the ridge point (peak / bandwidth).\n"
	"NAME is a file name without .json (e.g. a100-80gb-pcie); anything\n"
	"with a '/' or ending in .json is a path.\n";

/* Print s left-aligned in `width` terminal columns (UTF-8 aware). */
static void col(const char *s, int width)
{
	int w = 0;

	for (const char *p = s; *p; p++)
		w += ((unsigned char)*p & 0xC0) != 0x80;
	fputs(s, stdout);
	for (; w < width; w++)
		putchar(' ');
}

static int hw_list(void)
{
	char **names = NULL, err[RL_ERR_LEN];
	int n = rl_data_list("hw", &names), status = 0;

	if (n < 0) {
		fprintf(stderr, "ridgeline hw list: out of memory\n");
		return 1;
	}
	printf("%-16s %-20s %5s %12s %12s %9s %13s\n", "name", "display name",
	       "SMs", "fp16 TFLOP/s", "bf16 TFLOP/s", "HBM GB/s",
	       "ridge FLOP/B");
	for (int i = 0; i < n; i++) {
		struct hw_spec *s;
		int rc = hw_spec_load(names[i], &s, err);

		if (rc) {
			fprintf(stderr, "%s\n", err);
			status = cli_exit_code(rc);
			continue;
		}
		/* the name it is looked up by (hw_spec_load refuses a
		 * spec whose "name" differs from it) */
		printf("%-16s %-20s %5.0f %12.1f %12.1f %9.0f %13.1f\n",
		       names[i], s->display_name, s->sm.count,
		       hw_spec_peak_flops(s, RL_FP16) / 1e12,
		       hw_spec_peak_flops(s, RL_BF16) / 1e12,
		       s->hbm.bandwidth_gbps, hw_spec_ridge(s, RL_FP16));
		hw_spec_free(s);
	}
	rl_strings_free(names, (size_t)n);
	return status;
}

static void derived_line(const char *what, double v, const char *unit,
			 const char *how)
{
	char num[32];

	col(what, 26);
	snprintf(num, sizeof num, "%12.2f", v);
	col(num, 13);
	col(unit, 13);
	puts(how);
}

static int hw_show(const char *name)
{
	char err[RL_ERR_LEN], num[64], how[160];
	size_t nf;
	const struct hw_field *f = hw_spec_fields(&nf);
	struct hw_spec *s;
	int rc = hw_spec_load(name, &s, err);

	if (rc) {
		fprintf(stderr, "%s\n", err);
		return cli_exit_code(rc);
	}
	printf("%s (%s)\nfile: %s\n", s->display_name, s->name, s->path);
	if (s->notes)
		printf("notes: %s\n", s->notes);
	putchar('\n');
	col("field", 26);
	col("       value", 13);
	col("unit", 13);
	puts("source");
	for (size_t i = 0; i < nf; i++) {
		double v;

		hw_spec_get(s, f[i].path, &v);
		col(f[i].path, 26);
		if (f[i].optional && v == 0) {
			col("           -", 13);
			col("", 13);
			puts("(absent: none)");
			continue;
		}
		snprintf(num, sizeof num, "%12.15g", v);
		col(num, 13);
		col(f[i].unit, 13);
		puts(s->source[i] ? s->source[i] : "");
	}
	printf("\nderived (the roofline uses the boost-clock peak and the "
	       "datasheet bandwidth)\n");
	for (int d = 0; d < RL_NDTYPES; d++) {
		char what[40];
		double fpc = hw_spec_peak_flops(s, d) /
			     (s->sm.count * s->clock.boost_mhz * 1e6);

		snprintf(what, sizeof what, "peak %s", rl_dtype_name(d));
		if (hw_spec_peak_flops(s, d) == 0) {
			col(what, 26);
			col("           -", 13);
			col("", 13);
			printf("no %s tensor rate\n", rl_dtype_name(d));
			continue;
		}
		snprintf(how, sizeof how, "%.0f SMs x %.0f FLOP/clk x %.0f MHz",
			 s->sm.count, fpc, s->clock.boost_mhz);
		derived_line(what, hw_spec_peak_flops(s, d) / 1e12, "TFLOP/s",
			     how);
	}
	for (int d = 0; d < RL_NDTYPES; d++) {
		char what[40];

		if (hw_spec_sustained_flops(s, d) == 0)
			continue;
		snprintf(what, sizeof what, "sustained %s", rl_dtype_name(d));
		snprintf(how, sizeof how, "at clock.sustained_mhz = %.15g",
			 s->clock.sustained_mhz);
		derived_line(what, hw_spec_sustained_flops(s, d) / 1e12,
			     "TFLOP/s", how);
	}
	derived_line("HBM bandwidth", hw_spec_bandwidth(s) / 1e9, "GB/s",
		     "hbm.bandwidth_gbps (datasheet)");
	snprintf(how, sizeof how, "x hbm.efficiency = %.15g",
		 s->hbm.efficiency);
	derived_line("effective bandwidth",
		     hw_spec_effective_bandwidth(s) / 1e9, "GB/s", how);
	for (int d = 0; d < RL_NDTYPES; d++) {
		char what[40];

		if (hw_spec_peak_flops(s, d) == 0)
			continue;
		snprintf(what, sizeof what, "ridge point %s", rl_dtype_name(d));
		derived_line(what, hw_spec_ridge(s, d), "FLOP/B",
			     "peak / HBM bandwidth");
	}
	hw_spec_free(s);
	return 0;
}

int cmd_hw(int argc, char **argv)
{
	return cli_list_show("hw", argc, argv, usage_text, hw_list, hw_show);
}
