/*
 * ridgeline.h — the ridgeline library, for programs that embed the
 * simulator: load a hardware spec by name or path, change any field by its
 * dotted path, simulate one GEMM, one point of an experiment or all of
 * them, validate a spec against measured latencies (and fit its fields to
 * them), and read every field of a result (the fields of results.csv and results.json,
 * docs/results.md, under the same names).
 *
 *   #include <ridgeline.h>          cc prog.c $(pkg-config --cflags --libs ridgeline)
 *
 *   char err[RIDGELINE_ERR_LEN];
 *   ridgeline_hw *hw;
 *   ridgeline_result *r;
 *   if (ridgeline_hw_load("h100-sxm", &hw, err) ||
 *       ridgeline_gemm(hw, 4096, 8192, 8192, "bf16", 0, &r, err))
 *           fprintf(stderr, "%s\n", err);
 *   else
 *           printf("%g us\n", ridgeline_result_number(r,
 *                  ridgeline_result_find(r, "time_us")));
 *
 * Errors are values: every function that can fail returns RIDGELINE_OK (0)
 * or a negative code, RIDGELINE_EINPUT (bad input: a spec, a name, a value
 * out of range) or RIDGELINE_EIO (a simulation or I/O failure), and writes
 * one line naming the file, the JSON path or field and what was expected
 * into err (RIDGELINE_ERR_LEN bytes; err may be NULL).
 *
 * Ownership: what each *_load, ridgeline_gemm, *_simulate, *_run (rows),
 * ridgeline_validation_row and ridgeline_calibrate returns belongs to the
 * caller and is released by its *_free, which accepts NULL. Strings returned
 * by the library live as long as the object they come from.
 *
 * Threads: simulating is reentrant, so several threads may simulate on one
 * spec or one experiment at once; ridgeline_hw_set must not run
 * concurrently with anything using that spec.
 *
 * Data files found by name: $RIDGELINE_DATA, then the installed data
 * directory (docs/specs.md).
 */
#ifndef RIDGELINE_H
#define RIDGELINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RIDGELINE_ERR_LEN 512 /* bytes of an error buffer */
#define RIDGELINE_OK 0
#define RIDGELINE_EIO (-1)    /* simulation or I/O failure */
#define RIDGELINE_EINPUT (-2) /* bad input */

typedef struct ridgeline_hw ridgeline_hw;
typedef struct ridgeline_experiment ridgeline_experiment;
typedef struct ridgeline_result ridgeline_result;

/* The library's version, e.g. "0.1.0". */
const char *ridgeline_version(void);

/* ---- hardware specs ------------------------------------------------------ */

/* Load a spec by name (e.g. "a100-80gb-pcie") or path (with a '/' or
 * ending in .json), validated as strictly as the command line does. */
int ridgeline_hw_load(const char *name_or_path, ridgeline_hw **out, char *err);
/* Set a field by its dotted path ("hbm.bandwidth_gbps") to a value inside
 * the field's range; on failure the spec is left as it was. The relations
 * between fields (sustained clock <= boost clock, ...) are checked when the
 * spec is simulated, so fields may be set in any order. A spec set this way
 * is a what-if of the spec as loaded: its kernel for each GEMM stays a
 * candidate, and the chooser's pick for the changed spec replaces it only
 * if it simulates faster (as --set). ridgeline_calibrate fits the spec as
 * set, as a GPU in its own right. */
int ridgeline_hw_set(ridgeline_hw *hw, const char *path, double value,
		     char *err);
/* Read a field by its dotted path. */
int ridgeline_hw_get(const ridgeline_hw *hw, const char *path, double *value,
		     char *err);
/* The spec's name, e.g. "a100-80gb-pcie". */
const char *ridgeline_hw_name(const ridgeline_hw *hw);
/* Free hw (NULL is allowed). */
void ridgeline_hw_free(ridgeline_hw *hw);

/* ---- simulating ------------------------------------------------------------ */

/* Simulate C[m x n] = A[m x k] . B[k x n] with dtype "bf16" or "fp16"
 * (NULL: bf16) on a cold (l2_warm = 0) or warm L2: what `ridgeline gemm`
 * prints (the command is this call). RIDGELINE_EINPUT if the spec's fields
 * contradict each other or the GEMM is not one the simulator takes. */
int ridgeline_gemm(const ridgeline_hw *hw, uint64_t m, uint64_t n, uint64_t k,
		   const char *dtype, int l2_warm, ridgeline_result **out,
		   char *err);

/* Load an experiment file by name or path (docs/specs.md). */
int ridgeline_experiment_load(const char *name_or_path,
			      ridgeline_experiment **out, char *err);
/* Its points, in the order of results.csv. */
size_t ridgeline_experiment_points(const ridgeline_experiment *e);
/* Simulate point i (0 <= i < points): one row of results.csv, swept fields
 * included. */
int ridgeline_experiment_simulate(const ridgeline_experiment *e, size_t i,
				  ridgeline_result **out, char *err);
/* Simulate every point of e on `jobs` threads (< 1: one), the points of
 * `ridgeline run` without its files: *rows receives
 * ridgeline_experiment_points(e) results in results.csv's order, the same
 * for any jobs; free them with ridgeline_results_free(). */
int ridgeline_experiment_run(const ridgeline_experiment *e, int jobs,
			     ridgeline_result ***rows, char *err);
/* Free e's experiment (NULL is allowed). */
void ridgeline_experiment_free(ridgeline_experiment *e);

/* ---- validating against measured latencies -------------------------------- */

typedef struct ridgeline_validation ridgeline_validation;

/* Load a measured CSV (docs/specs.md: m,n,k,dtype,latency_ms, RFC 4180)
 * to compare with hw (copied: hw may be freed or changed afterwards).
 * format: "auto" (NULL), "plain" or "cutlass-profiler"; protocol: how the
 * rows were timed, "graph-replay", "cold" or "warm" (NULL: the file's
 * `protocol` column, else graph-replay). Every row is checked against hw
 * here, so RIDGELINE_EINPUT ("FILE:LINE: ...") comes before any
 * simulation. */
int ridgeline_validation_load(const ridgeline_hw *hw, const char *path,
			      const char *format, const char *protocol,
			      ridgeline_validation **out, char *err);
/* Simulate every row on `jobs` threads (< 1: one): `ridgeline validate`. */
int ridgeline_validation_run(ridgeline_validation *v, int jobs, char *err);
/* Its rows, in the file's order. */
size_t ridgeline_validation_rows(const ridgeline_validation *v);
/* Row i (after ridgeline_validation_run) as a result with the fields of
 * validation.csv: m, n, k, dtype, measured_ms, predicted_ms, error_pct
 * (100 (predicted - measured) / measured), regime, tile, split_k. */
int ridgeline_validation_row(const ridgeline_validation *v, size_t i,
			     ridgeline_result **out, char *err);

/* The absolute percentage errors of a set of rows, as the table of
 * `ridgeline validate` prints them. */
struct ridgeline_summary {
	size_t n;          /* rows in the set */
	double mape;       /* mean absolute percentage error, percent */
	double median_ape; /* percent */
	double max_ape;    /* percent */
	double mean_error; /* signed mean (bias), percent */
};

/* Summarise the rows named by `rows`: "all", a regime ("small", "memory",
 * "compute": from the datasheet roofline, docs/results.md) or "b>=32mb"
 * (rows whose B matrix is at least 32 MiB). RIDGELINE_EINPUT for another
 * name; an empty set has n = 0. */
int ridgeline_validation_summary(const ridgeline_validation *v,
				 const char *rows,
				 struct ridgeline_summary *out, char *err);

/* Fit the fields `fields` (comma-separated dotted paths; NULL: the default
 * set, `ridgeline calibrate --help`) of v's spec to v's measured rows
 * (the pseudo-Huber loss on log time, from the spec's values and three more
 * starts; `ridgeline calibrate` with its default --starts, without its
 * cross-validation) on `jobs` threads; *fitted receives a copy of the spec
 * with the fitted values, named SPEC-calibrated. Costs about one
 * simulation of every row per field per iteration, per start. */
int ridgeline_calibrate(const ridgeline_validation *v, const char *fields,
			int jobs, ridgeline_hw **fitted, char *err);
/* Free v (NULL is allowed). */
void ridgeline_validation_free(ridgeline_validation *v);

/* ---- results ---------------------------------------------------------------- */

/* The fields of a result, in the order of results.csv: each is a number or
 * a string (hw, model, op, dtype, bound, tile, roofline_bound). */
size_t ridgeline_result_fields(const ridgeline_result *r);
/* Name of field i, NULL if i is out of range. */
const char *ridgeline_result_name(const ridgeline_result *r, size_t i);
/* Index of the field called name, or -1. */
long ridgeline_result_find(const ridgeline_result *r, const char *name);
/* 1 if field i is a number, 0 if it is a string (or i out of range). */
int ridgeline_result_is_number(const ridgeline_result *r, size_t i);
/* Field i as a number (NaN for a string or i out of range). */
double ridgeline_result_number(const ridgeline_result *r, size_t i);
/* Field i as a string (NULL for a number or i out of range). */
const char *ridgeline_result_string(const ridgeline_result *r, size_t i);
/* Field i as results.csv writes it (numbers rounded as docs/results.md
 * says; NULL if i is out of range): what `ridgeline gemm` prints. */
const char *ridgeline_result_text(const ridgeline_result *r, size_t i);
/* Free r (NULL is allowed). */
void ridgeline_result_free(ridgeline_result *r);
/* Free the n results of rows and the array (NULL is allowed). */
void ridgeline_results_free(ridgeline_result **rows, size_t n);

#ifdef __cplusplus
}
#endif

#endif
