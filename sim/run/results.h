/*
 * results.h — one result row (a simulated GEMM of an experiment point) and
 * its CSV and JSON forms, which carry the same fields under the same names
 * (docs/results.md defines each). The order of the first 26 CSV columns is
 * an interface that scripts rely on:
 * hw,model,op,q,batch,m,n,k,dtype,flops,bytes_min,bytes_hbm,oi,time_us,
 * roofline_time_us,tflops,hbm_gbps,roofline_tflops,frac_of_roofline,bound,
 * l2_hit_rate,tensor_util,hbm_util,waves,tile,split_k
 * New fields are appended after them (27-33: bytes_hbm_read,
 * bytes_hbm_write,l2_util,ctas,events,roofline_bound,clock_mhz).
 */
#ifndef RL_RUN_RESULTS_H
#define RL_RUN_RESULTS_H

#include <stdio.h>

#include "models/gemm.h"
#include "models/roofline.h"
#include "sim/gpu/gpu.h"

struct cJSON;

struct result_row {
	const char *hw;    /* hardware name */
	const char *model; /* model name ("" for a bare GEMM) */
	const char *op;    /* "up", "gate", "down" or "gemm" */
	int q;             /* candidate tokens per sequence (1 = ar) */
	int batch;         /* sequences */
	struct gemm g;
	struct roofline_point roof;
	struct gpu_result sim;
	int kv_len;        /* KV cache tokens per sequence (0: none) */
	int tp;            /* tensor-parallel degree (0 is read as 1) */
	int count;         /* times the op runs per step (0 is read as 1) */
};

void results_csv_header(FILE *f);
/* The header without the newline, so callers may append columns. */
void results_csv_header_fields(FILE *f);
void results_csv_row(FILE *f, const struct result_row *r);
/* The same row without the newline, so callers may append columns. */
void results_csv_fields(FILE *f, const struct result_row *r);

/* One row as a JSON object: the CSV columns, in the same order, at full
 * precision. Caller frees with cJSON_Delete(). */
struct cJSON *results_row_json(const struct result_row *r);

#endif
