/*
 * cmd_validate.c — `ridgeline validate`: simulate every row of a measured
 * CSV, print the error overall and by regime, write DIR/validation.csv.
 * It validates through the public library (ridgeline_validation_*(),
 * sim/api/ridgeline.h); the table's row sets are the library's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hw/spec.h"
#include "sim/api/internal.h"
#include "sim/api/ridgeline.h"
#include "sim/cli/cli.h"
#include "sim/gpu/gpu.h"
#include "sim/run/output.h"
#include "sim/run/parallel.h"
#include "sim/run/validate.h"
#include "sim/run/validate_attn.h"

static const char usage[] =
	"usage: ridgeline validate --hw HW --measured FILE.csv [-o DIR] [-j N]\n"
	"                          [--set PATH=VALUE ...] [--protocol P]\n"
	"                          [--format auto|plain|cutlass-profiler]\n"
	"Simulate every row of FILE.csv (columns m,n,k,dtype,latency_ms) on HW\n"
	"and report the mean, median and maximum absolute percentage error,\n"
	"overall and by regime; with -o, write DIR/validation.csv.\n"
	"--set overrides a hardware field by its dotted path (repeatable).\n"
	"--protocol graph-replay|cold|warm: how the rows were timed, which sets\n"
	"the L2 state each is simulated in (default: the file's `protocol`\n"
	"column, else graph-replay, as the data in shared/data was measured).\n"
	"--format: FILE.csv's columns (default auto): plain (above) or the\n"
	"CUTLASS profiler's CSV (m,n,k,A,B,Runtime; fastest kernel per shape,\n"
	"warm), recognised by its Runtime and A columns. Quoted fields, CRLF\n"
	"and a byte-order mark are read as RFC 4180 says.\n";

static void line(const char *label, const struct validate_summary *s)
{
	printf("%-22s %6zu %8.2f %8.2f %8.2f %+8.2f\n", label, s->n, s->mape,
	       s->median_ape, s->max_ape, s->mean_error);
}

void cli_validate_table(const struct validate_set *v)
{
	struct validate_summary s;

	printf("%-22s %6s %8s %8s %8s %8s\n", "rows", "n", "MAPE%", "median%",
	       "max%", "bias%");
	rl_api_summary(v, "all", &s);
	line("all", &s);
	for (int r = 0; r < NREGIMES; r++) {
		enum validate_regime rg = (enum validate_regime)r;
		char label[64];

		rl_api_summary(v, validate_regime_name(rg), &s);
		snprintf(label, sizeof(label), "%s%s",
			 validate_regime_name(rg),
			 rg == REGIME_SMALL ? " (latency)" : "-bound");
		if (s.n)
			line(label, &s);
	}
	rl_api_summary(v, "b>=32mb", &s);
	if (s.n)
		line("B >= 32 MB", &s);
}

int cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"hw", required_argument, NULL, 'H'},
		{"measured", required_argument, NULL, 'M'},
		{"set", required_argument, NULL, 'S'},
		{"protocol", required_argument, NULL, 'P'},
		{"format", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *hwname = NULL, *measured = NULL, *dir = NULL;
	unsigned long long jobs = (unsigned long long)cli_default_jobs();
	struct hw_spec *hw = NULL;
	ridgeline_hw *lib = NULL;
	ridgeline_validation *val = NULL;
	const struct validate_set *v;
	char err[RL_ERR_LEN], path[1024];
	struct cli_sets sets = {.n = 0};
	enum validate_protocol protocol = VALIDATE_PROTOCOL_DEFAULT;
	const char *proto = NULL;
	enum validate_format format = FORMAT_AUTO;
	int c, rc, lock = -1;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'H':
			hwname = optarg;
			break;
		case 'M':
			measured = optarg;
			break;
		case 'o':
			dir = optarg;
			break;
		case 'j':
			if (cli_parse_uint("validate", "-j", optarg, 1, RL_MAX_JOBS,
					   &jobs))
				return 2;
			break;
		case 'S':
			if (cli_sets_add("validate", &sets, optarg))
				return 2;
			break;
		case 'P':
			if (validate_protocol_parse(optarg, &protocol)) {
				fprintf(stderr, "ridgeline validate: --protocol: "
						"expected graph-replay, cold or "
						"warm, found '%s'\n", optarg);
				return 2;
			}
			proto = optarg;
			break;
		case 'F':
			if (validate_format_parse(optarg, &format)) {
				fprintf(stderr, "ridgeline validate: --format: "
						"expected auto, plain or "
						"cutlass-profiler, found '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return cli_bad_option("validate", c, argv[optind - 1]);
		}
	}
	if (optind < argc || !hwname || !measured) {
		fprintf(stderr, "ridgeline validate: --hw and --measured are "
				"required (see "
				"ridgeline validate --help)\n");
		return 2;
	}
	if ((rc = hw_spec_load(hwname, &hw, err)) != RL_OK)
		goto fail;
	if (cli_apply_sets("validate", hw, &sets)) {
		hw_spec_free(hw);
		return 2;
	}
	/* attention rows (a kv_len and a heads column) take their own path
	 * (sim/run/validate_attn.h) */
	if (validate_attn_detect(measured) == 1) {
		rc = cli_validate_attention(hw, measured, dir, (int)jobs,
					    proto ? &protocol : NULL);
		hw_spec_free(hw);
		return rc;
	}
	if (!(lib = rl_api_hw_adopt(hw))) {
		hw_spec_free(hw);
		rl_errf(err, "out of memory");
		rc = RL_EIO;
		goto fail;
	}
	/* the library's validation (sim/api/ridgeline.h), which refuses bad
	 * rows before anything is simulated ... */
	if ((rc = ridgeline_validation_load(lib, measured,
					    validate_format_name(format),
					    proto, &val, err)) != RL_OK)
		goto fail;
	v = rl_api_validation_set(val);
	/* ... and DIR is made (parents included) and locked before the
	 * simulation, as by run: a bad -o costs nothing and loses nothing;
	 * the lock is held until the process exits */
	if (dir && (out_mkdir_p(dir, err) != RL_OK ||
		    (lock = out_dir_lock(dir, err)) < 0)) {
		rc = RL_EIO;
		goto fail;
	}
	if (dir)
		out_clean_stale(dir);
	if ((rc = ridgeline_validation_run(val, (int)jobs, err)) != RL_OK)
		goto fail;
	printf("validate: %s on %s, %zu GEMMs (protocol %s)\n", measured,
	       ridgeline_hw_name(lib), v->n, proto ? proto : v->protocol_column ? "per row" :
	       validate_protocol_name(VALIDATE_PROTOCOL_DEFAULT));
	cli_validate_table(v);
	if (dir) {
		snprintf(path, sizeof(path), "%s/validation.csv", dir);
		if ((rc = validate_write_csv(v, path, err)) != RL_OK)
			goto fail;
		printf("wrote %s\n", path);
	}
	ridgeline_validation_free(val);
	ridgeline_hw_free(lib);
	out_dir_unlock(lock);
	return 0;
fail:
	fprintf(stderr, "ridgeline validate: %s\n", err);
	ridgeline_validation_free(val);
	ridgeline_hw_free(lib);
	out_dir_unlock(lock);
	return cli_exit_code(rc);
}
