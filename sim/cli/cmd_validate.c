/*
 * cmd_validate.c — `ridgeline validate`: simulate every row of a measured
 * CSV, print the error overall and by regime, write DIR/validation.csv.
 * It validates through the public library (ridgeline_validation_*(),
 * sim/api/ridgeline.h); the table's row sets are the library's.
 */
#include <errno.h>
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
	"overall and by regime; with -o, write DIR/validation.csv. Rows with a\n"
	"kv_len and a heads column are attention calls (ridgeline layer's).\n";

void cli_summary_header(void)
{
	printf("%-22s %6s %8s %8s %8s %8s\n", "rows", "n", "MAPE%", "median%",
	       "max%", "bias%");
}

void cli_summary_line(const char *label, const struct validate_summary *s)
{
	printf("%-22s %6zu %8.2f %8.2f %8.2f %+8.2f\n", label, s->n, s->mape,
	       s->median_ape, s->max_ape, s->mean_error);
}

void cli_regime_label(enum validate_regime rg, char *out, size_t len)
{
	snprintf(out, len, "%s%s", validate_regime_name(rg),
		 rg == REGIME_SMALL ? " (latency)" : "-bound");
}

void cli_validate_table(const struct validate_set *v)
{
	struct validate_summary s;

	cli_summary_header();
	rl_api_summary(v, "all", &s);
	cli_summary_line("all", &s);
	for (int r = 0; r < NREGIMES; r++) {
		enum validate_regime rg = (enum validate_regime)r;
		char label[64];

		rl_api_summary(v, validate_regime_name(rg), &s);
		cli_regime_label(rg, label, sizeof label);
		if (s.n)
			cli_summary_line(label, &s);
	}
	rl_api_summary(v, "b>=32mb", &s);
	if (s.n)
		cli_summary_line("B >= 32 MB", &s);
}

int cmd_validate(int argc, char **argv)
{
	const char *hwname = NULL, *measured = NULL, *dir = NULL;
	int jobs = cli_default_jobs();
	struct hw_spec *hw = NULL;
	ridgeline_hw *lib = NULL;
	ridgeline_validation *val = NULL;
	const struct validate_set *v;
	char err[RL_ERR_LEN], path[1024];
	struct cli_sets sets = {.n = 0};
	enum validate_protocol protocol;
	const char *proto = NULL;
	int rc, lock = -1, proto_i = 0, proto_given = 0, format = FORMAT_AUTO;
	const struct cli_opt opts[] = {
		CLI_OPT_HW(&hwname),
		{.name = "measured", .kind = CLI_STR, .target = &measured,
		 .arg = "FILE.csv", .help = "the measured latencies"},
		{.name = "output", .short_name = 'o', .kind = CLI_STR,
		 .target = &dir, .arg = "DIR", .help = "write DIR/validation.csv "
		 "(DIR made if need be)"},
		CLI_OPT_JOBS(&jobs),
		CLI_OPT_SET(&sets),
		{.name = "protocol", .kind = CLI_CHOICE, .target = &proto_i,
		 .given = &proto_given, .arg = "graph-replay|cold|warm",
		 .choices = "graph-replay|cold|warm", .help = "how the rows were "
		 "timed, which sets the L2 state each is simulated in "
		 "(default: the file's `protocol` column, else graph-replay, "
		 "as the data in shared/data was measured)"},
		{.name = "format", .kind = CLI_CHOICE, .target = &format,
		 .arg = "auto|plain|cutlass-profiler",
		 .choices = "auto|plain|cutlass-profiler", .help = "FILE.csv's "
		 "columns (default auto): plain (above) or the CUTLASS "
		 "profiler's CSV (m,n,k,A,B,Runtime; fastest kernel per shape, "
		 "warm), recognised by its Runtime and A columns. Quoted "
		 "fields, CRLF and a byte-order mark are read as RFC 4180 says"},
		CLI_OPT_HELP,
		CLI_OPT_END,
	};

	if ((rc = cli_parse("ridgeline validate", usage, opts, argc, argv,
			    NULL)) >= 0)
		return rc;
	if (!hwname || !measured) {
		fprintf(stderr, "ridgeline validate: --hw and --measured are "
				"required (see "
				"ridgeline validate --help)\n");
		return 2;
	}
	protocol = (enum validate_protocol)proto_i;
	if (proto_given)
		proto = validate_protocol_name(protocol);
	if ((rc = hw_spec_load(hwname, &hw, err)) != RL_OK)
		goto fail;
	if (cli_apply_sets("validate", hw, &sets)) {
		hw_spec_free(hw);
		return 2;
	}
	/* attention rows (a kv_len and a heads column) take their own path
	 * (sim/run/validate_attn.h) */
	if (validate_attn_detect(measured) == 1) {
		rc = cli_validate_attention(hw, measured, dir, jobs,
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
					    validate_format_name(
						    (enum validate_format)format),
					    proto, &val, err)) != RL_OK)
		goto fail;
	v = rl_api_validation_set(val);
	/* ... and DIR is made (parents included) and locked before the
	 * simulation, as by run: a bad -o costs nothing and loses nothing;
	 * the lock is held until the process exits */
	if (dir && (lock = out_dir_open(dir, err)) < 0) {
		rc = RL_EIO;
		goto fail;
	}
	if ((rc = ridgeline_validation_run(val, jobs, err)) != RL_OK)
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
