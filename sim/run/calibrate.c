/*
 * calibrate.c — least-squares calibration of hardware fields against
 * measured GEMMs, its uncertainty, cross-validation and measurement plans
 * (see calibrate.h for the model).
 *
 * Cost: one residual evaluation simulates every row not yet in the memo
 * (≈ 6 CPU-s for the 1,850-row A100 file); a Levenberg-Marquardt iteration
 * takes 1 + p of them (the step and a forward-difference Jacobian). Each
 * cross-validation fold starts from the full-data optimum, where its
 * residuals and Jacobian are memo hits, so a fold costs only the few steps
 * it moves. Each further start (--starts) costs a fit of its own: its
 * points are new specs, so nothing of the first fit's memo serves it.
 */
#include "sim/run/calibrate.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_vector.h>

#include "sim/run/parallel.h"

const char *const calibrate_default_fields[] = {
	"clock.sustained_mhz", /* sustained tensor clock: compute-bound rows */
	"hbm.efficiency",      /* achievable DRAM streaming: weight streaming */
	"launch.overhead_us",  /* fixed per-kernel cost: the tiniest GEMMs */
	/* the power-limited clock, where the base spec has one (optional
	 * fields at 0 are left out of the default set) */
	"clock.burst_mhz",
	"clock.power_window_ms",
	NULL
};

/* A field whose largest |d log t / d log x| over the rows is below this is
 * not determined by the data: a 10 % change of it moves no row by 1 %.
 * Cycle-counted latencies give every GEMM some small dependence on the
 * clock: measured on the A100 spec, a weight-streaming GEMM's is ≈ 0.02
 * (m <= 8, n = k = 16384), a compute-bound one's ≈ 1; the launch overhead
 * moves a 350 µs GEMM by 0.013. */
#define CALIB_MIN_SENS 0.1

/* |d log t / d log x| above this over a difference step is a jump */
#define CALIB_MAX_SLOPE 1.5

#define FIT_MAX_ITER 40
#define CV_MAX_ITER 3
#define FIT_XTOL 1e-3  /* on u: steps below this end the fit */
#define FIT_GTOL 1e-8
#define FIT_FTOL 1e-6
#define FIT_SE_TOL 0.1 /* steps under this many standard errors end it */
/* Trial steps one iteration may try. Near the optimum the simulated cost
 * is rough at the scale of a step (picosecond clocks, a kernel switch in
 * some row), so a trust region shrinking step after step only buys
 * evaluations (each of every row): three failures in a row end the fit. */
#define FIT_MAX_TRIALS 3
/* A cross-validation fold starts within its statistical error of its own
 * optimum: two failed trial steps there end it. */
#define CV_MAX_TRIALS 2
/* A trial step that raises the cost more than FIT_OVERSHOOT times is no
 * sign of roughness but a step far beyond the reach of the linear model
 * (from a start far out, where the transform bends: from 1394 MHz, 16 MHz
 * below the A100's boost, the first step went to the 100 MHz floor). It
 * does not count among the FIT_MAX_TRIALS; the trust region shrinks it
 * instead, up to FIT_MAX_OVERSHOOTS times an iteration. Twice the cost:
 * the synthetic start at 1336 MHz / 0.59 / 6.3 µs of check_calibrate
 * stepped to 3.2 times its cost, three times, and stopped (4 let it). */
#define FIT_OVERSHOOT 2.0
#define FIT_MAX_OVERSHOOTS 12

/* ---- the spec's order relations ---------------------------------------- */

/* value(a) <= value(b): the relations hw/spec.c's cross-field check
 * enforces between numeric fields (keep in step with it; a field this
 * build does not have is skipped, and every mapped spec is re-checked with
 * hw_spec_check() before it is simulated). Optional fields at 0 (none)
 * bound nothing. */
static const char *const order[][2] = {
	{"clock.sustained_mhz", "clock.boost_mhz"},
	{"clock.sustained_mhz", "clock.burst_mhz"},
	{"clock.burst_mhz", "clock.boost_mhz"},
	{"sm.max_ctas", "sm.max_warps"},
	{"sm.l2_bytes_per_clk", "l2.bytes_per_clk"},
	{NULL, NULL}
};

static double *fslot(struct hw_spec *s, size_t i)
{
	const struct hw_field *f = hw_spec_fields(NULL);

	return (double *)((char *)s + f[i].offset);
}

static double fval(const struct hw_spec *s, size_t i)
{
	const struct hw_field *f = hw_spec_fields(NULL);

	return *(const double *)((const char *)s + f[i].offset);
}

/* Position of field index i among the fitted ones, or -1. */
static int fitted_at(const struct calib_fit *fit, size_t i)
{
	for (size_t j = 0; j < fit->np; j++)
		if (fit->p[j].index == i)
			return (int)j;
	return -1;
}

/* Bounds of fitted parameter j on s: the field's range, narrowed by the
 * order relations with every field not fitted after j. */
static void bounds(const struct hw_spec *s, const struct calib_fit *fit,
		   size_t j, double *lo, double *hi)
{
	const struct hw_field *f = hw_spec_fields(NULL);
	size_t me = fit->p[j].index;

	*lo = f[me].min;
	*hi = f[me].max;
	for (int r = 0; order[r][0]; r++) {
		size_t a, b, other;
		int at;
		double v;

		if (!hw_spec_field(order[r][0], &a) ||
		    !hw_spec_field(order[r][1], &b) || (a != me && b != me))
			continue;
		other = a == me ? b : a;
		at = fitted_at(fit, other);
		if (at > (int)j)
			continue;
		v = fval(s, other);
		if (f[other].optional && v == 0)
			continue;
		if (a == me && v < *hi)
			*hi = v;
		if (b == me && v > *lo)
			*lo = v;
	}
}

static double sigmoid(double u)
{
	double e;

	if (u >= 0)
		return 1 / (1 + exp(-u));
	e = exp(u);
	return e / (1 + e);
}

/* x = T(u): fill s (a shallow copy of base: it shares base's strings and
 * must not be freed) and x. */
static void map_u(const struct hw_spec *base, const struct calib_fit *fit,
		  const double *u, struct hw_spec *s, double *x)
{
	*s = *base;
	for (size_t j = 0; j < fit->np; j++) {
		double lo, hi, v;

		bounds(s, fit, j, &lo, &hi);
		v = lo + (hi - lo) * sigmoid(u[j]);
		*fslot(s, fit->p[j].index) = v;
		if (x)
			x[j] = v;
	}
}

/* u = T^-1(x) for the values in s; RL_EINPUT when a field has no room. */
static int unmap(const struct hw_spec *s, const struct calib_fit *fit,
		 const double *x, double *u, char *err)
{
	struct hw_spec t = *s;

	for (size_t j = 0; j < fit->np; j++) {
		double lo, hi, y;

		bounds(&t, fit, j, &lo, &hi);
		if (!(hi > lo)) {
			rl_errf(err, "%s: no room to fit: its bounds are "
				"[%.15g, %.15g]", fit->p[j].path, lo, hi);
			return RL_EINPUT;
		}
		y = (x[j] - lo) / (hi - lo);
		y = y < 1e-9 ? 1e-9 : y > 1 - 1e-9 ? 1 - 1e-9 : y;
		u[j] = log(y / (1 - y));
		*fslot(&t, fit->p[j].index) = lo + (hi - lo) * sigmoid(u[j]);
	}
	return RL_OK;
}

/* ---- fields -------------------------------------------------------------- */

static const char *const derived[][2] = {
	/* name, what it is computed from */
	{"peak_flops", "sm.count x tensor.*_flop_per_clk x clock.boost_mhz"},
	{"peak_tflops", "sm.count x tensor.*_flop_per_clk x clock.boost_mhz"},
	{"sustained_flops",
	 "sm.count x tensor.*_flop_per_clk x clock.sustained_mhz"},
	{"sustained_tflops",
	 "sm.count x tensor.*_flop_per_clk x clock.sustained_mhz"},
	{"bandwidth", "hbm.bandwidth_gbps"},
	{"effective_bandwidth", "hbm.bandwidth_gbps x hbm.efficiency"},
	{"effective_bandwidth_gbps", "hbm.bandwidth_gbps x hbm.efficiency"},
	{"ridge", "peak FLOP/s / hbm.bandwidth_gbps"},
	{"ridge_point", "peak FLOP/s / hbm.bandwidth_gbps"},
	{NULL, NULL}
};

static const char *const groups[] = {"sm", "clock", "tensor", "l2", "hbm",
				     "launch", NULL};

/* Why `name` is not a numeric field, or NULL if it is unknown. */
static const char *not_numeric(const char *name, char *buf, size_t len)
{
	const char *dot = strrchr(name, '.');
	const char *last = dot ? dot + 1 : name;

	for (int i = 0; derived[i][0]; i++)
		if (!strcmp(last, derived[i][0])) {
			snprintf(buf, len, "a derived quantity (%s), not a "
				 "field of the spec: fit the fields it is "
				 "computed from", derived[i][1]);
			return buf;
		}
	if (!strcmp(name, "name") || !strcmp(name, "display_name") ||
	    !strcmp(name, "notes"))
		return "a string, not a numeric field";
	for (int i = 0; groups[i]; i++)
		if (!strcmp(name, groups[i]))
			return "a group of fields, not a numeric field";
	if (dot && !strcmp(last, "source"))
		return "a source string, not a numeric field";
	if (dot && !strcmp(last, "value")) {
		snprintf(buf, len, "not a dotted field path (write %.*s)",
			 (int)(dot - name), name);
		return buf;
	}
	return NULL;
}

static int add_field(const struct hw_spec *base, struct calib_fit *fit,
		     const char *name, int from_default, char *err)
{
	const struct hw_field *f;
	struct calib_param *p;
	char why[256];
	const char *nn;
	size_t i;

	f = hw_spec_field(name, &i);
	if (!f) {
		if (from_default)
			return RL_OK; /* the GPU model has no such field now */
		nn = not_numeric(name, why, sizeof why);
		if (nn)
			rl_errf(err, "%s: %s", name, nn);
		else
			rl_errf(err, "%s: no such field (ridgeline hw show %s "
				"lists them)", name, base->name);
		return RL_EINPUT;
	}
	if (f->optional && fval(base, i) == 0) {
		if (from_default)
			return RL_OK;
		rl_errf(err, "%s: absent from %s (0 = none); give a start "
			"value with --set %s=VALUE", name, base->name, name);
		return RL_EINPUT;
	}
	if (f->integer) {
		rl_errf(err, "%s: an integer field (%s), which least squares "
			"cannot fit; sweep it instead (ridgeline run)", name,
			f->unit);
		return RL_EINPUT;
	}
	if (fitted_at(fit, i) >= 0) {
		rl_errf(err, "%s: given twice", name);
		return RL_EINPUT;
	}
	if (fit->np == CALIB_MAX_PARAMS) {
		rl_errf(err, "%s: at most %d fields can be fitted at once", name,
			CALIB_MAX_PARAMS);
		return RL_EINPUT;
	}
	p = &fit->p[fit->np++];
	memset(p, 0, sizeof *p);
	snprintf(p->path, sizeof p->path, "%s", f->path);
	p->index = i;
	p->unit = f->unit;
	p->start = p->value = fval(base, i);
	return RL_OK;
}

int calibrate_fields(const struct hw_spec *base, const char *list,
		     struct calib_fit *fit, char *err)
{
	char buf[1024], *tok, *save = NULL;
	int rc;

	memset(fit, 0, sizeof *fit);
	if (!list) {
		fit->from_default = 1;
		for (int i = 0; calibrate_default_fields[i]; i++)
			if ((rc = add_field(base, fit, calibrate_default_fields[i],
					    1, err)))
				return rc;
		if (fit->np == 0) {
			rl_errf(err, "%s: none of the default fields is in the "
				"spec", base->name);
			return RL_EINPUT;
		}
		return RL_OK;
	}
	if (strlen(list) >= sizeof buf) {
		rl_errf(err, "--fit: list longer than %zu bytes", sizeof buf - 1);
		return RL_EINPUT;
	}
	snprintf(buf, sizeof buf, "%s", list);
	if (!*buf || buf[strlen(buf) - 1] == ',' || *buf == ',' ||
	    strstr(buf, ",,")) {
		rl_errf(err, "--fit: expected FIELD[,FIELD...], found '%s'",
			list);
		return RL_EINPUT;
	}
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if ((rc = add_field(base, fit, tok, 0, err)))
			return rc;
	return RL_OK;
}

/* ---- the memo -------------------------------------------------------------- */

#define MAX_FIELDS 64

struct memo_spec {
	uint64_t h;              /* hash of v */
	double v[MAX_FIELDS];    /* every numeric field of the effective spec */
};

struct memo_ent {
	uint32_t used;           /* 0 empty, 1 pending, 2 done, 3 failed */
	uint32_t spec;           /* index in specs */
	struct gemm g;
	struct gpu_opts o;
	uint64_t h;              /* hash of the key */
	double t_us;             /* simulated time, µs */
	uint32_t kid;            /* kernel choice (tile, split-K), hashed */
};

struct calib_memo {
	struct memo_spec *specs;
	size_t nspecs, capspecs;
	struct memo_ent *tab;    /* open addressing, cap a power of 2 */
	size_t cap, n;
	size_t sims, hits;       /* misses simulated, lookups answered */
};


struct calib_memo *calibrate_memo_new(void)
{
	return calloc(1, sizeof(struct calib_memo));
}

void calibrate_memo_free(struct calib_memo *m)
{
	if (!m)
		return;
	free(m->specs);
	free(m->tab);
	free(m);
}

static int intern(struct calib_memo *m, const struct hw_spec *s,
		  uint32_t *id)
{
	struct memo_spec k;
	struct rl_hash h; /* the memo's keys use lane a (memory only) */
	size_t nf;

	hw_spec_fields(&nf);
	memset(&k, 0, sizeof k);
	for (size_t i = 0; i < nf && i < MAX_FIELDS; i++)
		k.v[i] = fval(s, i);
	rl_hash_init(&h);
	rl_hash_bytes(&h, k.v, sizeof k.v);
	k.h = h.a;
	for (size_t i = 0; i < m->nspecs; i++) {
		size_t j = 0;

		/* by value (the hash is over the bytes: a -0.0 for a 0.0 is a
		 * miss, never a wrong hit) */
		if (m->specs[i].h != k.h)
			continue;
		while (j < MAX_FIELDS && m->specs[i].v[j] == k.v[j])
			j++;
		if (j == MAX_FIELDS) {
			*id = (uint32_t)i;
			return RL_OK;
		}
	}
	if (m->nspecs == m->capspecs) {
		size_t nc = m->capspecs ? 2 * m->capspecs : 64;
		void *p = realloc(m->specs, nc * sizeof *m->specs);

		if (!p)
			return RL_EIO;
		m->specs = p;
		m->capspecs = nc;
	}
	m->specs[m->nspecs] = k;
	*id = (uint32_t)m->nspecs++;
	return RL_OK;
}

static uint64_t key_hash(uint32_t spec, const struct gemm *g,
			 const struct gpu_opts *o)
{
	uint32_t d = (uint32_t)g->dtype;
	struct rl_hash h;

	rl_hash_init(&h);
	rl_hash_bytes(&h, &spec, sizeof spec);
	rl_hash_bytes(&h, &g->m, sizeof g->m);
	rl_hash_bytes(&h, &g->n, sizeof g->n);
	rl_hash_bytes(&h, &g->k, sizeof g->k);
	rl_hash_bytes(&h, &d, sizeof d);
	/* the options field by field: the struct's padding bytes and its
	 * recorder pointer are no part of the key */
	rl_hash_bytes(&h, &o->l2_warm, sizeof o->l2_warm);
	rl_hash_bytes(&h, &o->l2_warm_fraction, sizeof o->l2_warm_fraction);
	rl_hash_bytes(&h, &o->calls_before, sizeof o->calls_before);
	rl_hash_bytes(&h, &o->calls_timed, sizeof o->calls_timed);
	return h.a;
}

static int key_eq(const struct memo_ent *e, uint32_t spec,
		  const struct gemm *g, const struct gpu_opts *o)
{
	return e->spec == spec && e->g.m == g->m && e->g.n == g->n &&
	       e->g.k == g->k && e->g.dtype == g->dtype &&
	       e->o.l2_warm == o->l2_warm &&
	       e->o.l2_warm_fraction == o->l2_warm_fraction &&
	       e->o.calls_before == o->calls_before &&
	       e->o.calls_timed == o->calls_timed;
}

static int memo_reserve(struct calib_memo *m, size_t more)
{
	size_t nc = m->cap ? m->cap : 1024;
	struct memo_ent *t;

	while (2 * (m->n + more) > nc)
		nc *= 2;
	if (nc == m->cap)
		return RL_OK;
	t = calloc(nc, sizeof *t);
	if (!t)
		return RL_EIO;
	for (size_t i = 0; i < m->cap; i++)
		if (m->tab[i].used) {
			size_t s = m->tab[i].h & (nc - 1);

			while (t[s].used)
				s = (s + 1) & (nc - 1);
			t[s] = m->tab[i];
		}
	free(m->tab);
	m->tab = t;
	m->cap = nc;
	return RL_OK;
}

struct sim_job {
	const struct hw_spec *s;
	struct calib_memo *m;
	const size_t *slots;     /* table slots to simulate */
	size_t n;
	size_t next;
	pthread_mutex_t lock;
};

static uint32_t kernel_id(const struct gpu_result *r)
{
	struct rl_hash h;

	rl_hash_init(&h);
	rl_hash_bytes(&h, r->tile, strnlen(r->tile, sizeof r->tile));
	rl_hash_bytes(&h, &r->split_k, sizeof r->split_k);
	return (uint32_t)(h.a ^ (h.a >> 32));
}

static void *sim_worker(void *arg)
{
	struct sim_job *j = arg;
	char err[RL_ERR_LEN];

	for (;;) {
		struct memo_ent *e;
		struct gpu_result r;
		size_t i;

		pthread_mutex_lock(&j->lock);
		i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->n)
			return NULL;
		e = &j->m->tab[j->slots[i]];
		if (gpu_simulate_gemm(j->s, &e->g, &e->o, &r, err) != RL_OK) {
			e->used = 3;
			continue;
		}
		e->t_us = r.time_us;
		e->kid = kernel_id(&r);
		e->used = 2;
	}
}

struct by_cost {
	double cost; /* m·n·k, a proxy for simulation time */
	size_t slot;
};

static int by_cost_desc(const void *a, const void *b)
{
	const struct by_cost *x = a, *y = b;

	if (x->cost != y->cost)
		return x->cost > y->cost ? -1 : 1;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

/* Simulated time (µs) and kernel id of rows[0..n) of v on s. */
static int memo_eval(struct calib_memo *m, const struct hw_spec *s,
		     const struct validate_set *v, const size_t *rows,
		     size_t n, int jobs, double *t, uint32_t *kid, char *err)
{
	struct sim_job j = {.s = s, .m = m};
	size_t *slot = NULL, *miss = NULL, nmiss = 0;
	int nth, rc = RL_EIO;
	uint32_t id;

	if (hw_spec_check(s, err) != RL_OK)
		return RL_EINPUT;
	slot = malloc((n ? n : 1) * sizeof *slot);
	miss = malloc((n ? n : 1) * sizeof *miss);
	if (!slot || !miss || intern(m, s, &id) || memo_reserve(m, n))
		goto oom;
	for (size_t i = 0; i < n; i++) {
		const struct validate_row *r = &v->rows[rows[i]];
		struct gpu_opts o;
		uint64_t h;
		size_t q;

		validate_protocol_opts(r->protocol, s, &r->g, &o);
		h = key_hash(id, &r->g, &o);
		for (q = h & (m->cap - 1); m->tab[q].used;
		     q = (q + 1) & (m->cap - 1))
			if (m->tab[q].h == h && key_eq(&m->tab[q], id, &r->g, &o))
				break;
		if (!m->tab[q].used) {
			struct memo_ent *e = &m->tab[q];

			memset(e, 0, sizeof *e);
			e->used = 1;
			e->spec = id;
			e->g = r->g;
			e->o = o;
			e->h = h;
			m->n++;
			miss[nmiss++] = q;
		} else {
			m->hits++;
		}
		slot[i] = q;
	}
	/* largest first, so that no thread is left with a long simulation
	 * while the others idle (results land in their slots: the order
	 * changes nothing else) */
	{
		struct by_cost *bc = malloc((nmiss ? nmiss : 1) * sizeof *bc);

		if (!bc)
			goto oom;
		for (size_t i = 0; i < nmiss; i++) {
			const struct gemm *g = &m->tab[miss[i]].g;

			bc[i].cost = (double)g->m * g->n * g->k;
			bc[i].slot = miss[i];
		}
		qsort(bc, nmiss, sizeof *bc, by_cost_desc);
		for (size_t i = 0; i < nmiss; i++)
			miss[i] = bc[i].slot;
		free(bc);
	}
	j.slots = miss;
	j.n = nmiss;
	nth = jobs < 1 ? 1 : jobs;
	if ((size_t)nth > nmiss)
		nth = nmiss ? (int)nmiss : 1;
	pthread_mutex_init(&j.lock, NULL);
	rl_parallel_run(nth, sim_worker, &j);
	pthread_mutex_destroy(&j.lock);
	m->sims += nmiss;
	rc = RL_OK;
	for (size_t i = 0; i < n; i++) {
		struct memo_ent *e = &m->tab[slot[i]];

		if (e->used != 2) {
			/* the first failing row, in row order, says why */
			const struct validate_row *r = &v->rows[rows[i]];
			struct gpu_result res;
			char why[RL_ERR_LEN];

			gpu_simulate_gemm(s, &e->g, &e->o, &res, why);
			rl_errf(err, "%.200s:%d: %.280s", v->path, r->line, why);
			rc = RL_EINPUT;
			break;
		}
		t[i] = e->t_us;
		if (kid)
			kid[i] = e->kid;
	}
	/* a failed entry must not answer a later lookup */
	for (size_t i = 0; rc && i < nmiss; i++)
		if (m->tab[miss[i]].used != 2)
			m->tab[miss[i]].used = 3;
	free(slot);
	free(miss);
	return rc;
oom:
	free(slot);
	free(miss);
	rl_errf(err, "out of memory");
	return RL_EIO;
}

/* ---- the fit --------------------------------------------------------------- */

const char *calibrate_stop_text(int stop)
{
	switch (stop) {
	case CALIB_STOP_SMALL:
		return "steps under 0.1 standard error";
	case CALIB_STOP_NO_DESCENT:
		return "no trial step lowered the cost further";
	case CALIB_STOP_TOLERANCE:
		return "GSL tolerance met";
	default:
		return "iteration limit, not converged";
	}
}

struct fitctx {
	const struct hw_spec *base;
	const struct validate_set *v;
	struct calib_fit *fit;
	struct calib_memo *memo;
	int jobs;
	const size_t *rows;      /* rows fitted */
	size_t n;
	double *t, *t2, *t3;     /* n each: times at u, u + h, u - h */
	uint32_t *k, *k2, *k3;   /* their kernel ids */
	size_t *sub;             /* rows whose kernel flipped (indices into rows) */
	size_t *subrows;         /* the same as row numbers of v */
	const gsl_matrix *jfix;  /* if set, the Jacobian: row i of v is row i */
	size_t maxiter;
	size_t trials;           /* f evaluations since the last Jacobian */
	size_t max_trials;       /* trial steps one iteration may try */
	size_t overs;            /* trial steps since then that overshot */
	double cost_here;        /* cost at the last Jacobian's point (0:
				  * not known: every trial counts) */
	int stalled;             /* FIT_MAX_TRIALS trial steps failed in a row */
	int rc;
	char err[RL_ERR_LEN];
};

static int eval_u(struct fitctx *c, const double *u, const size_t *rows,
		  size_t n, double *t, uint32_t *k)
{
	struct hw_spec s;
	int rc;

	map_u(c->base, c->fit, u, &s, NULL);
	c->fit->evals++;
	rc = memo_eval(c->memo, &s, c->v, rows, n, c->jobs, t, k, c->err);
	if (rc && !c->rc)
		c->rc = rc;
	return rc;
}

static double measured_us(const struct fitctx *c, size_t i)
{
	return c->v->rows[c->rows[i]].measured_ms * 1e3;
}

/* The loss's residual psi(r) for a log ratio r (see Loss in calibrate.h):
 * sign(r) d sqrt(2 (sqrt(1 + (r/d)^2) - 1)), or r itself. */
static double psi(const struct fitctx *c, double r)
{
	double d = CALIB_HUBER_DELTA, q;

	if (c->fit->loss == CALIB_LOSS_L2)
		return r;
	q = d * sqrt(2 * (sqrt(1 + (r / d) * (r / d)) - 1));
	return r < 0 ? -q : q;
}

/* d psi / d r: from psi^2 = 2 d^2 (s - 1), s = sqrt(1 + (r/d)^2),
 * 2 psi psi' = 2 r / s, so psi' = r / (s psi); 1 at r = 0 (psi ~ r). */
static double dpsi(const struct fitctx *c, double r)
{
	double d = CALIB_HUBER_DELTA, p;

	if (c->fit->loss == CALIB_LOSS_L2)
		return 1;
	p = psi(c, r);
	return fabs(p) < 1e-12 ? 1 : r / (sqrt(1 + (r / d) * (r / d)) * p);
}

static int gsl_f(const gsl_vector *x, void *params, gsl_vector *f)
{
	struct fitctx *c = params;
	double u[CALIB_MAX_PARAMS] = {0};
	double cost = 0;

	/* each f after the first of an iteration is a trial step that the
	 * previous one failed to be */
	if (c->trials >= c->max_trials || c->overs >= FIT_MAX_OVERSHOOTS) {
		c->stalled = 1;
		return GSL_EBADFUNC;
	}
	for (size_t j = 0; j < c->fit->np; j++)
		u[j] = gsl_vector_get(x, j);
	if (eval_u(c, u, c->rows, c->n, c->t, c->k))
		return GSL_EBADFUNC;
	for (size_t i = 0; i < c->n; i++) {
		double r = psi(c, log(c->t[i] / measured_us(c, i)));

		gsl_vector_set(f, i, r);
		cost += r * r;
	}
	if (c->cost_here > 0 && cost > FIT_OVERSHOOT * c->cost_here)
		c->overs++;
	else
		c->trials++;
	return GSL_SUCCESS;
}

/* Step in u that moves x_j by CALIB_FD_STEP relative (or of its range
 * near 0). */
static double fd_step(const struct fitctx *c, const double *u, size_t j)
{
	struct hw_spec s;
	double x[CALIB_MAX_PARAMS], lo, hi, sg, dxdu, dx, h;
	struct calib_fit *fit = c->fit;

	map_u(c->base, fit, u, &s, x);
	/* bounds of j with the fields before it as mapped */
	bounds(&s, fit, j, &lo, &hi);
	sg = sigmoid(u[j]);
	dxdu = (hi - lo) * sg * (1 - sg);
	dx = CALIB_FD_STEP * fmax(fabs(x[j]), 1e-3 * (hi - lo));
	h = dxdu > 0 ? dx / dxdu : 1;
	return h > 1 ? 1 : h;
}

/* Whether a difference step from (t0, k0) to (t1, k1) crossed a jump: the
 * kernel choice changed, or the time moved more than CALIB_MAX_SLOPE times
 * the relative step (no term of a GEMM's time scales faster than the
 * inverse of a rate, so a steeper change is a discontinuity of the
 * simulated time, not a slope). */
static int jump(double t0, uint32_t k0, double t1, uint32_t k1)
{
	return k0 != k1 ||
	       fabs(log(t1) - log(t0)) > CALIB_MAX_SLOPE * CALIB_FD_STEP;
}

static int gsl_df(const gsl_vector *x, void *params, gsl_matrix *J)
{
	struct fitctx *c = params;
	double u[CALIB_MAX_PARAMS] = {0};
	size_t np = c->fit->np;

	c->trials = 0;
	c->overs = 0;
	if (c->jfix) {
		for (size_t i = 0; i < c->n; i++)
			for (size_t j = 0; j < np; j++)
				gsl_matrix_set(J, i, j,
					       gsl_matrix_get(c->jfix, c->rows[i],
							      j));
		return GSL_SUCCESS;
	}
	for (size_t j = 0; j < np; j++)
		u[j] = gsl_vector_get(x, j);
	if (eval_u(c, u, c->rows, c->n, c->t, c->k))
		return GSL_EBADFUNC;
	c->cost_here = 0;
	for (size_t i = 0; i < c->n; i++) {
		double r = psi(c, log(c->t[i] / measured_us(c, i)));

		c->cost_here += r * r;
	}
	for (size_t j = 0; j < np; j++) {
		double h = fd_step(c, u, j), uj = u[j];
		size_t ns = 0;

		u[j] = uj + h;
		if (eval_u(c, u, c->rows, c->n, c->t2, c->k2))
			return GSL_EBADFUNC;
		for (size_t i = 0; i < c->n; i++)
			if (jump(c->t[i], c->k[i], c->t2[i], c->k2[i])) {
				c->sub[ns] = i;
				c->subrows[ns++] = c->rows[i];
			}
		if (ns) {
			u[j] = uj - h;
			if (eval_u(c, u, c->subrows, ns, c->t3, c->k3))
				return GSL_EBADFUNC;
		}
		u[j] = uj;
		/* d psi(r_i) / du_j = psi'(r_i) d r_i / du_j */
		for (size_t i = 0; i < c->n; i++)
			gsl_matrix_set(J, i, j,
				       dpsi(c, log(c->t[i] / measured_us(c, i))) *
					       (log(c->t2[i]) - log(c->t[i])) /
					       h);
		for (size_t q = 0; q < ns; q++) {
			size_t i = c->sub[q];
			double d = !jump(c->t[i], c->k[i], c->t3[q], c->k3[q]) ?
				   (log(c->t[i]) - log(c->t3[q])) / h : 0;

			gsl_matrix_set(J, i, j,
				       dpsi(c, log(c->t[i] / measured_us(c, i))) *
					       d);
		}
	}
	return GSL_SUCCESS;
}

static int ctx_init(struct fitctx *c, const struct hw_spec *base,
		    const struct validate_set *v, struct calib_fit *fit,
		    struct calib_memo *memo, int jobs, const size_t *rows,
		    size_t n)
{
	memset(c, 0, sizeof *c);
	c->base = base;
	c->v = v;
	c->fit = fit;
	c->memo = memo;
	c->jobs = jobs;
	c->rows = rows;
	c->n = n;
	c->maxiter = FIT_MAX_ITER;
	c->max_trials = FIT_MAX_TRIALS;
	c->t = malloc(3 * (n + 1) * sizeof *c->t);
	c->k = malloc(3 * (n + 1) * sizeof *c->k);
	c->sub = malloc(2 * (n + 1) * sizeof *c->sub);
	if (!c->t || !c->k || !c->sub)
		return RL_EIO;
	c->t2 = c->t + n + 1;
	c->t3 = c->t2 + n + 1;
	c->k2 = c->k + n + 1;
	c->k3 = c->k2 + n + 1;
	c->subrows = c->sub + n + 1;
	return RL_OK;
}

static void ctx_free(struct fitctx *c)
{
	free(c->t);
	free(c->k);
	free(c->sub);
}

/* Levenberg-Marquardt from u (updated in place) on c's rows; fills the
 * covariance of u (np x np, scaled by s^2) and s when cov is not NULL. */
static int solve(struct fitctx *c, double *u, size_t *iters, int *converged,
		 gsl_matrix *cov, double *sigma)
{
	size_t np = c->fit->np;
	gsl_multifit_nlinear_parameters par =
		gsl_multifit_nlinear_default_parameters();
	gsl_multifit_nlinear_fdf fdf;
	gsl_multifit_nlinear_workspace *w;
	gsl_vector_view x0 = gsl_vector_view_array(u, np);
	gsl_error_handler_t *old;
	gsl_matrix *cw = gsl_matrix_alloc(np, np);
	int info = 0, status;
	size_t it;

	par.trs = gsl_multifit_nlinear_trs_lm;
	fdf.f = gsl_f;
	fdf.df = gsl_df;
	fdf.fvv = NULL;
	fdf.n = c->n;
	fdf.p = np;
	fdf.params = c;
	w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, c->n,
				       np);
	if (!w || !cw) {
		gsl_multifit_nlinear_free(w);
		gsl_matrix_free(cw);
		rl_errf(c->err, "out of memory");
		return RL_EIO;
	}
	c->stalled = 0; /* a context may serve several starts */
	c->trials = 0;
	c->overs = 0;
	c->cost_here = 0;
	old = gsl_set_error_handler_off();
	status = gsl_multifit_nlinear_init(&x0.vector, &fdf, w);
	*converged = CALIB_STOP_LIMIT;
	for (it = 0; status == GSL_SUCCESS && it < c->maxiter; it++) {
		double prev[CALIB_MAX_PARAMS], chisq, s2;
		const gsl_vector *x = gsl_multifit_nlinear_position(w);
		int small = 1;

		for (size_t j = 0; j < np; j++)
			prev[j] = gsl_vector_get(x, j);
		c->trials = 0;
		c->overs = 0;
		status = gsl_multifit_nlinear_iterate(w);
		if (c->stalled) {
			/* FIT_MAX_TRIALS trial steps in a row raised the cost:
			 * the last accepted point stands */
			*converged = CALIB_STOP_NO_DESCENT;
			break;
		}
		if (status == GSL_ENOPROG) {
			/* no trial step lowers the cost: the simulated times
			 * are piecewise (ps clocks, kernel switches), and this
			 * is as low as they go from here */
			*converged = CALIB_STOP_NO_DESCENT;
			break;
		}
		if (status != GSL_SUCCESS)
			break;
		x = gsl_multifit_nlinear_position(w);
		/* statistical test: every step under FIT_SE_TOL of its
		 * standard error, which further iterations would not change
		 * as much as the noise does */
		gsl_blas_ddot(gsl_multifit_nlinear_residual(w),
			      gsl_multifit_nlinear_residual(w), &chisq);
		s2 = c->n > np ? chisq / (double)(c->n - np) : 0;
		gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(w), 1e-12,
					   cw);
		for (size_t j = 0; j < np; j++)
			if (fabs(gsl_vector_get(x, j) - prev[j]) >
			    FIT_SE_TOL * sqrt(fmax(s2 * gsl_matrix_get(cw, j, j),
						   0)))
				small = 0;
		if (small) {
			*converged = CALIB_STOP_SMALL;
			it++;
			break;
		}
		if (gsl_multifit_nlinear_test(FIT_XTOL, FIT_GTOL, FIT_FTOL,
					      &info, w) == GSL_SUCCESS) {
			*converged = CALIB_STOP_TOLERANCE;
			it++;
			break;
		}
	}
	gsl_set_error_handler(old);
	if (c->rc) {
		gsl_multifit_nlinear_free(w);
		gsl_matrix_free(cw);
		return c->rc;
	}
	*iters = it;
	for (size_t j = 0; j < np; j++)
		u[j] = gsl_vector_get(gsl_multifit_nlinear_position(w), j);
	if (cov) {
		const gsl_vector *f = gsl_multifit_nlinear_residual(w);
		double chisq;

		gsl_blas_ddot(f, f, &chisq);
		*sigma = c->n > np ? sqrt(chisq / (double)(c->n - np)) : 0;
		gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(w), 1e-12,
					   cov);
		gsl_matrix_scale(cov, (*sigma) * (*sigma));
	}
	gsl_multifit_nlinear_free(w);
	gsl_matrix_free(cw);
	return RL_OK;
}

/* Sensitivity of log t to log x_j at u, the largest over c's rows. */
static int sensitivities(struct fitctx *c, const double *u, double *smax)
{
	size_t np = c->fit->np;
	gsl_matrix *J = gsl_matrix_alloc(c->n, np);
	gsl_vector_const_view uv = gsl_vector_const_view_array(u, np);
	double x[CALIB_MAX_PARAMS];
	struct hw_spec s;
	int rc;

	if (!J)
		return RL_EIO;
	rc = gsl_df(&uv.vector, c, J) == GSL_SUCCESS ? RL_OK : c->rc;
	map_u(c->base, c->fit, u, &s, x);
	for (size_t j = 0; !rc && j < np; j++) {
		double lo, hi, sg = sigmoid(u[j]), dlogx;

		bounds(&s, c->fit, j, &lo, &hi);
		dlogx = (hi - lo) * sg * (1 - sg) / fmax(fabs(x[j]), 1e-300);
		smax[j] = 0;
		for (size_t i = 0; i < c->n; i++) {
			double d = fabs(gsl_matrix_get(J, i, j)) / dlogx;

			if (d > smax[j])
				smax[j] = d;
		}
	}
	gsl_matrix_free(J);
	return rc;
}

/* Round x to a tenth of the decade of its standard error, inside
 * [lo, hi]: the written value carries the digits the data support. */
static double round_to_error(double x, double se, double lo, double hi)
{
	double q, r;

	if (!(se > 0) || !isfinite(se))
		q = fabs(x) > 0 ? pow(10, floor(log10(fabs(x))) - 6) : 1e-9;
	else
		q = pow(10, floor(log10(se)) - 1);
	r = round(x / q) * q;
	if (r < lo || r > hi)
		r = x;
	/* print-exact: 1183.4 rather than 1183.3999999999999 */
	{
		char buf[64];

		snprintf(buf, sizeof buf, "%.12g", r);
		r = strtod(buf, NULL);
	}
	return r;
}

/* The starts after the first, in u: a Latin hypercube of k points in the
 * box of +-CALIB_START_SPREAD (relative) around the base values, clipped
 * to each field's bounds (which take the fields before it at the point's
 * values, as the transform does). Field j of point q lies in stratum
 * perm[j][q] of k equal parts of its box, at a uniform place inside it;
 * the generator has a fixed seed and is drawn in a fixed order. */
static int lhs_starts(const struct hw_spec *base, const struct calib_fit *fit,
		      size_t k, double (*us)[CALIB_MAX_PARAMS], char *err)
{
	size_t perm[CALIB_MAX_PARAMS][CALIB_MAX_STARTS];
	double off[CALIB_MAX_STARTS][CALIB_MAX_PARAMS];
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	size_t np = fit->np;

	if (!r) {
		rl_errf(err, "out of memory");
		return RL_EIO;
	}
	gsl_rng_set(r, CALIB_START_SEED);
	for (size_t j = 0; j < np; j++) {
		for (size_t q = 0; q < k; q++)
			perm[j][q] = q;
		gsl_ran_shuffle(r, perm[j], k, sizeof perm[j][0]);
	}
	for (size_t q = 0; q < k; q++)
		for (size_t j = 0; j < np; j++)
			off[q][j] = gsl_rng_uniform_pos(r);
	gsl_rng_free(r);
	for (size_t q = 0; q < k; q++) {
		struct hw_spec t = *base;
		double x[CALIB_MAX_PARAMS] = {0};
		int rc;

		for (size_t j = 0; j < np; j++) {
			double lo, hi, x0 = fit->p[j].start, ref, a, b;

			bounds(&t, fit, j, &lo, &hi);
			ref = fmax(fabs(x0), 1e-3 * (hi - lo));
			a = fmax(lo, x0 - CALIB_START_SPREAD * ref);
			b = fmin(hi, x0 + CALIB_START_SPREAD * ref);
			x[j] = a + (b - a) * ((double)perm[j][q] + off[q][j]) /
			       (double)k;
			*fslot(&t, fit->p[j].index) = x[j];
		}
		if ((rc = unmap(base, fit, x, us[q], err)))
			return rc;
	}
	return RL_OK;
}

/* Cost (sum of psi(log ratio)^2, the loss) and MAPE (%) of times t
 * against c's rows. */
static void cost_of(const struct fitctx *c, const double *t, double *cost,
		    double *mape)
{
	double sc = 0, sa = 0;

	for (size_t i = 0; i < c->n; i++) {
		double m = measured_us(c, i), r = psi(c, log(t[i] / m));

		sc += r * r;
		sa += fabs(t[i] - m) / m;
	}
	*cost = sc;
	*mape = c->n ? 100 * sa / (double)c->n : 0;
}

int calibrate_run(const struct hw_spec *base, const struct validate_set *v,
		  struct calib_fit *fit, struct calib_memo *memo, int jobs,
		  double *before_us, double *after_us, char *err)
{
	size_t np = fit->np, n = v->n;
	size_t *rows = calloc(n ? n : 1, sizeof *rows);
	/* zeroed: filled for the np fields below, which the analyzer cannot
	 * follow through unmap() and sensitivities() */
	double u[CALIB_MAX_PARAMS] = {0}, x[CALIB_MAX_PARAMS] = {0};
	double smax[CALIB_MAX_PARAMS] = {0};
	double (*us)[CALIB_MAX_PARAMS] = NULL; /* the starts, in u */
	gsl_matrix *cov = NULL, *cov_s = NULL, *G = NULL, *tmp = NULL;
	struct fitctx c;
	struct hw_spec s;
	size_t keep = 0, nst = fit->nstarts ? fit->nstarts : 1;
	int rc = RL_EIO;

	memset(&c, 0, sizeof c);
	if (nst > CALIB_MAX_STARTS) {
		rl_errf(err, "%zu starts: at most %d", nst, CALIB_MAX_STARTS);
		free(rows);
		return RL_EINPUT;
	}
	if (!rows || ctx_init(&c, base, v, fit, memo, jobs, rows, n)) {
		rl_errf(err, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		rows[i] = i;
	if (n <= np) {
		rl_errf(err, "%s: %zu rows for %zu fitted fields: need at least "
			"%zu", v->path, n, np, np + 1);
		rc = RL_EINPUT;
		goto done;
	}
	for (size_t j = 0; j < np; j++)
		x[j] = fit->p[j].start;
	if ((rc = unmap(base, fit, x, u, err)))
		goto done;
	/* before: the start as the transform maps it (equal to base but for
	 * rounding, and a value on a bound kept 1e-9 of the range inside), so
	 * that its simulations serve the first Jacobian too */
	if ((rc = eval_u(&c, u, rows, n, c.t, NULL)))
		goto fail_ctx;
	if (before_us)
		memcpy(before_us, c.t, n * sizeof *c.t);
	if ((rc = sensitivities(&c, u, smax)))
		goto fail_ctx;
	for (size_t j = 0; j < np; j++) {
		if (smax[j] >= CALIB_MIN_SENS) {
			fit->p[keep++] = fit->p[j];
			continue;
		}
		if (!fit->from_default) {
			rl_errf(err, "%s: no row is sensitive to %s (largest "
				"|d log t / d log x| %.2g < %.2g): it cannot be "
				"fitted on these rows", v->path, fit->p[j].path,
				smax[j], CALIB_MIN_SENS);
			rc = RL_EINPUT;
			goto done;
		}
		snprintf(fit->dropped[fit->ndropped++], sizeof fit->dropped[0],
			 "%s", fit->p[j].path);
	}
	if (keep == 0) {
		rl_errf(err, "%s: no row is sensitive to any default field; "
			"name the fields to fit with --fit", v->path);
		rc = RL_EINPUT;
		goto done;
	}
	if (keep < np) {
		/* the default set without the fields these rows do not move;
		 * the transform's order changed, so map the start again */
		fit->np = np = keep;
		for (size_t j = 0; j < np; j++)
			x[j] = fit->p[j].start;
		if ((rc = unmap(base, fit, x, u, err)))
			goto done;
	}
	cov = gsl_matrix_alloc(np, np);
	cov_s = gsl_matrix_alloc(np, np);
	G = gsl_matrix_calloc(np, np);
	tmp = gsl_matrix_alloc(np, np);
	us = calloc(nst, sizeof *us);
	if (!cov || !cov_s || !G || !tmp || !us) {
		rl_errf(err, "out of memory");
		rc = RL_EIO;
		goto done;
	}
	/* the starts: the base values, then the hypercube; one
	 * Levenberg-Marquardt run from each, the lowest cost kept */
	memcpy(us[0], u, sizeof us[0]);
	if (nst > 1 && (rc = lhs_starts(base, fit, nst - 1, us + 1, err)))
		goto done;
	fit->nstarts = nst;
	for (size_t q = 0; q < nst; q++) {
		struct calib_start *st = &fit->starts[q];
		double sig;

		memset(st, 0, sizeof *st);
		map_u(base, fit, us[q], &s, st->x0);
		if ((rc = solve(&c, us[q], &st->iters, &st->stop, cov_s, &sig)))
			goto fail_ctx;
		/* the end point: a memo hit (the solver's last accepted f) */
		if ((rc = eval_u(&c, us[q], rows, n, c.t, NULL)))
			goto fail_ctx;
		map_u(base, fit, us[q], &s, st->x);
		cost_of(&c, c.t, &st->cost, &st->mape);
		st->sigma = sqrt(st->cost / (double)(n - np));
		if (q == 0 || st->cost < fit->starts[fit->best].cost) {
			gsl_matrix *sw = cov;

			cov = cov_s;
			cov_s = sw;
			fit->best = q;
			fit->iters = st->iters;
			fit->converged = st->stop;
			fit->sigma = sig;
			memcpy(u, us[q], sizeof u);
		}
	}
	fit->n = n;
	memcpy(fit->u, u, sizeof fit->u);
	/* Jacobian of the transform x(u), triangular: by differences of the
	 * (cheap, analytic) map */
	map_u(base, fit, u, &s, x);
	for (size_t j = 0; j < np; j++) {
		double up[CALIB_MAX_PARAMS], xp[CALIB_MAX_PARAMS], h = 1e-6;
		struct hw_spec sp;

		memcpy(up, u, sizeof up);
		up[j] += h;
		map_u(base, fit, up, &sp, xp);
		for (size_t i = 0; i < np; i++)
			gsl_matrix_set(G, i, j, (xp[i] - x[i]) / h);
	}
	/* cov_x = G cov_u G^T */
	gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1, G, cov, 0, tmp);
	gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1, tmp, G, 0, cov);
	for (size_t j = 0; j < np; j++) {
		double lo, hi;

		bounds(&s, fit, j, &lo, &hi);
		fit->p[j].lo = lo;
		fit->p[j].hi = hi;
		fit->p[j].stderr_ = sqrt(fmax(gsl_matrix_get(cov, j, j), 0));
		fit->p[j].at_bound = x[j] - lo < 1e-3 * (hi - lo) ? -1 :
				     hi - x[j] < 1e-3 * (hi - lo) ? 1 : 0;
		fit->p[j].value = round_to_error(x[j], fit->p[j].stderr_, lo,
						 hi);
	}
	for (size_t j = 0; j < np; j++)
		for (size_t k = 0; k < np; k++) {
			double d = fit->p[j].stderr_ * fit->p[k].stderr_;

			fit->corr[j][k] = j == k ? 1 :
					  d > 0 ? gsl_matrix_get(cov, j, k) / d
						: 0;
		}
	/* the starts that end inside the optimum's CALIB_FLAT_SE contour,
	 * and how far apart they put each field */
	fit->nflat = 0;
	for (size_t j = 0; j < np; j++)
		fit->p[j].flat_lo = fit->p[j].flat_hi = x[j];
	for (size_t q = 0; q < nst; q++) {
		const struct calib_start *st = &fit->starts[q];
		double best = fit->starts[fit->best].cost;

		if (st->cost - best > CALIB_FLAT_SE * CALIB_FLAT_SE * best /
				      (double)(n - np))
			continue;
		fit->nflat++;
		for (size_t j = 0; j < np; j++) {
			fit->p[j].flat_lo = fmin(fit->p[j].flat_lo, st->x[j]);
			fit->p[j].flat_hi = fmax(fit->p[j].flat_hi, st->x[j]);
		}
	}
	for (size_t j = 0; j < np; j++) {
		struct calib_param *p = &fit->p[j];
		double far = fmax(p->flat_hi - x[j], x[j] - p->flat_lo);

		p->flat = !p->at_bound && p->stderr_ > 0 &&
			  far > CALIB_FLAT_SE * p->stderr_;
	}
	/* after: the spec as written (rounded values) */
	s = *base;
	for (size_t j = 0; j < np; j++)
		*fslot(&s, fit->p[j].index) = fit->p[j].value;
	c.fit->evals++;
	if ((rc = memo_eval(memo, &s, v, rows, n, jobs, c.t, NULL, err)))
		goto done;
	if (after_us)
		memcpy(after_us, c.t, n * sizeof *c.t);
	rc = RL_OK;
	goto done;
fail_ctx:
	rl_errf(err, "%s", c.err);
done:
	fit->sims = memo->sims;
	fit->hits = memo->hits;
	ctx_free(&c);
	gsl_matrix_free(cov);
	gsl_matrix_free(cov_s);
	gsl_matrix_free(G);
	gsl_matrix_free(tmp);
	free(us);
	free(rows);
	return rc;
}

int calibrate_cv(const struct hw_spec *base, const struct validate_set *v,
		 struct calib_fit *fit, struct calib_memo *memo, int jobs,
		 double *cv_us, char *err)
{
	size_t n = v->n, np = fit->np;
	size_t *train = malloc((n ? n : 1) * sizeof *train);
	size_t *test = malloc((n ? n : 1) * sizeof *test);
	double *t = malloc((n ? n : 1) * sizeof *t);
	gsl_matrix *J = gsl_matrix_alloc(n ? n : 1, np ? np : 1);
	int rc = RL_EIO;

	if (!train || !test || !t || !J) {
		rl_errf(err, "out of memory");
		goto done;
	}
	/* Every fold starts where the full-data fit ended (its unrounded
	 * optimum) and keeps the full-data Jacobian there (memo hits: the
	 * fit's last iteration simulated it): a fold moves the optimum a
	 * little, where the Jacobian changes to second order, and a step costs
	 * one simulation of the fold's rows instead of 1 + p. */
	{
		struct fitctx c;
		gsl_vector_view uv = gsl_vector_view_array(fit->u, np);

		for (size_t i = 0; i < n; i++)
			train[i] = i;
		if (ctx_init(&c, base, v, fit, memo, jobs, train, n)) {
			ctx_free(&c);
			rl_errf(err, "out of memory");
			goto done;
		}
		rc = gsl_df(&uv.vector, &c, J) == GSL_SUCCESS ? RL_OK : c.rc;
		if (rc)
			rl_errf(err, "%s", c.err);
		ctx_free(&c);
		if (rc)
			goto done;
	}
	for (int f = 0; f < CALIB_FOLDS; f++) {
		struct fitctx c;
		double u[CALIB_MAX_PARAMS];
		size_t ntr = 0, nte = 0, it = 0;
		int conv;

		for (size_t i = 0; i < n; i++) {
			if ((int)(i % CALIB_FOLDS) == f)
				test[nte++] = i;
			else
				train[ntr++] = i;
		}
		if (nte == 0)
			continue;
		if (ntr <= np) {
			rl_errf(err, "%s: cross-validation fold %d keeps %zu "
				"rows for %zu fields: need at least %zu",
				v->path, f, ntr, np, np + 1);
			rc = RL_EINPUT;
			goto done;
		}
		if (ctx_init(&c, base, v, fit, memo, jobs, train, ntr)) {
			ctx_free(&c);
			rl_errf(err, "out of memory");
			rc = RL_EIO;
			goto done;
		}
		memcpy(u, fit->u, sizeof u);
		c.jfix = J;
		c.maxiter = CV_MAX_ITER;
		c.max_trials = CV_MAX_TRIALS;
		rc = solve(&c, u, &it, &conv, NULL, NULL);
		fit->cv_iters += it;
		if (!rc)
			rc = eval_u(&c, u, test, nte, t, NULL);
		if (rc)
			rl_errf(err, "%s", c.err);
		ctx_free(&c);
		if (rc)
			goto done;
		for (size_t q = 0; q < nte; q++)
			cv_us[test[q]] = t[q];
	}
	rc = RL_OK;
done:
	fit->sims = memo->sims;
	fit->hits = memo->hits;
	gsl_matrix_free(J);
	free(train);
	free(test);
	free(t);
	return rc;
}

void calibrate_apply_times(struct validate_set *v, const struct hw_spec *hw,
			   const double *t_us)
{
	for (size_t i = 0; i < v->n; i++) {
		v->rows[i].sim.time_us = t_us[i];
		validate_row_finish(&v->rows[i], hw);
	}
}

struct hw_spec *calibrate_spec(const struct hw_spec *base,
			       const struct calib_fit *fit, const char *name,
			       const char *source_prefix)
{
	struct hw_spec *s = hw_spec_clone(base);
	char err[RL_ERR_LEN];

	if (!s)
		return NULL;
	if (name)
		snprintf(s->name, sizeof s->name, "%s", name);
	else
		snprintf(s->name, sizeof s->name, "%.80s-calibrated",
			 base->name);
	snprintf(s->display_name, sizeof s->display_name, "%.80s (calibrated)",
		 base->display_name);
	s->path[0] = 0;
	for (size_t j = 0; j < fit->np; j++) {
		const struct calib_param *p = &fit->p[j];
		size_t len = strlen(source_prefix) + 192;
		char *src = malloc(len);

		if (!src)
			goto fail;
		hw_spec_set(s, p->path, p->value, err);
		snprintf(src, len, "%s; fitted %.12g \xc2\xb1 %.2g %s%s",
			 source_prefix, p->value, p->stderr_, p->unit,
			 p->at_bound ? " (at a bound of its range: the error is "
				       "not meaningful)" : "");
		free(s->source[p->index]);
		s->source[p->index] = src;
	}
	hw_spec_forget_origin(s); /* a GPU in its own right */
	return s;
fail:
	hw_spec_free(s);
	return NULL;
}

/* ---- the measurement plan -------------------------------------------------- */

#define PLAN_NM 14 /* m = 1, 2, 4, ..., 8192 */
#define PLAN_NNK 5 /* n, k = 1024, ..., 16384 */
#define PLAN_NCAND (PLAN_NM * PLAN_NNK * PLAN_NNK)

static int gemm_cmp(const void *a, const void *b)
{
	const struct gemm *x = a, *y = b;

	if (x->m != y->m)
		return x->m < y->m ? -1 : 1;
	if (x->n != y->n)
		return x->n < y->n ? -1 : 1;
	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	return 0;
}

int calibrate_plan(const struct hw_spec *base, struct calib_fit *fit,
		   enum rl_dtype d, enum validate_protocol p,
		   struct calib_memo *memo, int jobs, struct gemm *out,
		   size_t *nout, char *err)
{
	struct validate_set cand = {.n = PLAN_NCAND};
	size_t np = fit->np, *rows = NULL;
	size_t nuse = np; /* fields in the design (less those left out) */
	int use[CALIB_MAX_PARAMS];
	double *t0 = NULL, *t1 = NULL, *t2 = NULL, *g = NULL;
	uint32_t *k0 = NULL, *k1 = NULL, *k2 = NULL;
	gsl_matrix *M = NULL, *Minv = NULL;
	gsl_permutation *perm = NULL;
	unsigned char chosen[PLAN_NCAND] = {0}, rough[PLAN_NCAND] = {0};
	int rc = RL_EIO;

	*nout = 0;
	snprintf(cand.path, sizeof cand.path, "plan grid");
	cand.rows = calloc(PLAN_NCAND, sizeof *cand.rows);
	rows = malloc(PLAN_NCAND * sizeof *rows);
	t0 = malloc(3 * PLAN_NCAND * sizeof *t0);
	k0 = malloc(3 * PLAN_NCAND * sizeof *k0);
	g = calloc((size_t)PLAN_NCAND * (np ? np : 1), sizeof *g);
	M = gsl_matrix_alloc(np ? np : 1, np ? np : 1);
	Minv = gsl_matrix_alloc(np ? np : 1, np ? np : 1);
	perm = gsl_permutation_alloc(np ? np : 1);
	if (!cand.rows || !rows || !t0 || !k0 || !g || !M || !Minv || !perm)
		goto oom;
	t1 = t0 + PLAN_NCAND;
	t2 = t1 + PLAN_NCAND;
	k1 = k0 + PLAN_NCAND;
	k2 = k1 + PLAN_NCAND;
	{
		size_t c = 0;

		for (int im = 0; im < PLAN_NM; im++)
			for (int in = 0; in < PLAN_NNK; in++)
				for (int ik = 0; ik < PLAN_NNK; ik++, c++) {
					struct validate_row *r = &cand.rows[c];

					r->g.m = 1ULL << im;
					r->g.n = 1024ULL << in;
					r->g.k = 1024ULL << ik;
					r->g.dtype = d;
					r->protocol = p;
					r->measured_ms = 1;
					rows[c] = c;
				}
	}
	if ((rc = memo_eval(memo, base, &cand, rows, PLAN_NCAND, jobs, t0, k0,
			    err)))
		goto done;
	/* g[c][j] = d log t / d log x_j: the mean of the slopes over two
	 * adjacent steps of CALIB_FD_STEP (one where a step crosses a jump;
	 * a candidate with a jump or slopes that disagree is rough) */
	for (size_t j = 0; j < np; j++) {
		struct hw_spec s = *base;
		double x = fit->p[j].start, lo, hi, h, ref, xa, xb;
		int shift;

		bounds(base, fit, j, &lo, &hi);
		ref = fmax(fabs(x), 1e-3 * (hi - lo));
		h = CALIB_FD_STEP * ref;
		/* two slopes over adjacent steps: x - h | x | x + h, or both on
		 * one side where a bound leaves no room on the other */
		xa = x + h, xb = x - h, shift = 0;
		if (xa > hi)
			xa = x - h, xb = x - 2 * h, shift = -1;
		else if (xb < lo)
			xa = x + h, xb = x + 2 * h, shift = 1;
		*fslot(&s, fit->p[j].index) = xa;
		if ((rc = memo_eval(memo, &s, &cand, rows, PLAN_NCAND, jobs, t1,
				    k1, err)))
			goto done;
		*fslot(&s, fit->p[j].index) = xb;
		if ((rc = memo_eval(memo, &s, &cand, rows, PLAN_NCAND, jobs, t2,
				    k2, err)))
			goto done;
		for (size_t c = 0; c < PLAN_NCAND; c++) {
			/* f, b: slopes over the step nearer x and the other */
			double f, b;
			int jf, jb;

			if (shift == 0) {
				f = (log(t1[c]) - log(t0[c])) / (h / ref);
				b = (log(t0[c]) - log(t2[c])) / (h / ref);
				jf = jump(t0[c], k0[c], t1[c], k1[c]);
				jb = jump(t0[c], k0[c], t2[c], k2[c]);
			} else {
				f = shift * (log(t1[c]) - log(t0[c])) / (h / ref);
				b = shift * (log(t2[c]) - log(t1[c])) / (h / ref);
				jf = jump(t0[c], k0[c], t1[c], k1[c]);
				jb = jump(t1[c], k1[c], t2[c], k2[c]);
			}
			if (!jf && !jb) {
				g[c * np + j] = shift ? f : (f + b) / 2;
				/* the two steps disagree: the time is rough
				 * here, and a measured row would pin the
				 * field only through the model's jitter */
				if (fabs(f - b) > 0.1 + 0.2 * fmax(fabs(f), fabs(b)))
					rough[c] = 1;
			} else {
				g[c * np + j] = !jf ? f : !jb && !shift ? b : 0;
				rough[c] = 1;
			}
		}
	}
	for (size_t j = 0; j < np; j++) {
		double mx = 0;

		for (size_t c = 0; c < PLAN_NCAND; c++)
			mx = fmax(mx, fabs(g[c * np + j]));
		use[j] = mx >= CALIB_MIN_SENS;
		if (use[j])
			continue;
		if (!fit->from_default) {
			rl_errf(err, "%s: no shape of the plan grid is sensitive "
				"to %s (largest |d log t / d log x| %.2g)",
				base->name, fit->p[j].path, mx);
			rc = RL_EINPUT;
			goto done;
		}
		snprintf(fit->dropped[fit->ndropped++], sizeof fit->dropped[0],
			 "%s", fit->p[j].path);
		/* a left-out default field plays no part in the design */
		for (size_t c = 0; c < PLAN_NCAND; c++)
			g[c * np + j] = 0;
		nuse--;
	}
	if (nuse == 0) {
		rl_errf(err, "%s: no shape of the plan grid is sensitive to any "
			"default field", base->name);
		rc = RL_EINPUT;
		goto done;
	}
	/* greedy D-optimal design over the smooth candidates: start from a
	 * small ridge, add the shape with the largest g^T M^-1 g (the gain in
	 * log det M). A rough candidate (a jump or disagreeing slopes on the
	 * two sides of any field) is left out: D-optimality seeks the largest
	 * slopes, and a jump looks like one. */
	for (size_t c = 0; c < PLAN_NCAND; c++)
		if (rough[c])
			chosen[c] = 1;
	gsl_matrix_set_identity(M);
	gsl_matrix_scale(M, 1e-4);
	for (size_t pick = 0; pick < CALIB_PLAN_MAX; pick++) {
		double best = -1;
		size_t bc = 0;
		int sgn;

		gsl_matrix_memcpy(Minv, M);
		gsl_linalg_LU_decomp(Minv, perm, &sgn);
		{
			gsl_matrix *inv = gsl_matrix_alloc(np, np);

			if (!inv)
				goto oom;
			gsl_linalg_LU_invert(Minv, perm, inv);
			gsl_matrix_memcpy(Minv, inv);
			gsl_matrix_free(inv);
		}
		for (size_t c = 0; c < PLAN_NCAND; c++) {
			double q = 0;

			if (chosen[c])
				continue;
			for (size_t a = 0; a < np; a++)
				for (size_t b = 0; b < np; b++)
					q += g[c * np + a] *
					     gsl_matrix_get(Minv, a, b) *
					     g[c * np + b];
			if (q > best * (1 + 1e-12)) {
				best = q;
				bc = c;
			}
		}
		if (best < 0)
			break; /* no smooth candidate left */
		chosen[bc] = 1;
		for (size_t a = 0; a < np; a++)
			for (size_t b = 0; b < np; b++)
				*gsl_matrix_ptr(M, a, b) +=
					g[bc * np + a] * g[bc * np + b];
		out[(*nout)++] = cand.rows[bc].g;
	}
	qsort(out, *nout, sizeof *out, gemm_cmp);
	rc = RL_OK;
	goto done;
oom:
	rl_errf(err, "out of memory");
	rc = RL_EIO;
done:
	free(cand.rows);
	free(rows);
	free(t0);
	free(k0);
	free(g);
	gsl_matrix_free(M);
	gsl_matrix_free(Minv);
	gsl_permutation_free(perm);
	return rc;
}
