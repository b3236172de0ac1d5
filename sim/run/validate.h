/*
 * validate.h — compare the simulator against measured GEMM latencies.
 *
 * Input: a CSV with a header holding at least the columns m,n,k,dtype,
 * latency_ms (any order, other columns ignored; dtype bf16 or fp16), as in
 * DESIGN.md §5. Every row is simulated (in parallel over `jobs` threads,
 * results identical for any jobs) and its error is
 * 100 · (predicted − measured) / measured.
 *
 * Regimes are assigned from the datasheet roofline of the same spec, not
 * from the simulation: "small" when the roofline time is under
 * VALIDATE_SMALL_US (launch and latency effects dominate), otherwise
 * "memory" below the ridge point and "compute" above it.
 *
 * Ownership: validate_load() returns a set freed by validate_free().
 */
#ifndef RL_RUN_VALIDATE_H
#define RL_RUN_VALIDATE_H

#include <stdio.h>

#include "hw/spec.h"
#include "models/gemm.h"
#include "sim/gpu/gpu.h"

#define VALIDATE_SMALL_US 10.0

enum validate_regime { REGIME_SMALL, REGIME_MEMORY, REGIME_COMPUTE, NREGIMES };

struct validate_row {
	int line;                    /* line number in the measured CSV */
	struct gemm g;
	double measured_ms;
	double predicted_ms;
	double error_pct;            /* signed */
	enum validate_regime regime;
	struct gpu_result sim;
};

struct validate_set {
	char path[512];
	size_t n;
	struct validate_row *rows;
};

/* Parse a measured CSV; RL_EINPUT with "FILE:LINE: ..." on bad data. */
int validate_load(const char *path, struct validate_set **out, char *err);
void validate_free(struct validate_set *v);

/* Simulate every row on hw with `jobs` threads (>= 1). */
int validate_run(struct validate_set *v, const struct hw_spec *hw, int jobs,
		 char *err);

struct validate_summary {
	size_t n;
	double mape, median_ape, max_ape; /* percent */
	double mean_error;                /* signed mean, percent (bias) */
};

/* Summary over rows selected by filter(row, arg) (NULL = all). */
void validate_summarize(const struct validate_set *v,
			int (*filter)(const struct validate_row *, void *),
			void *arg, struct validate_summary *out);

const char *validate_regime_name(enum validate_regime r);

/* Write validation.csv (m,n,k,dtype,measured_ms,predicted_ms,error_pct,
 * then regime,tile,split_k) to path atomically (temp file + rename). */
int validate_write_csv(const struct validate_set *v, const char *path,
		       char *err);

#endif
