/*
 * engine.h — the discrete-event engine: a clock, an event queue and a run
 * loop. It knows nothing about GPUs; it could simulate a bank queue.
 *
 * Time is an integer number of picoseconds. Events are ordered by
 * (time, insertion sequence), so equal-time events run in the order they
 * were scheduled and runs are reproducible bit for bit.
 *
 * The queue is a binary (or d-ary) heap of inline 16-byte keys; event bodies
 * live in a pool that grows by doubling at set-up/first use and is recycled,
 * so steady-state scheduling allocates nothing. Cost: O(log n) per
 * schedule/pop, n = pending events.
 *
 * Ownership: sim_engine_new() returns an engine freed by sim_engine_free().
 */
#ifndef RL_ENGINE_H
#define RL_ENGINE_H

#include <stddef.h>
#include <stdint.h>

typedef uint64_t sim_time_t; /* picoseconds */

#define SIM_PS_PER_NS 1000ULL
#define SIM_PS_PER_US 1000000ULL
#define SIM_TIME_MAX UINT64_MAX

struct sim_engine;

/* An event handler: ctx and arg are what was given to schedule. */
typedef void (*sim_handler_fn)(struct sim_engine *e, void *ctx, uint64_t arg);

/* Handle of a scheduled event, valid until it runs or is cancelled. */
typedef uint64_t sim_event_id;
#define SIM_EVENT_NONE 0

/* capacity_hint: expected number of pending events (0 = default). */
struct sim_engine *sim_engine_new(size_t capacity_hint);
void sim_engine_free(struct sim_engine *e);

/* Current time (time of the event being handled, or of the last one). */
sim_time_t sim_engine_now(const struct sim_engine *e);

/* Schedule fn(e, ctx, arg) at absolute time t (t >= now, asserted). */
sim_event_id sim_engine_schedule(struct sim_engine *e, sim_time_t t,
				 sim_handler_fn fn, void *ctx, uint64_t arg);
/* ... at now + delay. */
sim_event_id sim_engine_after(struct sim_engine *e, sim_time_t delay,
			      sim_handler_fn fn, void *ctx, uint64_t arg);
/* Cancel a pending event; returns 0, or -1 if it already ran/was cancelled. */
int sim_engine_cancel(struct sim_engine *e, sim_event_id id);

/* Run events with time <= t, then set the clock to t. Returns events run. */
uint64_t sim_engine_run_until(struct sim_engine *e, sim_time_t t);
/* Run until the queue is empty (or sim_engine_stop()). Returns events run. */
uint64_t sim_engine_run(struct sim_engine *e);
/* Ask the run loop to return after the current handler. */
void sim_engine_stop(struct sim_engine *e);

size_t sim_engine_pending(const struct sim_engine *e);
uint64_t sim_engine_events_run(const struct sim_engine *e); /* total so far */

/* Reset to time 0 with an empty queue, keeping the allocated pool. */
void sim_engine_reset(struct sim_engine *e);

#endif
