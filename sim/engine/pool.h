/*
 * pool.h — a counted resource: `capacity` identical slots (CTA slots of an
 * SM, pipeline stages, MSHRs) and a FIFO of waiters.
 *
 * sim_pool_acquire() takes a slot now if one is free and calls nothing
 * (returns 1); otherwise it queues (fn, ctx, arg) and returns 0. When a slot
 * is released and someone waits, the slot passes straight to the first
 * waiter, whose callback is scheduled at the current time.
 * The waiter queue is a ring buffer grown by doubling; no malloc per wait in
 * steady state.
 */
#ifndef RL_ENGINE_POOL_H
#define RL_ENGINE_POOL_H

#include "sim/engine/engine.h"

struct sim_pool_waiter {
	sim_handler_fn fn;
	void *ctx;
	uint64_t arg;
	sim_time_t since; /* when it started waiting, ps */
};

struct sim_pool {
	unsigned capacity; /* slots */
	unsigned in_use;   /* slots taken */
	struct sim_pool_waiter *q; /* ring buffer of waiters */
	size_t qcap, qhead, qlen;
	double busy_slot_ps;   /* integral of in_use over time, slot·ps */
	sim_time_t last_change; /* time of the last acquire/release, ps */
	uint64_t acquisitions; /* total grants */
	double wait_ps;        /* total waiting time of granted waiters, ps */
};

/* A pool of `capacity` slots, all free, granted FIFO; 0, or -1 when out
 * of memory. sim_pool_destroy() frees its wait queue. */
int sim_pool_init(struct sim_pool *p, unsigned capacity);
void sim_pool_destroy(struct sim_pool *p);

/* 1 = granted now; 0 = queued (fn called when granted); <0 = out of memory. */
int sim_pool_acquire(struct sim_pool *p, struct sim_engine *e,
		     sim_handler_fn fn, void *ctx, uint64_t arg);
/* Return a slot: the longest waiter, if any, takes it now (its handler is
 * scheduled at the current time). */
void sim_pool_release(struct sim_pool *p, struct sim_engine *e);

/* Mean occupied fraction of slots over [0, now]. */
double sim_pool_utilization(const struct sim_pool *p, sim_time_t now);

#endif
