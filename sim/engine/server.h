/*
 * server.h — a bandwidth server: one FIFO queue in front of a link that
 * moves `rate` bytes per picosecond, plus a fixed latency after service.
 * Models an HBM channel, an L2 slice, a tensor-core pipe (bytes = FLOPs).
 *
 * A request of b bytes arriving at time a starts service at
 * s = max(a, free), where free is when the previous request left the link,
 * finishes service at f = s + b/rate (rounded up to whole ps, carrying the
 * fraction so long runs do not drift), and completes at f + latency.
 * Requests must arrive in non-decreasing time (they do, when they are issued
 * from event handlers); that makes the FIFO exact by Lindley's recursion, so
 * a request costs O(1) and no event of its own unless the caller asks for a
 * completion callback.
 *
 * Statistics: busy time (utilization = busy / elapsed), queueing delay
 * (s - a) per request via sim_stats.
 */
#ifndef RL_ENGINE_SERVER_H
#define RL_ENGINE_SERVER_H

#include <assert.h>
#include <stdint.h>

#include "sim/engine/engine.h"
#include "sim/engine/stats.h"

struct sim_server {
	/* the fields every request reads and writes, in one cache line */
	sim_time_t free_at;   /* when the link is next free, ps */
	double carry;         /* fractional ps carried from rounding */
	double ps_per_byte;   /* 1 / rate: a multiply, not a divide, per request */
	sim_time_t latency;   /* fixed latency added after service, ps */
	double busy_ps;       /* total service time, ps */
	uint64_t requests;    /* requests served (with queueing statistics) */
	double bytes;         /* bytes served (with queueing statistics) */
	int track_wait;       /* record queueing delays in `wait` */
	double rate;          /* bytes per picosecond */
	struct sim_stats wait; /* queueing delay s - a, ps */
};

/* rate_bytes_per_s: e.g. 48.4e9; latency in ps. keep_samples: 1 = store
 * every queueing delay for percentiles (costs memory), 0 = mean/variance
 * only, SIM_SERVER_NO_WAIT_STATS (-1) = no statistics but the busy time
 * (no queueing delays, request count or bytes: three fewer stores per
 * request) for hot paths that do not read them. */
#define SIM_SERVER_NO_WAIT_STATS (-1)
void sim_server_init(struct sim_server *sv, double rate_bytes_per_s,
		     sim_time_t latency_ps, int keep_samples);
void sim_server_destroy(struct sim_server *sv);
void sim_server_reset(struct sim_server *sv);

/* Serve a request arriving at `arrival`; returns its completion time
 * (end of service + latency). Inline: the GPU model calls it about 9
 * times per event (every chunk of every L2 and DRAM request). */
static inline sim_time_t sim_server_request(struct sim_server *sv,
					    sim_time_t arrival, double bytes);

/* Same, arriving now, and schedule fn(ctx, arg) at completion (fn may be
 * NULL: no event). Returns SIM_TIME_MAX if the event could not be
 * scheduled (out of memory); the request is served all the same. */
sim_time_t sim_server_submit(struct sim_server *sv, struct sim_engine *e,
			     double bytes, sim_handler_fn fn, void *ctx,
			     uint64_t arg);

/* Serve `bytes` in the idle time the server has had since `since` (when
 * it took its first request at or after `since`, as a component does
 * that lives for one kernel): a background transfer, a cache's
 * write-back. It fits if the server's busy time, this service included,
 * is no more than free_at - since; then it is done by free_at, the end of
 * the server's last service. Otherwise the server's work now ends at
 * since + busy, and the transfer completes the latency after that. */
sim_time_t sim_server_fill_idle(struct sim_server *sv, sim_time_t since,
				double bytes);

/* busy / elapsed, in [0, 1]; elapsed > 0. Service queued beyond
 * `elapsed` is not counted (exact when every request arrived by then). */
double sim_server_utilization(const struct sim_server *sv, sim_time_t elapsed);

/* Not for callers: the queueing-delay sample of sim_server_request(). */
void sim_server_record_wait(struct sim_server *sv, double wait_ps);

#define SIM_SERVER_EPS 1e-6 /* ps: see server.c, "Rounding" */

/* Not for callers: the service time of `bytes` in whole ps, the rounding
 * carried (server.c, "Rounding"), added to the busy time. */
static inline sim_time_t sim_server_service(struct sim_server *sv,
					    double bytes)
{
	double exact = bytes * sv->ps_per_byte - sv->carry;
	sim_time_t d = 0;

	assert(bytes >= 0.0);
	if (exact > SIM_SERVER_EPS) {
		/* ceil(exact - EPS) without the libm call; through int64_t,
		 * whose conversions are single instructions (times are far
		 * below 2^63 ps) */
		double x = exact - SIM_SERVER_EPS;
		int64_t i = (int64_t)x;

		i += (double)i < x;
		d = (sim_time_t)i;
	}
	sv->carry = (double)(int64_t)d - exact;
	sv->busy_ps += (double)(int64_t)d;
	return d;
}

static inline sim_time_t sim_server_request(struct sim_server *sv,
					    sim_time_t arrival, double bytes)
{
	sim_time_t s = arrival > sv->free_at ? arrival : sv->free_at;

	sv->free_at = s + sim_server_service(sv, bytes);
	if (sv->track_wait) {
		sv->requests++;
		sv->bytes += bytes;
		sim_server_record_wait(sv, (double)(int64_t)(s - arrival));
	}
	return sv->free_at + sv->latency;
}

#endif
