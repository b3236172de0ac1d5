/*
 * validate.h — compare the simulator against measured GEMM latencies.
 *
 * Input: a CSV (RFC 4180: quoted fields, CRLF, a byte-order mark) with a
 * header holding at least the columns m,n,k,dtype,latency_ms (any order,
 * other columns ignored; dtype bf16, fp16 or fp8: e4m3 inputs, 16-bit output), docs/specs.md; or the CUTLASS
 * profiler's CSV (validate_load_format()). Every row is simulated (in parallel over `jobs` threads,
 * results identical for any jobs) and its error is
 * 100 · (predicted − measured) / measured.
 *
 * Regimes are assigned from the datasheet roofline of the same spec, not
 * from the simulation: "small" when the roofline time is under
 * VALIDATE_SMALL_US (launch and latency effects dominate), otherwise
 * "memory" below the ridge point and "compute" above it.
 *
 * The measurement protocol (how the rows were timed) sets the cache state
 * each row is simulated in, see validate_protocol_opts(). A row takes it
 * from the CSV's optional `protocol` column, else VALIDATE_PROTOCOL_DEFAULT
 * (graph-replay, how the shipped data in shared/data was measured);
 * validate_set_protocol() overrides both.
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

/* How a measured latency was taken.
 *  graph-replay: CUDA-graph replay over up to VALIDATE_REPLAY_COPIES
 *    rotated copies of the operands, L2 not flushed (aiconfigurator's
 *    collector, shared/data/README.md): when all copies of A, B and C fit
 *    in L2 the call finds its operands there (warm), else they stream from
 *    DRAM (cold: the LRU cache cycles through more than it holds);
 *  cold: operands come from DRAM (ridgeline-measure rotates copies over
 *    4x the L2 size);
 *  warm: the same operands were used by the previous call. */
enum validate_protocol { PROTOCOL_GRAPH_REPLAY, PROTOCOL_COLD, PROTOCOL_WARM,
			 NPROTOCOLS };
#define VALIDATE_PROTOCOL_DEFAULT PROTOCOL_GRAPH_REPLAY
#define VALIDATE_REPLAY_COPIES 6 /* operand copies the collector rotates */

/* "graph-replay", "cold", "warm"; parse returns 0 or RL_EINPUT. */
const char *validate_protocol_name(enum validate_protocol p);
int validate_protocol_parse(const char *s, enum validate_protocol *out);

/* The GPU options that play the cache state protocol p leaves for g on hw.
 * graph-replay: copies = as many as fit in 45 % of hbm.capacity_gb (80 GB
 * if the spec gives none), at most VALIDATE_REPLAY_COPIES; the share of
 * the operands resident at the start (l2_warm_fraction) is what survives
 * random replacement while the other copies pass through the L2 every
 * partition reads (C = hw_spec_l2_shared_bytes): min(1, C / bytes) x
 * exp(-(copies - 1) x bytes / C), bytes = A + B + C of one call; one copy
 * that fits is fully warm (l2_warm); calls_before = 3 warm-up replays x
 * copies, calls_timed = 6 timed replays x copies (the power-limited
 * clock). */
void validate_protocol_opts(enum validate_protocol p, const struct hw_spec *hw,
			    const struct gemm *g, struct gpu_opts *out);
/* The same for a call whose operands are `bytes` (one call's compulsory
 * bytes: attention's Q, K, V and O). */
void validate_protocol_opts_bytes(enum validate_protocol p,
				  const struct hw_spec *hw, double bytes,
				  struct gpu_opts *out);

struct validate_row {
	int line;                    /* line number in the measured CSV */
	struct gemm g;
	double measured_ms;
	double predicted_ms;
	double error_pct;            /* signed */
	enum validate_regime regime;
	enum validate_protocol protocol; /* how this row was measured */
	struct gpu_result sim;
};

struct validate_set {
	char path[512];
	int protocol_column;        /* the CSV has a `protocol` column */
	size_t n;
	struct validate_row *rows;
};

/* Parse a measured CSV; RL_EINPUT with "FILE:LINE: ..." on bad data.
 * Rows without a `protocol` column get VALIDATE_PROTOCOL_DEFAULT. The same
 * as validate_load_format(path, FORMAT_AUTO, ...). */
int validate_load(const char *path, struct validate_set **out, char *err);

/* The file formats read. plain: the columns above. cutlass-profiler:
 * cutlass_profiler --output's CSV, one row per kernel tried (m, n, k; A and
 * B "bf16:..." or "f16:...", equal; Runtime in ms; rows whose Status is not
 * success or whose Disposition is failed, incorrect or not_run are
 * skipped); a shape's latency is its fastest kernel's, and its rows are
 * warm (the profiler times its iterations on the same operands). auto:
 * cutlass-profiler when the header has Runtime and A and no latency_ms. */
enum validate_format { FORMAT_AUTO, FORMAT_PLAIN, FORMAT_CUTLASS };
int validate_load_format(const char *path, enum validate_format format,
			 struct validate_set **out, char *err);
/* "auto", "plain", "cutlass-profiler"; parse returns 0 or RL_EINPUT. */
const char *validate_format_name(enum validate_format f);
int validate_format_parse(const char *s, enum validate_format *out);
/* Give every row protocol p (an explicit --protocol overrides the file). */
void validate_set_protocol(struct validate_set *v, enum validate_protocol p);
/* Free v (NULL is allowed). */
void validate_free(struct validate_set *v);

/* Fill predicted_ms, error_pct and regime of r from r->sim on hw. */
void validate_row_finish(struct validate_row *r, const struct hw_spec *hw);

/* Simulate every row on hw with `jobs` threads (>= 1), each in the cache
 * state of its protocol. */
int validate_run(struct validate_set *v, const struct hw_spec *hw, int jobs,
		 char *err);

struct validate_summary {
	size_t n;
	double mape, median_ape, max_ape; /* percent */
	double mean_error;                /* signed mean, percent (bias) */
};

/* Summary of n signed errors (percent), which it overwrites: their
 * absolute values, sorted. */
void validate_summary_of(double *err_pct, size_t n,
			 struct validate_summary *out);
/* Summary over rows selected by filter(row, arg) (NULL = all). */
void validate_summarize(const struct validate_set *v,
			int (*filter)(const struct validate_row *, void *),
			void *arg, struct validate_summary *out);

/* "small", "memory", "compute" ("?" out of range). */
const char *validate_regime_name(enum validate_regime r);

/* Write validation.csv (m,n,k,dtype,measured_ms,predicted_ms,error_pct,
 * then regime,tile,split_k) to path atomically (temp file + rename). */
int validate_write_csv(const struct validate_set *v, const char *path,
		       char *err);
/* One row of validation.csv, without its newline (the library's
 * ridgeline_validation_row() text is this line). */
void validate_row_csv(FILE *f, const struct validate_row *r);

#endif
