/*
 * output.h — writing an experiment's outputs into its directory without
 * ever leaving a half-written file: every file is written under a temporary
 * name in the same directory (".NAME.tmp.PID"), flushed, fsync'd and then
 * renamed over NAME, which is atomic on POSIX file systems. Temporary names
 * in flight are registered so that SIGINT/SIGTERM/SIGHUP remove them before
 * the process dies (out_signals_install()).
 *
 * Also here: results.csv (DESIGN.md §5 columns, then one column per swept
 * hardware field), results.json (ridgeline version, the experiment as
 * given, the full hardware and model specs, every result) and the table
 * printed on stdout.
 */
#ifndef RL_RUN_OUTPUT_H
#define RL_RUN_OUTPUT_H

#include <limits.h>
#include <stdio.h>
#include <sys/types.h>

#include "sim/run/experiment.h"
#include "sim/run/results.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

struct out_file {
	FILE *f;              /* write here between open and commit */
	char tmp[PATH_MAX];   /* temporary name, registered for cleanup */
	char path[PATH_MAX];  /* final name */
	int slot;             /* index in the cleanup registry, -1 if none */
};

/* Install handlers for SIGINT, SIGTERM and SIGHUP that unlink registered
 * temporary files and then die of the same signal. Idempotent. */
void out_signals_install(void);

/* Register / unregister a temporary path for cleanup on a signal (used
 * for files written by others, e.g. gnuplot). Register returns a slot or
 * -1 when the registry is full (16 entries). */
int out_tmp_register(const char *path);
void out_tmp_unregister(int slot);

/* The child process (gnuplot) writing registered temporaries, 0 for
 * none: a signal kills it before the temporaries are removed. */
void out_child_set(pid_t pid);

/* Temporary name for DIR/NAME: DIR/.NAME.tmp.PID */
void out_tmp_name(char *out, size_t len, const char *dir, const char *name);

/* Open DIR/NAME for writing under its temporary name. */
int out_file_open(struct out_file *o, const char *dir, const char *name,
		  char *err);
/* Flush, fsync, close and rename over the final name; on any failure the
 * temporary file is removed. */
int out_file_commit(struct out_file *o, char *err);
/* Close and remove the temporary file. Safe after commit (no-op). */
void out_file_abort(struct out_file *o);

/* Rename a finished temporary file to its final name and fsync the
 * directory. */
int out_rename(const char *tmp, const char *path, char *err);

/* Create DIR (and its parents) if missing. */
int out_mkdir_p(const char *dir, char *err);

/* Remove temporary files left in DIR by processes that no longer run. */
void out_clean_stale(const char *dir);

/* rows[i] is the result of e->points[i]; row strings point into e. */
void out_fill_row(const struct experiment *e, int i,
		  const struct gpu_result *sim, struct result_row *row);

int out_write_csv(const char *dir, const struct experiment *e,
		  const struct result_row *rows, char *err);
int out_write_json(const char *dir, const struct experiment *e,
		   const struct result_row *rows, char *err);

/* The readable table: one block per (hardware, model). */
void out_print_table(FILE *f, const struct experiment *e,
		     const struct result_row *rows);

#endif
