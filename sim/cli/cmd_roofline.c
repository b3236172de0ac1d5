/*
 * cmd_roofline.c — `ridgeline roofline`: the analytic roofline of a
 * model's MLP GEMMs on a hardware spec, for every (op, q, batch) with
 * m = batch · q tokens. Rows come in the order op, q, batch as given.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/common.h"
#include "hw/spec.h"
#include "models/gemm.h"
#include "models/model.h"
#include "models/roofline.h"
#include "sim/cli/cli.h"

#define MAX_LIST 256       /* entries per --q / --batch list */
#define MAX_ENTRY 1000000  /* largest q or batch */

static const char usage_text[] =
	"usage: ridgeline roofline --hw HW --model MODEL --q LIST --batch LIST\n"
	"                          [--ops up,gate,down] [--csv]\n"
	"\n"
	"The analytic roofline of the model's MLP GEMMs on HW: for each op, q\n"
	"and batch (in the order given) the GEMM has m = batch x q rows;\n"
	"attainable = min(peak, bandwidth x OI) with the boost-clock peak of\n"
	"the model's dtype and the datasheet HBM bandwidth.\n";

/* One usage error line; returns exit status 2. */
static int __attribute__((format(printf, 1, 2))) bad(const char *fmt, ...)
{
	va_list ap;

	fputs("ridgeline roofline: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (try ridgeline roofline --help)\n", stderr);
	return 2;
}

/* Parse "1,16,32" into v (at most MAX_LIST entries in [1, MAX_ENTRY]). */
static int parse_list(const char *opt, const char *s, long *v, int *n)
{
	const char *p = s;

	*n = 0;
	for (;;) {
		char *end = NULL;
		unsigned long long x;
		char entry[32];
		size_t len = strcspn(p, ",");

		snprintf(entry, sizeof entry, "%.*s", (int)(len < 31 ? len : 31),
			 p);
		errno = 0;
		x = (len > 0 && p[0] >= '0' && p[0] <= '9')
			    ? strtoull(p, &end, 10) : 0;
		if (len == 0 || !(p[0] >= '0' && p[0] <= '9') ||
		    end != p + len || errno || x < 1 || x > MAX_ENTRY) {
			fprintf(stderr, "ridgeline roofline: %s: expected a "
				"comma-separated list of integers in [1, %d], "
				"found \"%s\" in \"%s\"\n", opt, MAX_ENTRY,
				entry, s);
			return 2;
		}
		if (*n == MAX_LIST) {
			fprintf(stderr, "ridgeline roofline: %s: expected at "
				"most %d entries, found more\n", opt, MAX_LIST);
			return 2;
		}
		v[(*n)++] = (long)x;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

/* Parse "up,down" into op indices of model m. */
static int parse_ops(const char *s, const struct model_spec *m, int *ops,
		     int *n)
{
	const char *p = s;
	char name[32], known[64] = "";
	size_t used = 0;

	/* the op names for the message, cut (not overrun) if very long */
	for (int i = 0; i < model_mlp_nops(m) && used < sizeof known; i++) {
		int w = snprintf(known + used, sizeof known - used, "%s%s",
				 i ? ", " : "", model_mlp_op_name(m, i));

		used += w > 0 ? (size_t)w : 0;
	}
	*n = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		int idx;

		snprintf(name, sizeof name, "%.*s", (int)(len < 31 ? len : 31),
			 p);
		idx = len < 31 ? model_mlp_op_index(m, name) : -1;
		if (idx < 0 || *n == MAX_LIST) {
			fprintf(stderr, "ridgeline roofline: --ops: expected "
				"ops of %s among {%s}, found \"%s\" in \"%s\"\n",
				m->name, known, name, s);
			return 2;
		}
		ops[(*n)++] = idx;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static void print_header(const struct hw_spec *hw,
			 const struct model_spec *m)
{
	printf("# %s (%s) on %s: peak %.1f TFLOP/s, HBM %.0f GB/s, ridge "
	       "%.1f FLOP/B\n", m->display_name, rl_dtype_name(m->dtype),
	       hw->display_name, hw_spec_peak_flops(hw, m->dtype) / 1e12,
	       hw_spec_bandwidth(hw) / 1e9, hw_spec_ridge(hw, m->dtype));
	/* "roofline µs" is 11 columns but 12 bytes: width 13 pads it to 12. */
	printf("%-5s %5s %6s %8s %6s %6s %10s %10s %9s %13s %8s  %s\n", "op",
	       "q", "batch", "m", "n", "k", "GFLOP", "MB", "OI",
	       "roofline \xc2\xb5s", "TFLOP/s", "bound");
}

int cmd_roofline(int argc, char **argv)
{
	const char *hw_name = NULL, *model_name = NULL, *q_arg = NULL,
		   *b_arg = NULL, *ops_arg = NULL;
	static long qs[MAX_LIST], bs[MAX_LIST];
	static int ops[MAX_LIST];
	int nq = 0, nb = 0, nops = 0, csv = 0, rc, status = 2;
	char err[RL_ERR_LEN];
	struct hw_spec *hw = NULL;
	struct model_spec *m = NULL;
	const struct cli_opt opts[] = {
		{.name = "hw", .kind = CLI_STR, .target = &hw_name, .arg = "HW",
		 .help = "hardware name (ridgeline hw list) or path"},
		{.name = "model", .kind = CLI_STR, .target = &model_name,
		 .arg = "MODEL", .help = "model name (ridgeline models list) or "
		 "path"},
		{.name = "q", .kind = CLI_STR, .target = &q_arg, .arg = "LIST",
		 .help = "tokens per sequence, e.g. 1,16,32 (integers >= 1)"},
		{.name = "batch", .kind = CLI_STR, .target = &b_arg,
		 .arg = "LIST", .help = "sequences, e.g. 1,2,4,8 (integers >= 1)"},
		{.name = "ops", .kind = CLI_STR, .target = &ops_arg,
		 .arg = "LIST", .help = "MLP ops to show (default: all of the "
		 "model's)"},
		{.name = "csv", .kind = CLI_FLAG, .target = &csv,
		 .help = "CSV with columns op,q,batch,m,n,k,flops,bytes_min,oi, "
		 "roofline_time_us,roofline_tflops,bound"},
		CLI_OPT_HELP,
		CLI_OPT_END,
	};

	if ((rc = cli_parse("ridgeline roofline", usage_text, opts, argc,
			    argv, NULL)) >= 0)
		return rc;
	if (!hw_name)
		return bad("missing --hw HW");
	if (!model_name)
		return bad("missing --model MODEL");
	if (!q_arg)
		return bad("missing --q LIST");
	if (!b_arg)
		return bad("missing --batch LIST");
	if (parse_list("--q", q_arg, qs, &nq) ||
	    parse_list("--batch", b_arg, bs, &nb))
		return 2;
	rc = hw_spec_load(hw_name, &hw, err);
	if (!rc)
		rc = model_spec_load(model_name, &m, err);
	if (rc) {
		fprintf(stderr, "%s\n", err);
		status = cli_exit_code(rc);
		goto out;
	}
	if (ops_arg) {
		if (parse_ops(ops_arg, m, ops, &nops))
			goto out;
	} else {
		nops = model_mlp_nops(m);
		for (int i = 0; i < nops; i++)
			ops[i] = i;
	}
	if (hw_spec_peak_flops(hw, m->dtype) <= 0) {
		fprintf(stderr, "ridgeline roofline: %s: expected a %s tensor "
			"rate for %s, found none\n", hw->path,
			rl_dtype_name(m->dtype), m->name);
		goto out;
	}
	if (csv)
		puts("op,q,batch,m,n,k,flops,bytes_min,oi,roofline_time_us,"
		     "roofline_tflops,bound");
	else
		print_header(hw, m);
	for (int o = 0; o < nops; o++)
		for (int iq = 0; iq < nq; iq++)
			for (int ib = 0; ib < nb; ib++) {
				struct gemm g;
				struct roofline_point r;
				const char *op = model_mlp_op_name(m, ops[o]);
				const char *bound;

				model_mlp_gemm(m, ops[o],
					       (uint64_t)qs[iq] * (uint64_t)bs[ib],
					       &g);
				roofline_gemm(hw, &g, &r);
				bound = r.memory_bound ? "memory" : "compute";
				if (csv)
					printf("%s,%ld,%ld,%llu,%llu,%llu,%.0f,"
					       "%.0f,%.4f,%.4f,%.4f,%s\n", op,
					       qs[iq], bs[ib],
					       (unsigned long long)g.m,
					       (unsigned long long)g.n,
					       (unsigned long long)g.k, r.flops,
					       r.bytes_min, r.oi, r.time_us,
					       r.attainable / 1e12, bound);
				else
					printf("%-5s %5ld %6ld %8llu %6llu %6llu "
					       "%10.4f %10.1f %9.2f %12.2f "
					       "%8.2f  %s\n", op, qs[iq],
					       bs[ib], (unsigned long long)g.m,
					       (unsigned long long)g.n,
					       (unsigned long long)g.k,
					       r.flops / 1e9, r.bytes_min / 1e6,
					       r.oi, r.time_us,
					       r.attainable / 1e12, bound);
			}
	status = fflush(stdout) ? 1 : 0;
out:
	hw_spec_free(hw);
	model_spec_free(m);
	return status;
}
