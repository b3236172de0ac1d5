/*
 * bench_hold.c — the classic hold model for event queues (Jones, CACM 1986):
 * N events pending; each hold pops the earliest and schedules one at
 * now + Exp(mean), so the queue size stays N. Reported: ns per hold, best
 * of `runs` timed runs of `holds` holds each, after N (at least WARMUP_MIN)
 * untimed holds that bring each queue to its steady-state shape. The runs
 * of the queues are interleaved round by round, so that a noisy moment of
 * a shared machine does not fall on one queue only.
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
 * at N = 1e3).
 * Usage: bench_hold [holds_per_run [runs]]   (defaults 5e6 and 3).
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
#define WARMUP_MIN 1000000
#define SEED 20240601UL
#define NQ 3              /* queues compared */

static uint64_t inc[TABLE]; /* increments, ps */

static double now_s(void)
{
	struct timespec ts;

	/* CPU time of this thread: time the scheduler gives to the other
	 * jobs of a shared machine is not counted (it is equal to the wall
	 * time on an idle one) */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- the queues under test, as a small table of operations ------------- */

struct queue {
	const char *name;
	int (*setup)(struct queue *q, size_t n, gsl_rng *r); /* 0 or -1 */
	void (*holds)(struct queue *q, uint64_t count);
	void (*teardown)(struct queue *q);
	void *state;
};

/* ---- ridgeline engine ---------------------------------------------------- */

struct hold {
	struct sim_engine *e;
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

static void engine_holds(struct queue *q, uint64_t count)
{
	struct hold *h = q->state;

	h->left = count;
	sim_engine_run(h->e);
}

static int engine_setup(struct queue *q, size_t n, gsl_rng *r)
{
	struct hold *h = calloc(1, sizeof *h);

	if (!h)
		return -1;
	q->state = h;
	h->e = sim_engine_new(n);
	if (!h->e)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!sim_engine_schedule(h->e,
					 (sim_time_t)gsl_ran_exponential(r, MEAN_PS),
					 hold_fn, h, i))
			return -1;
	return 0;
}

static void engine_teardown(struct queue *q)
{
	struct hold *h = q->state;

	if (!h)
		return;
	sim_engine_free(h->e);
	free(h);
}

/* ---- plain heaps of inline keys, arity D --------------------------------- */

struct key {
	uint64_t t;   /* time, ps */
	uint64_t seq; /* insertion order */
};

struct plain {
	struct key *h; /* the heap, root at h[0] */
	size_t n;      /* keys */
	uint64_t seq;  /* next insertion sequence */
	uint32_t k;    /* next increment */
};

static inline int less(const struct key *a, const struct key *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static inline void push(struct plain *p, struct key k, size_t d)
{
	struct key *h = p->h;
	size_t i = p->n++;

	while (i > 0) {
		size_t up = (i - 1) / d;

		if (!less(&k, &h[up]))
			break;
		h[i] = h[up];
		i = up;
	}
	h[i] = k;
}

static inline struct key pop(struct plain *p, size_t d)
{
	struct key *h = p->h;
	struct key top = h[0], last = h[--p->n];
	size_t n = p->n, i = 0;

	for (;;) {
		size_t c = d * i + 1, m = c, end = c + d;

		if (c >= n)
			break;
		if (end > n)
			end = n;
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

static int plain_setup(struct queue *q, size_t n, gsl_rng *r, size_t d)
{
	struct plain *p = calloc(1, sizeof *p);

	if (!p)
		return -1;
	q->state = p;
	p->h = malloc(n * sizeof *p->h);
	if (!p->h)
		return -1;
	for (size_t i = 0; i < n; i++)
		push(p, (struct key){(uint64_t)gsl_ran_exponential(r, MEAN_PS),
				     p->seq++}, d);
	return 0;
}

/* d is a constant at each call site, so each arity gets its own code. */
static inline void plain_holds(struct queue *q, uint64_t count, size_t d)
{
	struct plain *p = q->state;

	for (uint64_t i = 0; i < count; i++) {
		struct key top = pop(p, d);

		push(p, (struct key){top.t + inc[p->k++ & (TABLE - 1)],
				     p->seq++}, d);
	}
}

static void plain_teardown(struct queue *q)
{
	struct plain *p = q->state;

	if (!p)
		return;
	free(p->h);
	free(p);
}

static int binary_setup(struct queue *q, size_t n, gsl_rng *r)
{
	return plain_setup(q, n, r, 2);
}

static void binary_holds(struct queue *q, uint64_t count)
{
	plain_holds(q, count, 2);
}

static int quad_setup(struct queue *q, size_t n, gsl_rng *r)
{
	return plain_setup(q, n, r, 4);
}

static void quad_holds(struct queue *q, uint64_t count)
{
	plain_holds(q, count, 4);
}

static double run_ns(struct queue *q, uint64_t count)
{
	double t0 = now_s();

	q->holds(q, count);
	return (now_s() - t0) * 1e9 / (double)count;
}

int main(int argc, char **argv)
{
	const size_t sizes[] = {1000, 100000, 1000000};
	struct queue qs[NQ] = {
		{"ridgeline", engine_setup, engine_holds, engine_teardown, 0},
		{"binary heap", binary_setup, binary_holds, plain_teardown, 0},
		{"4-ary heap", quad_setup, quad_holds, plain_teardown, 0},
	};
	uint64_t holds = argc > 1 ? strtoull(argv[1], NULL, 10) : 5000000;
	int reps = argc > 2 ? atoi(argv[2]) : 3;
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	int rc = 0;

	if (!r || holds == 0 || reps < 1) {
		fprintf(stderr, "usage: bench_hold [holds_per_run [runs]]\n");
		return 2;
	}
	gsl_rng_set(r, SEED);
	for (unsigned i = 0; i < TABLE; i++)
		inc[i] = (uint64_t)gsl_ran_exponential(r, MEAN_PS);

	printf("hold model: pop min + schedule at now + Exp(%.0f ps); "
	       "ns per hold, best of %d runs of %llu holds\n",
	       MEAN_PS, reps, (unsigned long long)holds);
	printf("%9s  %12s  %12s  %12s  %16s\n", "N", qs[0].name, qs[1].name,
	       qs[2].name, "ridgeline/binary");
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes && !rc; i++) {
		size_t n = sizes[i];
		uint64_t warm = n > WARMUP_MIN ? n : WARMUP_MIN;
		double best[NQ];

		for (int j = 0; j < NQ; j++) {
			gsl_rng_set(r, SEED + i); /* the same prefill for all */
			qs[j].state = NULL;
			if (qs[j].setup(&qs[j], n, r)) {
				fprintf(stderr, "bench_hold: out of memory at "
					"N=%zu\n", n);
				rc = 1;
			}
			best[j] = 1e300;
		}
		/* rounds interleave the queues, so that a noisy moment of the
		 * machine does not fall on one of them only */
		for (int j = 0; j < NQ && !rc; j++)
			qs[j].holds(&qs[j], warm);
		for (int rep = 0; rep < reps && !rc; rep++)
			for (int j = 0; j < NQ; j++) {
				double ns = run_ns(&qs[j], holds);

				if (ns < best[j])
					best[j] = ns;
			}
		if (!rc)
			printf("%9zu  %12.1f  %12.1f  %12.1f  %16.2f\n", n,
			       best[0], best[1], best[2], best[0] / best[1]);
		fflush(stdout);
		for (int j = 0; j < NQ; j++)
			qs[j].teardown(&qs[j]);
	}
	gsl_rng_free(r);
	return rc;
}
