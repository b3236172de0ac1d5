/*
 * attrib.c — critical-path attribution and timeline recording (see
 * attrib.h for the definitions of the parts).
 *
 * Each pending delay (a load in flight, an MMA in the pipe, an epilogue)
 * keeps the vector of the time it was issued at and is turned into the
 * vector of its completion when the executor's event for that completion
 * fires. Finalising then, not at issue, is what lets the tail be cut
 * exactly: the moment the machine stops being full (t_tail) is only known
 * when it happens, and every delay finalised later that straddles it has
 * its part after t_tail counted as tail.
 *
 * A delay from a to b caused by a resource with an unloaded latency L
 * (DRAM, L2 hit) is [a, b - L] for the resource and [b - L, b] for fill:
 * a FIFO server's completion is the end of its service plus the latency
 * (sim/engine/server.h), so the last L of the wait is always latency.
 */
#include "sim/gpu/attrib.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/spec.h"
#include "models/trace.h"
#include "sim/gpu/gpu.h"

const char *const attrib_part_name[ATTRIB_NPARTS] = {
	"fixed", "fill", "tensor", "dram", "l2", "port", "tail", "splitk",
};

struct attrib_pend {
	struct attrib_vec base; /* vector at the time it was issued */
	sim_time_t t0, t1;      /* the delay [t0, t1] */
	sim_time_t lat;         /* its last lat ps are fill */
	uint8_t part;           /* the rest is this part's */
	uint8_t waited;         /* MMA: began when its SM's pipe freed */
};

void attrib_init(struct gpu_recorder *r, int timeline)
{
	memset(r, 0, sizeof *r);
	r->timeline = timeline != 0;
}

void attrib_swap(struct gpu_recorder *a, struct gpu_recorder *b)
{
	struct gpu_recorder t = *a;

	*a = *b;
	*b = t;
	/* the probes point back at their recorder */
	a->probe.rec = a;
	b->probe.rec = b;
}

void attrib_destroy(struct gpu_recorder *r)
{
	if (!r)
		return;
	free(r->fill_end);
	free(r->fill_start);
	free(r->cur);
	free(r->v_sm);
	free(r->vd);
	free(r->pd);
	free(r->pm);
	free(r->pe);
	free(r->cta_t0);
	free(r->spans);
	free(r->open);
	free(r->bins.dram_bytes);
	free(r->bins.l2_bytes);
	free(r->bins.l2_read);
	free(r->bins.l2_hit);
	free(r->bins.tensor_ps);
	free(r->bins.resident_ps);
	free(r->bins.sm_resident_ps);
	attrib_init(r, r->timeline);
}

/* ---- the vectors ------------------------------------------------------ */

/* Add the delay [a, b] to v as `part`; of a resource's part (tensor,
 * dram, l2, port) the share after t_tail is tail — latency and split-K
 * reduction keep their names there, or a single wave's split-K epilogues
 * and drain would always read as tail. */
static void add(const struct gpu_recorder *r, struct attrib_vec *v,
		sim_time_t a, sim_time_t b, int part)
{
	if (b <= a)
		return;
	if (r->t_tail >= b || part == ATTRIB_FILL || part == ATTRIB_SPLITK ||
	    part == ATTRIB_FIXED) {
		v->ps[part] += b - a;
	} else if (r->t_tail <= a) {
		v->ps[ATTRIB_TAIL] += b - a;
	} else {
		v->ps[part] += r->t_tail - a;
		v->ps[ATTRIB_TAIL] += b - r->t_tail;
	}
}

/* Into v, the vector of a pending delay's completion. Hot: once per
 * load, MMA and epilogue; before t_tail no branch on the tail. */
static void settle(const struct gpu_recorder *r, const struct attrib_pend *p,
		   struct attrib_vec *v)
{
	sim_time_t d = p->t1 - p->t0;
	sim_time_t lat = p->lat < d ? p->lat : d;

	*v = p->base;
	if (r->t_tail >= p->t1) {
		v->ps[p->part] += d - lat;
		v->ps[ATTRIB_FILL] += lat;
		return;
	}
	add(r, v, p->t0, p->t1 - lat, p->part);
	add(r, v, p->t1 - lat, p->t1, ATTRIB_FILL);
}

static uint64_t vsum(const struct attrib_vec *v)
{
	uint64_t s = 0;

	for (int i = 0; i < ATTRIB_NPARTS; i++)
		s += v->ps[i];
	return s;
}

/* ---- the timeline's counters ----------------------------------------- */

static double *bin_arrays(struct attrib_bins *b, int i)
{
	double **a[] = {&b->dram_bytes, &b->l2_bytes, &b->l2_read,
			&b->l2_hit, &b->tensor_ps, &b->resident_ps};

	return i < 6 ? *a[i] : NULL;
}

/* Halve the resolution: bins 2i and 2i+1 become bin i. */
static void rebin(struct gpu_recorder *r)
{
	struct attrib_bins *b = &r->bins;

	for (int k = 0; k < 6 + (int)r->nsm; k++) {
		double *a = k < 6 ? bin_arrays(b, k) :
			b->sm_resident_ps + (size_t)(k - 6) * ATTRIB_BINS;

		for (unsigned i = 0; i < ATTRIB_BINS / 2; i++)
			a[i] = a[2 * i] + a[2 * i + 1];
		memset(a + ATTRIB_BINS / 2, 0,
		       ATTRIB_BINS / 2 * sizeof(*a));
	}
	b->bin_ps *= 2;
}

/* Spread x over [t0, t1] of the bins of a (uniformly; at t0 if empty). */
static void spread(struct gpu_recorder *r, double *a, sim_time_t t0,
		   sim_time_t t1, double x)
{
	struct attrib_bins *b = &r->bins;
	sim_time_t w;
	uint64_t i, j;

	/* the arrays are rebinned in place: a stays valid */
	while (t1 / b->bin_ps >= ATTRIB_BINS)
		rebin(r);
	w = b->bin_ps;
	i = t0 / w;
	j = t1 / w;
	if (t1 <= t0 || i == j) {
		a[i] += x;
		return;
	}
	for (uint64_t k = i; k <= j; k++) {
		sim_time_t lo = k == i ? t0 : k * w;
		sim_time_t hi = k == j ? t1 : (k + 1) * w;

		a[k] += x * (double)(hi - lo) / (double)(t1 - t0);
	}
}

/* ---- the probe in front of DRAM -------------------------------------- */

static struct gpu_recorder *probe_rec(struct gpu_mem *m)
{
	return ((struct gpu_recorder *)((char *)m -
		offsetof(struct gpu_recorder, probe)));
}

/* DRAM bytes over the window their channels served them in: the service
 * ends one latency before completion and lasts bytes over the rate of the
 * channels a request of this size spreads over (4 KiB chunks). */
static void dram_bin(struct gpu_recorder *r, sim_time_t t, sim_time_t done,
		     double bytes)
{
	double chunks = ceil(bytes / GPU_CHUNK_BYTES);
	double ch = chunks < r->dram_ch ? (chunks < 1 ? 1 : chunks) : r->dram_ch;
	sim_time_t end = done > r->dram_lat ? done - r->dram_lat : 0;
	sim_time_t d = (sim_time_t)(bytes / (r->dram_bps / r->dram_ch * ch));
	sim_time_t start = end > d ? end - d : 0;

	if (start < t)
		start = t;
	if (end < start)
		end = start;
	spread(r, r->bins.dram_bytes, start, end, bytes);
}

static sim_time_t probe_read(struct gpu_mem *m, sim_time_t t, uint64_t block,
			     uint64_t addr, double bytes, unsigned share)
{
	struct gpu_recorder *r = probe_rec(m);
	sim_time_t done = m->next->ops->read(m->next, t, block, addr, bytes,
					     share);

	if (block < r->nids) {
		r->fill_end[block] = done;
		r->fill_start[block] = t;
	}
	if (r->timeline)
		dram_bin(r, t, done, bytes);
	return done;
}

static sim_time_t probe_write(struct gpu_mem *m, sim_time_t t,
			      uint64_t block, uint64_t addr, double bytes)
{
	struct gpu_recorder *r = probe_rec(m);
	sim_time_t done = m->next->ops->write(m->next, t, block, addr, bytes);

	if (r->timeline)
		dram_bin(r, t, done, bytes);
	return done;
}

static sim_time_t probe_writeback(struct gpu_mem *m, sim_time_t t,
				  uint64_t block, uint64_t addr, double bytes)
{
	struct gpu_recorder *r = probe_rec(m);
	sim_time_t done = gpu_mem_writeback(m->next, t, block, addr, bytes);

	if (r->timeline)
		dram_bin(r, t, done, bytes);
	return done;
}

static void probe_stats(const struct gpu_mem *m, struct gpu_mem_stats *o)
{
	m->next->ops->stats(m->next, o);
}

/* The probe lives in the recorder: gpu_mem_free() passes over it. */
static void probe_free(struct gpu_mem *m)
{
	(void)m;
}

static const struct gpu_mem_ops probe_ops = {
	.name = "attrib-probe",
	.read = probe_read,
	.write = probe_write,
	.writeback = probe_writeback,
	.stats = probe_stats,
	.free = probe_free,
	/* no flush, no preload: it holds nothing */
};

struct gpu_mem *attrib_probe(struct gpu_recorder *r, struct gpu_mem *next)
{
	r->probe.base.ops = &probe_ops;
	r->probe.base.next = next;
	r->probe.rec = r;
	return &r->probe.base;
}

/* ---- hooks ------------------------------------------------------------ */

int attrib_begin(struct gpu_recorder *r, const struct hw_spec *hw,
		 const struct trace *tr, unsigned nsm, unsigned cps,
		 unsigned stages, sim_time_t t0)
{
	size_t ns = (size_t)nsm * cps, nst = ns * stages;
	struct hw_machine m;
	double fpc = hw_spec_flop_per_clk(hw, tr->g.dtype);
	double mma = 2.0 * tr->k.bm * tr->k.bn * tr->k.bk / fpc;

	hw_machine_of(hw, &m);
	r->nsm = nsm;
	r->cps = cps;
	r->nslots = (unsigned)ns;
	r->stages = stages;
	r->ctas = tr->k.ctas;
	r->mma_share = tr->k.step_cycles > 0 ? mma / tr->k.step_cycles : 1;
	if (r->mma_share > 1)
		r->mma_share = 1;
	r->mma_share_q20 = (uint64_t)llround(r->mma_share * (1 << 20));
	r->dram_bps = m.dram_bw / 1e12;
	r->dram_ch = (unsigned)hw->hbm.channels;
	r->l2_bps = m.l2_bw / 1e12;
	/* the same conversions as l2.c and hbm.c */
	r->l2_lat = (sim_time_t)(m.l2_lat * 1e12);
	r->dram_lat = (sim_time_t)llround(m.dram_lat * 1e12);
	r->t_tail = SIM_TIME_MAX;
	r->nids = tr->nids;
	r->fill_end = malloc(r->nids * sizeof(*r->fill_end));
	r->fill_start = malloc(r->nids * sizeof(*r->fill_start));
	r->cur = calloc(ns, sizeof(*r->cur));
	r->v_sm = calloc(nsm, sizeof(*r->v_sm));
	r->vd = calloc(nst, sizeof(*r->vd));
	r->pd = calloc(nst, sizeof(*r->pd));
	r->pm = calloc(nst, sizeof(*r->pm));
	r->pe = calloc(ns, sizeof(*r->pe));
	r->cta_t0 = calloc(ns, sizeof(*r->cta_t0));
	if (!r->fill_end || !r->fill_start || !r->cur || !r->v_sm || !r->vd ||
	    !r->pd || !r->pm || !r->pe || !r->cta_t0)
		return RL_EIO;
	for (uint64_t i = 0; i < r->nids; i++)
		r->fill_end[i] = r->fill_start[i] = SIM_TIME_MAX;
	for (size_t i = 0; i < ns; i++)
		r->cur[i].ps[ATTRIB_FIXED] = t0;
	r->v_end = r->cur[0];
	r->t_end = t0;
	if (!r->timeline)
		return RL_OK;
	r->per_span = (r->ctas + ATTRIB_MAX_SPANS - 1) / ATTRIB_MAX_SPANS;
	r->cap_spans = r->ctas / r->per_span + ns + 1;
	r->spans = calloc(r->cap_spans, sizeof(*r->spans));
	r->open = calloc(ns, sizeof(*r->open));
	r->bins.nbins = ATTRIB_BINS;
	/* the chooser's estimate sets the first bin width; bins widen as
	 * the run turns out longer */
	r->bins.bin_ps = (sim_time_t)(tr->k.est_us * SIM_PS_PER_US /
				      ATTRIB_BINS) + 1;
	for (int k = 0; k < 6; k++) {
		double **a[] = {&r->bins.dram_bytes, &r->bins.l2_bytes,
				&r->bins.l2_read, &r->bins.l2_hit,
				&r->bins.tensor_ps, &r->bins.resident_ps};

		if (!(*a[k] = calloc(ATTRIB_BINS, sizeof(double))))
			return RL_EIO;
	}
	r->bins.sm_resident_ps = calloc((size_t)nsm * ATTRIB_BINS,
					sizeof(double));
	if (!r->spans || !r->open || !r->bins.sm_resident_ps)
		return RL_EIO;
	return RL_OK;
}

void attrib_cta_start(struct gpu_recorder *r, unsigned si, unsigned sm,
		      uint64_t idx, const struct trace *tr,
		      const struct trace_cta *c, sim_time_t now)
{
	struct attrib_span *o;
	uint64_t bks = (uint64_t)tr->k.bk * (uint64_t)tr->group;

	r->cta_t0[si] = now;
	if (!r->timeline)
		return;
	o = &r->open[si];
	if (o->count++ == 0) {
		o->t0 = now;
		o->sm = sm;
		o->slot = si % r->cps;
		o->cta = idx;
		o->tm = c->tm;
		o->tn = c->tn;
		o->slab = c->slab;
		o->split = c->split;
		o->s0 = c->s0;
		o->s1 = c->s1;
		o->k0 = c->s0 * bks;
		o->k1 = c->s1 * bks < tr->g.k ? c->s1 * bks : tr->g.k;
		o->mma_ps = 0;
	}
}

/* Whether block b's DRAM fill completes at t (the wait was for DRAM). */
static int dram_bound(const struct gpu_recorder *r, uint64_t b, sim_time_t t)
{
	return b < r->nids && r->fill_end[b] == t;
}

void attrib_load(struct gpu_recorder *r, unsigned si, uint64_t s,
		 sim_time_t now, sim_time_t port, sim_time_t ta,
		 sim_time_t tb, const struct trace_step *st, unsigned share)
{
	struct attrib_pend *p = &r->pd[(size_t)si * r->stages + s % r->stages];
	sim_time_t td = port > ta ? port : ta;
	uint64_t b;
	sim_time_t tbind;

	td = td > tb ? td : tb;
	p->base = r->cur[si];
	p->t0 = now;
	p->t1 = td;
	p->waited = 0;
	if (port >= ta && port >= tb) {
		p->part = ATTRIB_PORT;
		p->lat = 0;
	} else {
		b = ta >= tb ? st->a.block : st->b.block;
		tbind = ta >= tb ? ta : tb;
		if (dram_bound(r, b, tbind)) {
			p->part = ATTRIB_DRAM;
			p->lat = r->dram_lat;
		} else {
			p->part = ATTRIB_L2;
			/* a miss whose slice service outlasted its DRAM fill
			 * waits for the slices only; a hit for the slices and
			 * the hit latency */
			p->lat = b < r->nids && r->fill_start[b] == now ? 0 :
				 r->l2_lat;
		}
	}
	if (r->timeline) {
		double bytes = st->a.bytes + st->b.bytes / share;
		double hit = 0;

		if (!(st->a.block < r->nids && r->fill_start[st->a.block] == now))
			hit += st->a.bytes;
		if (!(st->b.block < r->nids && r->fill_start[st->b.block] == now))
			hit += st->b.bytes;
		spread(r, r->bins.l2_bytes, now, td, bytes);
		spread(r, r->bins.l2_read, now, now,
		       st->a.bytes + st->b.bytes);
		spread(r, r->bins.l2_hit, now, now, hit);
	}
}

void attrib_data(struct gpu_recorder *r, unsigned si, uint64_t s,
		 sim_time_t now)
{
	size_t i = (size_t)si * r->stages + s % r->stages;

	(void)now;
	settle(r, &r->pd[i], &r->vd[i]);
}

void attrib_mma(struct gpu_recorder *r, unsigned si, unsigned sm,
		uint64_t s, uint64_t trig, sim_time_t now, sim_time_t start,
		sim_time_t end)
{
	struct attrib_pend *p = &r->pm[(size_t)si * r->stages + s % r->stages];

	p->base = r->vd[(size_t)si * r->stages + trig % r->stages];
	p->t0 = start;
	p->t1 = end;
	p->waited = start > now;
	if (r->timeline) {
		double busy = (double)(end - start) * r->mma_share;

		r->open[si].mma_ps += busy;
		spread(r, r->bins.tensor_ps, start, end, busy);
	}
	(void)sm;
}

void attrib_mma_done(struct gpu_recorder *r, unsigned si, unsigned sm,
		     uint64_t s, sim_time_t now)
{
	struct attrib_pend *p = &r->pm[(size_t)si * r->stages + s % r->stages];
	struct attrib_vec *v = &r->cur[si];
	sim_time_t d = p->t1 - p->t0;
	/* the SM pipe's step is max(tensor, shared-memory reads) cycles: the
	 * tensor-core share is the tensor's, the excess the load/store
	 * path's (share in 1/2^20, d < 2^43 ps) */
	sim_time_t dt = (d * r->mma_share_q20 + (1u << 19)) >> 20;

	(void)now;
	*v = p->waited ? r->v_sm[sm] : p->base;
	if (r->t_tail >= p->t1) {
		v->ps[ATTRIB_TENSOR] += dt;
		v->ps[ATTRIB_PORT] += d - dt;
	} else {
		add(r, v, p->t0, p->t0 + dt, ATTRIB_TENSOR);
		add(r, v, p->t0 + dt, p->t1, ATTRIB_PORT);
	}
	r->v_sm[sm] = *v;
}

void attrib_store(struct gpu_recorder *r, sim_time_t port, sim_time_t mem,
		  double bytes)
{
	r->store_port = port;
	r->store_mem = mem;
	(void)bytes;
}

void attrib_epilogue(struct gpu_recorder *r, unsigned si, sim_time_t now,
		     sim_time_t done, int split)
{
	struct attrib_pend *p = &r->pe[si];

	p->base = r->cur[si];
	p->t0 = now;
	p->t1 = done;
	p->waited = 0;
	if (split) {
		p->part = ATTRIB_SPLITK;
		p->lat = 0;
	} else if (r->store_port >= r->store_mem) {
		p->part = ATTRIB_PORT;
		p->lat = 0;
	} else {
		p->part = ATTRIB_L2;
		p->lat = r->l2_lat;
	}
}

static void push_span(struct gpu_recorder *r, unsigned si)
{
	struct attrib_span *o = &r->open[si];

	if (o->count == 0)
		return;
	assert(r->nspans < r->cap_spans);
	if (r->nspans < r->cap_spans)
		r->spans[r->nspans++] = *o;
	o->count = 0;
}

void attrib_segment_done(struct gpu_recorder *r, unsigned si, sim_time_t now)
{
	(void)now;
	settle(r, &r->pe[si], &r->cur[si]);
}

void attrib_cta_done(struct gpu_recorder *r, unsigned si, sim_time_t now,
		     int more)
{
	if (now >= r->t_end) {
		r->t_end = now;
		r->v_end = r->cur[si];
	}
	if (!more && r->t_tail == SIM_TIME_MAX)
		r->t_tail = now;
	if (r->timeline) {
		struct attrib_span *o = &r->open[si];

		spread(r, r->bins.resident_ps, r->cta_t0[si], now,
		       (double)(now - r->cta_t0[si]));
		spread(r, r->bins.sm_resident_ps +
			       (size_t)o->sm * ATTRIB_BINS,
		       r->cta_t0[si], now, (double)(now - r->cta_t0[si]));
		o->t1 = now;
		if (o->count >= r->per_span || !more)
			push_span(r, si);
	}
}

void attrib_reduce(struct gpu_recorder *r, sim_time_t end, sim_time_t t0,
		   sim_time_t done)
{
	/* after the GEMM kernel: neither tail nor its resources */
	assert(end == r->t_end);
	if (t0 > end)
		r->v_end.ps[ATTRIB_FIXED] += t0 - end;
	if (done > t0)
		r->v_end.ps[ATTRIB_SPLITK] += done - t0;
	r->t_end = done > t0 ? done : t0;
}

void attrib_finish(struct gpu_recorder *r, sim_time_t end,
		   sim_time_t elapsed)
{
	assert(end == r->t_end);
	r->total = r->v_end;
	/* the write-back of what is still dirty, where it did not fit in
	 * the DRAM channels' idle time */
	if (elapsed > end)
		r->total.ps[ATTRIB_DRAM] += elapsed - end;
	r->elapsed = elapsed;
	assert(vsum(&r->total) == elapsed);
	for (unsigned si = 0; r->timeline && si < r->nslots; si++)
		push_span(r, si);
	if (r->timeline)
		r->bins.nbins = (unsigned)(elapsed / r->bins.bin_ps + 1 <
						   ATTRIB_BINS ?
					   elapsed / r->bins.bin_ps + 1 :
					   ATTRIB_BINS);
	(void)vsum;
}

/* ---- sensitivities ----------------------------------------------------- */

const char *const attrib_sens_name[ATTRIB_NSENS] = {
	"DRAM bandwidth", "L2 bandwidth", "tensor rate", "SM count",
};

void attrib_sens_field(int i, const struct gemm *g, char *out, size_t len)
{
	static const char *const f[ATTRIB_NSENS] = {
		"hbm.bandwidth_gbps", "l2.bytes_per_clk", NULL, "sm.count",
	};

	if (f[i])
		snprintf(out, len, "%s", f[i]);
	else
		snprintf(out, len, "tensor.%s_flop_per_clk",
			 rl_dtype_name(g->dtype));
}

int attrib_sensitivities(const struct hw_spec *hw, const struct gemm *g,
			 const struct gpu_opts *opts, double time_us,
			 double speedup[ATTRIB_NSENS], char *err)
{
	struct gpu_opts o = {0};

	if (opts)
		o = *opts;
	o.rec = NULL;
	for (int i = 0; i < ATTRIB_NSENS; i++) {
		struct hw_spec *h = hw_spec_clone(hw);
		struct gpu_result r;
		char field[64], why[RL_ERR_LEN];
		double v;
		int rc;

		speedup[i] = 0;
		/* a what-if of the machine explained, whose kernel stays a
		 * candidate (gpu.h) */
		if (h && hw_spec_what_if(h, 1)) {
			hw_spec_free(h);
			h = NULL;
		}
		if (!h) {
			rl_errf(err, "out of memory");
			return RL_EIO;
		}
		attrib_sens_field(i, g, field, sizeof field);
		/* out of the field's range, or inconsistent: no answer */
		if (hw_spec_get(h, field, &v) != RL_OK ||
		    hw_spec_set(h, field, 2 * v, why) != RL_OK ||
		    hw_spec_check(h, why) != RL_OK) {
			hw_spec_free(h);
			continue;
		}
		rc = gpu_simulate_gemm(h, g, &o, &r, err);
		hw_spec_free(h);
		if (rc != RL_OK)
			return rc;
		speedup[i] = time_us / r.time_us;
	}
	return RL_OK;
}
