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
 * Layout. The heap is 4-ary (as fast as binary at 1e3 pending events and
 * about 25 % faster at 1e6, with the same prefetching; see BENCHMARKS.md)
 * and each key is two words:
 *
 *     { uint64_t t;   event time, ps
 *       uint64_t sx;  (seq << SIM_ENGINE_SLOT_BITS) | slot }
 *
 * so comparing keys as 128-bit integers orders them by (time, seq), and the
 * low bits name the body (fn, ctx, arg) in the pool. Keys are unique (seq
 * is), so the order is total and runs are deterministic. The heap array is
 * offset so that the four children of a node fill one 64-byte cache line.
 * seq has 64 - SLOT_BITS = 36 bits; when it runs out (6.9e10 schedules
 * without a reset) the pending keys are renumbered in order, O(n log n),
 * which preserves the order of pending events.
 *
 * Event ids are (generation << SLOT_BITS) | slot, generation >= 1 (so no id
 * is SIM_EVENT_NONE); a slot's generation is bumped each time its event runs
 * or is dropped, so a stale id never cancels the event that reuses the slot.
 * Cancel is lazy: the body is marked dead and its key is discarded when it
 * reaches the top, without running and without moving the clock.
 *
 * Ownership: sim_engine_new() returns an engine freed by sim_engine_free().
 * Handlers may schedule, cancel and stop; they must not free the engine.
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

#define SIM_ENGINE_SLOT_BITS 28 /* pool index bits of a key / an id */
#define SIM_ENGINE_MAX_PENDING (1ULL << SIM_ENGINE_SLOT_BITS) /* events */
#define SIM_ENGINE_SEQ_LIMIT (1ULL << (64 - SIM_ENGINE_SLOT_BITS))

/* capacity_hint: expected number of pending events (0 = default). */
struct sim_engine *sim_engine_new(size_t capacity_hint);
void sim_engine_free(struct sim_engine *e);

/* Current time (time of the event being handled, or of the last one). */
sim_time_t sim_engine_now(const struct sim_engine *e);

/* Schedule fn(e, ctx, arg) at absolute time t (t >= now, asserted).
 * Returns SIM_EVENT_NONE only when the pool cannot grow (out of memory, or
 * SIM_ENGINE_MAX_PENDING events pending). */
sim_event_id sim_engine_schedule(struct sim_engine *e, sim_time_t t,
				 sim_handler_fn fn, void *ctx, uint64_t arg);
/* ... at now + delay (saturating at SIM_TIME_MAX). */
sim_event_id sim_engine_after(struct sim_engine *e, sim_time_t delay,
			      sim_handler_fn fn, void *ctx, uint64_t arg);
/* Cancel a pending event; returns 0, or -1 if it already ran/was cancelled. */
int sim_engine_cancel(struct sim_engine *e, sim_event_id id);

/* Run events with time <= t, then set the clock to t. Returns events run.
 * If a handler calls sim_engine_stop(), it returns at once and the clock
 * stays at that handler's time. t < now runs nothing and keeps the clock. */
uint64_t sim_engine_run_until(struct sim_engine *e, sim_time_t t);
/* Run until the queue is empty (or sim_engine_stop()). Returns events run. */
uint64_t sim_engine_run(struct sim_engine *e);
/* Ask the run loop to return after the current handler. */
void sim_engine_stop(struct sim_engine *e);

/* Events scheduled and not yet run or cancelled. */
size_t sim_engine_pending(const struct sim_engine *e);
uint64_t sim_engine_events_run(const struct sim_engine *e); /* total so far */

/* Reset to time 0 with an empty queue, keeping the allocated pool.
 * Pending events are dropped; their ids become stale. */
void sim_engine_reset(struct sim_engine *e);

/* Testing hook: make next_seq the next insertion sequence number, so that a
 * test can cross SIM_ENGINE_SEQ_LIMIT and exercise the renumbering. next_seq
 * must not be below the current one (asserted). */
void sim_engine_debug_set_seq(struct sim_engine *e, uint64_t next_seq);

#endif
