/*
 * mem.h — a level of the GPU memory hierarchy as a small table of
 * operations plus state. The executor (gpu.c) talks only to the first level
 * of the chain gpu_mem_chain_new() builds (mem.c: the L2 in front of HBM)
 * and names no level: reads and writes go to the front, which forwards what
 * it cannot serve to `next`; the end-of-kernel write-back, the warm-start
 * preload and the DRAM statistics go through gpu_mem_flush(),
 * gpu_mem_preload() and gpu_mem_back(). Adding a level (another cache,
 * another memory type) is a new file implementing these operations and
 * one line in mem.c's table, not a branch in the executor.
 *
 * Requests arrive in (approximately) non-decreasing time: they are issued
 * from event handlers. Each returns the time the requester has the data
 * (read) or the store is acknowledged (write).
 */
#ifndef RL_GPU_MEM_H
#define RL_GPU_MEM_H

#include <stdint.h>

#include "sim/engine/engine.h"
#include "sim/engine/server.h"

struct gpu_mem;

struct gpu_mem_stats {
	double read_bytes;  /* bytes read at this level */
	double write_bytes; /* bytes written at this level */
	double hit_bytes;   /* read bytes served here (caches) */
	double busy_ps;     /* summed busy time of its servers, ps */
	double servers;     /* number of servers (channels, slices) */
};

struct gpu_mem_ops {
	const char *name;
	/* Read `bytes` of cache block `block` at `addr`, arriving at t, for
	 * one of `share` CTAs that receive the same transfer (TMA multicast
	 * in a cluster): a level's own links carry bytes/share per request,
	 * a fill from the level behind is whole. */
	sim_time_t (*read)(struct gpu_mem *m, sim_time_t t, uint64_t block,
			   uint64_t addr, double bytes, unsigned share);
	/* Write `bytes` of block `block` at `addr`, arriving at t. */
	sim_time_t (*write)(struct gpu_mem *m, sim_time_t t, uint64_t block,
			    uint64_t addr, double bytes);
	/* A write-back from the level in front at the end of a kernel that
	 * began at t: it fills this level's idle time since t and queues
	 * behind its other work only with what does not fit there (the
	 * level can have carried it while the kernel ran, or carries it
	 * while the next call runs); returns when it is done, no later than
	 * the level's last service if it fits. NULL: served as a write. */
	sim_time_t (*writeback)(struct gpu_mem *m, sim_time_t t,
				uint64_t block, uint64_t addr, double bytes);
	void (*stats)(const struct gpu_mem *m, struct gpu_mem_stats *out);
	void (*free)(struct gpu_mem *m);
	/* End of a kernel that began at t: write back what this level holds
	 * dirty through the next level (gpu_mem_writeback: in its idle time
	 * since t where it has one); returns when the last write-back is
	 * done (t if none). NULL: the level holds nothing dirty. */
	sim_time_t (*flush)(struct gpu_mem *m, sim_time_t t);
	/* Warm start: make block resident here without timing. NULL: the
	 * level keeps no data (DRAM holds everything already). */
	void (*preload)(struct gpu_mem *m, uint64_t block, double bytes);
};

struct gpu_mem {
	const struct gpu_mem_ops *ops;
	struct gpu_mem *next; /* level behind this one, NULL for DRAM */
};

/* Interleave granularity of the DRAM address map, bytes: a request is
 * split into chunks of this size, each routed to one HBM channel. 4 KiB:
 * a tile block (8–32 KiB) spreads over 2–8 channels, and streaming blocks
 * land round-robin on all of them. (The L2 interleaves 128-byte lines
 * over its slices, so every request spreads evenly over all of them:
 * l2.c serves them as one queue and has no chunk.) The default of
 * gpu_mem_chain_new(); another (gpu_opts.chunk_shift) is a resolution
 * knob of the simulation, for the stability test, not a hardware fact. */
#define GPU_CHUNK_BYTES 4096.0
#define GPU_CHUNK_SHIFT 12 /* log2(GPU_CHUNK_BYTES) */
/* Merged trace steps (trace.h) make large requests; they are cut into at
 * most GPU_MAX_CHUNKS chunks so the cost per request stays bounded. */
#define GPU_MAX_CHUNKS 8

/* The chunk a request of `bytes` is cut into, with chunks of at least
 * `least` bytes (the interleave chunk). */
static inline double gpu_chunk_bytes(double bytes, double least)
{
	double c = bytes / GPU_MAX_CHUNKS;

	return c > least ? c : least;
}

struct hw_spec;

/* HBM: channels by address interleave in chunks of 2^shift bytes, each a
 * bandwidth server at bandwidth·efficiency/channels with the DRAM load
 * latency. */
struct gpu_mem *gpu_hbm_new(const struct hw_spec *hw, unsigned shift);
/* L2: the slices' bandwidth as one queue (line interleave spreads every
 * request evenly over them; hit latency), and an LRU cache of the spec's
 * capacity at block granularity over `nids` ids; shift, the DRAM chunk,
 * is not used (the level table passes it to every level). */
struct gpu_mem *gpu_l2_new(const struct hw_spec *hw, uint64_t nids,
			   unsigned shift, struct gpu_mem *next);

/* The hierarchy of hw, from the front (L2) to DRAM, built from mem.c's
 * table of levels; `nids` block ids for the caches; chunk_shift: log2 of
 * the interleave chunk, bytes (0: GPU_CHUNK_SHIFT). tap: NULL, or a
 * pass-through level (an observer, e.g. the attribution's DRAM probe) to
 * put in front of DRAM; its free() must not free what it wraps. Returns
 * the front level (freed with gpu_mem_free(), which frees the chain), or
 * NULL if out of memory (nothing left allocated). */
struct gpu_mem *gpu_mem_chain_new(const struct hw_spec *hw, uint64_t nids,
				  unsigned chunk_shift, struct gpu_mem *tap);

/* Write-back into level m (gpu_mem_ops.writeback, else a plain write). */
static inline sim_time_t gpu_mem_writeback(struct gpu_mem *m, sim_time_t t,
					   uint64_t block, uint64_t addr,
					   double bytes)
{
	return m->ops->writeback ?
		       m->ops->writeback(m, t, block, addr, bytes) :
		       m->ops->write(m, t, block, addr, bytes);
}

/* End of a kernel that began at t: flush every level, front to back (what
 * one writes back lands dirty in the next before that one is flushed);
 * returns when the last write-back is done (t if none). */
static inline sim_time_t gpu_mem_flush(struct gpu_mem *m, sim_time_t t)
{
	sim_time_t done = t;

	for (; m; m = m->next)
		if (m->ops->flush) {
			sim_time_t d = m->ops->flush(m, t);

			done = d > done ? d : done;
		}
	return done;
}

/* Warm start: make block resident in every level that keeps data. */
static inline void gpu_mem_preload(struct gpu_mem *m, uint64_t block,
				   double bytes)
{
	for (; m; m = m->next)
		if (m->ops->preload)
			m->ops->preload(m, block, bytes);
}

/* The level behind all others (DRAM), for its statistics. */
static inline struct gpu_mem *gpu_mem_back(struct gpu_mem *m)
{
	while (m->next)
		m = m->next;
	return m;
}

static inline void gpu_mem_free(struct gpu_mem *m)
{
	while (m) {
		struct gpu_mem *n = m->next;
		m->ops->free(m);
		m = n;
	}
}

/* Route chunk x (address / chunk size) to one of n servers by hashing
 * all address bits, as GPU address maps do (XOR-folded channel
 * hashes) so that power-of-two strides — every CTA reading the same
 * k-step of a different tile — do not pile onto a few channels.
 * Fibonacci hashing of the xor-folded index: cheap and well spread. */
static inline unsigned gpu_route(uint64_t x, unsigned n)
{
	x ^= x >> 17;
	x *= 0x9E3779B97F4A7C15ULL;
	return (unsigned)(((x >> 32) * (uint64_t)n) >> 32);
}

/* Spread a request of `bytes` at addr over n servers chunk by chunk
 * (gpu_route; chunks of least = 2^shift bytes or more), all arriving at
 * t; returns when the last chunk completes. The address-interleaved path
 * of the HBM channels. */
static inline sim_time_t gpu_spread(struct sim_server *sv, unsigned n,
				    sim_time_t t, uint64_t addr, double bytes,
				    unsigned shift, double least)
{
	sim_time_t done = t;
	/* addr / chunk, exact: addresses are far below 2^53 */
	uint64_t x = addr >> shift;
	double chunk = gpu_chunk_bytes(bytes, least);

	while (bytes > 0) {
		double b = bytes < chunk ? bytes : chunk;
		sim_time_t c = sim_server_request(&sv[gpu_route(x, n)], t, b);

		if (c > done)
			done = c;
		bytes -= b;
		x++;
	}
	return done;
}

#endif
