/*
 * calibrate.h — fit a GPU's physical parameters to measured GEMM latencies
 * (`ridgeline calibrate`), with standard errors, cross-validation and a
 * minimal measurement plan.
 *
 * The model: every measured row i has a simulated time t_i(x) for the
 * fitted hardware fields x (dotted paths, as `--set` takes them), and
 * r_i = log(t_i(x) / measured_i) — relative error, so a 5 µs and a 5 ms
 * GEMM weigh alike. The fit minimises sum_i psi(r_i)^2 by GSL's
 * gsl_multifit_nlinear (trust-region Levenberg-Marquardt).
 *
 * Loss (fit->loss): CALIB_LOSS_L2 takes psi(r) = r, least squares.
 * CALIB_LOSS_HUBER, the default, the pseudo-Huber loss psi(r)^2 =
 * 2 d^2 (sqrt(1 + (r/d)^2) - 1) with d = CALIB_HUBER_DELTA: squared below
 * d, linear (2 d |r|, the MAPE's shape) above. Measured tables hold rows
 * that no hardware parameter explains — library quirks where m = X costs
 * more than m = X + 1, 30-45 % off either way — and least squares lets
 * them pull every field; measured on the H100 SXM table (5-field set, the
 * spec as it stood at 660ae50): least squares 6.11 % MAPE, 5.02 % for
 * B >= 32 MB; pseudo-Huber 5.99 / 4.80 %. Each residual is
 * a simulation, so the Jacobian is a forward difference (one simulation of
 * every row per parameter, a relative step of CALIB_FD_STEP); a row whose
 * kernel choice flips across the step takes the backward difference, and 0
 * if it flips both ways, so that a tile switch does not pose as a slope.
 *
 * Bounds are the field's validation range (hw/spec.c), narrowed by the
 * cross-field order relations of the spec (sustained <= burst <= boost
 * clock, ...), and enforced by a transform, not by clipping: the solver
 * works on u in R with x = lo + (hi - lo) / (1 + exp(-u)). Fields are mapped
 * in order; a field's range takes the fields mapped before it as fixed and
 * ignores those mapped after, so every u is a valid spec.
 *
 * Starts: the cost is rough (picosecond clocks, kernel switches), so one
 * Levenberg-Marquardt run can stop where it started, beside a lower cost.
 * calibrate_run() runs it from fit->nstarts points: the base spec's values
 * first, then a Latin hypercube of nstarts - 1 points in the box of
 * +-CALIB_START_SPREAD (relative) around them, clipped to the bounds,
 * drawn from a generator with the fixed seed CALIB_START_SEED (so the
 * starts depend only on the base spec, the fields and nstarts). The run
 * with the lowest cost is the fit (ties: the earlier start); every run's
 * end is kept in fit->starts. Starts that end as low as the best (within
 * its CALIB_FLAT_SE contour) yet far from it (calib_param.flat_lo/hi)
 * show a direction the data do not pin, whatever the local standard error
 * says. Starts run one after another (each simulates its rows over `jobs`
 * threads), so the result does not depend on jobs either.
 *
 * Uncertainty: the covariance (J^T J)^-1 at the optimum (J the Jacobian
 * of psi(r)), scaled by the residual variance s^2 = sum psi(r)^2 /
 * (n - p) (for the pseudo-Huber loss the usual M-estimator
 * approximation), mapped from u to x by the
 * transform's Jacobian (delta method). Pairs with |correlation| > 0.9 are
 * reported: the data barely separate them.
 *
 * Reuse: a memo keyed by (the effective spec's numeric fields, the GEMM,
 * the GPU options of its protocol) holds every simulated time, so no GEMM is
 * simulated twice in one process (the fit, its Jacobians, the
 * cross-validation folds and the before/after tables share it). Rows are
 * simulated in parallel over `jobs` threads; results do not depend on jobs.
 *
 * Ownership: calibrate_memo_new() / calibrate_memo_free(); struct
 * calib_fit is plain data owned by the caller; calibrate_spec() returns a
 * spec freed with hw_spec_free().
 */
#ifndef RL_RUN_CALIBRATE_H
#define RL_RUN_CALIBRATE_H

#include <stddef.h>

#include "hw/spec.h"
#include "sim/run/validate.h"

#define CALIB_MAX_PARAMS 8
#define CALIB_FOLDS 5          /* cross-validation folds: row index mod 5 */
#define CALIB_CORR_WARN 0.9    /* |correlation| that earns a warning */
/* Forward-difference step, relative to x. The simulated time is not
 * smooth at fine scale (a changed clock reorders events; a kernel choice
 * switches), so the slope must be taken over about the scale of the
 * uncertainty itself: measured on 92 A100 rows, a 1e-3 step made the
 * clock's standard error 5.5 MHz, 1e-2 17, 2e-2 18, 3e-2 20 — small steps
 * see the jitter as slope and understate the error 3x. */
#define CALIB_FD_STEP 2e-2
#define CALIB_PLAN_MAX 32      /* rows of a measurement plan, at most */
#define CALIB_MAX_STARTS 32    /* --starts, at most */
/* starts by default (`ridgeline calibrate`, ridgeline_calibrate()): the
 * base values and three more; one start alone stopped beside a lower cost
 * on both shipped tables, and each start costs about one fit */
#define CALIB_STARTS_DEFAULT 4
#define CALIB_START_SPREAD 0.2 /* the starts' box: +-20 % of the base value */
#define CALIB_START_SEED 20261201UL /* the Latin hypercube's seed */
/* A start whose cost (sum of squared log ratios) ends within
 * CALIB_FLAT_SE^2 s^2 of the lowest (s^2 = the lowest / (n - p)) is as
 * good a fit: inside the 2-standard-error contour of the optimum, where a
 * quadratic cost would keep every parameter within 2 standard errors of
 * its fitted value. One that ends farther away than that along some field
 * shows a direction the cost is flatter (or rougher) along than its
 * curvature at the optimum says: the standard error understates how
 * little the data pin that field. */
#define CALIB_FLAT_SE 2.0

struct calib_memo;

/* Why a fit stopped. */
enum {
	CALIB_STOP_LIMIT,     /* iteration limit (not converged) */
	CALIB_STOP_SMALL,     /* every step under 0.1 of its standard error */
	CALIB_STOP_NO_DESCENT,/* successive trial steps all raised the cost:
			       * the simulated time is rough at that scale */
	CALIB_STOP_TOLERANCE  /* a GSL tolerance (step, gradient, cost) */
};
/* "iteration limit", "steps under 0.1 standard error", ... */
const char *calibrate_stop_text(int stop);

struct calib_param {
	char path[64];   /* dotted field path */
	size_t index;    /* in hw_spec_fields() */
	const char *unit;/* the field's unit */
	double start;    /* value in the base spec */
	double value;    /* fitted value */
	double stderr_;  /* standard error of value, same unit */
	double lo, hi;   /* bounds used for the transform, at the optimum */
	int at_bound;    /* -1 / +1: the optimum sits within 0.1 % of the range
			  * of lo / hi, where the transform flattens and the
			  * standard error means nothing; 0 otherwise */
	double flat_lo, flat_hi; /* the range of the unrounded value over
				  * the starts inside the optimum's
				  * CALIB_FLAT_SE contour (see there); the
				  * optimum alone with one start */
	int flat;        /* 1: one of those starts ends more than CALIB_FLAT_SE
			  * standard errors from value (not at a bound): the
			  * cost is flat or rough along the field */
};

/* The loss (see Loss above). */
enum calib_loss { CALIB_LOSS_HUBER, CALIB_LOSS_L2 };
/* pseudo-Huber scale d on the log ratio: about the median error of a good
 * fit, so that the bulk of the rows is fitted as by least squares and the
 * rows beyond it count by their size, not its square */
#define CALIB_HUBER_DELTA 0.05

/* One Levenberg-Marquardt run of a multi-start fit. */
struct calib_start {
	double x0[CALIB_MAX_PARAMS]; /* where it started, field units */
	double x[CALIB_MAX_PARAMS];  /* where it ended (unrounded) */
	double cost;     /* sum of psi(log ratio)^2 at x (see Loss) */
	double sigma;    /* residual standard deviation at x, log ratio */
	double mape;     /* mean |predicted / measured - 1| at x, per cent */
	size_t iters;    /* solver iterations */
	int stop;        /* why it stopped: a CALIB_STOP_* */
};

struct calib_fit {
	size_t np;                               /* fitted fields */
	struct calib_param p[CALIB_MAX_PARAMS];
	double corr[CALIB_MAX_PARAMS][CALIB_MAX_PARAMS]; /* correlations */
	size_t n;          /* rows fitted */
	double sigma;      /* residual standard deviation of psi(log ratio) */
	size_t iters;      /* solver iterations of the full-data fit (of
			    * the start chosen) */
	int converged;     /* why the fit stopped: a CALIB_STOP_* */
	enum calib_loss loss; /* in: the loss (see Loss; calibrate_fields()
			       * sets the default, CALIB_LOSS_HUBER) */
	size_t nstarts;    /* in: starts to run (0 = 1, at most
			    * CALIB_MAX_STARTS); out: starts run */
	size_t best;       /* the start chosen: lowest cost */
	size_t nflat;      /* starts inside its CALIB_FLAT_SE contour, itself
			    * included */
	struct calib_start starts[CALIB_MAX_STARTS];
	size_t evals;      /* residual-vector evaluations, all fits */
	size_t sims;       /* GEMMs simulated (memo misses) */
	size_t hits;       /* memo hits */
	size_t cv_iters;   /* solver iterations of the CV folds, together */
	double u[CALIB_MAX_PARAMS]; /* transformed optimum (unrounded), where
				     * the CV folds start */
	int from_default;  /* the default set: fields the rows (or the plan
			    * grid) do not move are left out, not refused */
	size_t ndropped;   /* default fields left out so */
	char dropped[CALIB_MAX_PARAMS][64];
};

/* The default fit set: the physical parameters that measurements pin and
 * datasheets do not. One list, here, so that a change of the GPU model
 * changes one line (calibrate.c). NULL-terminated. */
extern const char *const calibrate_default_fields[];

/* A memo of simulated times keyed by (spec values, GEMM, GPU options),
 * shared by the fits, CV folds and plans of one command so that no GEMM is
 * simulated twice; NULL when out of memory. free accepts NULL. */
struct calib_memo *calibrate_memo_new(void);
void calibrate_memo_free(struct calib_memo *m);

/* Fill fit->p from a comma-separated list of dotted fields (NULL: the
 * default set, less the optional fields absent from base). Refuses with
 * RL_EINPUT and "FIELD: why" in err: an unknown field, a non-numeric one
 * (name, a group, a source), a derived quantity (peak FLOP/s, effective
 * bandwidth, ridge point), an integer field, an optional field absent from
 * base, a duplicate, more than CALIB_MAX_PARAMS. */
int calibrate_fields(const struct hw_spec *base, const char *list,
		     struct calib_fit *fit, char *err);

/* Fit fit->p on the rows of v (simulated in their protocols), starting from
 * base's values and fit->nstarts - 1 other points (see Starts above; set
 * nstarts after calibrate_fields(), which zeroes it). Refuses with
 * RL_EINPUT: fewer rows than parameters plus one, a field no row is
 * sensitive to ("FILE: no row is sensitive to FIELD ...") — in the
 * default set such a field is left out (fit->dropped) instead; nstarts
 * above CALIB_MAX_STARTS. On success fit holds the values, errors and correlations; before_us and
 * after_us (v->n each, may be NULL) receive every row's simulated time at
 * the start and at the optimum. */
int calibrate_run(const struct hw_spec *base, const struct validate_set *v,
		  struct calib_fit *fit, struct calib_memo *memo, int jobs,
		  double *before_us, double *after_us, char *err);

/* CALIB_FOLDS-fold cross-validation: fold f holds out rows i with
 * i % CALIB_FOLDS == f, refits on the others starting from the full-data
 * optimum in fit, and predicts the held-out rows; cv_us (v->n) receives
 * every row's out-of-sample time. RL_EINPUT if a fold has too few rows. */
int calibrate_cv(const struct hw_spec *base, const struct validate_set *v,
		 struct calib_fit *fit, struct calib_memo *memo, int jobs,
		 double *cv_us, char *err);

/* Set v's rows to the times t_us on hw (predicted_ms, error_pct, regime),
 * for validate_summarize(). */
void calibrate_apply_times(struct validate_set *v, const struct hw_spec *hw,
			   const double *t_us);

/* A copy of base with the fitted values, name `name` (NULL: BASE-calibrated)
 * and each fitted field's source "SOURCE_PREFIX; fitted V ± SE UNIT".
 * NULL when out of memory. */
struct hw_spec *calibrate_spec(const struct hw_spec *base,
			       const struct calib_fit *fit, const char *name,
			       const char *source_prefix);

/* A measurement plan: at most CALIB_PLAN_MAX shapes of dtype d with m in
 * {1, 2, 4, ..., 8192} and n, k in {1024, ..., 16384}, chosen greedily for
 * D-optimality (largest det J^T J of the log-time sensitivities to the
 * fields of fit, simulated on base in protocol p), so that every field is
 * pinned. out holds CALIB_PLAN_MAX GEMMs; *n receives the count, sorted by
 * (m, n, k). RL_EINPUT if some field moves no shape of the grid (a default
 * field is left out instead, in fit->dropped). */
int calibrate_plan(const struct hw_spec *base, struct calib_fit *fit,
		   enum rl_dtype d, enum validate_protocol p,
		   struct calib_memo *memo, int jobs, struct gemm *out,
		   size_t *n, char *err);

#endif
