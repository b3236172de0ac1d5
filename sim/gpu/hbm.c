/*
 * hbm.c — HBM as independent channels (gpu_mem level, see mem.h).
 *
 * Each channel is a FIFO bandwidth server (sim_server) at
 * hbm.bandwidth_gbps · hbm.efficiency / hbm.channels, followed by the load
 * latency hbm.latency_ns. The efficiency is the explicit row-buffer,
 * refresh and read/write-turnaround loss of the spec (sourced or
 * calibrated there). A request is split into chunks (mem.h) routed
 * by address interleave; it completes when its last chunk does.
 */
#include "sim/gpu/mem.h"

#include <math.h>
#include <stdlib.h>

#include "hw/spec.h"
#include "sim/engine/server.h"

struct hbm {
	struct gpu_mem base;
	unsigned nch;             /* channels */
	unsigned shift;           /* log2 of the interleave chunk, bytes */
	double chunk;             /* the interleave chunk, 2^shift bytes */
	struct sim_server *ch;    /* one server per channel */
	double read_bytes, write_bytes;
};

static sim_time_t hbm_read(struct gpu_mem *m, sim_time_t t, uint64_t block,
			   uint64_t addr, double bytes, unsigned share)
{
	struct hbm *h = (struct hbm *)m;

	(void)block; /* DRAM maps by address only; a multicast share ends */
	(void)share; /* at the level in front (gpu_mem_ops.read) */
	h->read_bytes += bytes;
	return gpu_spread(h->ch, h->nch, t, addr, bytes, h->shift,
			  h->chunk);
}

static sim_time_t hbm_write(struct gpu_mem *m, sim_time_t t, uint64_t block,
			    uint64_t addr, double bytes)
{
	struct hbm *h = (struct hbm *)m;

	(void)block; /* DRAM maps by address only */
	h->write_bytes += bytes;
	return gpu_spread(h->ch, h->nch, t, addr, bytes, h->shift,
			  h->chunk);
}

/* gpu_mem_ops.writeback: each chunk's channel serves it in its idle time
 * since t if it has that much (then it is done by the channel's last
 * service), else it ends the channel's work, acknowledged after the
 * latency: done = t + busy time, service of this chunk included. */
static sim_time_t hbm_writeback(struct gpu_mem *m, sim_time_t t,
				uint64_t block, uint64_t addr, double bytes)
{
	struct hbm *h = (struct hbm *)m;
	uint64_t x = addr >> h->shift;
	double chunk = gpu_chunk_bytes(bytes, h->chunk);
	sim_time_t done = t;

	(void)block; /* DRAM maps by address only */
	h->write_bytes += bytes;
	while (bytes > 0) {
		double b = bytes < chunk ? bytes : chunk;
		struct sim_server *sv = &h->ch[gpu_route(x, h->nch)];
		sim_time_t c = sim_server_fill_idle(sv, t, b);

		if (c > done)
			done = c;
		bytes -= b;
		x++;
	}
	return done;
}

static void hbm_stats(const struct gpu_mem *m, struct gpu_mem_stats *o)
{
	const struct hbm *h = (const struct hbm *)m;

	o->read_bytes = h->read_bytes;
	o->write_bytes = h->write_bytes;
	o->hit_bytes = 0;
	o->busy_ps = 0;
	for (unsigned i = 0; i < h->nch; i++)
		o->busy_ps += h->ch[i].busy_ps;
	o->servers = h->nch;
}

static void hbm_free(struct gpu_mem *m)
{
	struct hbm *h = (struct hbm *)m;

	if (!h)
		return;
	for (unsigned i = 0; h->ch && i < h->nch; i++)
		sim_server_destroy(&h->ch[i]);
	free(h->ch);
	free(h);
}

/* DRAM holds every block and nothing is dirty: no flush, no preload */
static const struct gpu_mem_ops hbm_ops = {
	.name = "hbm",
	.read = hbm_read,
	.write = hbm_write,
	.writeback = hbm_writeback,
	.stats = hbm_stats,
	.free = hbm_free,
};

struct gpu_mem *gpu_hbm_new(const struct hw_spec *hw, unsigned shift)
{
	struct hbm *h = calloc(1, sizeof(*h));
	struct hw_machine m;
	double rate;
	sim_time_t lat;

	if (!h)
		return NULL;
	hw_machine_of(hw, &m);
	h->base.ops = &hbm_ops;
	h->nch = (unsigned)hw->hbm.channels;
	h->shift = shift;
	h->chunk = (double)(1ULL << shift);
	h->ch = calloc(h->nch, sizeof(*h->ch));
	if (!h->ch) {
		free(h);
		return NULL;
	}
	rate = m.dram_bw / h->nch;
	/* rounded: the seconds of hw_machine back to whole picoseconds */
	lat = (sim_time_t)llround(m.dram_lat * 1e12);
	for (unsigned i = 0; i < h->nch; i++)
		sim_server_init(&h->ch[i], rate, lat,
				SIM_SERVER_NO_WAIT_STATS);
	return &h->base;
}
