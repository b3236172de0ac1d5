/*
 * ridgeline.h — the ridgeline library, for programs that embed the
 * simulator: load a hardware spec by name or path, change any field by its
 * dotted path, simulate one GEMM or one point of an experiment, and read
 * every field of the result (the fields of results.csv and results.json,
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
 * Ownership: each *_load and ridgeline_gemm/_simulate result belongs to the
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
 * spec is simulated, so fields may be set in any order. */
int ridgeline_hw_set(ridgeline_hw *hw, const char *path, double value,
		     char *err);
/* Read a field by its dotted path. */
int ridgeline_hw_get(const ridgeline_hw *hw, const char *path, double *value,
		     char *err);
/* The spec's name, e.g. "a100-80gb-pcie". */
const char *ridgeline_hw_name(const ridgeline_hw *hw);
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
void ridgeline_experiment_free(ridgeline_experiment *e);

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
void ridgeline_result_free(ridgeline_result *r);

#ifdef __cplusplus
}
#endif

#endif
