/*
 * experiment.h — an experiment file: which hardware, which models, which
 * workload grid, which options and, optionally, a sweep of hardware fields;
 * parsed and validated strictly, then expanded into an ordered list of
 * points (one point = one GEMM to simulate).
 *
 * File shape (unknown keys are errors; lists must be non-empty and
 * duplicate-free):
 *
 *   {"name": "medusa-llama33b-a100-pcie",          [A-Za-z0-9._-], ≤ 64
 *    "description": "...",                          optional
 *    "hardware": ["a100-80gb-pcie", ...],           name/path or list
 *    "model": "llama-33b",                          name/path or list
 *    "workload": {"ops": ["up", "gate", "down"],    optional, see below
 *                 "q": [1, 16, ...],                tokens per sequence
 *                 "batch": [1, 2, ...],             sequences
 *                 "kv_len": [512, 2048],            optional: KV cache tokens
 *                                                   per sequence (incl. the q)
 *                 "tp": [1, 2],                     optional: tensor-parallel
 *                                                   degree, default [1]
 *                 "layers": "layer"},               "layer" | "model"
 *    "options": {"dtype": "fp16",                   optional: model dtype
 *                "l2": "cold",                      "cold" | "warm"
 *                "sweep_mode": "product",           "product" | "zip"
 *                "sweep_lines": "q",                figure lines: "q" | "batch"
 *                "mask": "tree"},                   q > 1 attention: "tree" | "causal"
 *    "sweep": {"hbm.bandwidth_gbps": [1000, 4000],  optional: hw fields by
 *              "sm.count": [108, 132]}}             dotted path (hw/spec.h)
 *
 * Every GEMM has m = batch · q; q = 1 is autoregressive decoding ("ar").
 * Ops are those of models/layer.h (qkv, attn, o, ar_o, up, gate, up_gate,
 * down, ar_down, lm_head). Without "ops": the whole layer (layer_default_
 * ops(), lm_head with "layers": "model") when kv_len is given, else the
 * MLP ops (and ar_down when tp > 1). attn needs kv_len >= every q.
 * "layers": "model" makes each point count for the whole model: decoder
 * ops run `layers` times per step, lm_head once (exp_point.count).
 *
 * Invariant: experiment_load() succeeds only if every point can be
 * simulated as far as input goes — hardware and models load, every derived
 * (swept) spec passes the hardware validator, every op exists in every
 * model. So callers may create output directories only after it returns 0.
 *
 * Point order (the order of results.csv, results.json and the table):
 * spec (hardware in file order, each followed by its sweep variants in
 * odometer order, last field fastest), model, tp, kv_len, q, batch, op.
 *
 * Ownership: experiment_load()/experiment_parse() return an experiment
 * freed by experiment_free(), which owns the specs, models and points.
 */
#ifndef RL_RUN_EXPERIMENT_H
#define RL_RUN_EXPERIMENT_H

#include <stdint.h>

#include "hw/common.h"
#include "hw/spec.h"
#include "models/gemm.h"
#include "models/layer.h"
#include "models/model.h"

struct cJSON;

#define EXP_MAX_LIST 4096  /* entries per list */
#define EXP_MAX_SWEEP 16   /* swept fields */
#define EXP_MAX_M 1048576  /* largest m = batch · q */
/* Limits on what one file may ask for, checked from the shape of the grid
 * before anything is built (see experiment_load()): */
#define EXP_MAX_SPECS 10000     /* hardware × sweep variants; ≈ 8 KB each */
#define EXP_MAX_POINTS 1000000  /* GEMMs; a few KB each in memory, hours of simulation */

struct exp_sweep_field {
	char path[64];   /* dotted hardware path, e.g. "hbm.bandwidth_gbps" */
	int nvalues;
	double *values;  /* as listed, owned */
};

struct exp_point {
	int spec;        /* index into experiment.specs */
	int model;       /* index into experiment.models */
	int op;          /* op index in the point's op list */
	int q;           /* candidate tokens per sequence, 1 = ar */
	int batch;       /* sequences */
	int kv_len;      /* KV cache tokens per sequence (0 = not given) */
	int tp;          /* tensor-parallel degree */
	int count;       /* times the op runs per step (model layers, or 1) */
	struct gemm g;   /* m = batch·q, dtype from options or the model (for
			  * attention and all-reduce: lop.g's descriptive shape) */
	struct layer_op lop; /* the op on one GPU */
};

struct experiment {
	char *file;            /* path it was read from, for messages */
	char *name;            /* experiment name */
	struct cJSON *json;    /* the parsed file, as given (for results.json) */

	int nhw;               /* hardware entries as listed */
	char **hw_names;
	int nmodels;           /* model entries as listed */
	char **model_names;
	int nops;              /* 0 = the default ops (see above) */
	char **ops;
	int nkv;               /* workload.kv_len entries, 0 = not given */
	int *kv_len;
	int ntp;               /* workload.tp entries (default one: 1) */
	int *tp;
	int whole_model;       /* workload.layers == "model" */
	enum attn_mask mask;   /* options.mask */
	int nq;
	int *q;
	int nbatch;
	int *batch;
	int dtype_set;         /* options.dtype given */
	enum rl_dtype dtype;   /* options.dtype */
	int l2_warm;           /* options.l2 == "warm" */
	int sweep_zip;         /* options.sweep_mode == "zip" */
	int sweep_by_batch;    /* options.sweep_lines == "batch": sweep figures
				* draw one line per batch size, not per q */
	int nsweep;
	struct exp_sweep_field *sweep;

	/* Filled by experiment_load(): */
	int nspecs;              /* nhw · (sweep variants, 1 without sweep) */
	struct hw_spec **specs;  /* derived specs carry derived names */
	int *spec_base;          /* nspecs: index into hw_names */
	int nvariants;           /* sweep variants per hardware (1 if none) */
	double *spec_sweep;      /* nspecs × nsweep: swept values of each spec */
	double *base_sweep;      /* nhw × nsweep: each listed GPU's own value of
				  * each swept field (0 if the field is absent) */
	struct model_spec **models; /* nmodels */
	int npoints;
	struct exp_point *points;
};

/* Read, parse, validate, load hardware and models, derive swept specs and
 * expand the grid. 0, or RL_EINPUT with one line in err naming the file,
 * the JSON path and what was expected. */
int experiment_load(const char *path, struct experiment **out, char *err);

/* The same from text in memory; `file` names it in messages. */
int experiment_parse(const char *text, const char *file,
		     struct experiment **out, char *err);

/* Free e with its specs, models and points (NULL is allowed). */
void experiment_free(struct experiment *e);

/* The ops of model m at tensor-parallel degree tp in this experiment, in
 * order (the listed ones, or the defaults); returns the count. */
int experiment_point_ops(const struct experiment *e,
			 const struct model_spec *m, int tp, const char **out);

/* Name of the point's op ("qkv", "attn", "up", ...). */
const char *experiment_op_name(const struct experiment *e,
			       const struct exp_point *p);

/* Resolve an experiment argument: a path, or a bare name looked up in the
 * "experiments" data directory (see hw/data.h). */
int experiment_find(const char *name_or_path, char *out, size_t outlen,
		    char *err);

#endif
