/*
 * validate_attn.h — compare the attention model against measured
 * attention latencies, as validate.h does for GEMMs.
 *
 * Input: a CSV (RFC 4180, sim/run/csv.h) whose header holds at least
 * batch,heads,kv_heads,head_dim,q,kv_len,dtype,latency_ms (other columns
 * ignored; an optional `protocol` column as in validate.h). Every row is
 * simulated with gpu_simulate_attention() in the cache state of its
 * protocol (validate_protocol_opts_bytes() over the call's Q, K, V and O)
 * on `jobs` threads, results identical for any jobs.
 *
 * Regimes from the datasheet roofline of the row's FLOPs and compulsory
 * bytes: "small" under VALIDATE_SMALL_US, else memory or compute.
 *
 * Ownership: validate_attn_load() returns a set freed by
 * validate_attn_free().
 */
#ifndef RL_RUN_VALIDATE_ATTN_H
#define RL_RUN_VALIDATE_ATTN_H

#include "models/attention.h"
#include "sim/run/validate.h"

struct attn_vrow {
	int line;                        /* line in the measured CSV */
	struct attn_shape a;
	double measured_ms, predicted_ms;
	double error_pct;                /* signed */
	enum validate_regime regime;
	enum validate_protocol protocol;
	struct gpu_result sim;
};

struct attn_vset {
	char path[512];
	size_t n;
	struct attn_vrow *rows;
};

/* Whether the CSV's header names the attention columns (kv_len, heads):
 * 1, 0, or -1 if it cannot be read. */
int validate_attn_detect(const char *path);

/* Parse; RL_EINPUT with "FILE:LINE: ..." on bad data, or a row the
 * simulator would refuse on hw (checked here, before anything runs). */
int validate_attn_load(const char *path, const struct hw_spec *hw,
		       struct attn_vset **out, char *err);
void validate_attn_free(struct attn_vset *v);
/* Give every row protocol p. */
void validate_attn_set_protocol(struct attn_vset *v, enum validate_protocol p);

/* Simulate every row on hw with `jobs` threads (>= 1). */
int validate_attn_run(struct attn_vset *v, const struct hw_spec *hw, int jobs,
		      char *err);

/* Summary over rows selected by filter (NULL = all). */
void validate_attn_summarize(const struct attn_vset *v,
			     int (*filter)(const struct attn_vrow *, void *),
			     void *arg, struct validate_summary *out);

/* Write validation.csv (batch,heads,kv_heads,head_dim,q,kv_len,dtype,
 * measured_ms,predicted_ms,error_pct,regime,kernel,splits) atomically. */
int validate_attn_write_csv(const struct attn_vset *v, const char *path,
			    char *err);

#endif
