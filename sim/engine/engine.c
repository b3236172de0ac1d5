/*
 * engine.c — the event queue and run loop (see engine.h for the key layout
 * and the id scheme).
 *
 * Invariants:
 *  - heap[0..n) is a 4-ary min-heap of keys; every key owns one pool slot,
 *    so slots in use == n, and the pool and the heap share one capacity;
 *  - a slot's body has fn != NULL iff its event is pending and not
 *    cancelled; ncancelled counts the keys whose body has fn == NULL;
 *  - free slots form a singly linked list threaded through body.arg;
 *  - every seq in the heap is < next_seq <= SEQ_LIMIT (a schedule that finds
 *    next_seq == SEQ_LIMIT renumbers first).
 *
 *
 * Hot path cost: a schedule is one pop of the free list plus a sift-up
 * (O(log4 n) moves, usually O(1) in the hold model, where new events tend
 * to fall near the bottom); a pop is a sift-down of log4 n levels, each a
 * branch-free minimum of the four children in one cache line.
 *
 * Memory, not compares, is what costs at 1e5+ pending events (measured in
 * tests/bench_hold.c, see BENCHMARKS.md): the lower heap levels and the
 * bodies miss the caches. Three things hide it:
 *  - while sifting down, the four cache lines of the grandchildren are
 *    prefetched, so the next level's line is on its way while this one is
 *    compared;
 *  - the first level of a pop finds the next root (the smallest child of
 *    the old one), and its body is prefetched then: it is used at the next
 *    pop, after the rest of this sift-down, the handler and its schedules;
 *  - arrays of 2 MiB and more are 2 MiB aligned and advised as huge pages,
 *    so random accesses over tens of MB do not also miss the TLB.
 * Together they take a hold at 1e6 pending from ~580 to ~230 ns here.
 */
#include "sim/engine/engine.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define SLOT_BITS SIM_ENGINE_SLOT_BITS
#define SLOT_MASK (SIM_ENGINE_MAX_PENDING - 1)
#define SEQ_LIMIT SIM_ENGINE_SEQ_LIMIT
#define GEN_MASK (SIM_ENGINE_SEQ_LIMIT - 1) /* generations are 36 bits too */
#define NIL UINT64_MAX                      /* end of the free list */
#define PAD 3          /* heap[k] is mem[k + PAD]: siblings share a line */
#define SLACK 16       /* keys past cap, so prefetches stay in the array */
#define LINE 64        /* cache line, bytes */
#define HUGE_PAGE (2u << 20) /* bytes */
#define DEFAULT_CAP 1024
#define PREFETCH_MIN 2048 /* keys (32 KiB): smaller heaps stay in L1 */

#if defined(__GNUC__)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define prefetch(p) __builtin_prefetch(p)
#else
#define likely(x) (x)
#define unlikely(x) (x)
#define prefetch(p) ((void)(p))
#endif

struct key {
	uint64_t t;  /* event time, ps */
	uint64_t sx; /* (seq << SLOT_BITS) | slot */
};

struct body {
	sim_handler_fn fn; /* handler; NULL when free or cancelled */
	void *ctx;         /* handler context */
	uint64_t arg;      /* handler argument; next free slot when free */
	uint64_t gen;      /* generation of the slot, 1..GEN_MASK */
};

struct sim_engine {
	struct key *heap;    /* root at heap[0]; = mem + PAD */
	struct key *mem;     /* aligned allocation holding the heap */
	struct body *pool;   /* event bodies, indexed by slot */
	size_t n;            /* keys in the heap, cancelled ones included */
	size_t cap;          /* slots in the pool = keys the heap can hold */
	size_t ncancelled;   /* keys in the heap whose event was cancelled */
	uint64_t free_head;  /* first free slot, or NIL */
	uint64_t next_seq;   /* insertion sequence of the next schedule */
	sim_time_t now;      /* current time, ps */
	uint64_t events_run; /* handlers called since new/reset */
	int stop;            /* set by sim_engine_stop() */
};

/* (t, sx) as one 128-bit number: branch-free lexicographic compare. */
static inline int less(const struct key *a, const struct key *b)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 x = (unsigned __int128)a->t << 64 | a->sx;
	unsigned __int128 y = (unsigned __int128)b->t << 64 | b->sx;
	return x < y;
#else
	return a->t < b->t || (a->t == b->t && a->sx < b->sx);
#endif
}

static inline uint64_t next_gen(uint64_t g)
{
	g = (g + 1) & GEN_MASK;
	return g + (g == 0);
}

/* Memory for an array of `size` bytes, cache-line aligned; from 2 MiB
 * on, huge-page aligned and advised as huge pages (a hint: if the kernel
 * declines, the memory is simply made of small pages). Freed by free(). */
static void *big_alloc(size_t size)
{
	void *p = NULL;

	if (size >= HUGE_PAGE) {
		size = (size + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
		if (posix_memalign(&p, HUGE_PAGE, size))
			return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
		(void)madvise(p, size, MADV_HUGEPAGE);
#endif
		return p;
	}
	if (posix_memalign(&p, LINE, size))
		return NULL;
	return p;
}

/* Grow pool and heap to ncap slots (clamped to the id space); the new
 * slots go to the front of the free list. 0, or -1 (no memory / limit). */
static int grow(struct sim_engine *e, size_t ncap)
{
	struct key *mem;
	struct body *pool;

	if (ncap > SIM_ENGINE_MAX_PENDING)
		ncap = SIM_ENGINE_MAX_PENDING;
	if (ncap <= e->cap)
		return -1;
	mem = big_alloc((PAD + ncap + SLACK) * sizeof *mem);
	if (!mem)
		return -1;
	pool = big_alloc(ncap * sizeof *pool);
	if (!pool) {
		free(mem);
		return -1;
	}
	if (e->n)
		memcpy(mem + PAD, e->heap, e->n * sizeof *mem);
	if (e->cap)
		memcpy(pool, e->pool, e->cap * sizeof *pool);
	free(e->mem);
	free(e->pool);
	e->mem = mem;
	e->heap = mem + PAD;
	e->pool = pool;
	for (size_t i = e->cap; i < ncap; i++) {
		pool[i].fn = NULL;
		pool[i].ctx = NULL;
		pool[i].arg = i + 1 < ncap ? i + 1 : e->free_head;
		pool[i].gen = 1;
	}
	e->free_head = e->cap;
	e->cap = ncap;
	return 0;
}

struct sim_engine *sim_engine_new(size_t capacity_hint)
{
	struct sim_engine *e = calloc(1, sizeof *e);

	if (!e)
		return NULL;
	e->free_head = NIL;
	if (grow(e, capacity_hint > DEFAULT_CAP ? capacity_hint : DEFAULT_CAP))
		goto fail;
	return e;
fail:
	sim_engine_free(e);
	return NULL;
}

void sim_engine_free(struct sim_engine *e)
{
	if (!e)
		return;
	free(e->mem);
	free(e->pool);
	free(e);
}

sim_time_t sim_engine_now(const struct sim_engine *e)
{
	return e->now;
}

static int cmp_key(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	return less(x, y) ? -1 : less(y, x) ? 1 : 0;
}

/* The seq space ran out: renumber pending keys 0..n-1 in (t, seq) order.
 * A sorted array is a valid heap, so nothing else moves. */
static void renumber(struct sim_engine *e)
{
	qsort(e->heap, e->n, sizeof *e->heap, cmp_key);
	for (size_t i = 0; i < e->n; i++)
		e->heap[i].sx = (uint64_t)i << SLOT_BITS |
				(e->heap[i].sx & SLOT_MASK);
	e->next_seq = e->n;
}

static inline void heap_push(struct sim_engine *e, struct key k)
{
	struct key *h = e->heap;
	size_t i = e->n++;

	while (i > 0) {
		size_t p = (i - 1) >> 2;

		if (!less(&k, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = k;
}

/* Remove the root (n > 0). The last key falls into the hole the root
 * left, sinking towards the smallest child until it is not larger.
 * (Measured and dropped: sentinel keys past n to skip the partial-children
 * branch, and a branch-free choice between the two semifinal winners; both
 * were no faster on the hold model at any size.) */
static inline void heap_pop(struct sim_engine *e)
{
	struct key *h = e->heap;
	size_t n = --e->n;
	struct key last = h[n];
	size_t i = 0;

	for (;;) {
		size_t c = 4 * i + 1, m;

		if (likely(c + 3 < n)) {
			size_t g = 4 * c + 1, a, b;

			/* g + 15 < cap + SLACK: in the array; a heap that fits
			 * the L1 cache is not worth the prefetches (5 % of the
			 * GPU model's instructions) */
			if (g < n && n >= PREFETCH_MIN) {
				prefetch(&h[g]);
				prefetch(&h[g + 4]);
				prefetch(&h[g + 8]);
				prefetch(&h[g + 12]);
			}
			a = c + less(&h[c + 1], &h[c]);
			b = c + 2 + less(&h[c + 3], &h[c + 2]);
			m = less(&h[b], &h[a]) ? b : a;
			if (i == 0) /* h[m] is the next root */
				prefetch(&e->pool[h[m].sx & SLOT_MASK]);
		} else if (c < n) {
			m = c;
			for (size_t j = c + 1; j < n; j++)
				if (less(&h[j], &h[m]))
					m = j;
		} else {
			break;
		}
		if (!less(&h[m], &last))
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = last;
}

sim_event_id sim_engine_schedule(struct sim_engine *e, sim_time_t t,
				 sim_handler_fn fn, void *ctx, uint64_t arg)
{
	uint64_t slot;
	struct body *b;

	assert(t >= e->now);
	assert(fn);
	if (unlikely(e->n == e->cap) && grow(e, 2 * e->cap))
		return SIM_EVENT_NONE;
	if (unlikely(e->next_seq == SEQ_LIMIT))
		renumber(e);
	slot = e->free_head;
	b = &e->pool[slot];
	e->free_head = b->arg;
	b->fn = fn;
	b->ctx = ctx;
	b->arg = arg;
	heap_push(e, (struct key){t, e->next_seq++ << SLOT_BITS | slot});
	return b->gen << SLOT_BITS | slot;
}

sim_event_id sim_engine_after(struct sim_engine *e, sim_time_t delay,
			      sim_handler_fn fn, void *ctx, uint64_t arg)
{
	sim_time_t t = e->now + delay;

	if (t < e->now) /* wrapped */
		t = SIM_TIME_MAX;
	return sim_engine_schedule(e, t, fn, ctx, arg);
}

int sim_engine_cancel(struct sim_engine *e, sim_event_id id)
{
	uint64_t slot = id & SLOT_MASK;
	struct body *b;

	if (slot >= e->cap)
		return -1;
	b = &e->pool[slot];
	if (b->gen != id >> SLOT_BITS || !b->fn)
		return -1;
	b->fn = NULL;
	b->ctx = NULL;
	e->ncancelled++;
	return 0;
}

/* Pop and run events with time <= limit until empty or stopped. */
static uint64_t run_loop(struct sim_engine *e, sim_time_t limit)
{
	uint64_t ran = 0;

	e->stop = 0;
	while (likely(e->n > 0) && e->heap[0].t <= limit) {
		sim_time_t t = e->heap[0].t;
		uint64_t slot = e->heap[0].sx & SLOT_MASK;
		struct body *b = &e->pool[slot];
		sim_handler_fn fn = b->fn;
		void *ctx = b->ctx;
		uint64_t arg = b->arg;

		heap_pop(e);
		/* free the slot before the handler runs: the handler may
		 * reuse it, and its own id is stale from here on */
		b->fn = NULL;
		b->gen = next_gen(b->gen);
		b->arg = e->free_head;
		e->free_head = slot;
		if (unlikely(!fn)) {
			e->ncancelled--;
			continue;
		}
		assert(t >= e->now);
		e->now = t;
		e->events_run++;
		ran++;
		fn(e, ctx, arg);
		if (unlikely(e->stop))
			break;
	}
	return ran;
}

uint64_t sim_engine_run_until(struct sim_engine *e, sim_time_t t)
{
	uint64_t ran;

	if (t < e->now)
		return 0;
	ran = run_loop(e, t);
	if (!e->stop)
		e->now = t;
	e->stop = 0;
	return ran;
}

uint64_t sim_engine_run(struct sim_engine *e)
{
	uint64_t ran = run_loop(e, SIM_TIME_MAX);

	e->stop = 0;
	return ran;
}

void sim_engine_stop(struct sim_engine *e)
{
	e->stop = 1;
}

size_t sim_engine_pending(const struct sim_engine *e)
{
	return e->n - e->ncancelled;
}

uint64_t sim_engine_events_run(const struct sim_engine *e)
{
	return e->events_run;
}

void sim_engine_reset(struct sim_engine *e)
{
	for (size_t i = 0; i < e->cap; i++) {
		struct body *b = &e->pool[i];

		b->gen = next_gen(b->gen); /* ids of dropped events go stale */
		b->fn = NULL;
		b->ctx = NULL;
		b->arg = i + 1 < e->cap ? i + 1 : NIL;
	}
	e->free_head = e->cap ? 0 : NIL;
	e->n = 0;
	e->ncancelled = 0;
	e->next_seq = 0;
	e->now = 0;
	e->events_run = 0;
	e->stop = 0;
}

void sim_engine_debug_set_seq(struct sim_engine *e, uint64_t next_seq)
{
	assert(next_seq >= e->next_seq && next_seq <= SEQ_LIMIT);
	e->next_seq = next_seq;
}
