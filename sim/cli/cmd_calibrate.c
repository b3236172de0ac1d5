/*
 * cmd_calibrate.c — `ridgeline calibrate`: fit hardware fields to measured
 * GEMM latencies and write the calibrated spec, or (--plan) print the
 * shapes to measure. The fit itself is sim/run/calibrate.c; this file
 * parses options, prints the tables and writes the spec atomically.
 *
 * Everything printed on stdout and written to the spec depends only on the
 * inputs, never on -j or the clock: the recorded command leaves out -j and
 * -o, and names the data file by its base name and SHA-256.
 */
#include "config.h"

#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "hw/data.h"
#include "hw/spec.h"
#include "sim/cli/cli.h"
#include "sim/run/calibrate.h"
#include "sim/run/output.h"
#include "sim/run/parallel.h"
#include "sim/run/sha256.h"
#include "sim/run/validate.h"

static const char usage[] =
	"usage: ridgeline calibrate --hw BASE --measured FILE.csv [--fit FIELD,...]\n"
	"                           [-o SPEC.json] [--name NAME] [--starts N] [-j N]\n"
	"                           [--protocol graph-replay|cold|warm] [--loss huber|l2]\n"
	"                           [--set PATH=VALUE ...]\n"
	"       ridgeline calibrate --plan --hw BASE [--dtype bf16|fp16|fp8] [--fit FIELD,...]\n"
	"Fit numeric hardware fields of BASE (default: clock.sustained_mhz,\n"
	"hbm.efficiency, launch.overhead_us) to the measured latencies of FILE.csv\n"
	"(columns m,n,k,dtype,latency_ms) on r = log(predicted / measured), robust\n"
	"to outlying rows (--loss), print each field with its standard error, the\n"
	"error before and after by regime and a 5-fold cross-validated error, and\n"
	"write the calibrated spec (default NAME.json, NAME = BASE-calibrated). The fit\n"
	"runs from BASE's values and from N - 1 more starts within 20 % of them\n"
	"(--starts), keeps the lowest cost and prints where every start ended.\n";

#define CMD "calibrate"

/* --loss, in enum calib_loss order, and how the record names each */
static const char *const loss_name[] = {"huber", "l2"};
static const char *const loss_text[] = {
	"pseudo-Huber (scale 0.05)", "least squares"};
/* a spec's source is at most 1024 bytes (hw/spec.c); the fitted value,
 * its error and unit follow the prefix */
#define SOURCE_PREFIX_MAX 800

static const char *stop_word(int stop)
{
	switch (stop) {
	case CALIB_STOP_SMALL:
		return "small";
	case CALIB_STOP_NO_DESCENT:
		return "no-descent";
	case CALIB_STOP_TOLERANCE:
		return "tolerance";
	default:
		return "limit";
	}
}

/* Where every start began and ended, the correlation matrix, and a
 * warning for every field that starts ending as low as the fit put
 * farther apart than its standard error allows. */
static void print_starts(const struct calib_fit *fit)
{
	const struct calib_start *b = &fit->starts[fit->best];
	int w[CALIB_MAX_PARAMS] = {0};

	printf("\nstarts (the start values, then a Latin hypercube within "
	       "%.0f %% of them, seed %lu; * = the fit):\n",
	       100 * CALIB_START_SPREAD, CALIB_START_SEED);
	/* s^2 of the fit: a start's cost above the lowest in these units is
	 * the chi-square a test would compare with CALIB_FLAT_SE^2 */
	double s2 = b->cost / (double)(fit->n - fit->np);

	printf("%-8s %5s %-10s %8s %7s %8s", "start", "iters", "stop", "sigma",
	       "MAPE%", "dcost/s2");
	for (size_t j = 0; j < fit->np; j++) {
		w[j] = (int)strlen(fit->p[j].path);
		w[j] = w[j] < 12 ? 12 : w[j];
		printf("  %*s", w[j], fit->p[j].path);
	}
	printf("\n");
	for (size_t q = 0; q < fit->nstarts; q++) {
		const struct calib_start *st = &fit->starts[q];

		printf("%2zu from  %42s", q + 1, "");
		for (size_t j = 0; j < fit->np; j++)
			printf("  %*.6g", w[j], st->x0[j]);
		printf("\n   to%c   %5zu %-10s %8.4f %7.2f %8.1f",
		       q == fit->best ? '*' : ' ', st->iters,
		       stop_word(st->stop), st->sigma, st->mape,
		       s2 > 0 ? (st->cost - b->cost) / s2 : 0.0);
		for (size_t j = 0; j < fit->np; j++)
			printf("  %*.6g", w[j], st->x[j]);
		printf("\n");
	}
	printf("%zu of %zu starts end inside the fit's %.0f-standard-error cost "
	       "contour (dcost/s2 <= %.0f)\n", fit->nflat, fit->nstarts,
	       CALIB_FLAT_SE, CALIB_FLAT_SE * CALIB_FLAT_SE);
	if (fit->np > 1) {
		printf("correlations of the fitted fields:\n");
		for (size_t j = 0; j < fit->np; j++) {
			printf(" [%zu] %-26s", j + 1, fit->p[j].path);
			for (size_t k = 0; k < fit->np; k++)
				printf(" %+6.3f", fit->corr[j][k]);
			printf("\n");
		}
	}
	for (size_t j = 0; j < fit->np; j++) {
		const struct calib_param *p = &fit->p[j];
		double far = fmax(p->flat_hi - b->x[j], b->x[j] - p->flat_lo);

		if (!p->flat)
			continue;
		printf("warning: %s: %zu of %zu starts end as low as the fit "
		       "(inside its %.0f-standard-error cost contour) but "
		       "over [%.6g, %.6g] %s, %.1f standard errors from it: "
		       "the cost is flat or rough along it, and the data pin "
		       "it no closer than that range\n", p->path, fit->nflat,
		       fit->nstarts, CALIB_FLAT_SE, p->flat_lo, p->flat_hi,
		       p->unit, far / p->stderr_);
	}
}

static void print_fit(const struct calib_fit *fit)
{
	printf("%-26s %12s %12s %10s  %s\n", "field", "start", "fitted",
	       "stderr", "unit");
	for (size_t j = 0; j < fit->np; j++) {
		const struct calib_param *p = &fit->p[j];

		printf("%-26s %12.6g %12.8g %10.2g  %s\n", p->path, p->start,
		       p->value, p->stderr_, p->unit);
	}
	for (size_t j = 0; j < fit->np; j++)
		if (fit->p[j].at_bound)
			printf("warning: %s sits at its %s bound %.6g: the data "
			       "would move it further, and its standard error "
			       "is not meaningful\n", fit->p[j].path,
			       fit->p[j].at_bound < 0 ? "lower" : "upper",
			       fit->p[j].at_bound < 0 ? fit->p[j].lo
						      : fit->p[j].hi);
	for (size_t a = 0; a < fit->np; a++)
		for (size_t b = a + 1; b < fit->np; b++)
			if (fabs(fit->corr[a][b]) > CALIB_CORR_WARN)
				printf("warning: %s and %s are correlated "
				       "(%+.3f, |r| > %.1f): the data barely "
				       "separate them\n", fit->p[a].path,
				       fit->p[b].path, fit->corr[a][b],
				       CALIB_CORR_WARN);
}

/* The spec as JSON text, re-parsed to prove it loads; NULL + err. */
static char *spec_text(const struct hw_spec *s, const char *file, char *err)
{
	cJSON *j = hw_spec_to_json(s);
	char *text = j ? cJSON_Print(j) : NULL;
	struct hw_spec *back = NULL;

	cJSON_Delete(j);
	if (!text) {
		rl_errf(err, "out of memory");
		return NULL;
	}
	if (hw_spec_parse(text, file, &back, err) != RL_OK) {
		free(text);
		return NULL;
	}
	hw_spec_free(back);
	return text;
}

static int write_spec(const char *path, const char *text, char *err)
{
	struct out_file o;
	int rc;

	out_signals_install();
	if ((rc = out_file_open_path(&o, path, err)) != RL_OK)
		return rc;
	if (fputs(text, o.f) == EOF || fputc('\n', o.f) == EOF) {
		out_file_abort(&o);
		rl_errf(err, "%s: write failed", path);
		return RL_EIO;
	}
	return out_file_commit(&o, err);
}

static int plan(const struct hw_spec *hw, const char *fields,
		enum rl_dtype d, enum validate_protocol p, int jobs)
{
	struct calib_fit fit;
	struct calib_memo *memo = NULL;
	struct gemm out[CALIB_PLAN_MAX];
	char err[RL_ERR_LEN];
	size_t n = 0;
	int rc;

	if (calibrate_fields(hw, fields, &fit, err) != RL_OK) {
		fprintf(stderr, "ridgeline " CMD ": --fit %s\n", err);
		return 2;
	}
	memo = calibrate_memo_new();
	if (!memo) {
		fprintf(stderr, "ridgeline " CMD ": out of memory\n");
		return 1;
	}
	rc = calibrate_plan(hw, &fit, d, p, memo, jobs, out, &n, err);
	calibrate_memo_free(memo);
	if (rc != RL_OK) {
		fprintf(stderr, "ridgeline " CMD ": %s\n", err);
		return cli_exit_code(rc);
	}
	for (size_t j = 0; j < fit.ndropped; j++)
		fprintf(stderr, "ridgeline " CMD " --plan: %s left out of the "
			"default set: no shape of the grid moves it\n",
			fit.dropped[j]);
	printf("m,n,k,dtype\n");
	for (size_t i = 0; i < n; i++)
		printf("%llu,%llu,%llu,%s\n", (unsigned long long)out[i].m,
		       (unsigned long long)out[i].n,
		       (unsigned long long)out[i].k, rl_dtype_name(d));
	return 0;
}

/* "ridgeline calibrate --hw ... " as recorded in the spec: the options
 * that change the result (--starts always), the data file by base
 * name. */
static void command_line(char *buf, size_t len, const char *hwname,
			 const char *measured, const char *fields,
			 const char *proto, unsigned long long starts,
			 const char *loss, const struct cli_sets *sets,
			 const char *name)
{
	char tmp[PATH_MAX];
	size_t used;

	snprintf(tmp, sizeof tmp, "%s", measured);
	used = (size_t)snprintf(buf, len, "ridgeline calibrate --hw %.100s "
				"--measured %.100s", hwname, basename(tmp));
	if (fields && used < len)
		used += (size_t)snprintf(buf + used, len - used, " --fit %.200s",
					 fields);
	if (proto && used < len)
		used += (size_t)snprintf(buf + used, len - used,
					 " --protocol %s", proto);
	/* always: a later default would not reproduce the record */
	if (used < len)
		used += (size_t)snprintf(buf + used, len - used,
					 " --starts %llu --loss %s", starts,
					 loss);
	for (int i = 0; i < sets->n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, " --set %.60s",
					 sets->v[i]);
	if (name && used < len)
		snprintf(buf + used, len - used, " --name %.90s", name);
}

int cmd_calibrate(int argc, char **argv)
{
	const char *hwname = NULL, *measured = NULL, *fields = NULL;
	const char *outpath = NULL, *name = NULL, *proto = NULL;
	int jobs = cli_default_jobs();
	enum validate_protocol protocol;
	enum rl_dtype dtype = RL_BF16;
	struct cli_sets sets = {.n = 0};
	struct hw_spec *hw = NULL, *out = NULL;
	struct validate_set *v = NULL;
	struct calib_memo *memo = NULL;
	struct calib_fit fit;
	double *before = NULL, *after = NULL, *cv = NULL;
	char err[RL_ERR_LEN], defpath[HW_NAME_LEN + 8], cmdline[700];
	char *text = NULL, *data = NULL, *prefix = NULL, sha[65], tmp[PATH_MAX];
	int rc = RL_OK, want_plan = 0, dtype_given = 0, proto_i = 0;
	int proto_given = 0, starts_given = 0, loss_i = CALIB_LOSS_HUBER;
	unsigned long long starts = CALIB_STARTS_DEFAULT;
	size_t dlen = 0;
	const struct cli_opt opts[] = {
		{.name = "hw", .kind = CLI_STR, .target = &hwname, .arg = "BASE",
		 .help = "the spec to start from (name or file)"},
		{.name = "measured", .kind = CLI_STR, .target = &measured,
		 .arg = "FILE.csv", .help = "the measured latencies"},
		{.name = "fit", .kind = CLI_STR, .target = &fields,
		 .arg = "FIELD,...", .help = "the fields to fit (default above)"},
		{.name = "output", .short_name = 'o', .kind = CLI_STR,
		 .target = &outpath, .arg = "SPEC.json",
		 .help = "where to write the calibrated spec"},
		{.name = "name", .kind = CLI_STR, .target = &name, .hi = 80,
		 .arg = "NAME", .help = "the calibrated spec's name"},
		{.name = "starts", .kind = CLI_UINT, .target = &starts,
		 .given = &starts_given, .arg = "N", .lo = 1,
		 .hi = CALIB_MAX_STARTS, .help = "fit from BASE's values and "
		 "from N - 1 more points (a Latin hypercube within 20 % of "
		 "them, fixed seed), keep the lowest cost (default 4; 1: the "
		 "values alone; each start costs about one fit)"},
		CLI_OPT_JOBS(&jobs),
		{.name = "protocol", .kind = CLI_CHOICE, .target = &proto_i,
		 .given = &proto_given, .arg = "graph-replay|cold|warm",
		 .choices = "graph-replay|cold|warm", .help = "how the rows were "
		 "timed (default: the file's `protocol` column, else "
		 "graph-replay, as shared/data was measured)"},
		{.name = "loss", .kind = CLI_CHOICE, .target = &loss_i,
		 .arg = "huber|l2", .choices = "huber|l2", .help = "the sum "
		 "minimised: huber (default), pseudo-Huber with scale 0.05 — "
		 "r^2 for |r| below 0.05, 0.1 |r| beyond it, so that rows no "
		 "parameter explains do not pull the fit; l2, r^2 (least "
		 "squares)"},
		{.name = "set", .kind = CLI_SET, .target = &sets,
		 .arg = "PATH=VALUE", .help = "change a field of BASE before the "
		 "fit (e.g. the start value of a fitted field; repeatable)"},
		{.name = "plan", .kind = CLI_FLAG, .target = &want_plan,
		 .help = "print at most 32 shapes to measure (m = 1..8192 by "
		 "powers of two, n, k = 1024..16384) that together pin every "
		 "fitted field"},
		{.name = "dtype", .kind = CLI_DTYPE, .target = &dtype,
		 .given = &dtype_given, .arg = "bf16|fp16|fp8",
		 .help = "--plan's input type (default bf16)"},
		CLI_OPT_HELP,
		CLI_OPT_END,
	};

	if ((rc = cli_parse("ridgeline " CMD, usage, opts, argc, argv,
			    NULL)) >= 0)
		return rc;
	protocol = (enum validate_protocol)proto_i;
	if (proto_given)
		proto = validate_protocol_name(protocol);
	if (!hwname || (!want_plan && !measured)) {
		fprintf(stderr, "ridgeline " CMD ": --hw and --measured (or "
				"--plan) are required (see ridgeline " CMD
				" --help)\n");
		return 2;
	}
	if (want_plan && (measured || outpath || name)) {
		fprintf(stderr, "ridgeline " CMD ": --plan prints shapes to "
				"measure; it takes no --measured, -o or --name\n");
		return 2;
	}
	if (want_plan && starts_given) {
		fprintf(stderr, "ridgeline " CMD ": --starts applies to a fit, "
				"not to --plan\n");
		return 2;
	}
	if (!want_plan && dtype_given) {
		fprintf(stderr, "ridgeline " CMD ": --dtype applies to --plan "
				"only (the measured file names each row's "
				"dtype)\n");
		return 2;
	}
	if ((rc = hw_spec_load(hwname, &hw, err)) != RL_OK)
		goto fail;
	if (cli_apply_sets(CMD, hw, &sets)) {
		hw_spec_free(hw);
		return 2;
	}
	/* the fit is of the spec as set: no what-if of the file's GPU */
	hw_spec_forget_origin(hw);
	if (want_plan) {
		int st = plan(hw, fields, dtype, protocol, jobs);

		hw_spec_free(hw);
		return st;
	}
	if ((rc = calibrate_fields(hw, fields, &fit, err)) != RL_OK) {
		char e2[RL_ERR_LEN];

		snprintf(e2, sizeof e2, "--fit %.490s", err);
		snprintf(err, sizeof err, "%s", e2);
		goto fail;
	}
	if ((rc = validate_load(measured, &v, err)) != RL_OK)
		goto fail;
	if (proto)
		validate_set_protocol(v, protocol);
	/* the name and the output path are checked before the fit runs */
	if (!name)
		snprintf(defpath, sizeof defpath, "%.80s-calibrated.json",
			 hw->name);
	else
		snprintf(defpath, sizeof defpath, "%.80s.json", name);
	if (!outpath)
		outpath = defpath;
	out = calibrate_spec(hw, &fit, name, "check");
	if (!out) {
		rl_errf(err, "out of memory");
		rc = RL_EIO;
		goto fail;
	}
	text = spec_text(out, "--name", err);
	hw_spec_free(out);
	out = NULL;
	if (!text) {
		rc = RL_EINPUT;
		goto fail;
	}
	free(text);
	text = NULL;
	{
		char dir[PATH_MAX], base[PATH_MAX];
		struct stat st;

		out_split_path(outpath, dir, sizeof dir, base, sizeof base);
		if (!*base) {
			rl_errf(err, "-o %s: expected a file name", outpath);
			rc = RL_EINPUT;
			goto fail;
		}
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			rl_errf(err, "-o %s: %s is not a directory", outpath, dir);
			rc = RL_EINPUT;
			goto fail;
		}
		if (stat(outpath, &st) == 0 && S_ISDIR(st.st_mode)) {
			rl_errf(err, "-o %s: is a directory, expected a file name",
				outpath);
			rc = RL_EINPUT;
			goto fail;
		}
	}
	data = rl_read_file(measured, &dlen, err);
	if (!data) {
		rc = RL_EINPUT;
		goto fail;
	}
	sha256_hex(data, dlen, sha);
	before = malloc(v->n * sizeof *before);
	after = malloc(v->n * sizeof *after);
	cv = malloc(v->n * sizeof *cv);
	memo = calibrate_memo_new();
	if (!before || !after || !cv || !memo) {
		rl_errf(err, "out of memory");
		rc = RL_EIO;
		goto fail;
	}
	fit.nstarts = (size_t)starts;
	fit.loss = (enum calib_loss)loss_i;
	if ((rc = calibrate_run(hw, v, &fit, memo, jobs, before, after,
				err)) != RL_OK)
		goto fail;
	if ((rc = calibrate_cv(hw, v, &fit, memo, jobs, cv, err)) != RL_OK)
		goto fail;

	/* the spec: every fitted field's source says how it was obtained */
	command_line(cmdline, sizeof cmdline, hwname, measured, fields, proto,
		     starts, loss_name[loss_i], &sets, name);
	snprintf(tmp, sizeof tmp, "%s", measured);
	prefix = malloc(SOURCE_PREFIX_MAX);
	if (!prefix) {
		rl_errf(err, "out of memory");
		rc = RL_EIO;
		goto fail;
	}
	snprintf(prefix, SOURCE_PREFIX_MAX, "ridgeline %.20s calibrate: `%.380s`; data %.100s "
		 "(%zu rows, SHA-256 %s, protocol %s); %s on "
		 "log(predicted/measured) over %zu fields, residual sigma %.3g",
		 PACKAGE_VERSION, cmdline, basename(tmp), v->n, sha,
		 proto ? proto : v->protocol_column ? "per row (file column)"
						    : validate_protocol_name(
							      VALIDATE_PROTOCOL_DEFAULT),
		 loss_text[loss_i], fit.np, fit.sigma);
	out = calibrate_spec(hw, &fit, name, prefix);
	if (!out) {
		rl_errf(err, "out of memory");
		rc = RL_EIO;
		goto fail;
	}
	text = spec_text(out, outpath, err);
	if (!text) {
		rc = RL_EIO;
		goto fail;
	}

	printf("calibrate: %s on %s, %zu rows (protocol %s), %zu fields\n",
	       measured, hw->name, v->n,
	       proto ? proto : v->protocol_column ? "per row"
			   : validate_protocol_name(VALIDATE_PROTOCOL_DEFAULT),
	       fit.np);
	print_fit(&fit);
	for (size_t j = 0; j < fit.ndropped; j++)
		printf("not fitted: %s (a default field no row is sensitive "
		       "to; the spec keeps its value)\n", fit.dropped[j]);
	printf("loss: %s\n", loss_text[loss_i]);
	printf("residual sigma %.4f (log ratio); %zu iterations (%s); %zu "
	       "evaluations, %zu GEMMs simulated, %zu memo hits\n",
	       fit.sigma, fit.iters, calibrate_stop_text(fit.converged),
	       fit.evals, fit.sims, fit.hits);
	print_starts(&fit);
	printf("\nin-sample, before (%s as given):\n", hw->name);
	calibrate_apply_times(v, hw, before);
	cli_validate_table(v);
	printf("in-sample, after (%s):\n", out->name);
	calibrate_apply_times(v, out, after);
	cli_validate_table(v);
	printf("%d-fold cross-validation (fold = row index mod %d, each "
	       "refitted from the optimum, %zu iterations):\n", CALIB_FOLDS,
	       CALIB_FOLDS, fit.cv_iters);
	calibrate_apply_times(v, out, cv);
	cli_validate_table(v);
	if ((rc = write_spec(outpath, text, err)) != RL_OK)
		goto fail;
	printf("wrote %s\n", outpath);
	rc = RL_OK;
	goto done;
fail:
	fprintf(stderr, "ridgeline " CMD ": %s\n", err);
done:
	free(text);
	free(data);
	free(prefix);
	free(before);
	free(after);
	free(cv);
	calibrate_memo_free(memo);
	validate_free(v);
	hw_spec_free(out);
	hw_spec_free(hw);
	return cli_exit_code(rc);
}
