/*
 * output.h — an experiment's results in its directory: results.csv
 * (docs/results.md columns, then one column per swept hardware field),
 * results.json (ridgeline version, the experiment as given, the full
 * hardware and model specs, every result) and the table printed on
 * stdout. Every file is written atomically through sim/run/outfile.h,
 * which this header includes for the callers that write other files.
 */
#ifndef RL_RUN_OUTPUT_H
#define RL_RUN_OUTPUT_H

#include <stdio.h>

#include "sim/run/experiment.h"
#include "sim/run/outfile.h"
#include "sim/run/results.h"

/* rows[i] is the result of e->points[i]; row strings point into e. */
void out_fill_row(const struct experiment *e, int i,
		  const struct gpu_result *sim, struct result_row *row);

/* Write DIR/results.csv and DIR/results.json from rows (one per point of
 * e, in order) atomically; RL_OK, or RL_EIO with the file in err. */
int out_write_csv(const char *dir, const struct experiment *e,
		  const struct result_row *rows, char *err);
int out_write_json(const char *dir, const struct experiment *e,
		   const struct result_row *rows, char *err);

/* The readable table: one block per (hardware, model). */
void out_print_table(FILE *f, const struct experiment *e,
		     const struct result_row *rows);

#endif
