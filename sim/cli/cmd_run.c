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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/common.h"
#include "sim/cli/cli.h"
#include "sim/cli/run_cli.h"
#include "sim/run/experiment.h"
#include "sim/run/output.h"
#include "sim/run/plot.h"
#include "sim/run/plot_layer.h"
#include "sim/run/runner.h"

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s EXPERIMENT [-o DIR] [-j N] [--fresh] [--no-plot]\n"
		"\n"
		"Simulate every point of an experiment file (a path, or the name of one\n"
		"shipped with ridgeline, e.g. medusa-llama33b-a100-pcie), print a table\n"
		"and write into DIR (default: results/NAME):\n"
		"  results.csv, results.json   every point, the specs used, the version\n"
		"  roofline.{gp,dat,svg,png}   the roofline figure (one per hardware)\n"
		"  sweep-FIELD.{gp,dat,svg,png} TFLOP/s against each swept field\n"
		"  journal.jsonl               finished points; a rerun resumes from it\n"
		"\n"
		"  -o DIR      output directory\n"
		"  -j N        simulate N points at once (default: number of cores)\n"
		"  --fresh     discard DIR's journal and simulate everything again\n"
		"  --no-plot   skip the figures (scripts and data included)\n"
		"\n"
		"exit status: 0 success, 1 simulation/IO failure, 2 bad input\n",
		prog);
}

int run_cli_parse(int argc, char **argv, const char *prog, struct run_cli *o)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"jobs", required_argument, NULL, 'j'},
		{"fresh", no_argument, NULL, 'F'},
		{"no-plot", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int c;

	memset(o, 0, sizeof *o);
	o->jobs = ncpu > 0 ? (int)ncpu : 1;
	o->plot = 1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:j:h", longopts, NULL)) != -1) {
		char *end;
		long v;
		int lo;

		switch (c) {
		case 'o':
			o->dir = optarg;
			break;
		case 'j':
			/* ridgeline-mpi -j 0: rank 0 only hands out points */
			lo = strstr(prog, "mpi") ? 0 : 1;
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < lo || v > 4096) {
				fprintf(stderr, "%s: -j: expected an integer from %d to 4096, found '%s'\n",
					prog, lo, optarg);
				return 2;
			}
			o->jobs = (int)v;
			o->jobs_set = 1;
			break;
		case 'F':
			o->fresh = 1;
			break;
		case 'P':
			o->plot = 0;
			break;
		case 'h':
			usage(stdout, prog);
			return 0;
		default:
			fprintf(stderr, "%s: unknown or incomplete option '%s' (try --help)\n",
				prog, argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr, prog);
		return 2;
	}
	o->experiment = argv[optind];
	return -1;
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

	for (; *s && i + 1 < len; s++)
		out[i++] = (isalnum((unsigned char)*s) || strchr(".-+", *s)) ? *s : '_';
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
	if ((rc = out_mkdir_p(dir, err))) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	/* one run per DIR; held until the process exits (under MPI, rank 0
	 * alone gets here and holds it for all ranks) */
	if (dir_lock < 0 && (dir_lock = out_dir_lock(dir, err)) < 0) {
		fprintf(stderr, "%s: %s\n", prog, err);
		return 1;
	}
	out_clean_stale(dir);
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
