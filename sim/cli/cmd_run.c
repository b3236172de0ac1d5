/*
 * cmd_run.c — `ridgeline run EXPERIMENT [-o DIR] [-j N] [--fresh]
 * [--no-plot]`: validate the experiment, simulate its points (resuming
 * from DIR's journal), write results.csv, results.json and the figures,
 * print the table.
 *
 * Nothing is created before the experiment (hardware, models and sweep
 * included) has validated, so a bad file leaves DIR untouched.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/common.h"
#include "sim/cli/cli.h"
#include "sim/cli/run_cli.h"
#include "sim/run/experiment.h"
#include "sim/run/output.h"
#include "sim/run/parallel.h"
#include "sim/run/plot.h"
#include "sim/run/plot_layer.h"
#include "sim/run/runner.h"
#include "sim/run/timeline.h"
#include "sim/run/tracefile.h"

/* The synopsis and description of `prog --help` (before the options). */
static void usage_text(char *buf, size_t len, const char *prog)
{
	snprintf(buf, len,
		"usage: %s EXPERIMENT [-o DIR] [-j N] [--fresh] [--no-plot]\n"
		"       [--point OP,Q,BATCH [--trace FILE.json] [--timeline FILE.svg|.png]]\n"
		"\n"
		"Simulate every point of an experiment file (a path, or the name of one\n"
		"shipped with ridgeline, e.g. medusa-llama33b-a100-pcie), print a table\n"
		"and write into DIR (default: results/NAME):\n"
		"  results.csv, results.json   every point, the specs used, the version\n"
		"  roofline.{gp,dat,svg,png}   the roofline figure (one per hardware)\n"
		"  sweep-FIELD.{gp,dat,svg,png} TFLOP/s against each swept field\n"
		"  journal.jsonl               finished points; a rerun resumes from it\n"
		"\n"
		"exit status: 0 success, 1 simulation/IO failure, 2 bad input\n",
		prog);
}

int run_cli_parse(int argc, char **argv, const char *prog, struct run_cli *o)
{
	/* ridgeline-mpi -j 0: rank 0 only hands out points */
	int mpi = strstr(prog, "mpi") != NULL, rc, pos;
	char text[1536];
	const struct cli_opt opts[] = {
		{.name = "output", .short_name = 'o', .kind = CLI_STR,
		 .target = &o->dir, .arg = "DIR", .help = "output directory"},
		{.name = "jobs", .short_name = 'j', .kind = CLI_JOBS,
		 .target = &o->jobs, .given = &o->jobs_set, .arg = "N",
		 .lo = mpi ? 0 : 1, .help = mpi ?
		 "simulate N points at once on rank 0 (default: number of "
		 "cores, 1 with other ranks; 0: rank 0 only hands out points)" :
		 "simulate N points at once (default: number of cores)"},
		{.name = "fresh", .kind = CLI_FLAG, .target = &o->fresh,
		 .help = "discard DIR's journal and simulate everything again"},
		{.name = "no-plot", .kind = CLI_FLAG, .target = &o->no_plot,
		 .help = "skip the figures (scripts and data included)"},
		{.name = "point", .kind = CLI_STR, .target = &o->point,
		 .arg = "OP,Q,BATCH", .help = "the one point (the first with that "
		 "op, q and batch) that --trace and --timeline record"},
		{.name = "trace", .kind = CLI_STR, .target = &o->trace,
		 .arg = "FILE.json", .help = "write that point's run as Chrome "
		 "trace-event JSON (see ridgeline gemm --help)"},
		{.name = "timeline", .kind = CLI_FIGURE, .target = &o->timeline,
		 .arg = "FILE.svg|FILE.png",
		 .help = "write a figure of that point's run"},
		CLI_OPT_HELP,
		CLI_OPT_END,
	};

	memset(o, 0, sizeof *o);
	o->jobs = cli_default_jobs();
	usage_text(text, sizeof text, prog);
	if ((rc = cli_parse(prog, text, opts, argc, argv, &pos)) >= 0)
		return rc;
	o->plot = !o->no_plot;
	if (pos != argc - 1) {
		cli_usage(stderr, text, opts);
		return 2;
	}
	if (!o->point != !(o->trace || o->timeline)) {
		fprintf(stderr, "%s: --point: %s\n", prog, o->point ?
			"expected --trace or --timeline with it" :
			"required with --trace and --timeline (OP,Q,BATCH)");
		return 2;
	}
	o->experiment = argv[pos];
	return -1;
}

/* The index of the first point --point OP,Q,BATCH names; -1 with one line
 * on stderr (bad input) if none does or it is not a GEMM. */
static int traced_point(const struct run_cli *o, const char *prog,
			const struct experiment *e)
{
	char op[64];
	int q, b, n = 0;

	if (sscanf(o->point, "%63[^,],%d,%d%n", op, &q, &b, &n) != 3 ||
	    o->point[n]) {
		fprintf(stderr, "%s: --point: expected OP,Q,BATCH (e.g. up,16,4), found '%s'\n",
			prog, o->point);
		return -1;
	}
	for (int i = 0; i < e->npoints; i++) {
		const struct exp_point *p = &e->points[i];

		if (p->q != q || p->batch != b ||
		    strcmp(experiment_op_name(e, p), op))
			continue;
		if (p->lop.kind != LAYER_GEMM) {
			fprintf(stderr, "%s: --point %s: op %s is not a GEMM; only GEMMs are traced\n",
				prog, o->point, op);
			return -1;
		}
		return i;
	}
	fprintf(stderr, "%s: --point %s: no point of %s has op %s, q %d and batch %d\n",
		prog, o->point, e->file, op, q, b);
	return -1;
}

/* --trace / --timeline: simulate point i again with a recorder. */
static int write_traced(const struct run_cli *o, const struct experiment *e,
			int i, const struct gpu_result *want, FILE *report,
			char *err)
{
	const struct exp_point *p = &e->points[i];
	const struct hw_spec *hw = e->specs[p->spec];
	struct gpu_opts go = {.l2_warm = e->l2_warm};
	struct gpu_recorder rec;
	struct gpu_result r;
	int rc;

	attrib_init(&rec, 1);
	go.rec = &rec;
	rc = gpu_simulate_gemm(hw, &p->g, &go, &r, err);
	if (rc == RL_OK && r.time_us != want->time_us) {
		rl_errf(err, "internal: the traced run took %.6f us, the "
			     "result %.6f us", r.time_us, want->time_us);
		rc = RL_EIO;
	}
	if (rc == RL_OK && o->trace &&
	    (rc = tracefile_write(o->trace, &rec, hw->name, &p->g, &r, err)) == RL_OK)
		fprintf(report, "  %s (%s)\n", o->trace, o->point);
	if (rc == RL_OK && o->timeline &&
	    (rc = timeline_write(o->timeline, &rec, hw->name, &p->g, &r, err)) == RL_OK)
		fprintf(report, "  %s (%s; .gp, .dat)\n", o->timeline, o->point);
	attrib_destroy(&rec);
	return rc;
}

int run_cli_load(const struct run_cli *o, const char *prog,
		 struct experiment **e, char *dir, size_t dirlen)
{
	char path[PATH_MAX], err[RL_ERR_LEN];
	int rc;

	if ((rc = experiment_find(o->experiment, path, sizeof path, err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return cli_exit_code(rc);
	}
	if ((rc = experiment_load(path, e, err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return cli_exit_code(rc);
	}
	if (o->point && traced_point(o, prog, *e) < 0) {
		experiment_free(*e);
		*e = NULL;
		return 2;
	}
	if (o->dir)
		snprintf(dir, dirlen, "%s", o->dir);
	else
		snprintf(dir, dirlen, "results/%s", (*e)->name);
	return -1;
}

/* File-name-safe form of a spec/model name. */
static void safe_name(char *out, size_t len, const char *s)
{
	size_t i = 0;

	for (; *s && i + 1 < len; s++) {
		if (isalnum((unsigned char)*s) || strchr(".-+", *s))
			out[i++] = *s;
		else
			out[i++] = '_';
	}
	out[i] = 0;
}

static int write_figures(const char *dir, const struct experiment *e,
			 const struct result_row *rows, FILE *report,
			 char *err)
{
	char name[PATH_MAX], a[128], b[128];
	int rc;

	for (int s = 0; s < e->nspecs; s++)
		for (int m = 0; m < e->nmodels; m++) {
			if (e->nspecs == 1 && e->nmodels == 1) {
				snprintf(name, sizeof name, "roofline");
			} else {
				safe_name(a, sizeof a, e->specs[s]->name);
				safe_name(b, sizeof b, e->models[m]->name);
				if (e->nmodels == 1)
					snprintf(name, sizeof name, "roofline-%s", a);
				else
					snprintf(name, sizeof name, "roofline-%s-%s", a, b);
			}
			if ((rc = plot_roofline_write(dir, name, e, s, m, rows, err)) ||
			    (rc = plot_render(dir, name, err)))
				return rc;
			fprintf(report, "  %s/%s.svg, .png (.gp, .dat)\n", dir, name);
			/* a layer with attention: its roofline and the layer's
			 * time by op (sim/run/plot_layer.h), named alike */
			if (plot_layer_has_attn(e, s, m)) {
				char stem[300];

				snprintf(stem, sizeof stem, "%.290s", name + strlen("roofline"));
				snprintf(name, sizeof name, "attention%.290s", stem);
				if ((rc = plot_attn_roofline_write(dir, name, e, s, m, rows, err)) ||
				    (rc = plot_render(dir, name, err)))
					return rc;
				fprintf(report, "  %s/%s.svg, .png (.gp, .dat)\n", dir, name);
				snprintf(name, sizeof name, "layer%.290s", stem);
				if ((rc = plot_layer_bars_write(dir, name, e, s, m, rows, err)) ||
				    (rc = plot_render(dir, name, err)))
					return rc;
				fprintf(report, "  %s/%s.svg, .png (.gp, .dat)\n", dir, name);
			}
		}
	for (int k = 0; k < e->nsweep; k++)
		for (int h = 0; h < e->nhw; h++)
			for (int m = 0; m < e->nmodels; m++) {
				char f[128];

				safe_name(f, sizeof f, e->sweep[k].path);
				snprintf(name, sizeof name, "sweep-%s", f);
				if (e->nhw > 1) {
					safe_name(a, sizeof a, e->hw_names[h]);
					snprintf(name + strlen(name), sizeof name - strlen(name), "-%s", a);
				}
				if (e->nmodels > 1) {
					safe_name(b, sizeof b, e->models[m]->name);
					snprintf(name + strlen(name), sizeof name - strlen(name), "-%s", b);
				}
				if ((rc = plot_sweep_write(dir, name, e, k, h, m, rows, err)) ||
				    (rc = plot_render(dir, name, err)))
					return rc;
				fprintf(report, "  %s/%s.svg, .png (.gp, .dat)\n", dir, name);
			}
	/* two fields swept in product: a heat map of both */
	for (int h = 0; e->nsweep == 2 && !e->sweep_zip && h < e->nhw; h++)
		for (int m = 0; m < e->nmodels; m++) {
			char f[128], g[128];

			safe_name(f, sizeof f, e->sweep[0].path);
			safe_name(g, sizeof g, e->sweep[1].path);
			snprintf(name, sizeof name, "sweep-%s-%s", f, g);
			if (e->nhw > 1) {
				safe_name(a, sizeof a, e->hw_names[h]);
				snprintf(name + strlen(name), sizeof name - strlen(name), "-%s", a);
			}
			if (e->nmodels > 1) {
				safe_name(b, sizeof b, e->models[m]->name);
				snprintf(name + strlen(name), sizeof name - strlen(name), "-%s", b);
			}
			if ((rc = plot_sweep2_write(dir, name, e, h, m, rows, err)) ||
			    (rc = plot_render(dir, name, err)))
				return rc;
			fprintf(report, "  %s/%s.svg, .png (.gp, .dat)\n", dir, name);
		}
	return RL_OK;
}

int run_cli_finish(const struct run_cli *o, const char *prog,
		   const struct experiment *e, struct runner *r,
		   const char *dir)
{
	struct result_row *rows = calloc((size_t)e->npoints + 1, sizeof *rows);
	char err[RL_ERR_LEN];
	int rc;

	if (!rows) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return 1;
	}
	for (int i = 0; i < e->npoints; i++)
		out_fill_row(e, i, runner_result(r, i), &rows[i]);
	out_print_table(stdout, e, rows);
	printf("\nwrote:\n");
	if ((rc = out_write_csv(dir, e, rows, err)) ||
	    (rc = out_write_json(dir, e, rows, err)))
		goto fail;
	printf("  %s/results.csv\n  %s/results.json\n", dir, dir);
	fflush(stdout);
	if (o->plot && (rc = write_figures(dir, e, rows, stdout, err)))
		goto fail;
	if (o->point) {
		int i = traced_point(o, prog, e);

		if (i < 0) {
			free(rows);
			return 2;
		}
		if ((rc = write_traced(o, e, i, &rows[i].sim, stdout, err)))
			goto fail;
	}
	free(rows);
	return 0;
fail:
	fflush(stdout);
	fprintf(stderr, "%s: %s\n", prog, err);
	free(rows);
	return cli_exit_code(rc);
}

/* The lock on the output directory (out_dir_lock()), kept open until the
 * process exits. */
static int dir_lock = -1;

int run_cli_open(const struct run_cli *o, const char *prog,
		 const struct experiment *e, const char *dir,
		 struct runner **r)
{
	struct run_opts ro = {dir, o->fresh, isatty(2)};
	char err[RL_ERR_LEN];
	int rc;

	out_signals_install();
	/* one run per DIR; held until the process exits (under MPI, rank 0
	 * alone gets here and holds it for all ranks) */
	if (dir_lock < 0 && (dir_lock = out_dir_open(dir, err)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	if ((rc = runner_open(e, &ro, r, err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return cli_exit_code(rc);
	}
	return -1;
}

int cmd_run(int argc, char **argv)
{
	const char *prog = "ridgeline run";
	struct experiment *e = NULL;
	struct runner *r = NULL;
	char dir[PATH_MAX], err[RL_ERR_LEN];
	struct run_cli o;
	int rc;

	if ((rc = run_cli_parse(argc, argv, prog, &o)) >= 0)
		return rc;
	if ((rc = run_cli_load(&o, prog, &e, dir, sizeof dir)) >= 0)
		return rc;
	if ((rc = run_cli_open(&o, prog, e, dir, &r)) >= 0)
		goto done;
	if ((rc = runner_run_local(r, o.jobs, err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		rc = cli_exit_code(rc);
		goto done;
	}
	rc = run_cli_finish(&o, prog, e, r, dir);
done:
	runner_close(r);
	experiment_free(e);
	return rc;
}
