/*
 * output.c — an experiment's results writers: results.csv, results.json
 * and the table (see output.h); the files are written through outfile.c's
 * atomic files.
 */
#include "config.h"

#include "sim/run/output.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* ---- results ------------------------------------------------------------ */

void out_fill_row(const struct experiment *e, int i,
		  const struct gpu_result *sim, struct result_row *row)
{
	const struct exp_point *p = &e->points[i];

	memset(row, 0, sizeof *row);
	row->hw = e->specs[p->spec]->name;
	row->model = e->models[p->model]->name;
	row->op = experiment_op_name(e, p);
	row->q = p->q;
	row->batch = p->batch;
	row->g = p->g;
	row->kv_len = p->kv_len;
	row->tp = p->tp;
	row->count = p->count;
	layer_op_roofline(e->specs[p->spec], &p->lop, &row->roof);
	row->sim = *sim;
}

int out_write_csv(const char *dir, const struct experiment *e,
		  const struct result_row *rows, char *err)
{
	struct out_file o;
	int rc;

	if ((rc = out_file_open(&o, dir, "results.csv", err)))
		return rc;
	results_csv_header_fields(o.f);
	for (int k = 0; k < e->nsweep; k++)
		fprintf(o.f, ",%s", e->sweep[k].path);
	fputc('\n', o.f);
	for (int i = 0; i < e->npoints; i++) {
		const double *sw = &e->spec_sweep[(size_t)e->points[i].spec * e->nsweep];

		results_csv_fields(o.f, &rows[i]);
		for (int k = 0; k < e->nsweep; k++)
			fprintf(o.f, ",%.17g", sw[k]);
		fputc('\n', o.f);
	}
	return out_file_commit(&o, err);
}

static cJSON *spec_json(const struct experiment *e, int s)
{
	const struct hw_spec *h = e->specs[s];
	cJSON *j = hw_spec_to_json(h), *sw;

	if (!j)
		return NULL;
	if (!cJSON_GetObjectItemCaseSensitive(j, "name"))
		cJSON_AddStringToObject(j, "name", h->name);
	if (e->nsweep) {
		cJSON_AddStringToObject(j, "derived_from", e->hw_names[e->spec_base[s]]);
		sw = cJSON_AddObjectToObject(j, "sweep");
		for (int k = 0; sw && k < e->nsweep; k++)
			cJSON_AddNumberToObject(sw, e->sweep[k].path,
						e->spec_sweep[(size_t)s * e->nsweep + k]);
	}
	return j;
}

int out_write_json(const char *dir, const struct experiment *e,
		   const struct result_row *rows, char *err)
{
	cJSON *doc = cJSON_CreateObject(), *arr;
	struct out_file o;
	char *text = NULL;
	int rc = RL_EIO;

	if (!doc)
		goto oom;
	cJSON_AddStringToObject(doc, "ridgeline", PACKAGE_VERSION);
	cJSON_AddItemToObject(doc, "experiment", cJSON_Duplicate(e->json, 1));
	if (!(arr = cJSON_AddArrayToObject(doc, "hardware")))
		goto oom;
	for (int s = 0; s < e->nspecs; s++)
		cJSON_AddItemToArray(arr, spec_json(e, s));
	if (!(arr = cJSON_AddArrayToObject(doc, "models")))
		goto oom;
	for (int m = 0; m < e->nmodels; m++)
		cJSON_AddItemToArray(arr, model_spec_to_json(e->models[m]));
	if (!(arr = cJSON_AddArrayToObject(doc, "results")))
		goto oom;
	for (int i = 0; i < e->npoints; i++) {
		cJSON *r = results_row_json(&rows[i]);
		const double *sw = &e->spec_sweep[(size_t)e->points[i].spec * e->nsweep];

		if (!r)
			goto oom;
		for (int k = 0; k < e->nsweep; k++)
			cJSON_AddNumberToObject(r, e->sweep[k].path, sw[k]);
		cJSON_AddItemToArray(arr, r);
	}
	if (!(text = cJSON_Print(doc)))
		goto oom;
	if ((rc = out_file_open(&o, dir, "results.json", err)))
		goto done;
	fputs(text, o.f);
	fputc('\n', o.f);
	rc = out_file_commit(&o, err);
	goto done;
oom:
	rl_errf(err, "%s/results.json: out of memory", dir);
	rc = RL_EIO;
done:
	free(text);
	cJSON_Delete(doc);
	return rc;
}

void out_print_table(FILE *f, const struct experiment *e,
		     const struct result_row *rows)
{
	int prev_spec = -1, prev_model = -1;

	for (int i = 0; i < e->npoints; i++) {
		const struct exp_point *p = &e->points[i];
		const struct result_row *r = &rows[i];

		if (p->spec != prev_spec || p->model != prev_model) {
			const struct hw_spec *h = e->specs[p->spec];
			const struct model_spec *m = e->models[p->model];

			fprintf(f, "%s%s, %s (%s, %s, L2 %s): ridge %.0f FLOP/B\n",
				i ? "\n" : "", m->display_name, h->display_name,
				h->name, rl_dtype_name(p->g.dtype),
				e->l2_warm ? "warm" : "cold",
				hw_spec_ridge(h, p->g.dtype));
			fprintf(f, "%-5s %5s %5s %6s ", "op", "q", "batch", "m");
			if (e->nkv)
				fprintf(f, "%7s ", "kv_len");
			if (e->ntp > 1 || e->tp[0] > 1)
				fprintf(f, "%3s ", "tp");
			fprintf(f, "%8s %10s %8s %8s %6s  %s\n", "OI", "time_us",
				"TFLOP/s", "GB/s", "%roof", "bound");
			prev_spec = p->spec;
			prev_model = p->model;
		}
		fprintf(f, "%-5s %5d %5d %6llu ", r->op, r->q, r->batch,
			(unsigned long long)r->g.m);
		if (e->nkv)
			fprintf(f, "%7d ", r->kv_len);
		if (e->ntp > 1 || e->tp[0] > 1)
			fprintf(f, "%3d ", r->tp);
		fprintf(f, "%8.1f %10.2f %8.1f %8.0f %6.1f  %s\n",
			r->roof.oi, r->sim.time_us, r->sim.tflops,
			r->sim.hbm_gbps, 100.0 * r->roof.time_us / r->sim.time_us,
			r->sim.bound);
	}
}
