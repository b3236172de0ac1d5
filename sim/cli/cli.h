/*
 * cli.h — the ridgeline subcommands. Each takes argc/argv as main does
 * (argv[0] is the subcommand name) and returns the exit status:
 * 0 success, 1 simulation/IO failure, 2 bad input (docs/results.md).
 * Messages for the user are printed here, at the edge, never in libraries.
 */
#ifndef RL_CLI_H
#define RL_CLI_H

#include <stdio.h>

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

struct validate_summary;
enum validate_regime;
/* The error tables' pieces, on stdout: the header, a row (label, n, MAPE,
 * median, max, bias), and a regime's label ("small (latency)",
 * "memory-bound", ...) into out. */
void cli_summary_header(void);
void cli_summary_line(const char *label, const struct validate_summary *s);
void cli_regime_label(enum validate_regime rg, char *out, size_t len);

/* ---- options: one table per command --------------------------------- */

/* What an option's value is and where it goes. */
enum cli_kind {
	CLI_HELP,   /* no value: print the usage and the options, exit 0 */
	CLI_FLAG,   /* no value: *(int *)target = 1 */
	CLI_STR,    /* *(const char **)target = the value (borrowed from
		     * argv); hi > 0: at most hi characters */
	CLI_UINT,   /* *(unsigned long long *)target, an integer in [lo, hi] */
	CLI_JOBS,   /* -j: *(int *)target, an integer in [lo, RL_MAX_JOBS]
		     * (lo 1; ridgeline-mpi's rank 0 takes 0) */
	CLI_SET,    /* --set PATH=VALUE: added to (struct cli_sets *)target */
	CLI_DTYPE,  /* *(enum rl_dtype *)target: bf16, fp16 or fp8 */
	CLI_CHOICE, /* *(int *)target = the index of the value among the
		     * '|'-separated `choices` ("cold|warm": cold 0, warm 1) */
	CLI_FIGURE  /* *(const char **)target, a file name ending in .svg or
		     * .png */
};

/* One option of a command: -x and/or --name, its kind and target, and
 * its line in the help. A table ends with an entry whose name and short
 * are both unset. */
struct cli_opt {
	const char *name;     /* long name without "--", or NULL */
	char short_name;      /* -x, or 0 */
	enum cli_kind kind;
	void *target;
	const char *arg;      /* the value's name in the help ("N", "DIR") */
	const char *help;     /* what it does ('\n' continues the line) */
	unsigned long long lo, hi; /* CLI_UINT, CLI_JOBS; CLI_STR's hi */
	const char *choices;  /* CLI_CHOICE: "a|b|c" */
	int *given;           /* if set: 1 once the option has been seen */
};

/* The options several commands share, spelled once. */
#define CLI_OPT_HW(t)                                                     \
	{.name = "hw", .kind = CLI_STR, .target = (t), .arg = "HW",       \
	 .help = "hardware name (ridgeline hw list) or spec file"}
#define CLI_OPT_JOBS(t)                                                   \
	{.name = "jobs", .short_name = 'j', .kind = CLI_JOBS,             \
	 .target = (t), .arg = "N", .lo = 1,                              \
	 .help = "simulate on N threads (default: the number of cores)"}
#define CLI_OPT_SET(t)                                                    \
	{.name = "set", .kind = CLI_SET, .target = (t),                   \
	 .arg = "PATH=VALUE",                                             \
	 .help = "override a hardware field by its dotted path (repeatable)"}
#define CLI_OPT_L2(t)                                                     \
	{.name = "l2", .kind = CLI_CHOICE, .target = (t),                 \
	 .arg = "cold|warm", .choices = "cold|warm",                      \
	 .help = "L2 state at the start (default cold)"}
#define CLI_OPT_HELP                                                      \
	{.name = "help", .short_name = 'h', .kind = CLI_HELP,             \
	 .help = "print this help"}
#define CLI_OPT_END {.name = NULL}

/* Parse argv[1..] against the table, getopt_long underneath: options in
 * any order, `--name=value` or `--name value`. Every failure is one line
 * on stderr, "PROG: OPTION: expected ..., found 'VALUE'" or "PROG: unknown
 * option '...' (see PROG --help)", and status 2. With pos NULL an argument
 * that is not an option is such a failure; else *pos is the index of the
 * first of them. Returns -1 when the command goes on, else its exit
 * status (0 after --help). prog is "ridgeline CMD" (or "ridgeline-mpi"),
 * usage the synopsis and description that --help prints before the
 * options. */
int cli_parse(const char *prog, const char *usage,
	      const struct cli_opt *opts, int argc, char **argv, int *pos);

/* usage, then "options:" and a line per option of the table, on f. */
void cli_usage(FILE *f, const char *usage, const struct cli_opt *opts);

struct hw_spec;

/* --set PATH=VALUE overrides (dotted hw paths, e.g. hbm.efficiency=0.8),
 * collected while parsing options, applied after the spec is loaded. */
#define CLI_MAX_SETS 32
struct cli_sets {
	const char *v[CLI_MAX_SETS]; /* "PATH=VALUE", borrowed from argv */
	int n;
};

/* Apply the overrides to hw, then re-check the spec. Prints one line and
 * returns -1 on a bad override. */
int cli_apply_sets(const char *cmd, struct hw_spec *hw,
		   const struct cli_sets *s);

/* `ridgeline CMD list | show NAME|PATH` (the hw and models commands):
 * --help anywhere prints usage; anything else malformed is one line on
 * stderr and status 2. Returns list() or show(arg). */
int cli_list_show(const char *cmd, int argc, char **argv, const char *usage,
		  int (*list)(void), int (*show)(const char *name));

/* Number of online processors, in [1, RL_MAX_JOBS]: the default for
 * -j. */
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
