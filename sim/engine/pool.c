/*
 * pool.c — a counted resource with a FIFO of waiters (see pool.h).
 *
 * Invariants: in_use <= capacity; waiters exist only when in_use ==
 * capacity (a released slot passes straight to the first waiter, so it is
 * never seen free while someone waits). busy_slot_ps integrates in_use
 * over [0, last_change]; the utilization adds the open interval up to now.
 * Cost: O(1) per acquire/release, amortized over the ring's doublings.
 */
#include "sim/engine/pool.h"

#include <assert.h>
#include <stdlib.h>

#define MIN_QCAP 16 /* waiters allocated on the first wait */

int sim_pool_init(struct sim_pool *p, unsigned capacity)
{
	if (capacity == 0)
		return -1;
	p->capacity = capacity;
	p->in_use = 0;
	p->q = NULL;
	p->qcap = p->qhead = p->qlen = 0;
	p->busy_slot_ps = 0.0;
	p->last_change = 0;
	p->acquisitions = 0;
	p->wait_ps = 0.0;
	return 0;
}

void sim_pool_destroy(struct sim_pool *p)
{
	if (!p)
		return;
	free(p->q);
	p->q = NULL;
	p->qcap = p->qhead = p->qlen = 0;
}

/* Close the interval [last_change, now] of the in_use integral. */
static void account(struct sim_pool *p, sim_time_t now)
{
	assert(now >= p->last_change);
	p->busy_slot_ps += (double)p->in_use * (double)(now - p->last_change);
	p->last_change = now;
}

/* Double the ring, unrolling it so the head is at 0. 0 or -1. */
static int grow(struct sim_pool *p)
{
	size_t ncap = p->qcap ? 2 * p->qcap : MIN_QCAP;
	struct sim_pool_waiter *q = malloc(ncap * sizeof *q);

	if (!q)
		return -1;
	for (size_t i = 0; i < p->qlen; i++)
		q[i] = p->q[(p->qhead + i) % p->qcap];
	free(p->q);
	p->q = q;
	p->qcap = ncap;
	p->qhead = 0;
	return 0;
}

int sim_pool_acquire(struct sim_pool *p, struct sim_engine *e,
		     sim_handler_fn fn, void *ctx, uint64_t arg)
{
	sim_time_t now = sim_engine_now(e);

	if (p->in_use < p->capacity) {
		assert(p->qlen == 0);
		account(p, now);
		p->in_use++;
		p->acquisitions++;
		return 1;
	}
	if (p->qlen == p->qcap && grow(p))
		return -1;
	p->q[(p->qhead + p->qlen) % p->qcap] =
		(struct sim_pool_waiter){fn, ctx, arg, now};
	p->qlen++;
	return 0;
}

void sim_pool_release(struct sim_pool *p, struct sim_engine *e)
{
	sim_time_t now = sim_engine_now(e);

	assert(p->in_use > 0);
	if (p->qlen > 0) {
		/* the slot changes hands: in_use is unchanged */
		struct sim_pool_waiter w = p->q[p->qhead];
		sim_event_id id;

		p->qhead = (p->qhead + 1) % p->qcap;
		p->qlen--;
		p->acquisitions++;
		p->wait_ps += (double)(now - w.since);
		/* fails only if the engine's pool cannot grow (no memory) */
		id = sim_engine_schedule(e, now, w.fn, w.ctx, w.arg);
		assert(id != SIM_EVENT_NONE);
		(void)id;
		return;
	}
	account(p, now);
	p->in_use--;
}

double sim_pool_utilization(const struct sim_pool *p, sim_time_t now)
{
	double busy;

	if (now == 0)
		return 0.0;
	busy = p->busy_slot_ps;
	if (now > p->last_change)
		busy += (double)p->in_use * (double)(now - p->last_change);
	return busy / ((double)p->capacity * (double)now);
}
