/*
 * check_engine.c — the discrete-event engine: event order, determinism,
 * cancel, run_until/stop, the bandwidth server, the slot pool, statistics.
 *
 * Every expected number is derived by hand in the comment next to it (or,
 * for random schedules, by sorting the schedule independently of the heap).
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "sim/engine/engine.h"
#include "sim/engine/pool.h"
#include "sim/engine/server.h"
#include "sim/engine/stats.h"

/* ---- a trace of handled events ------------------------------------------ */

#define TRACE_MAX 8192

struct trace {
	size_t n;
	sim_time_t t[TRACE_MAX];
	uint64_t arg[TRACE_MAX];
};

static void record(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct trace *tr = ctx;

	ck_assert_uint_lt(tr->n, TRACE_MAX);
	tr->t[tr->n] = sim_engine_now(e);
	tr->arg[tr->n] = arg;
	tr->n++;
}

static struct trace *trace_new(void)
{
	struct trace *tr = calloc(1, sizeof *tr);

	ck_assert_ptr_nonnull(tr);
	return tr;
}

/* FNV-1a, 64 bit, over the bytes of (time, arg) of each event. */
static uint64_t fnv(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++) {
		h ^= (v >> (8 * i)) & 0xff;
		h *= 0x100000001b3ULL;
	}
	return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

/* ---- event order ---------------------------------------------------------- */

START_TEST(test_equal_times_run_in_schedule_order)
{
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();
	/* times of events 0..5; sorted by (time, schedule order):
	 * 10:1,3,5  20:2  30:0,4 */
	const sim_time_t t[6] = {30, 10, 20, 10, 30, 10};
	const uint64_t want[6] = {1, 3, 5, 2, 0, 4};

	for (uint64_t i = 0; i < 6; i++)
		ck_assert_uint_ne(sim_engine_schedule(e, t[i], record, tr, i),
				  SIM_EVENT_NONE);
	ck_assert_uint_eq(sim_engine_run(e), 6);
	ck_assert_uint_eq(tr->n, 6);
	for (int i = 0; i < 6; i++)
		ck_assert_uint_eq(tr->arg[i], want[i]);
	ck_assert_uint_eq(sim_engine_now(e), 30);
	free(tr);
	sim_engine_free(e);
}
END_TEST

struct ev {
	sim_time_t t;
	uint64_t i;
};

static int ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* 5000 events (the pool starts at 1024 and must grow twice), times drawn
 * from 300 values so that ties are common; the expected order is a plain
 * qsort of (time, index). */
START_TEST(test_random_schedule_runs_in_sorted_order_across_growth)
{
	enum { N = 5000 };
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();
	struct ev *ev = malloc(N * sizeof *ev);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_rng_set(r, 12345);
	for (uint64_t i = 0; i < N; i++) {
		ev[i].t = gsl_rng_uniform_int(r, 300) * 7;
		ev[i].i = i;
		sim_engine_schedule(e, ev[i].t, record, tr, i);
	}
	ck_assert_uint_eq(sim_engine_pending(e), N);
	qsort(ev, N, sizeof *ev, ev_cmp);
	ck_assert_uint_eq(sim_engine_run(e), N);
	ck_assert_uint_eq(tr->n, N);
	for (int i = 0; i < N; i++) {
		ck_assert_uint_eq(tr->t[i], ev[i].t);
		ck_assert_uint_eq(tr->arg[i], ev[i].i);
	}
	ck_assert_uint_eq(sim_engine_pending(e), 0);
	gsl_rng_free(r);
	free(ev);
	free(tr);
	sim_engine_free(e);
}
END_TEST

struct sorted_check {
	const struct ev *want; /* expected order */
	size_t next;           /* events seen */
	size_t bad;            /* events out of order */
};

static void check_sorted(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct sorted_check *c = ctx;
	const struct ev *w = &c->want[c->next++];

	c->bad += w->t != sim_engine_now(e) || w->i != arg;
}

/* 300000 pending events: the heap and the pool pass 2 MiB (the huge-page
 * path) and the heap is 9 levels deep; order still matches a qsort. */
START_TEST(test_large_queue_runs_in_sorted_order)
{
	enum { N = 300000 };
	struct sim_engine *e = sim_engine_new(N);
	struct ev *ev = malloc(N * sizeof *ev);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	struct sorted_check c = {ev, 0, 0};

	ck_assert_ptr_nonnull(e);
	gsl_rng_set(r, 99);
	for (uint64_t i = 0; i < N; i++) {
		ev[i].t = gsl_rng_uniform_int(r, 100000);
		ev[i].i = i;
		ck_assert_uint_ne(sim_engine_schedule(e, ev[i].t, check_sorted,
						      &c, i),
				  SIM_EVENT_NONE);
	}
	qsort(ev, N, sizeof *ev, ev_cmp);
	ck_assert_uint_eq(sim_engine_run(e), N);
	ck_assert_uint_eq(c.next, N);
	ck_assert_uint_eq(c.bad, 0);
	gsl_rng_free(r);
	free(ev);
	sim_engine_free(e);
}
END_TEST

/* When the 36-bit sequence space runs out the pending keys are renumbered;
 * ties must keep their schedule order across the boundary. */
START_TEST(test_sequence_renumbering_keeps_tie_order)
{
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();

	sim_engine_debug_set_seq(e, SIM_ENGINE_SEQ_LIMIT - 3);
	/* args 0..7 at time 50, interleaved with args 100, 101 at 40, 60;
	 * the renumbering happens at the 4th schedule. Expected: 100, then
	 * 0..7 in order, then 101. */
	sim_engine_schedule(e, 50, record, tr, 0);
	sim_engine_schedule(e, 60, record, tr, 101);
	sim_engine_schedule(e, 50, record, tr, 1);
	sim_engine_schedule(e, 50, record, tr, 2);
	sim_engine_schedule(e, 40, record, tr, 100);
	for (uint64_t i = 3; i < 8; i++)
		sim_engine_schedule(e, 50, record, tr, i);
	ck_assert_uint_eq(sim_engine_run(e), 10);
	ck_assert_uint_eq(tr->arg[0], 100);
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(tr->arg[1 + i], i);
	ck_assert_uint_eq(tr->arg[9], 101);
	free(tr);
	sim_engine_free(e);
}
END_TEST

/* ---- determinism ------------------------------------------------------- */

struct churn {
	gsl_rng *r;
	uint64_t hash;
	uint64_t handled;
	uint64_t budget;        /* stop scheduling follow-ups after this */
	sim_event_id ids[64];   /* recent ids, some to be cancelled */
	uint64_t next_arg;
};

/* Records the event, then (driven by the rng, in handler order, so itself
 * deterministic) schedules 0-3 follow-ups, some at the same time, and
 * cancels a recent id now and then (it may have run already: then the
 * cancel fails, which is part of the trace too). */
static void churn_handler(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct churn *c = ctx;
	unsigned k;

	c->hash = fnv(fnv(c->hash, sim_engine_now(e)), arg);
	c->handled++;
	if (c->handled >= c->budget)
		return;
	k = (unsigned)gsl_rng_uniform_int(c->r, 4); /* mean 1.5: grows */
	for (unsigned i = 0; i < k; i++) {
		sim_time_t d = gsl_rng_uniform_int(c->r, 4) == 0 ?
				       0 : gsl_rng_uniform_int(c->r, 1000);

		c->ids[c->next_arg % 64] =
			sim_engine_after(e, d, churn_handler, c, c->next_arg);
		c->next_arg++;
	}
	if (gsl_rng_uniform_int(c->r, 8) == 0) {
		int rc = sim_engine_cancel(
			e, c->ids[gsl_rng_uniform_int(c->r, 64)]);

		c->hash = fnv(c->hash, (uint64_t)(rc + 1));
	}
}

static uint64_t churn_run(struct sim_engine *e, unsigned long seed,
			  uint64_t *handled)
{
	struct churn c = {0};

	c.r = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(c.r, seed);
	c.hash = FNV_INIT;
	c.budget = 50000;
	for (int i = 0; i < 2000; i++) {
		c.ids[c.next_arg % 64] = sim_engine_schedule(
			e, gsl_rng_uniform_int(c.r, 500), churn_handler, &c,
			c.next_arg);
		c.next_arg++;
	}
	sim_engine_run(e);
	gsl_rng_free(c.r);
	*handled = c.handled;
	return c.hash;
}

START_TEST(test_same_schedule_gives_same_trace_hash)
{
	struct sim_engine *a = sim_engine_new(0), *b = sim_engine_new(64);
	uint64_t na, nb, nc, nd;
	uint64_t ha = churn_run(a, 2024, &na);
	uint64_t hb = churn_run(b, 2024, &nb);
	uint64_t hc, hd;

	ck_assert_uint_ge(na, 50000); /* the workload is not trivial */
	ck_assert_uint_eq(ha, hb);
	ck_assert_uint_eq(na, nb);
	/* after a reset the same engine replays it identically */
	sim_engine_reset(a);
	hc = churn_run(a, 2024, &nc);
	ck_assert_uint_eq(hc, ha);
	ck_assert_uint_eq(nc, na);
	/* and the hash does see the schedule */
	sim_engine_reset(b);
	hd = churn_run(b, 2025, &nd);
	ck_assert_uint_ne(hd, ha);
	sim_engine_free(a);
	sim_engine_free(b);
}
END_TEST

/* The hash of a static random schedule equals the hash of the same events
 * sorted by (time, schedule order) outside the engine. */
START_TEST(test_trace_hash_matches_sorted_schedule)
{
	enum { N = 3000 };
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();
	struct ev *ev = malloc(N * sizeof *ev);
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	uint64_t want = FNV_INIT, got = FNV_INIT;

	gsl_rng_set(r, 7);
	for (uint64_t i = 0; i < N; i++) {
		ev[i].t = gsl_rng_uniform_int(r, 1000);
		ev[i].i = i;
		sim_engine_schedule(e, ev[i].t, record, tr, i);
	}
	qsort(ev, N, sizeof *ev, ev_cmp);
	for (int i = 0; i < N; i++)
		want = fnv(fnv(want, ev[i].t), ev[i].i);
	sim_engine_run(e);
	for (size_t i = 0; i < tr->n; i++)
		got = fnv(fnv(got, tr->t[i]), tr->arg[i]);
	ck_assert_uint_eq(got, want);
	gsl_rng_free(r);
	free(ev);
	free(tr);
	sim_engine_free(e);
}
END_TEST

/* ---- cancel ---------------------------------------------------------------- */

START_TEST(test_cancelled_event_never_runs)
{
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();
	sim_event_id id;

	sim_engine_schedule(e, 10, record, tr, 1);
	id = sim_engine_schedule(e, 20, record, tr, 2);
	sim_engine_schedule(e, 30, record, tr, 3);
	ck_assert_int_eq(sim_engine_cancel(e, id), 0);
	ck_assert_uint_eq(sim_engine_pending(e), 2);
	ck_assert_uint_eq(sim_engine_run(e), 2);
	ck_assert_uint_eq(tr->n, 2);
	ck_assert_uint_eq(tr->arg[0], 1);
	ck_assert_uint_eq(tr->arg[1], 3);
	ck_assert_uint_eq(sim_engine_events_run(e), 2);
	free(tr);
	sim_engine_free(e);
}
END_TEST

START_TEST(test_cancelling_twice_fails)
{
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();
	sim_event_id id = sim_engine_schedule(e, 5, record, tr, 0);

	ck_assert_int_eq(sim_engine_cancel(e, id), 0);
	ck_assert_int_eq(sim_engine_cancel(e, id), -1);
	ck_assert_uint_eq(sim_engine_pending(e), 0);
	ck_assert_uint_eq(sim_engine_run(e), 0);
	ck_assert_uint_eq(tr->n, 0);
	ck_assert_int_eq(sim_engine_cancel(e, id), -1);
	ck_assert_int_eq(sim_engine_cancel(e, SIM_EVENT_NONE), -1);
	free(tr);
	sim_engine_free(e);
}
END_TEST

/* An event's slot is recycled for the next schedule; the old id must not
 * cancel the new event. */
START_TEST(test_stale_id_after_recycle_fails)
{
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();
	sim_event_id a, b, c;

	a = sim_engine_schedule(e, 1, record, tr, 1);
	ck_assert_uint_eq(sim_engine_run(e), 1);
	ck_assert_int_eq(sim_engine_cancel(e, a), -1); /* already ran */
	b = sim_engine_schedule(e, 2, record, tr, 2);
	ck_assert_uint_ne(a, b);
	ck_assert_int_eq(sim_engine_cancel(e, a), -1);
	/* the same through cancel: c reuses b's slot after b is dropped */
	ck_assert_int_eq(sim_engine_cancel(e, b), 0);
	ck_assert_uint_eq(sim_engine_run(e), 0);
	c = sim_engine_schedule(e, 3, record, tr, 3);
	ck_assert_uint_ne(c, b);
	ck_assert_int_eq(sim_engine_cancel(e, b), -1);
	ck_assert_uint_eq(sim_engine_run(e), 1);
	ck_assert_uint_eq(tr->n, 2);
	ck_assert_uint_eq(tr->arg[1], 3);
	free(tr);
	sim_engine_free(e);
}
END_TEST

static sim_event_id self_id;
static int self_cancel_rc;

static void cancel_self(struct sim_engine *e, void *ctx, uint64_t arg)
{
	(void)ctx;
	(void)arg;
	self_cancel_rc = sim_engine_cancel(e, self_id);
}

START_TEST(test_handler_cannot_cancel_itself)
{
	struct sim_engine *e = sim_engine_new(0);

	self_id = sim_engine_schedule(e, 4, cancel_self, NULL, 0);
	self_cancel_rc = 99;
	ck_assert_uint_eq(sim_engine_run(e), 1);
	ck_assert_int_eq(self_cancel_rc, -1);
	sim_engine_free(e);
}
END_TEST

START_TEST(test_reset_drops_pending_events_and_their_ids)
{
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();
	sim_event_id id;

	sim_engine_schedule(e, 10, record, tr, 1);
	id = sim_engine_schedule(e, 20, record, tr, 2);
	sim_engine_run_until(e, 15);
	ck_assert_uint_eq(sim_engine_now(e), 15);
	sim_engine_reset(e);
	ck_assert_uint_eq(sim_engine_now(e), 0);
	ck_assert_uint_eq(sim_engine_pending(e), 0);
	ck_assert_uint_eq(sim_engine_events_run(e), 0);
	ck_assert_int_eq(sim_engine_cancel(e, id), -1);
	sim_engine_schedule(e, 3, record, tr, 3);
	ck_assert_uint_eq(sim_engine_run(e), 1);
	ck_assert_uint_eq(tr->n, 2);
	ck_assert_uint_eq(tr->arg[1], 3);
	ck_assert_uint_eq(tr->t[1], 3);
	free(tr);
	sim_engine_free(e);
}
END_TEST

/* ---- run_until, stop, after --------------------------------------------- */

START_TEST(test_run_until_runs_events_up_to_t_and_sets_clock)
{
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();

	sim_engine_schedule(e, 10, record, tr, 10);
	sim_engine_schedule(e, 20, record, tr, 20);
	sim_engine_schedule(e, 30, record, tr, 30);
	/* events at 10 and 20 are <= 25 */
	ck_assert_uint_eq(sim_engine_run_until(e, 25), 2);
	ck_assert_uint_eq(sim_engine_now(e), 25);
	ck_assert_uint_eq(sim_engine_pending(e), 1);
	ck_assert_uint_eq(sim_engine_run_until(e, 25), 0);
	/* an event exactly at t runs */
	ck_assert_uint_eq(sim_engine_run_until(e, 30), 1);
	ck_assert_uint_eq(sim_engine_now(e), 30);
	/* an empty queue still advances the clock */
	ck_assert_uint_eq(sim_engine_run_until(e, 1000), 0);
	ck_assert_uint_eq(sim_engine_now(e), 1000);
	/* the past runs nothing and keeps the clock */
	ck_assert_uint_eq(sim_engine_run_until(e, 500), 0);
	ck_assert_uint_eq(sim_engine_now(e), 1000);
	ck_assert_uint_eq(sim_engine_events_run(e), 3);
	free(tr);
	sim_engine_free(e);
}
END_TEST

static void stop_now(struct sim_engine *e, void *ctx, uint64_t arg)
{
	record(e, ctx, arg);
	sim_engine_stop(e);
}

START_TEST(test_stop_returns_after_current_handler)
{
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();

	sim_engine_schedule(e, 10, stop_now, tr, 1);
	sim_engine_schedule(e, 10, record, tr, 2);
	sim_engine_schedule(e, 20, record, tr, 3);
	ck_assert_uint_eq(sim_engine_run(e), 1);
	ck_assert_uint_eq(sim_engine_now(e), 10);
	ck_assert_uint_eq(sim_engine_pending(e), 2);
	/* run_until interrupted by stop keeps the handler's time */
	sim_engine_schedule(e, 15, stop_now, tr, 4);
	ck_assert_uint_eq(sim_engine_run_until(e, 100), 2); /* 2, then 4 */
	ck_assert_uint_eq(sim_engine_now(e), 15);
	ck_assert_uint_eq(sim_engine_run(e), 1);
	ck_assert_uint_eq(sim_engine_now(e), 20);
	ck_assert_uint_eq(tr->n, 4);
	ck_assert_uint_eq(tr->arg[1], 2);
	ck_assert_uint_eq(tr->arg[2], 4);
	ck_assert_uint_eq(tr->arg[3], 3);
	free(tr);
	sim_engine_free(e);
}
END_TEST

static void reschedule_after_7(struct sim_engine *e, void *ctx, uint64_t arg)
{
	record(e, ctx, arg);
	if (arg < 3)
		sim_engine_after(e, 7, reschedule_after_7, ctx, arg + 1);
}

START_TEST(test_after_is_relative_to_the_handler_time)
{
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();

	sim_engine_schedule(e, 100, reschedule_after_7, tr, 0);
	ck_assert_uint_eq(sim_engine_run(e), 4);
	/* 100, 107, 114, 121 */
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(tr->t[i], 100 + 7 * i);
	/* a delay past the end of time saturates */
	ck_assert_uint_ne(sim_engine_after(e, SIM_TIME_MAX, record, tr, 9),
			  SIM_EVENT_NONE);
	ck_assert_uint_eq(sim_engine_run(e), 1);
	ck_assert_uint_eq(tr->t[4], SIM_TIME_MAX);
	free(tr);
	sim_engine_free(e);
}
END_TEST

/* ---- server ------------------------------------------------------------------ */

/* rate 1 B/ps (1e12 B/s), latency 10 ps, three 100 B requests arriving at
 * 0, 0, 5: starts 0, 100, 200; service ends 100, 200, 300; completions
 * 110, 210, 310; waits 0, 100, 195, mean 295/3 = 98.333..., sample
 * variance (0² + 100² + 195² - 295²/3) / 2 = (48025 - 29008.33) / 2
 * = 28525/3 = 9508.33. */
START_TEST(test_server_fifo_queueing_matches_hand_computation)
{
	struct sim_server sv;

	sim_server_init(&sv, 1e12, 10, 1);
	ck_assert_uint_eq(sim_server_request(&sv, 0, 100), 110);
	ck_assert_uint_eq(sim_server_request(&sv, 0, 100), 210);
	ck_assert_uint_eq(sim_server_request(&sv, 5, 100), 310);
	ck_assert_uint_eq(sv.free_at, 300);
	ck_assert_uint_eq(sv.requests, 3);
	ck_assert_double_eq_tol(sv.bytes, 300.0, 1e-9);
	ck_assert_double_eq_tol(sv.busy_ps, 300.0, 1e-9);
	ck_assert_uint_eq(sv.wait.n, 3);
	ck_assert_double_eq_tol(sim_stats_mean(&sv.wait), 295.0 / 3, 1e-9);
	ck_assert_double_eq_tol(sim_stats_variance(&sv.wait), 28525.0 / 3,
				1e-6);
	ck_assert_double_eq_tol(sv.wait.max, 195.0, 1e-12);
	/* median of {0, 100, 195} */
	ck_assert_double_eq_tol(sim_stats_percentile(&sv.wait, 0.5), 100.0,
				1e-12);
	sim_server_destroy(&sv);
}
END_TEST

/* Without queueing statistics the timing is the same hand-computed FIFO
 * (rate 1 B/ps, latency 10: arrivals 0, 0, 5 of 100 B complete at 110,
 * 210, 310) and busy time is still kept; no wait, request or byte is
 * counted. */
START_TEST(test_server_without_wait_stats_times_the_same)
{
	struct sim_server sv;

	sim_server_init(&sv, 1e12, 10, SIM_SERVER_NO_WAIT_STATS);
	ck_assert_uint_eq(sim_server_request(&sv, 0, 100), 110);
	ck_assert_uint_eq(sim_server_request(&sv, 0, 100), 210);
	ck_assert_uint_eq(sim_server_request(&sv, 5, 100), 310);
	ck_assert_double_eq_tol(sv.busy_ps, 300.0, 1e-9);
	ck_assert_uint_eq(sv.requests, 0);
	ck_assert_double_eq(sv.bytes, 0);
	ck_assert_uint_eq(sv.wait.n, 0);
	sim_server_destroy(&sv);
}
END_TEST

/* An arrival after the link went idle starts at once: 64 B at 2 B/ps
 * (2e12 B/s) = 32 ps, latency 5. Arrival 0 → done 37; arrival 1000 →
 * service 1000..1032, done 1037, wait 0. */
START_TEST(test_server_idle_link_serves_arrival_without_wait)
{
	struct sim_server sv;

	sim_server_init(&sv, 2e12, 5, 0);
	ck_assert_uint_eq(sim_server_request(&sv, 0, 64), 37);
	ck_assert_uint_eq(sim_server_request(&sv, 1000, 64), 1037);
	ck_assert_double_eq_tol(sim_stats_mean(&sv.wait), 0.0, 1e-12);
	ck_assert(isnan(sim_stats_percentile(&sv.wait, 0.5)));
	sim_server_destroy(&sv);
}
END_TEST

/* A background transfer fills the idle time since `since`: rate 1 B/ps,
 * latency 10; requests of 100 B at 0 and 500 keep the link busy 0..100
 * and 500..600 (free_at 600, busy 200, idle 400 since 0). A fill of
 * 300 B fits (busy 500 <= 600): done by 600, nothing moves. Another
 * 300 B does not (busy 800 > 600): the link's work now ends at
 * 0 + 800, done 810, and a request at 700 waits until 800. */
START_TEST(test_server_fill_idle_uses_gaps_then_extends)
{
	struct sim_server sv;

	sim_server_init(&sv, 1e12, 10, SIM_SERVER_NO_WAIT_STATS);
	ck_assert_uint_eq(sim_server_request(&sv, 0, 100), 110);
	ck_assert_uint_eq(sim_server_request(&sv, 500, 100), 610);
	ck_assert_uint_eq(sim_server_fill_idle(&sv, 0, 300), 600);
	ck_assert_uint_eq(sv.free_at, 600);
	ck_assert_uint_eq(sim_server_fill_idle(&sv, 0, 300), 810);
	ck_assert_uint_eq(sv.free_at, 800);
	ck_assert_double_eq_tol(sv.busy_ps, 800.0, 1e-9);
	ck_assert_uint_eq(sim_server_request(&sv, 700, 100), 910);
	sim_server_destroy(&sv);
}
END_TEST

/* 1000 back-to-back 1-byte requests at 0.3 B/ps: request k leaves the link
 * at ceil(k / 0.3) = ceil(10k / 3) = (10k + 2) / 3 in integers. Rounding
 * each request up on its own would give 4k instead (4000 at the end). */
START_TEST(test_server_rounding_carries_fractional_ps)
{
	struct sim_server sv;

	sim_server_init(&sv, 3e11, 0, 0);
	for (uint64_t k = 1; k <= 1000; k++)
		ck_assert_uint_eq(sim_server_request(&sv, 0, 1.0),
				  (10 * k + 2) / 3);
	ck_assert_uint_eq(sv.free_at, 3334);
	ck_assert_double_eq_tol(sv.busy_ps, 3334.0, 1e-9);
	sim_server_destroy(&sv);
}
END_TEST

/* 48.4 GB/s (an A100 HBM2e channel): 64 B takes 64 / 0.0484 = 1322.314 ps;
 * a million of them 1.322314e9 ps, rounded up: 1322314050 ps (the exact
 * total is 1322314049.586...). */
START_TEST(test_server_many_small_requests_do_not_drift)
{
	struct sim_server sv;
	sim_time_t done = 0;

	sim_server_init(&sv, 48.4e9, 0, 0);
	for (int k = 0; k < 1000000; k++)
		done = sim_server_request(&sv, 0, 64.0);
	ck_assert_uint_eq(done, 1322314050ULL);
	sim_server_destroy(&sv);
}
END_TEST

/* rate 1 B/ps: 100 B at 0 and 100 B at 300 → busy 200 ps; over 1000 ps
 * utilization 0.2. Two 100 B at 0: busy 0..200; at elapsed 150 the link has
 * been busy all along (1.0); at 400, 200/400 = 0.5. */
START_TEST(test_server_utilization_is_busy_over_elapsed)
{
	struct sim_server a, b;

	sim_server_init(&a, 1e12, 50, 0);
	sim_server_request(&a, 0, 100);
	sim_server_request(&a, 300, 100);
	ck_assert_double_eq_tol(sim_server_utilization(&a, 1000), 0.2, 1e-12);
	sim_server_init(&b, 1e12, 0, 0);
	sim_server_request(&b, 0, 100);
	sim_server_request(&b, 0, 100);
	ck_assert_double_eq_tol(sim_server_utilization(&b, 150), 1.0, 1e-12);
	ck_assert_double_eq_tol(sim_server_utilization(&b, 400), 0.5, 1e-12);
	sim_server_reset(&b);
	ck_assert_double_eq_tol(sim_server_utilization(&b, 400), 0.0, 1e-12);
	sim_server_destroy(&a);
	sim_server_destroy(&b);
}
END_TEST

static void submit_two(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct sim_server *sv = ctx;

	void *tr = (void *)(uintptr_t)arg;

	sim_server_submit(sv, e, 100, record, tr, 1);
	sim_server_submit(sv, e, 50, record, tr, 2);
}

/* Submitted at 40 at 1 B/ps, latency 10: 100 B done at 40+100+10 = 150,
 * 50 B after it at 40+150+10 = 200. */
START_TEST(test_server_submit_schedules_completion_events)
{
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();
	struct sim_server sv;

	sim_server_init(&sv, 1e12, 10, 0);
	sim_engine_schedule(e, 40, submit_two, &sv, (uint64_t)(uintptr_t)tr);
	ck_assert_uint_eq(sim_engine_run(e), 3);
	ck_assert_uint_eq(tr->n, 2);
	ck_assert_uint_eq(tr->t[0], 150);
	ck_assert_uint_eq(tr->arg[0], 1);
	ck_assert_uint_eq(tr->t[1], 200);
	ck_assert_uint_eq(tr->arg[1], 2);
	/* busy 150 of 200 ps */
	ck_assert_double_eq_tol(sim_server_utilization(&sv, 200), 0.75, 1e-12);
	sim_server_destroy(&sv);
	free(tr);
	sim_engine_free(e);
}
END_TEST

/* ---- pool ------------------------------------------------------------------- */

struct pool_script {
	struct sim_pool *p;
	struct trace *granted; /* (time, who) of each grant */
};

static void granted(struct sim_engine *e, void *ctx, uint64_t who)
{
	struct pool_script *s = ctx;

	record(e, s->granted, who);
}

static void do_acquire(struct sim_engine *e, void *ctx, uint64_t who)
{
	struct pool_script *s = ctx;

	if (sim_pool_acquire(s->p, e, granted, s, who) == 1)
		record(e, s->granted, who);
}

static void do_release(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct pool_script *s = ctx;

	(void)arg;
	sim_pool_release(s->p, e);
}

/* Capacity 2. Acquires: A(0) at 0, B(1) at 0, C(2) at 5, D(3) at 6,
 * E(4) at 7. Releases at 10, 20, 30, 40, 50.
 * Grants: A 0, B 0, C 10, D 20, E 30 — FIFO. Waits: C 5, D 14, E 23 → 42.
 * in_use is 2 from 0 to 40 (slots pass hand to hand), 1 from 40 to 50,
 * 0 after: 2·40 + 1·10 = 90 slot·ps; over [0, 100], 90 / 200 = 0.45. */
START_TEST(test_pool_grants_waiters_in_fifo_order)
{
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();
	struct sim_pool p;
	struct pool_script s = {&p, tr};
	const sim_time_t at[5] = {0, 0, 5, 6, 7};
	const sim_time_t want[5] = {0, 0, 10, 20, 30};

	ck_assert_int_eq(sim_pool_init(&p, 2), 0);
	for (uint64_t i = 0; i < 5; i++)
		sim_engine_schedule(e, at[i], do_acquire, &s, i);
	for (int i = 1; i <= 5; i++)
		sim_engine_schedule(e, 10 * i, do_release, &s, 0);
	sim_engine_run_until(e, 100);
	ck_assert_uint_eq(tr->n, 5);
	for (int i = 0; i < 5; i++) {
		ck_assert_uint_eq(tr->arg[i], i);
		ck_assert_uint_eq(tr->t[i], want[i]);
	}
	ck_assert_uint_eq(p.acquisitions, 5);
	ck_assert_uint_eq(p.in_use, 0);
	ck_assert_uint_eq(p.qlen, 0);
	ck_assert_double_eq_tol(p.wait_ps, 42.0, 1e-12);
	ck_assert_double_eq_tol(sim_pool_utilization(&p, 100), 0.45, 1e-12);
	sim_pool_destroy(&p);
	free(tr);
	sim_engine_free(e);
}
END_TEST

/* Capacity 4, no waiters: one slot from 0, a second from 10, both held;
 * at 30 one is released. Integral to 50: 1·10 + 2·20 + 1·20 = 70 slot·ps
 * of 4·50 = 200 → 0.35; while still open at 20: (10 + 20) / 80 = 0.375. */
START_TEST(test_pool_utilization_integrates_slots_in_use)
{
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();
	struct sim_pool p;
	struct pool_script s = {&p, tr};

	ck_assert_int_eq(sim_pool_init(&p, 4), 0);
	sim_engine_schedule(e, 0, do_acquire, &s, 0);
	sim_engine_schedule(e, 10, do_acquire, &s, 1);
	sim_engine_schedule(e, 30, do_release, &s, 0);
	sim_engine_run_until(e, 20);
	ck_assert_double_eq_tol(sim_pool_utilization(&p, 20), 0.375, 1e-12);
	sim_engine_run_until(e, 50);
	ck_assert_double_eq_tol(sim_pool_utilization(&p, 50), 0.35, 1e-12);
	ck_assert_uint_eq(p.in_use, 1);
	ck_assert_int_eq(sim_pool_init(&p, 0), -1);
	sim_pool_destroy(&p);
	free(tr);
	sim_engine_free(e);
}
END_TEST

/* 100 waiters on a 1-slot pool (the ring grows past its first 16) are
 * granted in arrival order, one per release. */
START_TEST(test_pool_waiter_ring_grows_and_keeps_order)
{
	struct sim_engine *e = sim_engine_new(0);
	struct trace *tr = trace_new();
	struct sim_pool p;
	struct pool_script s = {&p, tr};

	ck_assert_int_eq(sim_pool_init(&p, 1), 0);
	for (uint64_t i = 0; i < 101; i++)
		sim_engine_schedule(e, i, do_acquire, &s, i);
	for (uint64_t i = 0; i < 101; i++)
		sim_engine_schedule(e, 1000 + i, do_release, &s, 0);
	sim_engine_run(e);
	ck_assert_uint_eq(tr->n, 101);
	for (int i = 0; i < 101; i++)
		ck_assert_uint_eq(tr->arg[i], i);
	/* grant i (i >= 1) at release i-1, time 999 + i */
	ck_assert_uint_eq(tr->t[100], 1099);
	sim_pool_destroy(&p);
	free(tr);
	sim_engine_free(e);
}
END_TEST

/* ---- stats ------------------------------------------------------------------- */

/* {2,4,4,4,5,5,7,9}: mean 40/8 = 5; squared deviations 9+1+1+1+0+0+4+16
 * = 32; sample variance 32/7. */
START_TEST(test_stats_mean_and_variance_match_hand_computation)
{
	const double x[8] = {2, 4, 4, 4, 5, 5, 7, 9};
	struct sim_stats s;

	sim_stats_init(&s, 0);
	ck_assert_double_eq(sim_stats_variance(&s), 0.0);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(sim_stats_add(&s, x[i]), 0);
	ck_assert_uint_eq(s.n, 8);
	ck_assert_double_eq_tol(sim_stats_mean(&s), 5.0, 1e-12);
	ck_assert_double_eq_tol(sim_stats_variance(&s), 32.0 / 7, 1e-12);
	ck_assert_double_eq(s.min, 2.0);
	ck_assert_double_eq(s.max, 9.0);
	sim_stats_reset(&s);
	sim_stats_add(&s, 3.0);
	ck_assert_double_eq(sim_stats_mean(&s), 3.0);
	ck_assert_double_eq(sim_stats_variance(&s), 0.0);
	sim_stats_destroy(&s);
}
END_TEST

/* 1e9 + {4, 7, 13, 16}: mean 1e9 + 10, variance (36+9+9+36)/3 = 30; the
 * naive sum-of-squares formula loses this in the 1e18 squares. */
START_TEST(test_stats_variance_is_stable_at_large_offset)
{
	const double d[4] = {4, 7, 13, 16};
	struct sim_stats s;

	sim_stats_init(&s, 0);
	for (int i = 0; i < 4; i++)
		sim_stats_add(&s, 1e9 + d[i]);
	ck_assert_double_eq_tol(sim_stats_mean(&s), 1e9 + 10, 1e-6);
	ck_assert_double_eq_tol(sim_stats_variance(&s), 30.0, 1e-6);
	sim_stats_destroy(&s);
}
END_TEST

/* 1..10 added out of order. The p-quantile is x[(n-1)p] interpolated:
 * p=0.5 → rank 4.5 → (5+6)/2 = 5.5; p=0.9 → 8.1 → 9 + 0.1 = 9.1;
 * p=0.25 → 2.25 → 3.25; ends are min and max. */
START_TEST(test_stats_percentiles_interpolate_between_ranks)
{
	const double x[10] = {7, 3, 10, 1, 9, 2, 8, 5, 6, 4};
	struct sim_stats s;

	sim_stats_init(&s, 1);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(sim_stats_add(&s, x[i]), 0);
	ck_assert_double_eq_tol(sim_stats_percentile(&s, 0.5), 5.5, 1e-12);
	ck_assert_double_eq_tol(sim_stats_percentile(&s, 0.9), 9.1, 1e-12);
	ck_assert_double_eq_tol(sim_stats_percentile(&s, 0.25), 3.25, 1e-12);
	ck_assert_double_eq(sim_stats_percentile(&s, 0.0), 1.0);
	ck_assert_double_eq(sim_stats_percentile(&s, 1.0), 10.0);
	ck_assert(isnan(sim_stats_percentile(&s, 1.5)));
	/* a later sample re-sorts: 0 becomes the minimum */
	sim_stats_add(&s, 0.0);
	ck_assert_double_eq(sim_stats_percentile(&s, 0.0), 0.0);
	ck_assert_double_eq_tol(sim_stats_percentile(&s, 0.5), 5.0, 1e-12);
	sim_stats_destroy(&s);
}
END_TEST

START_TEST(test_stats_percentile_needs_kept_samples)
{
	struct sim_stats s;

	sim_stats_init(&s, 1);
	ck_assert(isnan(sim_stats_percentile(&s, 0.5))); /* empty */
	sim_stats_destroy(&s);
	sim_stats_init(&s, 0);
	sim_stats_add(&s, 1.0);
	ck_assert(isnan(sim_stats_percentile(&s, 0.5)));
	sim_stats_destroy(&s);
	sim_stats_destroy(NULL);
}
END_TEST

/* ---- suite ----------------------------------------------------------------- */

#define ADD(s, fn)                                  \
	do {                                        \
		TCase *tc = tcase_create(#fn);      \
		tcase_add_test(tc, fn);             \
		suite_add_tcase(s, tc);             \
	} while (0)

static Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");

	ADD(s, test_equal_times_run_in_schedule_order);
	ADD(s, test_random_schedule_runs_in_sorted_order_across_growth);
	ADD(s, test_large_queue_runs_in_sorted_order);
	ADD(s, test_sequence_renumbering_keeps_tie_order);
	ADD(s, test_same_schedule_gives_same_trace_hash);
	ADD(s, test_trace_hash_matches_sorted_schedule);
	ADD(s, test_cancelled_event_never_runs);
	ADD(s, test_cancelling_twice_fails);
	ADD(s, test_stale_id_after_recycle_fails);
	ADD(s, test_handler_cannot_cancel_itself);
	ADD(s, test_reset_drops_pending_events_and_their_ids);
	ADD(s, test_run_until_runs_events_up_to_t_and_sets_clock);
	ADD(s, test_stop_returns_after_current_handler);
	ADD(s, test_after_is_relative_to_the_handler_time);
	ADD(s, test_server_fifo_queueing_matches_hand_computation);
	ADD(s, test_server_without_wait_stats_times_the_same);
	ADD(s, test_server_idle_link_serves_arrival_without_wait);
	ADD(s, test_server_fill_idle_uses_gaps_then_extends);
	ADD(s, test_server_rounding_carries_fractional_ps);
	ADD(s, test_server_many_small_requests_do_not_drift);
	ADD(s, test_server_utilization_is_busy_over_elapsed);
	ADD(s, test_server_submit_schedules_completion_events);
	ADD(s, test_pool_grants_waiters_in_fifo_order);
	ADD(s, test_pool_utilization_integrates_slots_in_use);
	ADD(s, test_pool_waiter_ring_grows_and_keeps_order);
	ADD(s, test_stats_mean_and_variance_match_hand_computation);
	ADD(s, test_stats_variance_is_stable_at_large_offset);
	ADD(s, test_stats_percentiles_interpolate_between_ranks);
	ADD(s, test_stats_percentile_needs_kept_samples);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(engine_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
