/*
 * cmd_gemm.c — `ridgeline gemm`: simulate one GEMM and print one result
 * row with the results.csv columns (docs/results.md), one per line or, with
 * --csv, as CSV: the same fields either way. It simulates through the
 * public library (ridgeline_gemm(), sim/api/ridgeline.h), so what the
 * command prints is what a program embedding the library reads.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "hw/spec.h"
#include "models/gemm.h"
#include "sim/api/internal.h"
#include "sim/api/ridgeline.h"
#include "sim/cli/cli.h"
#include "sim/gpu/gpu.h"

static const char usage[] =
	"usage: ridgeline gemm --hw HW -m M -n N -k K [--dtype bf16|fp16|fp8]\n"
	"                      [--l2 cold|warm] [--csv] [--set PATH=VALUE ...]\n"
	"Simulate C[m×n] = A[m×k]·B[k×n] on hardware HW (name or path) and\n"
	"print one row with the results.csv columns (--csv: as CSV).\n"
	"--set overrides a hardware field by its dotted path (repeatable).\n";

int cmd_gemm(int argc, char **argv)
{
	static const struct option opts[] = {
		{"hw", required_argument, NULL, 'H'},
		{"dtype", required_argument, NULL, 'd'},
		{"l2", required_argument, NULL, 'l'},
		{"csv", no_argument, NULL, 'c'},
		{"set", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
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
	int csv = 0, c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":m:n:k:h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			hwname = optarg;
			break;
		case 'm':
		case 'n':
		case 'k': {
			char o[3] = {'-', (char)c, 0};
			int i = c == 'm' ? 0 : c == 'n' ? 1 : 2;

			if (cli_parse_uint("gemm", o, optarg, 1, 1ULL << 20,
					   &dim[i]))
				return 2;
			break;
		}
		case 'd':
			if (rl_dtype_parse(optarg, &g.dtype)) {
				fprintf(stderr, "ridgeline gemm: --dtype: "
						"expected bf16, fp16 or fp8, found "
						"'%s'\n", optarg);
				return 2;
			}
			break;
		case 'l':
			if (strcmp(optarg, "cold") && strcmp(optarg, "warm")) {
				fprintf(stderr, "ridgeline gemm: --l2: expected "
						"cold or warm, found '%s'\n",
					optarg);
				return 2;
			}
			go.l2_warm = !strcmp(optarg, "warm");
			break;
		case 'c':
			csv = 1;
			break;
		case 'S':
			if (cli_sets_add("gemm", &sets, optarg))
				return 2;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return cli_bad_option("gemm", c, argv[optind - 1]);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ridgeline gemm: unexpected argument '%s' "
				"(see ridgeline %s --help)\n",
			argv[optind], "gemm");
		return 2;
	}
	if (!hwname || !dim[0] || !dim[1] || !dim[2]) {
		fprintf(stderr, "ridgeline gemm: --hw, -m, -n and -k are "
				"required (see "
				"ridgeline gemm --help)\n");
		return 2;
	}
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
	ridgeline_result_free(r);
	ridgeline_hw_free(lib);
	return 0;
}
