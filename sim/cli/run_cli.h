/*
 * run_cli.h — the steps of `ridgeline run`, shared by the ridgeline binary
 * (cmd_run.c) and ridgeline-mpi, which differ only in how pending points
 * are simulated. Each step returns -1 to go on, or the exit status to stop
 * with (the message has been printed).
 */
#ifndef RL_CLI_RUN_CLI_H
#define RL_CLI_RUN_CLI_H

#include <stddef.h>

struct experiment;
struct runner;

struct run_cli {
	const char *experiment; /* path or shipped name */
	const char *dir;        /* -o DIR, NULL = results/NAME */
	int jobs;               /* -j N, default: cores online */
	int jobs_set;           /* -j was given */
	int fresh;              /* --fresh */
	int no_plot;            /* --no-plot */
	int plot;               /* 0 with --no-plot */
	const char *trace;      /* --trace FILE.json, or NULL */
	const char *timeline;   /* --timeline FILE.svg|.png, or NULL */
	const char *point;      /* --point OP,Q,BATCH: the point traced */
};

int run_cli_parse(int argc, char **argv, const char *prog, struct run_cli *o);
/* Find, load and validate the experiment; fills the output DIR name. */
int run_cli_load(const struct run_cli *o, const char *prog,
		 struct experiment **e, char *dir, size_t dirlen);
/* Create DIR, install the signal handlers, open the journal. */
int run_cli_open(const struct run_cli *o, const char *prog,
		 const struct experiment *e, const char *dir,
		 struct runner **r);
/* Table, results.csv/json, figures; returns the exit status (0..2). */
int run_cli_finish(const struct run_cli *o, const char *prog,
		   const struct experiment *e, struct runner *r,
		   const char *dir);

#endif
