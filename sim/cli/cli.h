/*
 * cli.h — the ridgeline subcommands. Each takes argc/argv as main does
 * (argv[0] is the subcommand name) and returns the exit status:
 * 0 success, 1 simulation/IO failure, 2 bad input (docs/results.md).
 * Messages for the user are printed here, at the edge, never in libraries.
 */
#ifndef RL_CLI_H
#define RL_CLI_H

#include "hw/common.h"

int cmd_hw(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_roofline(int argc, char **argv);
int cmd_gemm(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_layer(int argc, char **argv);

struct hw_spec;
enum validate_protocol;
/* `validate` on a measured attention CSV (sim/run/validate_attn.h): the
 * error table on stdout, DIR/validation.csv with dir; protocol NULL = the
 * file's. Prints its own error line; returns the exit status. */
int cli_validate_attention(const struct hw_spec *hw, const char *measured,
			   const char *dir, int jobs,
			   const enum validate_protocol *protocol);

struct validate_set;
/* The error table `validate` prints (all rows, by regime, B >= 32 MB),
 * on stdout; `calibrate` prints it before and after the fit. */
void cli_validate_table(const struct validate_set *v);

/* Parse s as an integer in [lo, hi] for option `opt`; on failure print
 * "ridgeline CMD: OPT: expected an integer in [lo, hi], found 'S'" and
 * return -1. */
int cli_parse_uint(const char *cmd, const char *opt, const char *s,
		   unsigned long long lo, unsigned long long hi,
		   unsigned long long *out);

struct hw_spec;

/* --set PATH=VALUE overrides (dotted hw paths, e.g. hbm.efficiency=0.8),
 * collected while parsing options, applied after the spec is loaded. */
#define CLI_MAX_SETS 32
struct cli_sets {
	const char *v[CLI_MAX_SETS]; /* "PATH=VALUE", borrowed from argv */
	int n;
};

/* Remember one --set; prints one line and returns -1 when too many. */
int cli_sets_add(const char *cmd, struct cli_sets *s, const char *arg);

/* Apply the overrides to hw, then re-check the spec. Prints one line and
 * returns -1 on a bad override. */
int cli_apply_sets(const char *cmd, struct hw_spec *hw,
		   const struct cli_sets *s);

/* The one-line answer to a getopt failure: c is ':' (missing value) or
 * '?' (unknown option); `bad` is the offending argument. Returns 2. */
int cli_bad_option(const char *cmd, int c, const char *bad);

/* `ridgeline CMD list | show NAME|PATH` (the hw and models commands):
 * --help anywhere prints usage; anything else malformed is one line on
 * stderr and status 2. Returns list() or show(arg). */
int cli_list_show(const char *cmd, int argc, char **argv, const char *usage,
		  int (*list)(void), int (*show)(const char *name));

/* Number of online processors (>= 1): the default for -j. */
int cli_default_jobs(void);

/* Map an rl_status to an exit code: RL_OK -> 0, RL_EINPUT -> 2, other
 * errors -> 1 (inline, so that callers' analysis sees it is never
 * negative: run_cli_*'s "-1 = go on"). */
static inline int cli_exit_code(int status)
{
	if (status == RL_OK)
		return 0;
	return status == RL_EINPUT ? 2 : 1;
}

#endif
