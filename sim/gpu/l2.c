/*
 * l2.c — the L2 cache: slices and an LRU cache (gpu_mem level, see mem.h).
 *
 * Slices: the L2's bandwidth, l2.bytes_per_clk per clock of the sustained
 * clock, with the hit latency l2.hit_latency_cycles, is one FIFO server.
 * The slices interleave lines (128 B) by an address hash, so every
 * request of a GEMM trace (a block of 1–64 KiB: 8–512 lines) spreads its
 * lines evenly over all slices, and the l2.slices queues receive equal
 * shares of every request at the same times: their states are identical,
 * so one queue at the aggregate rate is them. A model that routes whole
 * 4 KiB chunks to one slice instead puts all CTAs that read one shared
 * operand block (an A panel every n-tile reads) on one or two slices at
 * 1/l2.slices of the bandwidth — 32 times the camping that line
 * interleave allows; measured with it on the A100 SXM table: 7.69 %
 * MAPE, max 72 % (33x16384x256-like shapes, small k, wide n) and 15 of
 * 400 random shapes slower with twice the DRAM bandwidth through a
 * kernel switch; with the one queue 7.40 %, max 40 %, and none
 * (experiments/checks/double_bandwidth.sh). A request of fewer lines
 * than slices loads only some of them; charging those slices apart
 * (tried: the first line's slice with bytes/lines) moved no row of the
 * A100 table by more than rounding, so the model does not.
 *
 * Cache: LRU over the trace's block ids (models/trace.h), capacity
 * l2.size_mb / l2.partitions: each partition caches what the SMs attached
 * to it read (NVIDIA A100 whitepaper 2020, "L2 cache": "each L2 partition
 * localizes and caches data for memory accesses from SMs in the GPCs
 * directly connected to the partition"), and a GEMM's operand tiles are
 * read by SMs on both sides, so each is held once per partition. Granularity: the block, i.e. one CTA's operand tile of one
 * k-step (8–64 KiB). Every CTA that re-reads data re-reads exactly such a
 * block (same tile boundaries, same k-step), so a line-granular LRU would
 * give the same hits and misses for these access streams at ~100× the
 * bookkeeping; what a block model cannot show is partial-block reuse,
 * which a GEMM trace does not have. A block whose fill is still in flight
 * counts as a hit that waits for the fill (MSHR merge). Writes allocate
 * (split-K partials are re-read by the reducing CTA) and are write-back:
 * a dirty block costs the next level its bytes when it is evicted; what is
 * still dirty when the kernel ends is written back by l2_flush() into the
 * DRAM channels' idle time since the kernel began (gpu_mem_writeback): a
 * GPU writes dirty lines back as they are evicted, while the kernel or
 * the next call runs, so they cost time only where the channels had no
 * slack, and the call cannot end before its DRAM work does (otherwise a
 * write-dominated GEMM, small k, would beat the DRAM roofline).
 * O(1) per request besides the per-chunk server calls; a block's state is
 * one 32-byte record (struct blk).
 */
#include "sim/gpu/mem.h"

#include <math.h>
#include <stdlib.h>

#include "hw/spec.h"
#include "sim/engine/server.h"

#define NIL UINT32_MAX

/* One block's state, together: a request touches one 32-byte record (and
 * its LRU neighbours') instead of six arrays. */
struct blk {
	uint32_t prev, next; /* LRU list links, NIL-terminated */
	float size;          /* resident bytes, 0 = absent */
	uint8_t dirty;       /* written and not yet written back */
	sim_time_t ready;    /* time the block's data is in L2, ps */
	uint64_t addr;       /* address, kept for the write-back of a dirty block */
};

struct l2 {
	struct gpu_mem base;
	unsigned nsl;           /* slices (l2.slices), for utilisation */
	struct sim_server q;    /* the slices' bandwidth, one queue */
	sim_time_t hit_lat;     /* hit latency, ps */
	double capacity;        /* bytes */
	double used;            /* bytes resident */
	uint64_t nids;
	struct blk *blk;        /* per block id */
	uint32_t head, tail;    /* MRU, LRU */
	double read_bytes, write_bytes, hit_bytes;
};

static void unlink_block(struct l2 *c, uint32_t b)
{
	if (c->blk[b].prev != NIL)
		c->blk[c->blk[b].prev].next = c->blk[b].next;
	else
		c->head = c->blk[b].next;
	if (c->blk[b].next != NIL)
		c->blk[c->blk[b].next].prev = c->blk[b].prev;
	else
		c->tail = c->blk[b].prev;
}

static void push_mru(struct l2 *c, uint32_t b)
{
	c->blk[b].prev = NIL;
	c->blk[b].next = c->head;
	if (c->head != NIL)
		c->blk[c->head].prev = b;
	c->head = b;
	if (c->tail == NIL)
		c->tail = b;
}

/* Make block b resident with `bytes`, evicting from the LRU end; dirty
 * victims are written back to the next level at time t. */
static void insert(struct l2 *c, sim_time_t t, uint32_t b, double bytes)
{
	/* a block of no bytes is never resident (size 0 means absent) */
	if (bytes <= 0)
		return;
	if (c->blk[b].size > 0) {
		unlink_block(c, b);
		c->used -= c->blk[b].size;
	}
	while (c->used + bytes > c->capacity && c->tail != NIL) {
		uint32_t v = c->tail;

		unlink_block(c, v);
		c->used -= c->blk[v].size;
		if (c->blk[v].dirty) {
			struct gpu_mem *n = c->base.next;

			n->ops->write(n, t, v, c->blk[v].addr, c->blk[v].size);
			c->blk[v].dirty = 0;
		}
		c->blk[v].size = 0;
	}
	c->blk[b].size = (float)bytes;
	c->used += bytes;
	push_mru(c, b);
}

/* Pass `bytes` through the slices, arriving at t: returns when they are
 * delivered (service + hit latency; they left the slices one hit latency
 * earlier). Where they live does not matter: every request spreads over
 * all slices (see the top). */
static inline sim_time_t slices(struct l2 *c, sim_time_t t, double bytes)
{
	return sim_server_request(&c->q, t, bytes);
}

static sim_time_t l2_read(struct gpu_mem *m, sim_time_t t, uint64_t block,
			  uint64_t addr, double bytes, unsigned share)
{
	struct l2 *c = (struct l2 *)m;
	uint32_t b = (uint32_t)block;
	sim_time_t svc, done, dram;

	if (bytes <= 0) /* passes the slices' queue, touches no block */
		return slices(c, t, 0);
	c->read_bytes += bytes;
	if (c->blk[b].size > 0) {
		c->hit_bytes += bytes;
		unlink_block(c, b);
		push_mru(c, b);
		done = slices(c, t, share > 1 ? bytes / share : bytes);
		return done > c->blk[b].ready ? done : c->blk[b].ready;
	}
	/* a miss occupies the slices and the DRAM channels for its bytes;
	 * both see the request now (pipelined stages: the slower one sets
	 * the pace, the DRAM load latency is the latency) */
	insert(c, t, b, bytes);
	svc = slices(c, t, share > 1 ? bytes / share : bytes) -
	      c->hit_lat;
	dram = m->next->ops->read(m->next, t, block, addr, bytes, 1);
	done = dram > svc ? dram : svc;
	c->blk[b].ready = done;
	return done;
}

static sim_time_t l2_write(struct gpu_mem *m, sim_time_t t, uint64_t block,
			   uint64_t addr, double bytes)
{
	struct l2 *c = (struct l2 *)m;
	uint32_t b = (uint32_t)block;
	sim_time_t done;

	if (bytes <= 0)
		return slices(c, t, 0);
	c->write_bytes += bytes;
	insert(c, t, b, bytes);
	c->blk[b].dirty = 1;
	c->blk[b].addr = addr;
	done = slices(c, t, bytes);
	c->blk[b].ready = done;
	return done;
}

static void l2_stats(const struct gpu_mem *m, struct gpu_mem_stats *o)
{
	const struct l2 *c = (const struct l2 *)m;

	o->read_bytes = c->read_bytes;
	o->write_bytes = c->write_bytes;
	o->hit_bytes = c->hit_bytes;
	/* every slice is busy when the queue is */
	o->busy_ps = c->q.busy_ps * c->nsl;
	o->servers = c->nsl;
}

static void l2_free(struct gpu_mem *m)
{
	struct l2 *c = (struct l2 *)m;

	if (!c)
		return;
	sim_server_destroy(&c->q);
	free(c->blk);
	free(c);
}

/* gpu_mem_ops.flush: the dirty blocks, MRU first, written back to `next`
 * (in its idle time since t, the kernel's start). */
static sim_time_t l2_flush(struct gpu_mem *m, sim_time_t t)
{
	struct l2 *c = (struct l2 *)m;
	sim_time_t done = t;

	for (uint32_t b = c->head; b != NIL; b = c->blk[b].next)
		if (c->blk[b].dirty) {
			sim_time_t w = gpu_mem_writeback(m->next, t, b,
							 c->blk[b].addr,
							 c->blk[b].size);

			done = w > done ? w : done;
			c->blk[b].dirty = 0;
		}
	return done;
}

/* gpu_mem_ops.preload: resident from time 0, clean. */
static void l2_preload(struct gpu_mem *m, uint64_t block, double bytes)
{
	struct l2 *c = (struct l2 *)m;

	insert(c, 0, (uint32_t)block, bytes);
	c->blk[block].ready = 0;
}

static const struct gpu_mem_ops l2_ops = {
	.name = "l2",
	.read = l2_read,
	.write = l2_write,
	.stats = l2_stats,
	.free = l2_free,
	.flush = l2_flush,
	.preload = l2_preload,
};

struct gpu_mem *gpu_l2_new(const struct hw_spec *hw, uint64_t nids,
			   unsigned shift, struct gpu_mem *next)
{
	struct l2 *c;
	struct hw_machine m;

	if (nids >= NIL)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	hw_machine_of(hw, &m);
	c->base.ops = &l2_ops;
	c->base.next = next;
	c->nsl = (unsigned)hw->l2.slices;
	/* no interleave chunk: the slices are one queue (see the top) */
	(void)shift;
	c->nids = nids;
	c->blk = calloc(nids, sizeof(*c->blk));
	if (!c->blk) {
		c->base.next = NULL;
		l2_free(&c->base);
		return NULL;
	}
	c->head = c->tail = NIL;
	c->capacity = m.l2_bytes;
	/* rounded, as hbm.c rounds its latency: truncation lost 1 ps */
	c->hit_lat = (sim_time_t)llround(m.l2_lat * 1e12);
	sim_server_init(&c->q, m.l2_bw, c->hit_lat, SIM_SERVER_NO_WAIT_STATS);
	return &c->base;
}
