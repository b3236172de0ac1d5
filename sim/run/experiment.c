/*
 * experiment.c — parse, validate and expand experiment files (see
 * experiment.h). Validation walks the cJSON tree once; the first problem
 * found is reported as "FILE: $.json.path: expected X, found Y".
 */
#include "sim/run/experiment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hw/data.h"
#include "hw/jsonv.h"
#include "sim/gpu/gpu.h"

/* A string, or a non-empty list of distinct strings. */
static int get_names(struct jsonv *c, const cJSON *v, const char *path,
		     int *n, char ***out)
{
	char sub[JSONV_PATH_LEN];
	size_t cnt = 0;
	int rc;

	if (!v)
		return jsonv_fail(c, path, v,
				  "a name or a non-empty array of names");
	if (!cJSON_IsArray(v)) {
		if (!(*out = calloc(1, sizeof **out)))
			return RL_EIO;
		*n = 1;
		return jsonv_string_dup(c, v, path, 511, &(*out)[0]);
	}
	if ((rc = jsonv_strings(c, v, path, 511, EXP_MAX_LIST, out, &cnt)))
		return rc;
	*n = (int)cnt;
	for (int i = 1; i < *n; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp((*out)[i], (*out)[j])) {
				jsonv_path_index(sub, sizeof sub, path, i);
				return jsonv_fail(c, sub,
						  cJSON_GetArrayItem(v, i),
						  "distinct entries, not a repeat");
			}
	return RL_OK;
}

/* A non-empty list of distinct integers in [lo, hi]. */
static int get_ints(struct jsonv *c, const cJSON *v, const char *path, int lo,
		    int hi, int *n, int **out)
{
	const struct jsonv_range r = {lo, hi, 1};
	char sub[JSONV_PATH_LEN];
	double *x = NULL;
	size_t cnt = 0;
	int rc;

	if ((rc = jsonv_numbers(c, v, path, &r, EXP_MAX_LIST, &x, &cnt)))
		return rc;
	if (!(*out = calloc(cnt, sizeof **out))) {
		free(x);
		return RL_EIO;
	}
	*n = (int)cnt;
	for (int i = 0; i < *n; i++) {
		(*out)[i] = (int)x[i];
		for (int j = 0; j < i; j++)
			if ((*out)[j] == (*out)[i]) {
				jsonv_path_index(sub, sizeof sub, path, i);
				free(x);
				return jsonv_fail(c, sub,
						  cJSON_GetArrayItem(v, i),
						  "distinct values, not a repeat");
			}
	}
	free(x);
	return RL_OK;
}

/* The sweep: hardware fields by dotted path, each a non-empty list of
 * distinct values inside the field's valid range (hw_spec_fields()). */
static int parse_sweep(struct jsonv *c, struct experiment *e, const cJSON *v)
{
	char sub[JSONV_PATH_LEN], sub2[JSONV_PATH_LEN];
	const struct hw_field *fields;
	const char **allowed;
	size_t nf;
	int i = 0, rc;

	fields = hw_spec_fields(&nf);
	if (!(allowed = calloc(nf + 1, sizeof *allowed)))
		return RL_EIO;
	for (size_t k = 0; k < nf; k++)
		allowed[k] = fields[k].path;
	rc = jsonv_object(c, v, "$.sweep", allowed);
	free(allowed);
	if (rc)
		return rc;
	if (!v->child)
		return jsonv_fail(c, "$.sweep", v,
				  "at least one hardware field, e.g. {\"hbm.bandwidth_gbps\": [1000, 4000]}");
	if (cJSON_GetArraySize(v) > EXP_MAX_SWEEP)
		return jsonv_fail(c, "$.sweep", v, "at most 16 fields");
	e->sweep = calloc((size_t)cJSON_GetArraySize(v), sizeof *e->sweep);
	if (!e->sweep)
		return RL_EIO;
	for (const cJSON *f = v->child; f; f = f->next, i++) {
		struct exp_sweep_field *sf = &e->sweep[i];
		struct jsonv_range r = {0, 0, 0};
		size_t n = 0;

		for (size_t k = 0; k < nf; k++)
			if (!strcmp(fields[k].path, f->string))
				r = (struct jsonv_range){fields[k].min, fields[k].max,
							 fields[k].integer};
		jsonv_path_key(sub, sizeof sub, "$.sweep", f->string);
		snprintf(sf->path, sizeof sf->path, "%s", f->string);
		e->nsweep++;
		if ((rc = jsonv_numbers(c, f, sub, &r, EXP_MAX_LIST,
					&sf->values, &n)))
			return rc;
		sf->nvalues = (int)n;
		for (int j = 1; j < sf->nvalues; j++)
			for (int k = 0; k < j; k++)
				if (sf->values[k] == sf->values[j]) {
					jsonv_path_index(sub2, sizeof sub2, sub, j);
					return jsonv_fail(c, sub2,
							  cJSON_GetArrayItem(f, j),
							  "distinct values, not a repeat");
				}
	}
	return RL_OK;
}

/* Structure and types only; loading specs comes after. */
static int parse_tree(struct jsonv *c, struct experiment *e)
{
	static const char *const top[] = {"name", "description", "hardware",
		"model", "workload", "options", "sweep", NULL};
	static const char *const wl[] = {"ops", "q", "batch", "kv_len", "tp",
					 "layers", NULL};
	static const char *const opt[] = {"dtype", "l2", "sweep_mode",
					  "sweep_lines", "mask", NULL};
	static const char *const layer_modes[] = {"layer", "model", NULL};
	static const char *const masks[] = {"tree", "causal", NULL};
	static const char *const lines[] = {"q", "batch", NULL};
	static const char *const l2s[] = {"cold", "warm", NULL};
	static const char *const modes[] = {"product", "zip", NULL};
	static const char *const dtypes[] = {"fp16", "bf16", "fp8", NULL};
	const cJSON *j = e->json, *v, *w, *o;
	char name[72];
	int rc, x, present;

	if ((rc = jsonv_object(c, j, "$", top)))
		return rc;

	if ((rc = jsonv_get_name(c, j, "$", "name", 1, name, 65, NULL)))
		return rc;
	if (name[0] == '.')
		return jsonv_fail(c, "$.name",
				  cJSON_GetObjectItemCaseSensitive(j, "name"),
				  "a name that does not start with '.'");
	if (!(e->name = strdup(name)))
		return RL_EIO;
	v = cJSON_GetObjectItemCaseSensitive(j, "description");
	if (v && !cJSON_IsString(v))
		return jsonv_fail(c, "$.description", v, "a string");

	v = cJSON_GetObjectItemCaseSensitive(j, "hardware");
	if ((rc = get_names(c, v, "$.hardware", &e->nhw, &e->hw_names)))
		return rc;
	v = cJSON_GetObjectItemCaseSensitive(j, "model");
	if ((rc = get_names(c, v, "$.model", &e->nmodels, &e->model_names)))
		return rc;

	if ((rc = jsonv_get_object(c, j, "$", "workload", 1, wl, &w)))
		return rc;
	v = cJSON_GetObjectItemCaseSensitive(w, "ops");
	if (v && (rc = get_names(c, v, "$.workload.ops", &e->nops, &e->ops)))
		return rc;
	v = cJSON_GetObjectItemCaseSensitive(w, "q");
	if ((rc = get_ints(c, v, "$.workload.q", 1, 65536, &e->nq, &e->q)))
		return rc;
	v = cJSON_GetObjectItemCaseSensitive(w, "batch");
	if ((rc = get_ints(c, v, "$.workload.batch", 1, 65536, &e->nbatch,
			   &e->batch)))
		return rc;
	v = cJSON_GetObjectItemCaseSensitive(w, "kv_len");
	if (v && (rc = get_ints(c, v, "$.workload.kv_len", 1, 1 << 24, &e->nkv,
				&e->kv_len)))
		return rc;
	v = cJSON_GetObjectItemCaseSensitive(w, "tp");
	if (v) {
		if ((rc = get_ints(c, v, "$.workload.tp", 1, 1024, &e->ntp,
				   &e->tp)))
			return rc;
	} else {
		if (!(e->tp = calloc(1, sizeof *e->tp)))
			return RL_EIO;
		e->tp[0] = 1;
		e->ntp = 1;
	}
	if ((rc = jsonv_get_enum(c, w, "$.workload", "layers", 0, layer_modes,
				 &x, &present)))
		return rc;
	if (present)
		e->whole_model = x;

	if ((rc = jsonv_get_object(c, j, "$", "options", 0, opt, &o)))
		return rc;
	if (o) {
		if ((rc = jsonv_get_enum(c, o, "$.options", "dtype", 0, dtypes,
					 &x, &present)))
			return rc;
		if (present) {
			e->dtype = (enum rl_dtype)x;
			e->dtype_set = 1;
		}
		if ((rc = jsonv_get_enum(c, o, "$.options", "l2", 0, l2s, &x,
					 &present)))
			return rc;
		if (present)
			e->l2_warm = x;
		if ((rc = jsonv_get_enum(c, o, "$.options", "sweep_mode", 0,
					 modes, &x, &present)))
			return rc;
		if (present)
			e->sweep_zip = x;
		if ((rc = jsonv_get_enum(c, o, "$.options", "sweep_lines", 0,
					 lines, &x, &present)))
			return rc;
		if (present)
			e->sweep_by_batch = x;
		if ((rc = jsonv_get_enum(c, o, "$.options", "mask", 0, masks,
					 &x, &present)))
			return rc;
		if (present)
			e->mask = x ? ATTN_MASK_CAUSAL : ATTN_MASK_TREE;
	}

	v = cJSON_GetObjectItemCaseSensitive(j, "sweep");
	if (v && (rc = parse_sweep(c, e, v)))
		return rc;
	if (e->sweep_zip && e->nsweep == 0)
		return jsonv_fail(c, "$.options.sweep_mode",
				  cJSON_GetObjectItemCaseSensitive(o, "sweep_mode"),
				  "\"zip\" only together with a \"sweep\" section");
	if (e->sweep_zip)
		for (int i = 1; i < e->nsweep; i++)
			if (e->sweep[i].nvalues != e->sweep[0].nvalues) {
				char sub[JSONV_PATH_LEN];

				jsonv_path_key(sub, sizeof sub, "$.sweep", e->sweep[i].path);
				return jsonv_fail(c, sub, cJSON_GetObjectItemCaseSensitive(
					cJSON_GetObjectItemCaseSensitive(j, "sweep"),
					e->sweep[i].path),
					"%d values, as many as \"%s\" (sweep_mode \"zip\" pairs the lists)",
					e->sweep[0].nvalues, e->sweep[0].path);
			}
	return RL_OK;
}

/* Values of sweep variant v (odometer order, last field fastest; or the
 * v-th entry of every list in zip mode). */
static void variant_values(const struct experiment *e, int v, double *out)
{
	for (int i = e->nsweep - 1; i >= 0; i--) {
		int n = e->sweep[i].nvalues;

		if (e->sweep_zip) {
			out[i] = e->sweep[i].values[v];
		} else {
			out[i] = e->sweep[i].values[v % n];
			v /= n;
		}
	}
}

/* a then b into out[len], cut at len - 1 bytes. */
static void copy_clipped(char *out, size_t len, const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na > len - 1)
		na = len - 1;
	if (nb > len - 1 - na)
		nb = len - 1 - na;
	memcpy(out, a, na);
	memcpy(out + na, b, nb);
	out[na + nb] = 0;
}

/* Derived spec: base with the sweep values set, named deterministically
 * "base+path-value+path-value" (hardware names allow [A-Za-z0-9._+-]), or
 * "base+sweep-HASH" when that is too long, then re-validated as a whole
 * through the hardware parser. */
static int derive(struct jsonv *c, struct experiment *e, int base, int var,
		  const struct hw_spec *b, struct hw_spec **out)
{
	char assign[1024] = "", path[256], sub[300];
	double *vals = &e->spec_sweep[(size_t)(base * e->nvariants + var) * e->nsweep];
	struct hw_spec *s, *check = NULL;
	cJSON *json;
	char *text;
	int rc;

	variant_values(e, var, vals);
	/* a what-if of the GPU as listed (gpu.h: its kernel stays a
	 * candidate) */
	if (!(s = hw_spec_clone(b)) || hw_spec_what_if(s, 0)) {
		hw_spec_free(s);
		return RL_EIO;
	}
	for (int i = 0; i < e->nsweep; i++) {
		char msg[RL_ERR_LEN];

		if (hw_spec_set(s, e->sweep[i].path, vals[i], msg) != RL_OK) {
			int k = 0;

			while (e->sweep[i].values[k] != vals[i])
				k++;
			jsonv_path_key(path, sizeof path, "$.sweep", e->sweep[i].path);
			jsonv_path_index(sub, sizeof sub, path, k);
			rl_errf(c->err, "%s: %s: %g is not a valid value for %s: %s",
				c->file, sub, vals[i], e->hw_names[base], msg);
			hw_spec_free(s);
			return RL_EINPUT;
		}
		snprintf(assign + strlen(assign), sizeof assign - strlen(assign),
			 "+%s-%.10g", e->sweep[i].path, vals[i]);
	}
	if (strlen(b->name) + strlen(assign) < HW_NAME_LEN)
		copy_clipped(s->name, HW_NAME_LEN, b->name, assign);
	else {
		struct rl_hash h; /* lane a: FNV-1a of the assignments */

		rl_hash_init(&h);
		rl_hash_bytes(&h, assign, strlen(assign));
		snprintf(s->name, HW_NAME_LEN, "%.70s+sweep-%016llx", b->name,
			 (unsigned long long)h.a);
	}
	{
		/* "A100 80GB PCIe, hbm.bandwidth_gbps = 1000, sm.count = 132" */
		char disp[1024];
		int n = snprintf(disp, sizeof disp, "%s", b->display_name);

		for (int i = 0; i < e->nsweep && n > 0 && (size_t)n < sizeof disp; i++)
			n += snprintf(disp + n, sizeof disp - (size_t)n, ", %s = %.10g",
				      e->sweep[i].path, vals[i]);
		copy_clipped(s->display_name, HW_NAME_LEN, disp, "");
	}
	s->path[0] = 0;

	/* Cross-field checks live in the parser: round-trip through it. */
	json = hw_spec_to_json(s);
	text = json ? cJSON_PrintUnformatted(json) : NULL;
	cJSON_Delete(json);
	if (!text) {
		hw_spec_free(s);
		return RL_EIO;
	}
	{
		char msg[RL_ERR_LEN];

		rc = hw_spec_parse(text, s->name, &check, msg);
		if (rc != RL_OK) {
			rl_errf(c->err, "%s: $.sweep: the derived hardware %s is invalid: %s",
				c->file, s->name, msg);
			hw_spec_free(s);
			free(text);
			return RL_EINPUT;
		}
	}
	hw_spec_free(check);
	free(text);
	*out = s;
	return RL_OK;
}

/* The grid's size from its shape alone — hardware × sweep variants ×
 * ops × q × batch — checked against the limits before a single spec is
 * built: a few kilobytes of sweep lists can otherwise ask for millions of
 * specs (each about 8 KB with its sources) before any count is seen. */
static int count_grid(struct jsonv *c, struct experiment *e)
{
	char shape[256];
	double variants = 1, ops = 0, points;
	int n = 0;

	if (e->nsweep && e->sweep_zip)
		variants = e->sweep[0].nvalues;
	else
		for (int i = 0; i < e->nsweep; i++)
			variants *= e->sweep[i].nvalues; /* ≤ 4096^16: exact enough in a double */
	n = snprintf(shape, sizeof shape, "%d hardware", e->nhw);
	for (int i = 0; i < e->nsweep && n > 0 && (size_t)n < sizeof shape; i++)
		n += snprintf(shape + n, sizeof shape - (size_t)n, " %s %d",
			      e->sweep_zip ? (i ? "=" : "×") : "×",
			      e->sweep[i].nvalues);
	if ((double)e->nhw * variants > EXP_MAX_SPECS) {
		rl_errf(c->err, "%s: $.sweep: expected at most %d hardware variants (hardware × sweep values), found %.0f (%s)",
			c->file, EXP_MAX_SPECS, (double)e->nhw * variants, shape);
		return RL_EINPUT;
	}
	for (int m = 0; m < e->nmodels; m++)
		for (int t = 0; t < e->ntp; t++) {
			const char *names[LAYER_MAX_OPS];

			ops += experiment_point_ops(e, e->models[m], e->tp[t],
						    names);
		}
	points = (double)e->nhw * variants * ops * e->nq * e->nbatch *
		 (e->nkv ? e->nkv : 1);
	if (points > EXP_MAX_POINTS) {
		char kv[32] = "";

		if (e->nkv)
			snprintf(kv, sizeof kv, " × %d kv_len", e->nkv);
		rl_errf(c->err, "%s: $: expected at most %d points (GEMMs), found %.0f (%.0f hardware variants × %.0f ops × %d q × %d batch%s)",
			c->file, EXP_MAX_POINTS, points, (double)e->nhw * variants,
			ops, e->nq, e->nbatch, kv);
		return RL_EINPUT;
	}
	e->nvariants = (int)variants;
	return RL_OK;
}

static int cmp_spec_names(const void *a, const void *b)
{
	const struct hw_spec *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

static int load_specs(struct jsonv *c, struct experiment *e)
{
	char path[64], msg[RL_ERR_LEN];
	const struct hw_spec **sorted;
	int rc;

	e->nspecs = e->nhw * e->nvariants;
	e->specs = calloc((size_t)e->nspecs, sizeof *e->specs);
	e->spec_base = calloc((size_t)e->nspecs, sizeof *e->spec_base);
	e->spec_sweep = calloc((size_t)e->nspecs * (e->nsweep ? e->nsweep : 1),
			       sizeof *e->spec_sweep);
	e->base_sweep = calloc((size_t)e->nhw * (e->nsweep ? e->nsweep : 1),
			       sizeof *e->base_sweep);
	if (!e->specs || !e->spec_base || !e->spec_sweep || !e->base_sweep)
		return RL_EIO;

	for (int h = 0; h < e->nhw; h++) {
		struct hw_spec *b = NULL;

		jsonv_path_index(path, sizeof path, "$.hardware", h);
		if (e->nhw == 1 && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e->json, "hardware")))
			snprintf(path, sizeof path, "$.hardware");
		rc = hw_spec_load(e->hw_names[h], &b, msg);
		if (rc != RL_OK) {
			rl_errf(c->err, "%s: %s: %s", c->file, path, msg);
			return rc;
		}
		for (int k = 0; k < e->nsweep; k++)
			hw_spec_get(b, e->sweep[k].path,
				    &e->base_sweep[(size_t)h * e->nsweep + k]);
		for (int v = 0; v < e->nvariants; v++) {
			int i = h * e->nvariants + v;

			e->spec_base[i] = h;
			if (e->nsweep == 0) {
				e->specs[i] = b;
				b = NULL;
			} else if ((rc = derive(c, e, h, v, b, &e->specs[i]))) {
				hw_spec_free(b);
				return rc;
			}
		}
		hw_spec_free(b);
	}
	/* Distinct names (the same hardware listed by name and by path): a
	 * sorted copy, O(n log n) */
	if (!(sorted = malloc((size_t)e->nspecs * sizeof *sorted)))
		return RL_EIO;
	memcpy(sorted, e->specs, (size_t)e->nspecs * sizeof *sorted);
	qsort(sorted, (size_t)e->nspecs, sizeof *sorted, cmp_spec_names);
	for (int i = 1; i < e->nspecs; i++)
		if (!strcmp(sorted[i]->name, sorted[i - 1]->name)) {
			rl_errf(c->err, "%s: $.hardware: expected distinct hardware, found %s twice",
				c->file, sorted[i]->name);
			free(sorted);
			return RL_EINPUT;
		}
	free(sorted);
	return RL_OK;
}

int experiment_point_ops(const struct experiment *e,
			 const struct model_spec *m, int tp, const char **out)
{
	int n = 0;

	if (e->nops) {
		for (int k = 0; k < e->nops && k < LAYER_MAX_OPS; k++)
			out[n++] = e->ops[k];
		return n;
	}
	if (e->nkv)
		return layer_default_ops(m, tp, e->whole_model, out);
	for (int o = 0; o < model_mlp_nops(m); o++)
		out[n++] = model_mlp_op_name(m, o);
	if (tp > 1)
		out[n++] = "ar_down";
	return n;
}

/* The layer keys against model m: every listed op exists in m, tp
 * divides m's heads, kv_heads and FFN, attention has a kv_len at least as
 * long as every q, an all-reduce a tp >= 2. */
static int check_layer_keys(struct jsonv *c, const struct experiment *e,
			    const struct model_spec *m)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(e->json, "workload");
	char sub[64], msg[RL_ERR_LEN];
	int attn = 0, qmax = 0, kvmin = 0;

	for (int k = 0; k < e->nops; k++) {
		struct layer_params lp = {1, 1, 1, 1, e->mask, m->dtype};
		struct layer_op op;

		jsonv_path_index(sub, sizeof sub, "$.workload.ops", k);
		if (!layer_op_known(e->ops[k])) {
			rl_errf(c->err, "%s: %s: expected an op of the layer (%s), found \"%s\"",
				c->file, sub, layer_op_list(), e->ops[k]);
			return RL_EINPUT;
		}
		if (!strcmp(e->ops[k], "attn"))
			attn = 1;
		if (!strncmp(e->ops[k], "ar_", 3)) {
			for (int t = 0; t < e->ntp; t++)
				if (e->tp[t] < 2) {
					rl_errf(c->err, "%s: %s: %s is the all-reduce of tensor parallelism, expected every tp >= 2, found tp = %d",
						c->file, sub, e->ops[k], e->tp[t]);
					return RL_EINPUT;
				}
			continue;
		}
		if (!strcmp(e->ops[k], "attn"))
			continue;
		if (layer_op_build(m, e->ops[k], &lp, &op, msg) != RL_OK) {
			rl_errf(c->err, "%s: %s: %s", c->file, sub, msg);
			return RL_EINPUT;
		}
	}
	for (int t = 0; t < e->ntp; t++)
		if (layer_check_tp(m, e->tp[t], msg) != RL_OK) {
			jsonv_path_index(sub, sizeof sub, "$.workload.tp", t);
			rl_errf(c->err, "%s: %s: %s", c->file,
				e->ntp == 1 && !cJSON_GetObjectItemCaseSensitive(w, "tp")
					? "$.workload" : sub, msg);
			return RL_EINPUT;
		}
	if (!e->nops && e->nkv)
		attn = 1;
	if (attn && !e->nkv) {
		rl_errf(c->err, "%s: $.workload: attn needs \"kv_len\" (a list of KV cache lengths, e.g. [512, 2048])",
			c->file);
		return RL_EINPUT;
	}
	for (int q = 0; q < e->nq; q++)
		if (e->q[q] > qmax)
			qmax = e->q[q];
	for (int k = 0; k < e->nkv; k++)
		if (!k || e->kv_len[k] < kvmin)
			kvmin = e->kv_len[k];
	if (attn && kvmin < qmax) {
		for (int k = 0; k < e->nkv; k++)
			if (e->kv_len[k] == kvmin)
				jsonv_path_index(sub, sizeof sub, "$.workload.kv_len", k);
		rl_errf(c->err, "%s: %s: expected kv_len >= every q (the cache holds the q new tokens), found %d < q = %d",
			c->file, sub, kvmin, qmax);
		return RL_EINPUT;
	}
	return RL_OK;
}

static int load_models(struct jsonv *c, struct experiment *e)
{
	char path[64], msg[RL_ERR_LEN];
	int rc;

	e->models = calloc((size_t)e->nmodels, sizeof *e->models);
	if (!e->models)
		return RL_EIO;
	for (int i = 0; i < e->nmodels; i++) {
		jsonv_path_index(path, sizeof path, "$.model", i);
		if (e->nmodels == 1 && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e->json, "model")))
			snprintf(path, sizeof path, "$.model");
		rc = model_spec_load(e->model_names[i], &e->models[i], msg);
		if (rc != RL_OK) {
			rl_errf(c->err, "%s: %s: %s", c->file, path, msg);
			return rc;
		}
		for (int k = 0; k < i; k++)
			if (!strcmp(e->models[i]->name, e->models[k]->name)) {
				rl_errf(c->err, "%s: %s: expected distinct models, found %s twice",
					c->file, path, e->models[i]->name);
				return RL_EINPUT;
			}
		if ((rc = check_layer_keys(c, e, e->models[i])))
			return rc;
	}
	return RL_OK;
}

/* Every op must be one the simulator takes (a tensor rate for the dtype,
 * a kernel that fits, a bounded CTA count; for attention the softmax
 * units, for an all-reduce the link), refused here, before anything is
 * written. The CTA count grows with m (attention: with batch, q and
 * kv_len), so per spec, model, tp and op the largest of the grid stands
 * for all. */
static int check_points(struct jsonv *c, struct experiment *e)
{
	char why[RL_ERR_LEN];
	uint64_t mmax = 0;
	int qmax = 0, bmax = 0, kvmax = 1;

	for (int q = 0; q < e->nq; q++)
		for (int b = 0; b < e->nbatch; b++)
			if ((uint64_t)e->q[q] * (uint64_t)e->batch[b] > mmax)
				mmax = (uint64_t)e->q[q] * (uint64_t)e->batch[b];

	for (int q = 0; q < e->nq; q++)
		qmax = e->q[q] > qmax ? e->q[q] : qmax;
	for (int b = 0; b < e->nbatch; b++)
		bmax = e->batch[b] > bmax ? e->batch[b] : bmax;
	for (int k = 0; k < e->nkv; k++)
		kvmax = e->kv_len[k] > kvmax ? e->kv_len[k] : kvmax;
	for (int s = 0; s < e->nspecs; s++)
		for (int m = 0; m < e->nmodels; m++)
			for (int t = 0; t < e->ntp; t++) {
				const struct model_spec *ms = e->models[m];
				const char *names[LAYER_MAX_OPS];
				int nops = experiment_point_ops(e, ms, e->tp[t], names);

				for (int o = 0; o < nops; o++) {
					struct layer_params lp = {
						(uint64_t)qmax, (uint64_t)bmax,
						(uint64_t)kvmax, e->tp[t], e->mask,
						e->dtype_set ? e->dtype : ms->dtype};
					struct layer_op op;

					int rc = layer_op_build(ms, names[o], &lp,
								&op, why);

					/* the GEMMs' CTA count grows with m:
					 * the grid's largest stands for all */
					if (rc == RL_OK && op.kind == LAYER_GEMM)
						op.g.m = mmax;
					if (rc != RL_OK ||
					    gpu_check_layer_op(e->specs[s], &op,
							       why) != RL_OK) {
						rl_errf(c->err, "%s: $.workload: %s %s at m = %llu "
							"cannot be simulated: %s", c->file,
							ms->name, names[o],
							(unsigned long long)mmax, why);
						return RL_EINPUT;
					}
				}
			}
	return RL_OK;
}

/* The points of one (spec, model, tp, kv_len, q, batch): one per op. */
static int expand_ops(struct jsonv *c, struct experiment *e, int s, int m,
		      int t, int k, int q, int b, int *i)
{
	const struct model_spec *ms = e->models[m];
	const char *names[LAYER_MAX_OPS];
	int nops = experiment_point_ops(e, ms, e->tp[t], names);
	char why[RL_ERR_LEN];

	for (int o = 0; o < nops; o++) {
		struct exp_point *p = &e->points[(*i)++];
		struct layer_params lp;

		p->spec = s;
		p->model = m;
		p->op = o;
		p->q = e->q[q];
		p->batch = e->batch[b];
		p->kv_len = e->nkv ? e->kv_len[k] : 0;
		p->tp = e->tp[t];
		lp.q = (uint64_t)p->q;
		lp.batch = (uint64_t)p->batch;
		lp.kv_len = (uint64_t)(p->kv_len ? p->kv_len : 1);
		lp.tp = p->tp;
		lp.mask = e->mask;
		lp.dtype = e->dtype_set ? e->dtype : ms->dtype;
		if (layer_op_build(ms, names[o], &lp, &p->lop, why) != RL_OK) {
			rl_errf(c->err, "%s: $.workload: %s %s (q = %d, batch = %d, kv_len = %d, tp = %d): %s",
				c->file, ms->name, names[o], p->q, p->batch,
				p->kv_len, p->tp, why);
			return RL_EINPUT;
		}
		p->g = p->lop.g;
		p->count = e->whole_model && strcmp(names[o], "lm_head") ?
			   (int)ms->layers : 1;
	}
	return RL_OK;
}

static int expand(struct jsonv *c, struct experiment *e)
{
	double n = 0;
	int i = 0, rc;

	for (int q = 0; q < e->nq; q++)
		for (int b = 0; b < e->nbatch; b++)
			if ((double)e->q[q] * e->batch[b] > EXP_MAX_M) {
				rl_errf(c->err, "%s: $.workload: expected batch·q <= %d, found q = %d, batch = %d (m = %.0f)",
					c->file, EXP_MAX_M, e->q[q], e->batch[b],
					(double)e->q[q] * e->batch[b]);
				return RL_EINPUT;
			}
	for (int m = 0; m < e->nmodels; m++)
		for (int t = 0; t < e->ntp; t++) {
			const char *names[LAYER_MAX_OPS];

			n += experiment_point_ops(e, e->models[m], e->tp[t], names);
		}
	n *= (double)e->nspecs * e->nq * e->nbatch * (e->nkv ? e->nkv : 1);
	if (n > EXP_MAX_POINTS)
		return jsonv_fail(c, "$", NULL, "fewer than 10 million points");
	e->npoints = (int)n;
	e->points = calloc((size_t)e->npoints ? (size_t)e->npoints : 1, sizeof *e->points);
	if (!e->points)
		return RL_EIO;
	for (int s = 0; s < e->nspecs; s++)
		for (int m = 0; m < e->nmodels; m++)
			for (int t = 0; t < e->ntp; t++)
				for (int k = 0; k < (e->nkv ? e->nkv : 1); k++)
					for (int q = 0; q < e->nq; q++)
						for (int b = 0; b < e->nbatch; b++)
							if ((rc = expand_ops(c, e, s, m, t, k, q, b, &i)))
								return rc;
	return check_points(c, e);
}

static int parse_common(const char *text, const char *file, int load,
			struct experiment **out, char *err)
{
	struct jsonv c = {file, err};
	struct experiment *e;
	int rc;

	*out = NULL;
	if (!(e = calloc(1, sizeof *e)) || !(e->file = strdup(file))) {
		free(e);
		rl_errf(err, "%s: out of memory", file);
		return RL_EIO;
	}
	if ((rc = jsonv_parse(&c, text, &e->json)))
		goto fail;
	if ((rc = parse_tree(&c, e)))
		goto fail;
	/* models first: the grid is counted (count_grid) before any spec is
	 * built */
	if (load && ((rc = load_models(&c, e)) || (rc = count_grid(&c, e)) ||
		     (rc = load_specs(&c, e)) || (rc = expand(&c, e))))
		goto fail;
	*out = e;
	return RL_OK;
fail:
	if (rc == RL_EIO)
		rl_errf(err, "%s: out of memory", file);
	experiment_free(e);
	return rc;
}

int experiment_parse(const char *text, const char *file,
		     struct experiment **out, char *err)
{
	return parse_common(text, file, 1, out, err);
}

int experiment_load(const char *path, struct experiment **out, char *err)
{
	char msg[RL_ERR_LEN];
	char *text;
	int rc;

	*out = NULL;
	if (!(text = rl_read_file(path, NULL, msg))) {
		rl_errf(err, "%s", msg);
		return RL_EINPUT;
	}
	rc = experiment_parse(text, path, out, err);
	free(text);
	return rc;
}

int experiment_find(const char *name_or_path, char *out, size_t outlen,
		    char *err)
{
	return rl_data_find("experiments", name_or_path, out, outlen, err);
}

void experiment_free(struct experiment *e)
{
	if (!e)
		return;
	free(e->file);
	free(e->name);
	cJSON_Delete(e->json);
	rl_strings_free(e->hw_names, (size_t)e->nhw);
	rl_strings_free(e->model_names, (size_t)e->nmodels);
	rl_strings_free(e->ops, (size_t)e->nops);
	free(e->q);
	free(e->batch);
	free(e->kv_len);
	free(e->tp);
	for (int i = 0; e->sweep && i < e->nsweep; i++)
		free(e->sweep[i].values);
	free(e->sweep);
	for (int i = 0; e->specs && i < e->nspecs; i++)
		hw_spec_free(e->specs[i]);
	free(e->specs);
	free(e->spec_base);
	free(e->spec_sweep);
	free(e->base_sweep);
	for (int i = 0; e->models && i < e->nmodels; i++)
		model_spec_free(e->models[i]);
	free(e->models);
	free(e->points);
	free(e);
}

const char *experiment_op_name(const struct experiment *e,
			       const struct exp_point *p)
{
	(void)e;
	return p->lop.name;
}
