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
#include "sim/run/calibrate.h"
#include "sim/run/results.h"
#include "sim/run/runner.h"
#include "sim/run/validate.h"

_Static_assert(RIDGELINE_ERR_LEN == RL_ERR_LEN, "one error buffer size");
_Static_assert(RIDGELINE_EIO == RL_EIO && RIDGELINE_EINPUT == RL_EINPUT,
	       "one set of error codes");

struct ridgeline_hw {
	struct hw_spec *spec; /* owned */
};

struct ridgeline_experiment {
	struct experiment *e; /* owned */
};

struct ridgeline_validation {
	struct hw_spec *hw;     /* owned copy of the spec compared */
	struct validate_set *v; /* owned */
	int simulated;          /* ridgeline_validation_run succeeded */
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

	/* on a clone, so that a refused value leaves the spec as it was;
	 * a what-if of the spec as first set (gpu.h) */
	if (!(c = hw_spec_clone(hw->spec)) || hw_spec_what_if(c, 0)) {
		hw_spec_free(c);
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

/* A result from its JSON object obj and its CSV line csv (both taken):
 * the line is split at the commas in place (no field holds one: names are
 * [A-Za-z0-9._+-], tiles "BMxBNxBK/sS"). */
static int make_result(cJSON *obj, char *csv, ridgeline_result **out,
		       char *err)
{
	ridgeline_result *r = calloc(1, sizeof *r);
	size_t i = 0;

	if (!r || !obj || !csv) {
		free(r);
		cJSON_Delete(obj);
		free(csv);
		rl_errf(err, "out of memory");
		return RL_EIO;
	}
	r->obj = obj;
	r->csv = csv;
	r->n = (size_t)cJSON_GetArraySize(r->obj);
	if (!(r->field = calloc(r->n ? r->n : 1, sizeof *r->field)) ||
	    !(r->text = calloc(r->n ? r->n : 1, sizeof *r->text))) {
		ridgeline_result_free(r);
		rl_errf(err, "out of memory");
		return RL_EIO;
	}
	for (cJSON *c = r->obj->child; c; c = c->next)
		r->field[i++] = c;
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
}

/* The result of row (plus the swept values sw of experiment e, if any):
 * the row's JSON object and its results.csv line. */
static int wrap(const struct result_row *row, const struct experiment *e,
		const double *sw, ridgeline_result **out, char *err)
{
	cJSON *obj = results_row_json(row);
	char *csv = NULL;
	size_t len = 0;
	FILE *f;

	for (int k = 0; obj && e && k < e->nsweep; k++)
		if (!cJSON_AddNumberToObject(obj, e->sweep[k].path, sw[k])) {
			cJSON_Delete(obj);
			obj = NULL;
		}
	if (obj && (f = open_memstream(&csv, &len))) {
		results_csv_fields(f, row);
		for (int k = 0; e && k < e->nsweep; k++)
			fprintf(f, ",%.17g", sw[k]);
		if (fclose(f) != 0) {
			free(csv);
			csv = NULL;
		}
	}
	return make_result(obj, csv, out, err);
}

int ridgeline_gemm(const ridgeline_hw *hw, uint64_t m, uint64_t n, uint64_t k,
		   const char *dtype, int l2_warm, ridgeline_result **out,
		   char *err)
{
	char scratch[RL_ERR_LEN];
	char *e = ERRBUF(err, scratch);
	struct gemm g = {.m = m, .n = n, .k = k, .dtype = RL_BF16};
	struct gpu_opts go = {.l2_warm = l2_warm != 0};
	struct gpu_recorder rec;
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
	/* the critical-path parts are result fields: record them */
	attrib_init(&rec, 0);
	go.rec = &rec;
	rc = gpu_simulate_gemm(hw->spec, &g, &go, &row.sim, e);
	attrib_destroy(&rec);
	if (rc)
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

/* Point i of e, simulated as sim, as a result. */
static int point_result(const struct experiment *e, size_t i,
			const struct gpu_result *sim, ridgeline_result **out,
			char *err)
{
	struct result_row row;

	out_fill_row(e, (int)i, sim, &row);
	return wrap(&row, e,
		    &e->spec_sweep[(size_t)e->points[i].spec * e->nsweep], out,
		    err);
}

int ridgeline_experiment_simulate(const ridgeline_experiment *x, size_t i,
				  ridgeline_result **out, char *err)
{
	char scratch[RL_ERR_LEN];
	char *es = ERRBUF(err, scratch);
	const struct experiment *e = x->e;
	struct gpu_result sim;
	int rc;

	*out = NULL;
	if (i >= (size_t)e->npoints) {
		rl_errf(es, "%s: point %zu: expected an index below %d", e->name,
			i, e->npoints);
		return RL_EINPUT;
	}
	if ((rc = runner_simulate(e, (int)i, &sim, es)))
		return rc;
	return point_result(e, i, &sim, out, es);
}

int ridgeline_experiment_run(const ridgeline_experiment *x, int jobs,
			     ridgeline_result ***rows, char *err)
{
	char scratch[RL_ERR_LEN];
	char *es = ERRBUF(err, scratch);
	const struct experiment *e = x->e;
	const struct run_opts o = {.dir = NULL, .fresh = 1, .progress = 0};
	size_t n = (size_t)e->npoints;
	ridgeline_result **r = NULL;
	struct runner *run = NULL;
	int rc;

	/* the runner of `ridgeline run`, without a journal: its threads,
	 * its order-independent result array */
	*rows = NULL;
	if ((rc = runner_open(e, &o, &run, es)) ||
	    (rc = runner_run_local(run, jobs < 1 ? 1 : jobs, es)))
		goto fail;
	if (!(r = calloc(n ? n : 1, sizeof *r))) {
		rl_errf(es, "out of memory");
		rc = RL_EIO;
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		if ((rc = point_result(e, i, runner_result(run, (int)i), &r[i],
				       es)))
			goto fail;
	runner_close(run);
	*rows = r;
	return RL_OK;
fail:
	ridgeline_results_free(r, n);
	runner_close(run);
	return rc;
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

void ridgeline_results_free(ridgeline_result **rows, size_t n)
{
	if (!rows)
		return;
	for (size_t i = 0; i < n; i++)
		ridgeline_result_free(rows[i]);
	free(rows);
}

/* ---- validation ------------------------------------------------------------ */

int ridgeline_validation_load(const ridgeline_hw *hw, const char *path,
			      const char *format, const char *protocol,
			      ridgeline_validation **out, char *err)
{
	char scratch[RL_ERR_LEN], why[RL_ERR_LEN];
	char *es = ERRBUF(err, scratch);
	enum validate_format f = FORMAT_AUTO;
	enum validate_protocol p = VALIDATE_PROTOCOL_DEFAULT;
	ridgeline_validation *x;
	int rc;

	*out = NULL;
	if (format && validate_format_parse(format, &f)) {
		rl_errf(es, "format: expected auto, plain or cutlass-profiler, "
			"found '%s'", format);
		return RL_EINPUT;
	}
	if (protocol && validate_protocol_parse(protocol, &p)) {
		rl_errf(es, "protocol: expected graph-replay, cold or warm, "
			"found '%s'", protocol);
		return RL_EINPUT;
	}
	if ((rc = hw_spec_check(hw->spec, es)))
		return rc;
	if (!(x = calloc(1, sizeof *x)) || !(x->hw = hw_spec_clone(hw->spec))) {
		free(x);
		rl_errf(es, "out of memory");
		return RL_EIO;
	}
	if ((rc = validate_load_format(path, f, &x->v, es)))
		goto fail;
	if (protocol)
		validate_set_protocol(x->v, p);
	/* every row is one the simulator takes (cheap), so that bad input is
	 * refused before anything is simulated or written */
	for (size_t i = 0; i < x->v->n; i++)
		if (gpu_check_gemm(x->hw, &x->v->rows[i].g, why) != RL_OK) {
			rl_errf(es, "%.200s:%d: %.290s", path, x->v->rows[i].line,
				why);
			rc = RL_EINPUT;
			goto fail;
		}
	*out = x;
	return RL_OK;
fail:
	ridgeline_validation_free(x);
	return rc;
}

int ridgeline_validation_run(ridgeline_validation *x, int jobs, char *err)
{
	char scratch[RL_ERR_LEN];
	int rc = validate_run(x->v, x->hw, jobs < 1 ? 1 : jobs,
			      ERRBUF(err, scratch));

	x->simulated = rc == RL_OK;
	return rc;
}

size_t ridgeline_validation_rows(const ridgeline_validation *x)
{
	return x->v->n;
}

int ridgeline_validation_row(const ridgeline_validation *x, size_t i,
			     ridgeline_result **out, char *err)
{
	char scratch[RL_ERR_LEN];
	char *es = ERRBUF(err, scratch), *csv = NULL;
	const struct validate_row *r;
	cJSON *o;
	size_t len = 0;
	FILE *f;

	*out = NULL;
	if (!x->simulated || i >= x->v->n) {
		rl_errf(es, "%s: row %zu: expected %s", x->v->path, i,
			x->simulated ? "an index below the number of rows"
				     : "ridgeline_validation_run first");
		return RL_EINPUT;
	}
	r = &x->v->rows[i];
	if ((o = cJSON_CreateObject()) &&
	    (!cJSON_AddNumberToObject(o, "m", (double)r->g.m) ||
	     !cJSON_AddNumberToObject(o, "n", (double)r->g.n) ||
	     !cJSON_AddNumberToObject(o, "k", (double)r->g.k) ||
	     !cJSON_AddStringToObject(o, "dtype", rl_dtype_name(r->g.dtype)) ||
	     !cJSON_AddNumberToObject(o, "measured_ms", r->measured_ms) ||
	     !cJSON_AddNumberToObject(o, "predicted_ms", r->predicted_ms) ||
	     !cJSON_AddNumberToObject(o, "error_pct", r->error_pct) ||
	     !cJSON_AddStringToObject(o, "regime",
				      validate_regime_name(r->regime)) ||
	     !cJSON_AddStringToObject(o, "tile", r->sim.tile) ||
	     !cJSON_AddNumberToObject(o, "split_k", r->sim.split_k))) {
		cJSON_Delete(o);
		o = NULL;
	}
	if (o && (f = open_memstream(&csv, &len))) {
		validate_row_csv(f, r);
		if (fclose(f) != 0) {
			free(csv);
			csv = NULL;
		}
	}
	return make_result(o, csv, out, es);
}

static int by_regime(const struct validate_row *r, void *arg)
{
	return r->regime == *(enum validate_regime *)arg;
}

/* Rows whose B (weight) matrix is at least 32 MiB. */
static int by_b_bytes(const struct validate_row *r, void *arg)
{
	(void)arg;
	return (double)r->g.k * (double)r->g.n * rl_dtype_bytes(r->g.dtype) >=
	       32.0 * 1024 * 1024;
}

int rl_api_summary(const struct validate_set *v, const char *rows,
		   struct validate_summary *s)
{
	if (!strcmp(rows, "all")) {
		validate_summarize(v, NULL, NULL, s);
		return RL_OK;
	}
	if (!strcmp(rows, "b>=32mb")) {
		validate_summarize(v, by_b_bytes, NULL, s);
		return RL_OK;
	}
	for (int i = 0; i < NREGIMES; i++) {
		enum validate_regime rg = (enum validate_regime)i;

		if (!strcmp(rows, validate_regime_name(rg))) {
			validate_summarize(v, by_regime, &rg, s);
			return RL_OK;
		}
	}
	return RL_EINPUT;
}

int ridgeline_validation_summary(const ridgeline_validation *x,
				 const char *rows,
				 struct ridgeline_summary *out, char *err)
{
	char scratch[RL_ERR_LEN];
	struct validate_summary s;

	memset(out, 0, sizeof *out);
	if (!x->simulated) {
		rl_errf(ERRBUF(err, scratch), "%s: expected "
			"ridgeline_validation_run first", x->v->path);
		return RL_EINPUT;
	}
	if (!rows || rl_api_summary(x->v, rows, &s)) {
		rl_errf(ERRBUF(err, scratch), "rows: expected all, small, "
			"memory, compute or b>=32mb, found '%s'",
			rows ? rows : "(null)");
		return RL_EINPUT;
	}
	out->n = s.n;
	out->mape = s.mape;
	out->median_ape = s.median_ape;
	out->max_ape = s.max_ape;
	out->mean_error = s.mean_error;
	return RL_OK;
}

int ridgeline_calibrate(const ridgeline_validation *x, const char *fields,
			int jobs, ridgeline_hw **fitted, char *err)
{
	char scratch[RL_ERR_LEN];
	char *es = ERRBUF(err, scratch);
	struct calib_fit fit;
	struct calib_memo *memo = NULL;
	struct hw_spec *spec = NULL, *base;
	int rc;

	*fitted = NULL;
	memset(&fit, 0, sizeof fit);
	/* a fit is of the spec as given, fields set through
	 * ridgeline_hw_set() included: not a what-if of the GPU it came from */
	if (!(base = hw_spec_clone(x->hw))) {
		rl_errf(es, "out of memory");
		return RL_EIO;
	}
	hw_spec_forget_origin(base);
	if ((rc = calibrate_fields(base, fields, &fit, es)))
		goto out;
	fit.nstarts = CALIB_STARTS_DEFAULT; /* as the command */
	if (!(memo = calibrate_memo_new())) {
		rl_errf(es, "out of memory");
		rc = RL_EIO;
		goto out;
	}
	rc = calibrate_run(base, x->v, &fit, memo, jobs < 1 ? 1 : jobs, NULL,
			   NULL, es);
	calibrate_memo_free(memo);
	if (rc)
		goto out;
	if (!(spec = calibrate_spec(base, &fit, NULL, "ridgeline_calibrate")) ||
	    !(*fitted = rl_api_hw_adopt(spec))) {
		hw_spec_free(spec);
		rl_errf(es, "out of memory");
		rc = RL_EIO;
	}
out:
	hw_spec_free(base);
	return rc;
}

void ridgeline_validation_free(ridgeline_validation *x)
{
	if (!x)
		return;
	validate_free(x->v);
	hw_spec_free(x->hw);
	free(x);
}

const struct validate_set *rl_api_validation_set(const ridgeline_validation *x)
{
	return x->v;
}
