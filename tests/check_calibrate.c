/*
 * check_calibrate.c — sim/run/calibrate and sim/run/sha256: the fit
 * recovers known parameters within its own standard errors, the errors
 * match the Monte-Carlo spread, the written spec reloads and reproduces the
 * reported error, a measurement plan pins every default field, and SHA-256
 * gives the FIPS 180-2 digests.
 *
 * The "measurements" are synthetic: times simulated on a spec whose fitted
 * fields are set to known values, times exp(sigma * N(0, 1)) from a seeded
 * GSL generator. The expectations are the known values and sigma, never
 * the fit's own output: the tests hold however the GPU model changes.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "hw/common.h"
#include "hw/spec.h"
#include "sim/gpu/gpu.h"
#include "sim/run/calibrate.h"
#include "sim/run/sha256.h"
#include "sim/run/validate.h"

static char err[RL_ERR_LEN];

#define FIELDS "clock.sustained_mhz,hbm.efficiency,launch.overhead_us"
#define NP 3
static const char *const names[NP] = {"clock.sustained_mhz", "hbm.efficiency",
				      "launch.overhead_us"};
static const double truth[NP] = {1150, 0.80, 5.5};
/* the start: 6 % fast clock, 8 % slow memory, 25 % more overhead */
static const double start[NP] = {1150 * 1.06, 0.80 * 0.92, 5.5 * 1.25};

/* a100-80gb-sxm with the power-limited clock removed (if this build has
 * it), so that the three fields alone set the times */
static struct hw_spec *spec_with(const double *x)
{
	struct hw_spec *hw = NULL;

	ck_assert_msg(hw_spec_load("a100-80gb-sxm", &hw, err) == RL_OK, "%s",
		      err);
	if (hw_spec_field("clock.burst_mhz", NULL))
		ck_assert(hw_spec_set(hw, "clock.burst_mhz", 0, err) == RL_OK);
	if (hw_spec_field("clock.power_window_ms", NULL))
		ck_assert(hw_spec_set(hw, "clock.power_window_ms", 0, err) ==
			  RL_OK);
	for (int j = 0; j < NP; j++)
		ck_assert_msg(hw_spec_set(hw, names[j], x[j], err) == RL_OK,
			      "%s", err);
	ck_assert_msg(hw_spec_check(hw, err) == RL_OK, "%s", err);
	return hw;
}

/* A set of rows (shapes as given) with measured = simulated on truth_hw
 * times exp(sigma * N(0,1)), seeded. */
static struct validate_set *synthetic(const struct hw_spec *truth_hw,
				      const struct gemm *g, size_t n,
				      double sigma, unsigned long seed)
{
	struct validate_set *v = calloc(1, sizeof *v);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	ck_assert(v && r);
	gsl_rng_set(r, seed);
	snprintf(v->path, sizeof v->path, "synthetic-%lu.csv", seed);
	v->rows = calloc(n, sizeof *v->rows);
	ck_assert(v->rows);
	v->n = n;
	for (size_t i = 0; i < n; i++) {
		struct validate_row *row = &v->rows[i];
		struct gpu_opts o;
		struct gpu_result res;

		row->line = (int)i + 2;
		row->g = g[i];
		row->protocol = PROTOCOL_GRAPH_REPLAY;
		validate_protocol_opts(row->protocol, truth_hw, &row->g, &o);
		ck_assert_msg(gpu_simulate_gemm(truth_hw, &row->g, &o, &res,
						err) == RL_OK, "%s", err);
		row->measured_ms = res.time_us * 1e-3 *
				   exp(sigma * gsl_ran_ugaussian(r));
	}
	gsl_rng_free(r);
	return v;
}

/* 40 shapes spanning the regimes: tiny (overhead), weight streaming (DRAM)
 * and large compute-bound ones (tensor clock). They are the shapes whose
 * simulated time moves smoothly with the three fields: where the GPU model
 * jumps under a 2 % change of a field (in the model of 2026-12-01, e.g.
 * 256x1024x8192 or 16x4096x1024 against hbm.efficiency, 2048^3 against
 * the clock), synthetic data generated at the true values make the truth a
 * sticky point of the cost — the fitted values scatter less than the noise
 * allows — which tests the simulator's smoothness, not the estimator. */
static size_t shapes40(struct gemm *g)
{
	static const uint64_t ms[] = {1, 2, 4, 8};
	static const uint64_t nk[][2] = {{1024, 1024}, {2048, 2048},
					 {4096, 4096}, {1024, 8192},
					 {8192, 1024}, {4096, 1024},
					 {2048, 8192}, {1024, 4096}};
	static const uint64_t big[][3] = {{1, 8192, 8192}, {8, 8192, 8192},
					  {4096, 4096, 4096}, {4096, 8192, 4096},
					  {8192, 4096, 4096}, {2048, 4096, 8192},
					  {4096, 8192, 8192}, {8192, 8192, 4096}};
	size_t n = 0;

	for (size_t a = 0; a < sizeof ms / sizeof *ms; a++)
		for (size_t b = 0; b < sizeof nk / sizeof *nk; b++)
			g[n++] = (struct gemm){ms[a], nk[b][0], nk[b][1],
					       RL_BF16};
	for (size_t b = 0; b < sizeof big / sizeof *big; b++)
		g[n++] = (struct gemm){big[b][0], big[b][1], big[b][2],
				       RL_BF16};
	return n;
}

/* ---- round trip ------------------------------------------------------------ */

#define SEEDS 6
#define SIGMA 0.03

START_TEST(test_round_trip_recovers_known_values_within_their_errors)
{
	struct hw_spec *truth_hw = spec_with(truth), *base = spec_with(start);
	struct calib_memo *memo = calibrate_memo_new();
	struct gemm g[40];
	size_t n = shapes40(g);
	double val[SEEDS][NP], se[SEEDS][NP], sig[SEEDS];

	ck_assert(memo);
	for (int s = 0; s < SEEDS; s++) {
		struct validate_set *v = synthetic(truth_hw, g, n, SIGMA,
						   1000 + s);
		struct calib_fit fit;

		ck_assert_msg(calibrate_fields(base, FIELDS, &fit, err) ==
			      RL_OK, "%s", err);
		ck_assert_msg(calibrate_run(base, v, &fit, memo, 2, NULL, NULL,
					    err) == RL_OK, "%s", err);
		ck_assert_uint_eq(fit.np, NP);
		sig[s] = fit.sigma;
		for (int j = 0; j < NP; j++) {
			val[s][j] = fit.p[j].value;
			se[s][j] = fit.p[j].stderr_;
			fprintf(stderr, "seed %d %s: %.6g +- %.3g (truth %.6g)\n",
				s, names[j], val[s][j], se[s][j], truth[j]);
			ck_assert_msg(se[s][j] > 0 && isfinite(se[s][j]),
				      "%s: stderr %g", names[j], se[s][j]);
			ck_assert_msg(fabs(val[s][j] - truth[j]) <=
				      3 * se[s][j],
				      "seed %d %s = %.6g +- %.3g, truth %.6g: "
				      "more than 3 standard errors off", s,
				      names[j], val[s][j], se[s][j], truth[j]);
		}
		validate_free(v);
	}
	/* the residual spread estimates the noise put in */
	for (int s = 0; s < SEEDS; s++)
		ck_assert_msg(sig[s] > 0.6 * SIGMA && sig[s] < 1.5 * SIGMA,
			      "seed %d: residual sigma %.4f for noise %.3f", s,
			      sig[s], SIGMA);
	/* the reported errors match the spread of the values over seeds */
	for (int j = 0; j < NP; j++) {
		double mean = 0, var = 0, mse = 0, spread;

		for (int s = 0; s < SEEDS; s++) {
			mean += val[s][j] / SEEDS;
			mse += se[s][j] / SEEDS;
		}
		for (int s = 0; s < SEEDS; s++)
			var += (val[s][j] - mean) * (val[s][j] - mean) /
			       (SEEDS - 1);
		spread = sqrt(var);
		fprintf(stderr, "%s: Monte-Carlo spread %.3g, mean stderr "
			"%.3g\n", names[j], spread, mse);
		ck_assert_msg(mse <= 2 * spread && spread <= 2 * mse,
			      "%s: mean reported stderr %.3g vs spread %.3g "
			      "over %d seeds: not within 2x", names[j], mse,
			      spread, SEEDS);
	}
	calibrate_memo_free(memo);
	hw_spec_free(truth_hw);
	hw_spec_free(base);
}
END_TEST

/* ---- the loss -------------------------------------------------------------- */

/* Rows no field explains: the 40 synthetic rows (noise 2 %) with 4 of the
 * 16 smallest — where the launch overhead is most of the time — measured
 * 40 % slower, as a library quirk would make them. Least squares lets
 * those rows pull the overhead up; under the pseudo-Huber loss each
 * counts by its size (0.1 |r|), not its square, and the fit stays with
 * the other 36 rows. By hand, with the overhead the only lever on those
 * rows (each ~8 us, ~5.5 of it overhead): log 1.4 = 0.34 on 4 of ~16 rows
 * that move with it, so least squares shifts it by roughly 0.34 x 4/16 x
 * 8 us ~ 0.7 us, the robust fit by well under half of that. */
START_TEST(test_huber_loss_is_not_pulled_by_outlying_rows)
{
	struct hw_spec *truth_hw = spec_with(truth), *base = spec_with(start);
	struct calib_memo *memo = calibrate_memo_new();
	struct gemm g[40];
	size_t n = shapes40(g);
	struct validate_set *v;
	double off[2];

	ck_assert(memo);
	v = synthetic(truth_hw, g, n, 0.02, 77);
	for (size_t i = 0; i < 16; i += 4)
		v->rows[i].measured_ms *= 1.4;
	for (int l = 0; l < 2; l++) {
		struct calib_fit fit;

		ck_assert_msg(calibrate_fields(base, FIELDS, &fit, err) ==
			      RL_OK, "%s", err);
		ck_assert_int_eq(fit.loss, CALIB_LOSS_HUBER); /* the default */
		fit.loss = l ? CALIB_LOSS_L2 : CALIB_LOSS_HUBER;
		fit.nstarts = 1;
		ck_assert_msg(calibrate_run(base, v, &fit, memo, 2, NULL, NULL,
					    err) == RL_OK, "%s", err);
		off[l] = fit.p[2].value - truth[2];
		fprintf(stderr, "%s: launch.overhead_us %.4g +- %.3g (truth "
			"%.4g)\n", l ? "l2" : "huber", fit.p[2].value,
			fit.p[2].stderr_, truth[2]);
	}
	ck_assert_msg(off[1] > 0.3, "least squares moved the overhead by "
		      "%.3g us only: the outliers no longer pull it (test "
		      "lost its point)", off[1]);
	ck_assert_msg(fabs(off[0]) < 0.5 * off[1], "huber off by %.3g us, "
		      "least squares by %.3g: not robust", off[0], off[1]);
	validate_free(v);
	calibrate_memo_free(memo);
	hw_spec_free(truth_hw);
	hw_spec_free(base);
}
END_TEST

/* ---- several starts -------------------------------------------------------- */

/* The sustained clock started at the boost clock — the datasheet figure, a
 * natural first guess — sits on its upper bound (sustained <= boost), where
 * the logistic transform is flat: a Levenberg-Marquardt run from there sees
 * no slope along the clock and leaves it at the boost whatever the data
 * say (checked below, so that the test keeps a trap to escape). The
 * hypercube's other starts lie within 20 % below the boost, where the clock
 * has its slope: the lowest cost of four starts is at the truth. */
START_TEST(test_more_starts_escape_a_start_a_single_fit_cannot_leave)
{
	struct hw_spec *truth_hw = spec_with(truth), *base = spec_with(start);
	struct calib_memo *memo = calibrate_memo_new();
	struct gemm g[40];
	size_t n = shapes40(g);
	struct validate_set *v = synthetic(truth_hw, g, n, SIGMA, 11);
	struct calib_fit one, four;
	double boost;

	ck_assert(memo);
	ck_assert(hw_spec_get(base, "clock.boost_mhz", &boost) == RL_OK);
	ck_assert(boost > 1.1 * truth[0]);
	ck_assert(hw_spec_set(base, "clock.sustained_mhz", boost, err) == RL_OK);
	ck_assert(calibrate_fields(base, FIELDS, &one, err) == RL_OK);
	/* least squares: the cost geometry pinned below (sigmas against the
	 * noise, a quadratic cost's 2-standard-error contour) is its own */
	one.loss = CALIB_LOSS_L2;
	ck_assert_msg(calibrate_run(base, v, &one, memo, 2, NULL, NULL, err) ==
		      RL_OK, "%s", err);
	fprintf(stderr, "1 start: clock %.6g, sigma %.4f\n", one.p[0].value,
		one.sigma);
	ck_assert_uint_eq(one.nstarts, 1);
	ck_assert_msg(one.p[0].value > boost - 1, "from the boost clock one "
		      "fit moved the clock to %.6g: the trap this test escapes "
		      "is gone", one.p[0].value);
	ck_assert(calibrate_fields(base, FIELDS, &four, err) == RL_OK);
	four.loss = CALIB_LOSS_L2;
	four.nstarts = 4;
	ck_assert_msg(calibrate_run(base, v, &four, memo, 2, NULL, NULL, err) ==
		      RL_OK, "%s", err);
	ck_assert_uint_eq(four.nstarts, 4);
	for (size_t q = 0; q < four.nstarts; q++) {
		const struct calib_start *st = &four.starts[q];

		fprintf(stderr, "start %zu: %.6g %.4g %.4g -> %.6g %.4g %.4g, "
			"sigma %.4f\n", q + 1, st->x0[0], st->x0[1], st->x0[2],
			st->x[0], st->x[1], st->x[2], st->sigma);
		/* the hypercube: inside the box, one start per third of it */
		if (q > 0) {
			ck_assert(st->x0[0] >= boost * 0.8 &&
				  st->x0[0] < boost);
			ck_assert(fabs(st->x0[1] / start[1] - 1) <= 0.2);
			ck_assert(fabs(st->x0[2] / start[2] - 1) <= 0.2);
		}
		ck_assert(st->cost >= four.starts[four.best].cost);
	}
	/* every other start reaches the noise floor: start 2 (1336 MHz,
	 * 0.59, 6.3 µs) took, before overshooting trial steps were told
	 * from rough ones (FIT_OVERSHOOT), a first step to the clock's
	 * 100 MHz floor, three rejected trials, and stopped where it began
	 * at sigma 0.215 */
	for (size_t q = 1; q < four.nstarts; q++)
		ck_assert_msg(four.starts[q].sigma < 1.5 * SIGMA, "start %zu "
			      "ends at sigma %.4f (noise %.3f), %zu iterations",
			      q + 1, four.starts[q].sigma, SIGMA,
			      four.starts[q].iters);
	/* the first start is the single fit's, and another one won */
	ck_assert(four.starts[0].x[0] == one.starts[0].x[0]);
	ck_assert(four.best > 0);
	ck_assert(four.sigma < one.sigma);
	for (int j = 0; j < NP; j++) {
		fprintf(stderr, "4 starts %s: %.6g +- %.3g (truth %.6g)\n",
			names[j], four.p[j].value, four.p[j].stderr_, truth[j]);
		ck_assert_msg(fabs(four.p[j].value - truth[j]) <=
			      3 * four.p[j].stderr_,
			      "%s = %.6g +- %.3g from 4 starts, truth %.6g",
			      names[j], four.p[j].value, four.p[j].stderr_,
			      truth[j]);
	}
	/* the residual spread is the noise put in */
	ck_assert(four.sigma > 0.6 * SIGMA && four.sigma < 1.5 * SIGMA);
	/* the start stuck at the boost ends at 3 times the noise, far outside
	 * the optimum's 2-standard-error contour (a cost rise of 4 s^2, s =
	 * the noise): it is not counted as an equally good fit, and the range
	 * the good ones span leaves the boost out */
	ck_assert(four.starts[0].sigma > 2 * SIGMA);
	ck_assert_uint_ge(four.nflat, 1);
	ck_assert_uint_le(four.nflat, 3);
	ck_assert(four.p[0].flat_hi < boost - 100);
	/* on this smooth cost (shapes40) the good starts end within 2
	 * standard errors of the fit, as a quadratic cost puts its 2-standard-
	 * error contour: no field is reported flat */
	for (int j = 0; j < NP; j++) {
		ck_assert(four.p[j].flat_lo <= four.starts[four.best].x[j] &&
			  four.starts[four.best].x[j] <= four.p[j].flat_hi);
		ck_assert_msg(!four.p[j].flat, "%s reported flat: [%.6g, %.6g], "
			      "stderr %.3g", names[j], four.p[j].flat_lo,
			      four.p[j].flat_hi, four.p[j].stderr_);
	}
	validate_free(v);
	calibrate_memo_free(memo);
	hw_spec_free(truth_hw);
	hw_spec_free(base);
}
END_TEST

/* The starts depend on nothing but the base values, the fields and their
 * number: two calls give the same points, a third start adds one and
 * leaves no earlier stratum layout in place to be copied (a Latin
 * hypercube of k points puts one in each k-th of every field's box). */
START_TEST(test_starts_are_a_latin_hypercube_of_the_box)
{
	struct hw_spec *truth_hw = spec_with(truth), *base = spec_with(start);
	struct calib_memo *memo = calibrate_memo_new();
	struct gemm g[40], sub[12];
	size_t n = shapes40(g);
	struct validate_set *v;
	struct calib_fit a, b;
	double boost;
	enum { K = 6 };

	/* four tiny and streaming shapes (overhead, DRAM), the eight large
	 * ones (clock) */
	ck_assert_uint_eq(n, 40);
	memcpy(sub, g, 4 * sizeof *g);
	memcpy(sub + 4, g + 32, 8 * sizeof *g);
	v = synthetic(truth_hw, sub, 12, SIGMA, 5);
	ck_assert(memo);
	ck_assert(hw_spec_get(base, "clock.boost_mhz", &boost) == RL_OK);
	ck_assert(calibrate_fields(base, FIELDS, &a, err) == RL_OK);
	a.nstarts = K + 1;
	ck_assert_msg(calibrate_run(base, v, &a, memo, 1, NULL, NULL, err) ==
		      RL_OK, "%s", err);
	ck_assert(calibrate_fields(base, FIELDS, &b, err) == RL_OK);
	b.nstarts = K + 1;
	ck_assert_msg(calibrate_run(base, v, &b, memo, 2, NULL, NULL, err) ==
		      RL_OK, "%s", err);
	ck_assert_uint_eq(a.best, b.best);
	for (size_t q = 0; q <= K; q++)
		for (int j = 0; j < NP; j++) {
			ck_assert(a.starts[q].x0[j] == b.starts[q].x0[j]);
			ck_assert(a.starts[q].x[j] == b.starts[q].x[j]);
		}
	for (int j = 0; j < NP; j++) {
		int seen[K] = {0};

		/* the base value, as the transform maps it */
		ck_assert(fabs(a.starts[0].x0[j] / start[j] - 1) < 1e-9);
		for (size_t q = 1; q <= K; q++) {
			/* the box: start +- 20 %, the clock's cut at its bound,
			 * the boost */
			double lo = 0.8 * start[j], hi = 1.2 * start[j], f;

			if (j == 0 && hi > boost)
				hi = boost;
			f = (a.starts[q].x0[j] - lo) / (hi - lo);
			int s = (int)floor(f * K);

			ck_assert_msg(f > 0 && f < 1, "%s start %zu: %.6g outside "
				      "+-20 %% of %.6g", names[j], q + 1,
				      a.starts[q].x0[j], start[j]);
			seen[s]++;
		}
		for (int s = 0; s < K; s++)
			ck_assert_msg(seen[s] == 1, "%s: %d starts in stratum "
				      "%d of %d", names[j], seen[s], s, K);
	}
	/* more than CALIB_MAX_STARTS is refused */
	ck_assert(calibrate_fields(base, FIELDS, &a, err) == RL_OK);
	a.nstarts = CALIB_MAX_STARTS + 1;
	ck_assert(calibrate_run(base, v, &a, memo, 1, NULL, NULL, err) ==
		  RL_EINPUT);
	validate_free(v);
	calibrate_memo_free(memo);
	hw_spec_free(truth_hw);
	hw_spec_free(base);
}
END_TEST

/* ---- the written spec ------------------------------------------------------ */

START_TEST(test_written_spec_reloads_and_reproduces_in_sample_error)
{
	struct hw_spec *truth_hw = spec_with(truth), *base = spec_with(start);
	struct hw_spec *out, *back = NULL;
	struct calib_memo *memo = calibrate_memo_new();
	struct gemm g[40];
	size_t n = shapes40(g);
	struct validate_set *v = synthetic(truth_hw, g, n, SIGMA, 7);
	struct validate_summary reported, reloaded;
	struct calib_fit fit;
	double *after = malloc(n * sizeof *after);
	cJSON *j;
	char *text;

	ck_assert(memo && after);
	ck_assert(calibrate_fields(base, FIELDS, &fit, err) == RL_OK);
	ck_assert_msg(calibrate_run(base, v, &fit, memo, 1, NULL, after, err) ==
		      RL_OK, "%s", err);
	out = calibrate_spec(base, &fit, "rt-test", "check_calibrate");
	ck_assert(out);
	calibrate_apply_times(v, out, after);
	validate_summarize(v, NULL, NULL, &reported);

	j = hw_spec_to_json(out);
	text = cJSON_Print(j);
	ck_assert_msg(hw_spec_parse(text, "rt-test.json", &back, err) == RL_OK,
		      "the written spec does not load: %s", err);
	ck_assert_str_eq(back->name, "rt-test");
	for (int k = 0; k < NP; k++) {
		size_t idx;
		double x;

		ck_assert(hw_spec_field(names[k], &idx));
		ck_assert(hw_spec_get(back, names[k], &x) == RL_OK);
		ck_assert(x == fit.p[k].value);
		ck_assert_msg(strstr(back->source[idx], "check_calibrate; fitted"),
			      "source: %s", back->source[idx]);
	}
	ck_assert_msg(validate_run(v, back, 2, err) == RL_OK, "%s", err);
	validate_summarize(v, NULL, NULL, &reloaded);
	ck_assert_msg(fabs(reloaded.mape - reported.mape) < 1e-9,
		      "reloaded MAPE %.6f vs reported %.6f", reloaded.mape,
		      reported.mape);
	ck_assert(fabs(reloaded.max_ape - reported.max_ape) < 1e-9);
	cJSON_free(text);
	cJSON_Delete(j);
	free(after);
	validate_free(v);
	calibrate_memo_free(memo);
	hw_spec_free(back);
	hw_spec_free(out);
	hw_spec_free(truth_hw);
	hw_spec_free(base);
}
END_TEST

/* ---- refusals (the CLI's lines are in tests/cli_calibrate.sh) ------------- */

START_TEST(test_fields_refuse_what_cannot_be_fitted)
{
	struct hw_spec *base = spec_with(start);
	struct calib_fit fit;

	ck_assert(calibrate_fields(base, "hbm.bogus", &fit, err) == RL_EINPUT);
	ck_assert_msg(strstr(err, "hbm.bogus: no such field"), "%s", err);
	ck_assert(calibrate_fields(base, "name", &fit, err) == RL_EINPUT);
	ck_assert_msg(strstr(err, "not a numeric field"), "%s", err);
	ck_assert(calibrate_fields(base, "peak_tflops", &fit, err) ==
		  RL_EINPUT);
	ck_assert_msg(strstr(err, "derived quantity"), "%s", err);
	ck_assert(calibrate_fields(base, "sm.count", &fit, err) == RL_EINPUT);
	ck_assert_msg(strstr(err, "integer field"), "%s", err);
	ck_assert(calibrate_fields(base, "hbm.efficiency,hbm.efficiency", &fit,
				   err) == RL_EINPUT);
	ck_assert_msg(strstr(err, "given twice"), "%s", err);
	ck_assert(calibrate_fields(base, "hbm.efficiency,", &fit, err) ==
		  RL_EINPUT);
	ck_assert(calibrate_fields(base, NULL, &fit, err) == RL_OK);
	for (size_t j = 0; j < fit.np; j++)
		ck_assert_msg(strcmp(fit.p[j].path, "clock.burst_mhz"),
			      "an absent optional field is in the default set");
	hw_spec_free(base);
}
END_TEST

/* ---- the measurement plan -------------------------------------------------- */

static int pow2_upto(uint64_t x, uint64_t lo, uint64_t hi)
{
	return x >= lo && x <= hi && (x & (x - 1)) == 0;
}

START_TEST(test_plan_is_small_on_the_grid_and_pins_every_default_field)
{
	struct hw_spec *base = NULL, *truth_hw;
	struct calib_memo *memo = calibrate_memo_new();
	struct calib_fit fit;
	struct gemm plan[CALIB_PLAN_MAX];
	struct validate_set *v;
	size_t n = 0;

	ck_assert(memo);
	ck_assert(hw_spec_load("a100-80gb-sxm", &base, err) == RL_OK);
	ck_assert(calibrate_fields(base, NULL, &fit, err) == RL_OK);
	ck_assert_msg(calibrate_plan(base, &fit, RL_BF16,
				     PROTOCOL_GRAPH_REPLAY, memo, 2, plan, &n,
				     err) == RL_OK, "%s", err);
	ck_assert_uint_le(n, 32);
	ck_assert_uint_ge(n, fit.np + 1);
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(pow2_upto(plan[i].m, 1, 8192), "m = %llu",
			      (unsigned long long)plan[i].m);
		ck_assert(pow2_upto(plan[i].n, 1024, 16384));
		ck_assert(pow2_upto(plan[i].k, 1024, 16384));
		ck_assert(plan[i].dtype == RL_BF16);
		for (size_t q = 0; q < i; q++)
			ck_assert(plan[q].m != plan[i].m ||
				  plan[q].n != plan[i].n ||
				  plan[q].k != plan[i].k);
	}
	/* synthetic truth: every default field moved from the base by a few
	 * per cent; fitted on the plan's rows alone from the base */
	truth_hw = hw_spec_clone(base);
	ck_assert(truth_hw);
	for (size_t j = 0; j < fit.np; j++)
		ck_assert(hw_spec_set(truth_hw, fit.p[j].path,
				      fit.p[j].start * (j % 2 ? 0.96 : 1.03),
				      err) == RL_OK);
	ck_assert_msg(hw_spec_check(truth_hw, err) == RL_OK, "%s", err);
	v = synthetic(truth_hw, plan, n, SIGMA, 42);
	ck_assert_msg(calibrate_run(base, v, &fit, memo, 2, NULL, NULL, err) ==
		      RL_OK, "%s", err);
	for (size_t j = 0; j < fit.np; j++) {
		double t;

		ck_assert(hw_spec_get(truth_hw, fit.p[j].path, &t) == RL_OK);
		fprintf(stderr, "plan fit %s: %.6g +- %.3g (truth %.6g)\n",
			fit.p[j].path, fit.p[j].value, fit.p[j].stderr_, t);
		/* identifiable: a finite error under 10 % of the value */
		ck_assert_msg(fit.p[j].stderr_ > 0 &&
			      fit.p[j].stderr_ < 0.1 * fabs(t),
			      "%s: stderr %.3g of %.6g", fit.p[j].path,
			      fit.p[j].stderr_, t);
		ck_assert_msg(fabs(fit.p[j].value - t) <= 3 * fit.p[j].stderr_,
			      "%s = %.6g +- %.3g, truth %.6g", fit.p[j].path,
			      fit.p[j].value, fit.p[j].stderr_, t);
	}
	validate_free(v);
	calibrate_memo_free(memo);
	hw_spec_free(truth_hw);
	hw_spec_free(base);
}
END_TEST

/* ---- the measurement protocol ------------------------------------------------ */

START_TEST(test_graph_replay_keeps_what_survives_the_other_copies)
{
	struct hw_spec *hw = NULL;
	struct gemm tiny = {1, 1024, 1024, RL_BF16};
	struct gemm big = {1, 16384, 16384, RL_BF16};
	struct gpu_opts o;
	double c, bytes;

	ck_assert(hw_spec_load("a100-80gb-sxm", &hw, err) == RL_OK);
	c = hw_spec_l2_shared_bytes(hw);
	ck_assert(c > 0);
	/* 1 x 1024 x 1024 bf16: A 2 KiB + B 2 MiB + C 2 KiB = 2,101,248 bytes;
	 * six copies fit in 45 % of 80 GB; between two uses of one copy the
	 * other five pass: 10,506,240 bytes */
	bytes = 2.0 * (1024 + 1024 * 1024 + 1024);
	ck_assert(bytes == 2101248);
	validate_protocol_opts(PROTOCOL_GRAPH_REPLAY, hw, &tiny, &o);
	ck_assert_int_eq(o.calls_before, 3 * 6);
	ck_assert_int_eq(o.calls_timed, 6 * 6);
	ck_assert_int_eq(o.l2_warm, 0);
	ck_assert_msg(fabs(o.l2_warm_fraction - exp(-10506240.0 / c)) < 1e-12,
		      "warm share %.6f, expected exp(-10506240 / %.0f)",
		      o.l2_warm_fraction, c);
	ck_assert(o.l2_warm_fraction > 0 && o.l2_warm_fraction < 1);
	/* 1 x 16384 x 16384: 512 MiB of weights per copy, far beyond the L2:
	 * nothing survives */
	validate_protocol_opts(PROTOCOL_GRAPH_REPLAY, hw, &big, &o);
	ck_assert(o.l2_warm_fraction < 1e-9 && !o.l2_warm);
	/* cold: nothing resident, one call; warm: everything */
	validate_protocol_opts(PROTOCOL_COLD, hw, &tiny, &o);
	ck_assert(!o.l2_warm && o.l2_warm_fraction == 0 && o.calls_timed == 0);
	validate_protocol_opts(PROTOCOL_WARM, hw, &big, &o);
	ck_assert(o.l2_warm == 1);
	hw_spec_free(hw);
}
END_TEST

/* ---- SHA-256 ---------------------------------------------------------------- */

START_TEST(test_sha256_gives_the_fips_180_2_digests)
{
	/* FIPS 180-2 appendix B.1, B.2, B.3, and the empty message */
	static const char *const msg2 =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[65];
	struct sha256 c;
	uint8_t d[32];
	char *million = malloc(1000000);

	sha256_hex("abc", 3, hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
			      "b00361a396177a9cb410ff61f20015ad");
	sha256_hex(msg2, strlen(msg2), hex);
	ck_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039"
			      "a33ce45964ff2167f6ecedd419db06c1");
	sha256_hex("", 0, hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
			      "27ae41e4649b934ca495991b7852b855");
	ck_assert(million);
	memset(million, 'a', 1000000);
	sha256_hex(million, 1000000, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
			      "f1809a48a497200e046d39ccc7112cd0");
	/* the same message fed in uneven pieces */
	sha256_init(&c);
	for (size_t off = 0, step = 1; off < 1000000; off += step, step = step * 7 % 997 + 1)
		sha256_update(&c, million + off,
			      off + step > 1000000 ? 1000000 - off : step);
	sha256_final(&c, d);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
			      "f1809a48a497200e046d39ccc7112cd0");
	free(million);
}
END_TEST

static Suite *calibrate_suite(void)
{
	const struct {
		const char *name;
		const TTest *test;
	} cases[] = {
		{"sha256", test_sha256_gives_the_fips_180_2_digests},
		{"fields", test_fields_refuse_what_cannot_be_fitted},
		{"round_trip", test_round_trip_recovers_known_values_within_their_errors},
		{"loss", test_huber_loss_is_not_pulled_by_outlying_rows},
		{"starts", test_more_starts_escape_a_start_a_single_fit_cannot_leave},
		{"hypercube", test_starts_are_a_latin_hypercube_of_the_box},
		{"written_spec", test_written_spec_reloads_and_reproduces_in_sample_error},
		{"plan", test_plan_is_small_on_the_grid_and_pins_every_default_field},
		{"protocol", test_graph_replay_keeps_what_survives_the_other_copies},
	};
	Suite *s = suite_create("calibrate");

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		TCase *t = tcase_create(cases[i].name);

		tcase_set_timeout(t, 600);
		tcase_add_test(t, cases[i].test);
		suite_add_tcase(s, t);
	}
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(calibrate_suite());
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
