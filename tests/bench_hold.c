/*
 * bench_hold.c — the classic hold model for event queues (Jones, CACM 1986):
 * N events pending; each hold pops the earliest and schedules one at
 * now + Exp(mean), so the queue size stays N. Reported: ns per hold, best
 * of REPS timed runs of H holds each, after N (at least WARMUP_MIN) untimed
 * holds that bring the queue to its steady-state shape.
 *
 * Three queues, fed the same increments:
 *  - ridgeline: the real engine — pooled bodies, a handler called through
 *    its pointer for every event, the handler scheduling the next one;
 *  - binary heap: the baseline of the issue, a plain binary heap of 16-byte
 *    inline keys {time, seq} with nothing behind them;
 *  - 4-ary heap: the same plain heap with four children per node (what the
 *    engine uses), to show what the arity alone is worth.
 *
 * Increments are drawn from a GSL mt19937 with a fixed seed into a table of
 * 2^16 values before timing, so the figures measure the queues, not the
 * exponential sampler (gsl_ran_exponential costs about as much as a hold
 * at N = 1e3). Usage: bench_hold [holds_per_run]  (default 5e6).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/engine/engine.h"

#define MEAN_PS 1e6       /* mean increment: 1 µs */
#define TABLE (1u << 16)  /* pre-drawn increments */
#define REPS 3
#define WARMUP_MIN 1000000
#define SEED 20240601UL

static uint64_t inc[TABLE]; /* increments, ps */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- ridgeline engine ---------------------------------------------------- */

struct hold {
	uint64_t left; /* holds still to do in this run */
	uint32_t k;    /* next increment */
};

static void hold_fn(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct hold *h = ctx;

	sim_engine_after(e, inc[h->k++ & (TABLE - 1)], hold_fn, h, arg);
	if (--h->left == 0)
		sim_engine_stop(e);
}

static double bench_engine(size_t n, uint64_t holds, gsl_rng *r)
{
	struct sim_engine *e = sim_engine_new(n);
	struct hold h = {0, 0};
	double best = 1e300;

	if (!e)
		return -1;
	for (size_t i = 0; i < n; i++)
		sim_engine_schedule(e, (sim_time_t)gsl_ran_exponential(r, MEAN_PS),
				    hold_fn, &h, i);
	h.left = n > WARMUP_MIN ? n : WARMUP_MIN;
	sim_engine_run(e);
	for (int rep = 0; rep < REPS; rep++) {
		double t0, dt;

		h.left = holds;
		t0 = now_s();
		sim_engine_run(e);
		dt = now_s() - t0;
		if (dt < best)
			best = dt;
	}
	if (sim_engine_pending(e) != n)
		fprintf(stderr, "bench_hold: engine lost events\n");
	sim_engine_free(e);
	return best * 1e9 / (double)holds;
}

/* ---- plain heaps of inline keys, arity D --------------------------------- */

struct key {
	uint64_t t;   /* time, ps */
	uint64_t seq; /* insertion order */
};

static inline int less(const struct key *a, const struct key *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static inline void push(struct key *h, size_t *n, struct key k, size_t d)
{
	size_t i = (*n)++;

	while (i > 0) {
		size_t p = (i - 1) / d;

		if (!less(&k, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = k;
}

static inline struct key pop(struct key *h, size_t *n, size_t d)
{
	struct key top = h[0], last = h[--*n];
	size_t i = 0;

	for (;;) {
		size_t c = d * i + 1, m = c, end = c + d;

		if (c >= *n)
			break;
		if (end > *n)
			end = *n;
		for (size_t j = c + 1; j < end; j++)
			if (less(&h[j], &h[m]))
				m = j;
		if (!less(&h[m], &last))
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = last;
	return top;
}

/* d is a constant at each call site, so each arity gets its own code. */
static inline double bench_heap(size_t n, uint64_t holds, gsl_rng *r,
				size_t d)
{
	struct key *h = malloc(n * sizeof *h);
	size_t len = 0;
	uint64_t seq = 0;
	uint32_t k = 0;
	uint64_t warm = n > WARMUP_MIN ? n : WARMUP_MIN;
	double best = 1e300;

	if (!h)
		return -1;
	for (size_t i = 0; i < n; i++)
		push(h, &len,
		     (struct key){(uint64_t)gsl_ran_exponential(r, MEAN_PS),
				  seq++}, d);
	for (uint64_t i = 0; i < warm; i++) {
		struct key top = pop(h, &len, d);

		push(h, &len,
		     (struct key){top.t + inc[k++ & (TABLE - 1)], seq++}, d);
	}
	for (int rep = 0; rep < REPS; rep++) {
		double t0 = now_s(), dt;

		for (uint64_t i = 0; i < holds; i++) {
			struct key top = pop(h, &len, d);

			push(h, &len,
			     (struct key){top.t + inc[k++ & (TABLE - 1)],
					  seq++}, d);
		}
		dt = now_s() - t0;
		if (dt < best)
			best = dt;
	}
	free(h);
	return best * 1e9 / (double)holds;
}

static double bench_binary(size_t n, uint64_t holds, gsl_rng *r)
{
	return bench_heap(n, holds, r, 2);
}

static double bench_4ary(size_t n, uint64_t holds, gsl_rng *r)
{
	return bench_heap(n, holds, r, 4);
}

int main(int argc, char **argv)
{
	const size_t sizes[] = {1000, 100000, 1000000};
	uint64_t holds = argc > 1 ? strtoull(argv[1], NULL, 10) : 5000000;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	if (!r || holds == 0) {
		fprintf(stderr, "usage: bench_hold [holds_per_run > 0]\n");
		return 2;
	}
	gsl_rng_set(r, SEED);
	for (unsigned i = 0; i < TABLE; i++)
		inc[i] = (uint64_t)gsl_ran_exponential(r, MEAN_PS);

	printf("hold model: pop min + schedule at now + Exp(%.0f ps); "
	       "ns per hold, best of %d runs of %llu holds\n",
	       MEAN_PS, REPS, (unsigned long long)holds);
	printf("%9s  %12s  %12s  %12s  %16s\n", "N", "ridgeline",
	       "binary heap", "4-ary heap", "ridgeline/binary");
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		size_t n = sizes[i];
		double te, tb, t4;

		gsl_rng_set(r, SEED + i);
		te = bench_engine(n, holds, r);
		gsl_rng_set(r, SEED + i);
		tb = bench_binary(n, holds, r);
		gsl_rng_set(r, SEED + i);
		t4 = bench_4ary(n, holds, r);
		if (te < 0 || tb < 0 || t4 < 0) {
			fprintf(stderr, "bench_hold: out of memory at N=%zu\n",
				n);
			gsl_rng_free(r);
			return 1;
		}
		printf("%9zu  %12.1f  %12.1f  %12.1f  %16.2f\n", n, te, tb, t4,
		       te / tb);
		fflush(stdout);
	}
	gsl_rng_free(r);
	return 0;
}
