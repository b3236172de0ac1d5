/*
 * ridgeline.c — the public library (see ridgeline.h): a thin layer over
 * hw/spec, sim/gpu, sim/run/experiment and sim/run/results that keeps the
 * internal structs out of the ABI. A result is the row's JSON object
 * (results_row_json(), the fields of results.json in results.csv's order)
 * plus an index of its members and the row as results.csv writes it, so
 * every field the CSV and JSON carry is readable by name, as a value or as
 * the CLI's text, without the library growing a getter per field.
 * `ridgeline gemm` is ridgeline_gemm() (sim/api/internal.h).
 */
#include "config.h"

#include "sim/api/ridgeline.h"
#include "sim/api/internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hw/common.h"
#include "hw/spec.h"
#include "models/roofline.h"
#include "sim/gpu/gpu.h"
#include "sim/run/experiment.h"
#include "sim/run/output.h"
#include "sim/run/results.h"

_Static_assert(RIDGELINE_ERR_LEN == RL_ERR_LEN, "one error buffer size");
_Static_assert(RIDGELINE_EIO == RL_EIO && RIDGELINE_EINPUT == RL_EINPUT,
	       "one set of error codes");

struct ridgeline_hw {
	struct hw_spec *spec; /* owned */
};

struct ridgeline_experiment {
	struct experiment *e; /* owned */
};

struct ridgeline_result {
	cJSON *obj;     /* the row, owned */
	cJSON **field;  /* its members in order, owned array */
	size_t n;
	char *csv;      /* the row as results.csv writes it, split in place */
	char **text;    /* n pointers into csv */
};

/* err may be NULL: write into a scratch buffer then. */
#define ERRBUF(err, scratch) ((err) ? (err) : (scratch))

const char *ridgeline_version(void)
{
	return PACKAGE_VERSION;
}

int ridgeline_hw_load(const char *name_or_path, ridgeline_hw **out, char *err)
{
	char scratch[RL_ERR_LEN];
	ridgeline_hw *h;
	int rc;

	*out = NULL;
	if (!(h = calloc(1, sizeof *h))) {
		rl_errf(ERRBUF(err, scratch), "out of memory");
		return RL_EIO;
	}
	if ((rc = hw_spec_load(name_or_path, &h->spec, ERRBUF(err, scratch)))) {
		free(h);
		return rc;
	}
	*out = h;
	return RL_OK;
}

int ridgeline_hw_set(ridgeline_hw *hw, const char *path, double value,
		     char *err)
{
	char scratch[RL_ERR_LEN];
	struct hw_spec *c;
	int rc;

	/* on a clone, so that a refused value leaves the spec as it was */
	if (!(c = hw_spec_clone(hw->spec))) {
		rl_errf(ERRBUF(err, scratch), "out of memory");
		return RL_EIO;
	}
	if ((rc = hw_spec_set(c, path, value, ERRBUF(err, scratch)))) {
		hw_spec_free(c);
		return rc;
	}
	hw_spec_free(hw->spec);
	hw->spec = c;
	return RL_OK;
}

int ridgeline_hw_get(const ridgeline_hw *hw, const char *path, double *value,
		     char *err)
{
	char scratch[RL_ERR_LEN];

	if (hw_spec_get(hw->spec, path, value)) {
		rl_errf(ERRBUF(err, scratch), "%s: no field '%s' (ridgeline hw "
			"show lists them)", hw->spec->name, path ? path : "");
		return RL_EINPUT;
	}
	return RL_OK;
}

const char *ridgeline_hw_name(const ridgeline_hw *hw)
{
	return hw->spec->name;
}

void ridgeline_hw_free(ridgeline_hw *hw)
{
	if (!hw)
		return;
	hw_spec_free(hw->spec);
	free(hw);
}

ridgeline_hw *rl_api_hw_adopt(struct hw_spec *spec)
{
	ridgeline_hw *h = calloc(1, sizeof *h);

	if (h)
		h->spec = spec;
	return h;
}

/* The result of row (plus the swept values sw of experiment e, if any):
 * its JSON object, and its CSV text split at the commas (no field holds
 * one: names are [A-Za-z0-9._+-], tiles "BMxBNxBK/sS"). */
static int wrap(const struct result_row *row, const struct experiment *e,
		const double *sw, ridgeline_result **out, char *err)
{
	ridgeline_result *r = calloc(1, sizeof *r);
	cJSON *obj = results_row_json(row);
	size_t i = 0, len = 0;
	FILE *f;

	if (!r || !obj)
		goto oom;
	for (int k = 0; e && k < e->nsweep; k++)
		if (!cJSON_AddNumberToObject(obj, e->sweep[k].path, sw[k]))
			goto oom;
	r->obj = obj;
	obj = NULL;
	r->n = (size_t)cJSON_GetArraySize(r->obj);
	if (!(r->field = calloc(r->n ? r->n : 1, sizeof *r->field)) ||
	    !(r->text = calloc(r->n ? r->n : 1, sizeof *r->text)))
		goto oom;
	for (cJSON *c = r->obj->child; c; c = c->next)
		r->field[i++] = c;
	if (!(f = open_memstream(&r->csv, &len)))
		goto oom;
	results_csv_fields(f, row);
	for (int k = 0; e && k < e->nsweep; k++)
		fprintf(f, ",%.17g", sw[k]);
	if (fclose(f) != 0 || !r->csv)
		goto oom;
	i = 0;
	for (char *p = r->csv, *s; i < r->n && (s = strsep(&p, ","));)
		r->text[i++] = s;
	if (i != r->n) {
		rl_errf(err, "internal: %zu CSV fields for %zu result fields", i,
			r->n);
		ridgeline_result_free(r);
		return RL_EIO;
	}
	*out = r;
	return RL_OK;
oom:
	ridgeline_result_free(r);
	cJSON_Delete(obj);
	rl_errf(err, "out of memory");
	return RL_EIO;
}

int ridgeline_gemm(const ridgeline_hw *hw, uint64_t m, uint64_t n, uint64_t k,
		   const char *dtype, int l2_warm, ridgeline_result **out,
		   char *err)
{
	char scratch[RL_ERR_LEN];
	char *e = ERRBUF(err, scratch);
	struct gemm g = {.m = m, .n = n, .k = k, .dtype = RL_BF16};
	struct gpu_opts go = {.l2_warm = l2_warm != 0};
	struct result_row row;
	int rc;

	*out = NULL;
	if (dtype && rl_dtype_parse(dtype, &g.dtype)) {
		rl_errf(e, "dtype: expected bf16, fp16 or fp8, found '%s'", dtype);
		return RL_EINPUT;
	}
	if ((rc = hw_spec_check(hw->spec, e)) ||
	    (rc = gpu_check_gemm(hw->spec, &g, e)))
		return rc;
	memset(&row, 0, sizeof row);
	row.hw = hw->spec->name;
	row.model = "";
	row.op = "gemm";
	row.q = 1;
	row.batch = (int)g.m;
	row.g = g;
	roofline_gemm(hw->spec, &g, &row.roof);
	if ((rc = gpu_simulate_gemm(hw->spec, &g, &go, &row.sim, e)))
		return rc;
	return wrap(&row, NULL, NULL, out, e);
}

int ridgeline_experiment_load(const char *name_or_path,
			      ridgeline_experiment **out, char *err)
{
	char scratch[RL_ERR_LEN], path[1024];
	char *e = ERRBUF(err, scratch);
	ridgeline_experiment *x;
	int rc;

	*out = NULL;
	if ((rc = experiment_find(name_or_path, path, sizeof path, e)))
		return rc;
	if (!(x = calloc(1, sizeof *x))) {
		rl_errf(e, "out of memory");
		return RL_EIO;
	}
	if ((rc = experiment_load(path, &x->e, e))) {
		free(x);
		return rc;
	}
	*out = x;
	return RL_OK;
}

size_t ridgeline_experiment_points(const ridgeline_experiment *e)
{
	return (size_t)e->e->npoints;
}

int ridgeline_experiment_simulate(const ridgeline_experiment *x, size_t i,
				  ridgeline_result **out, char *err)
{
	char scratch[RL_ERR_LEN];
	char *es = ERRBUF(err, scratch);
	const struct experiment *e = x->e;
	const struct exp_point *p;
	struct gpu_opts go = {.l2_warm = e->l2_warm};
	struct gpu_result sim;
	struct result_row row;
	int rc;

	*out = NULL;
	if (i >= (size_t)e->npoints) {
		rl_errf(es, "%s: point %zu: expected an index below %d", e->name,
			i, e->npoints);
		return RL_EINPUT;
	}
	p = &e->points[i];
	if ((rc = gpu_simulate_gemm(e->specs[p->spec], &p->g, &go, &sim, es)))
		return rc;
	out_fill_row(e, (int)i, &sim, &row);
	return wrap(&row, e, &e->spec_sweep[(size_t)p->spec * e->nsweep], out,
		    es);
}

void ridgeline_experiment_free(ridgeline_experiment *x)
{
	if (!x)
		return;
	experiment_free(x->e);
	free(x);
}

size_t ridgeline_result_fields(const ridgeline_result *r)
{
	return r->n;
}

const char *ridgeline_result_name(const ridgeline_result *r, size_t i)
{
	return i < r->n ? r->field[i]->string : NULL;
}

long ridgeline_result_find(const ridgeline_result *r, const char *name)
{
	for (size_t i = 0; name && i < r->n; i++)
		if (!strcmp(r->field[i]->string, name))
			return (long)i;
	return -1;
}

int ridgeline_result_is_number(const ridgeline_result *r, size_t i)
{
	return i < r->n && cJSON_IsNumber(r->field[i]);
}

double ridgeline_result_number(const ridgeline_result *r, size_t i)
{
	return ridgeline_result_is_number(r, i) ? r->field[i]->valuedouble : NAN;
}

const char *ridgeline_result_string(const ridgeline_result *r, size_t i)
{
	return i < r->n && cJSON_IsString(r->field[i]) ? r->field[i]->valuestring
						       : NULL;
}

const char *ridgeline_result_text(const ridgeline_result *r, size_t i)
{
	return i < r->n ? r->text[i] : NULL;
}

void ridgeline_result_free(ridgeline_result *r)
{
	if (!r)
		return;
	cJSON_Delete(r->obj);
	free(r->field);
	free(r->text);
	free(r->csv);
	free(r);
}
