/*
 * server.c — the FIFO bandwidth server (see server.h).
 *
 * Lindley's recursion: with arrivals in non-decreasing order, request k
 * starts at s_k = max(a_k, f_{k-1}) and leaves the link at f_k = s_k + d_k,
 * so the whole queue is one number (free_at) and a request costs O(1).
 *
 * Rounding: the exact service time b/rate is rarely a whole number of ps.
 * Each request is charged d = ceil(b/rate - carry) ps, and carry = d - (b/rate
 * - carry) remembers what was charged in excess, so after k requests the
 * link has been busy for the exact total rounded up to the next ps (never
 * drifting by up to 1 ps per request, which for 64-byte requests on a
 * 48.4 GB/s channel would be a 0.08 % error per request, always the same
 * way). EPS (SIM_SERVER_EPS) absorbs the floating-point error of the
 * division so that an exact integral time (100 B at 1 B/ps) is not charged
 * 101 ps.
 */
#include "sim/engine/server.h"

#include <assert.h>
#include <math.h>

#define PS_PER_S 1e12

void sim_server_init(struct sim_server *sv, double rate_bytes_per_s,
		     sim_time_t latency_ps, int keep_samples)
{
	assert(rate_bytes_per_s > 0.0);
	sv->rate = rate_bytes_per_s / PS_PER_S;
	sv->ps_per_byte = PS_PER_S / rate_bytes_per_s;
	sv->track_wait = keep_samples >= 0;
	sv->latency = latency_ps;
	sim_stats_init(&sv->wait, keep_samples > 0);
	sim_server_reset(sv);
}

void sim_server_destroy(struct sim_server *sv)
{
	if (!sv)
		return;
	sim_stats_destroy(&sv->wait);
}

void sim_server_reset(struct sim_server *sv)
{
	sv->free_at = 0;
	sv->carry = 0.0;
	sv->busy_ps = 0.0;
	sv->requests = 0;
	sv->bytes = 0.0;
	sim_stats_reset(&sv->wait);
}

/* sim_server_request() is inline in server.h (the hot path); this is its
 * cold part. If keeping the sample fails to allocate, this wait is missing
 * from the statistics; the timing is unaffected. */
void sim_server_record_wait(struct sim_server *sv, double wait_ps)
{
	(void)sim_stats_add(&sv->wait, wait_ps);
}

sim_time_t sim_server_submit(struct sim_server *sv, struct sim_engine *e,
			     double bytes, sim_handler_fn fn, void *ctx,
			     uint64_t arg)
{
	sim_time_t done = sim_server_request(sv, sim_engine_now(e), bytes);

	if (fn && sim_engine_schedule(e, done, fn, ctx, arg) == SIM_EVENT_NONE)
		return SIM_TIME_MAX;
	return done;
}

sim_time_t sim_server_fill_idle(struct sim_server *sv, sim_time_t since,
				double bytes)
{
	sim_time_t end;

	sim_server_service(sv, bytes);
	end = since + (sim_time_t)sv->busy_ps;
	if (sv->track_wait) {
		sv->requests++;
		sv->bytes += bytes;
	}
	if (end <= sv->free_at)
		return sv->free_at;
	sv->free_at = end;
	return end + sv->latency;
}

/*
 * Busy time already counted includes service that lies after `elapsed`
 * (requests queued up to free_at). If every request arrived by `elapsed`,
 * the link is busy without a gap from `elapsed` to free_at (each of those
 * requests started when the previous one left), so that tail is exactly
 * free_at - elapsed and is subtracted.
 */
double sim_server_utilization(const struct sim_server *sv, sim_time_t elapsed)
{
	double busy = sv->busy_ps, u;

	if (elapsed == 0)
		return 0.0;
	if (sv->free_at > elapsed)
		busy -= (double)(sv->free_at - elapsed);
	u = busy / (double)elapsed;
	return u < 0.0 ? 0.0 : u > 1.0 ? 1.0 : u;
}
