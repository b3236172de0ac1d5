/*
 * gpu.c — the executor: plays one GEMM kernel's tile trace on the GPU built
 * from a hardware spec (see gpu.h).
 *
 * The machine:
 *  - SMs, each with ctas_per_sm CTA slots, an MMA pipe (a FIFO server whose
 *    work is SM cycles at the sustained clock: per k-step the larger of the
 *    tensor-core time and the shared-memory operand reads, see
 *    models/kernel.c) and an L2→SM load port (sm.l2_bytes_per_clk);
 *  - the memory hierarchy behind a gpu_mem interface (the chain mem.c
 *    builds: l2.c → hbm.c); with TMA multicast (sm.cluster_multicast)
 *    the CTAs of a cluster share one L2 transfer of each B tile.
 *
 * A CTA runs the CUTLASS multistage main loop: at start it issues the loads
 * of its first `stages` k-steps; the MMA of step s starts when its data has
 * arrived and the MMA of step s-1 has been issued (the tensor pipe is FIFO);
 * when the MMA of step s ends its stage is free and the load of the next
 * step is issued. After the last MMA the epilogue stores the C tile through
 * L2 — or, under split-K, an fp32 partial; the last slab of a tile to
 * finish reads the other partials back and stores C. Then the slot takes
 * the next CTA in launch order (the CTA scheduler fills SMs breadth-first,
 * then hands out CTAs as slots free up — waves emerge, they are not
 * imposed).
 *
 * Stream-K (kernel_config.tail_split) needs nothing of its own here: its
 * pieces are CTAs with a shorter k-range that reduce like split-K slabs;
 * with launch.splitk_reduction_kernel the split-K slabs only store their
 * partials and reduce_kernel() plays the second kernel after the first.
 *
 * Two events per k-step (data ready, MMA done) and one per CTA; memory
 * requests are O(chunks) server calls inside the handlers, no events.
 * Kernel launch overhead (launch.overhead_us) precedes the first CTA.
 */
#include "sim/gpu/gpu.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/kernel.h"
#include "models/roofline.h"
#include "models/trace.h"
#include "sim/engine/engine.h"
#include "sim/engine/server.h"
#include "sim/gpu/attrib.h"
#include "sim/gpu/exec.h"
#include "sim/gpu/mem.h"

struct slot {
	struct trace_cta c;  /* CTA running here */
	unsigned sm;         /* SM index */
	uint64_t next_mma;   /* next step whose MMA is to be issued */
	uint64_t next_load;  /* next step whose load is to be issued */
	uint8_t *ready;      /* per stage: data arrived, MMA not yet issued */
};

/* What a fold (fold_plan) snapshots at a launch of the window. */
struct fold_snap {
	sim_time_t t;                  /* launch time, ps */
	struct gpu_mem_stats l2, dram; /* the front level and DRAM so far */
	double tensor_busy;            /* MMA pipes' busy time, summed, ps */
};

struct fold {
	uint64_t skip;          /* CTAs not played (whole waves); 0: no fold */
	uint64_t w0, w1;        /* the window: launch indices */
	struct fold_snap s0, s1;/* at the launches of w0 and w1 */
};

struct gpu {
	struct trace tr;
	struct sim_engine *e;
	struct gpu_mem *mem;  /* first level (L2) */
	struct hw_machine m;  /* the machine's rates (hw_machine_of) */
	struct gpu_sm *sms;
	unsigned nsm, cps, stages;
	unsigned multicast;   /* CTAs per cluster sharing a B transfer */
	unsigned pair;        /* 2: each SM of an MMA pair loads half of B */
	struct slot *slots;   /* nsm · cps */
	uint8_t *ready;       /* backing store of slot ready flags */
	uint32_t *arrivals;   /* split-K slabs finished, per tile */
	int reduce_kernel;    /* split-K partials summed by a second kernel */
	uint64_t next_cta;    /* launch order index of the next CTA */
	uint64_t play;        /* CTAs played: all, or fewer with a fold */
	struct fold fold;
	uint64_t done_ctas;
	double flops;         /* useful FLOPs executed */
	sim_time_t end;       /* time the last CTA finished */
	int failed;           /* an event could not be scheduled (no memory) */
	struct gpu_recorder *rec; /* observer (attrib.h); NULL: none */
};

#define ARG(slot, step) (((uint64_t)(slot) << 40) | (uint64_t)(step))
#define ARG_SLOT(a) ((unsigned)((a) >> 40))
#define ARG_STEP(a) ((a) & ((1ULL << 40) - 1))

static void ev_data(struct sim_engine *e, void *ctx, uint64_t arg);
static void ev_mma_done(struct sim_engine *e, void *ctx, uint64_t arg);
static void ev_cta_done(struct sim_engine *e, void *ctx, uint64_t arg);

static sim_time_t max_t(sim_time_t a, sim_time_t b) { return a > b ? a : b; }
static void fold_snap(struct gpu *g, struct fold_snap *s);

/* Schedule fn(arg) at t; an event that cannot be scheduled (the engine's
 * pool cannot grow) marks the run failed, and gpu_play reports it.
 *
 * Order of equal-time events (the engine runs them in insertion order)
 * matters in three places: the ev_start events at t0 are inserted slot 0
 * of every SM, then slot 1, …, so CTA i goes to the i-th of them (the
 * breadth-first launch); ev_cta_done events at one time hand out the next
 * CTAs in the order their slots' last MMAs were scheduled; and a slot's
 * ev_data and ev_mma_done at one time issue their requests to the FIFO
 * servers in that order. Results are deterministic either way (same
 * inputs, same insertion order); a different tie rule moves CTAs between
 * SMs, which can change a ragged tail. */
static void schedule(struct gpu *g, sim_time_t t, sim_handler_fn fn,
		     uint64_t arg)
{
	if (sim_engine_schedule(g->e, t, fn, g, arg) == SIM_EVENT_NONE)
		g->failed = 1;
}

static void issue_load(struct gpu *g, unsigned si, uint64_t s)
{
	struct slot *sl = &g->slots[si];
	struct gpu_sm *sm = &g->sms[sl->sm];
	sim_time_t now = sim_engine_now(g->e);
	struct trace_step st;
	sim_time_t t, ta, tb;

	/* every stage (SM port, L2 slices, DRAM channels) sees the request
	 * at issue time, so each FIFO gets its requests in time order; the
	 * data is there when the slowest stage has delivered it */
	trace_step_at(&g->tr, &sl->c, s, &st);
	t = sim_server_request(&sm->port, now,
			       st.a.bytes + st.b.bytes / g->pair);
	ta = g->mem->ops->read(g->mem, now, st.a.block, st.a.addr, st.a.bytes,
			       1);
	/* the CTAs of a cluster (consecutive m-tiles in launch order) share
	 * the B tile: one multicast transfer through L2 feeds them all */
	tb = g->mem->ops->read(g->mem, now, st.b.block, st.b.addr, st.b.bytes,
			       g->multicast);
	if (g->rec)
		attrib_load(g->rec, si, s, now, t, ta, tb, &st, g->multicast);
	schedule(g, max_t(t, max_t(ta, tb)), ev_data, ARG(si, s));
}

/* Start the next CTA in launch order in slot si: its loads of the first
 * stages. */
static void start_cta(struct gpu *g, unsigned si)
{
	struct slot *sl = &g->slots[si];
	uint64_t s;

	trace_cta_at(&g->tr, g->next_cta++, &sl->c);
	if (g->rec)
		attrib_cta_start(g->rec, si, sl->sm, g->next_cta - 1, &g->tr,
				 &sl->c, sim_engine_now(g->e));
	sl->next_mma = sl->next_load = sl->c.s0;
	memset(sl->ready, 0, g->stages);
	for (s = sl->c.s0; s < sl->c.s1 && s < sl->c.s0 + g->stages; s++)
		issue_load(g, si, s);
	sl->next_load = s;
}

static void ev_start(struct sim_engine *e, void *ctx, uint64_t arg)
{
	(void)e;
	start_cta(ctx, ARG_SLOT(arg));
}

static void ev_data(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct gpu *g = ctx;
	unsigned si = ARG_SLOT(arg);
	struct slot *sl = &g->slots[si];
	struct gpu_sm *sm = &g->sms[sl->sm];
	sim_time_t now = sim_engine_now(e);
	double mma = g->tr.k.step_cycles * g->tr.group;

	sl->ready[ARG_STEP(arg) % g->stages] = 1;
	if (g->rec)
		attrib_data(g->rec, si, ARG_STEP(arg), now);
	while (sl->next_mma < sl->c.s1 &&
	       sl->ready[sl->next_mma % g->stages]) {
		sim_time_t start = max_t(now, sm->tensor.free_at);
		sim_time_t end = sim_server_request(&sm->tensor, now, mma);

		if (g->rec)
			attrib_mma(g->rec, si, sl->sm, sl->next_mma,
				   ARG_STEP(arg), now, start, end);

		sl->ready[sl->next_mma % g->stages] = 0;
		schedule(g, end, ev_mma_done, ARG(si, sl->next_mma));
		sl->next_mma++;
	}
}

/* Store the CTA's result; returns when the store is acknowledged. */
static sim_time_t epilogue(struct gpu *g, struct slot *sl)
{
	struct gpu_sm *sm = &g->sms[sl->sm];
	sim_time_t now = sim_engine_now(g->e);
	struct trace_load c = trace_c_store(&g->tr, &sl->c);
	uint64_t split = sl->c.split;
	sim_time_t t, w;

	if (split > 1) {
		uint64_t tile = sl->c.tm * g->tr.k.tiles_n + sl->c.tn;

		/* with a separate reduction kernel every slab only stores
		 * its partial (reduce_kernel() sums them afterwards) */
		if (++g->arrivals[tile] < split || g->reduce_kernel) {
			struct trace_load p = trace_partial(&g->tr, &sl->c);

			t = sim_server_request(&sm->port, now, p.bytes);
			return max_t(t, g->mem->ops->write(g->mem, now, p.block,
							  p.addr, p.bytes));
		}
		/* last slab: reduce the others' partials into C */
		t = now;
		for (uint64_t s = 0; s < split; s++) {
			struct trace_cta o = sl->c;
			struct trace_load p;
			sim_time_t r;

			if (s == sl->c.slab)
				continue;
			o.slab = s;
			p = trace_partial(&g->tr, &o);
			r = g->mem->ops->read(g->mem, now, p.block, p.addr,
					      p.bytes, 1);
			t = max_t(t, r);
			t = max_t(t, sim_server_request(&sm->port, now,
							p.bytes));
		}
		/* C leaves once the partials are in; its store is issued
		 * now and completes no earlier than that */
		return max_t(t, max_t(sim_server_request(&sm->port, now,
							  c.bytes),
				      g->mem->ops->write(g->mem, now, c.block,
							 c.addr, c.bytes)));
	}
	t = sim_server_request(&sm->port, now, c.bytes);
	w = g->mem->ops->write(g->mem, now, c.block, c.addr, c.bytes);
	if (g->rec)
		attrib_store(g->rec, t, w, c.bytes);
	return max_t(t, w);
}

static void ev_mma_done(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct gpu *g = ctx;
	unsigned si = ARG_SLOT(arg);
	struct slot *sl = &g->slots[si];
	uint64_t s = ARG_STEP(arg);
	uint64_t bks = (uint64_t)g->tr.k.bk * g->tr.group;
	uint64_t kv = g->tr.g.k - s * bks < bks ? g->tr.g.k - s * bks : bks;

	if (g->rec)
		attrib_mma_done(g->rec, si, sl->sm, s, sim_engine_now(e));
	g->flops += 2.0 * (double)sl->c.rows * (double)sl->c.cols * (double)kv;
	if (sl->next_load < sl->c.s1)
		issue_load(g, si, sl->next_load++);
	if (s + 1 == sl->c.s1) {
		sim_time_t done = epilogue(g, sl);

		if (g->rec)
			attrib_epilogue(g->rec, si, sim_engine_now(e), done,
					sl->c.split > 1);
		schedule(g, done, ev_cta_done, ARG(si, 0));
	}
}

static void ev_cta_done(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct gpu *g = ctx;

	if (g->rec)
		attrib_segment_done(g->rec, ARG_SLOT(arg), sim_engine_now(e));
	g->done_ctas++;
	g->end = sim_engine_now(e);
	if (g->rec)
		attrib_cta_done(g->rec, ARG_SLOT(arg), g->end,
				g->next_cta < g->play);
	if (g->fold.skip && (g->next_cta == g->fold.w0 ||
			     g->next_cta == g->fold.w1))
		fold_snap(g, g->next_cta == g->fold.w0 ? &g->fold.s0 :
			  &g->fold.s1);
	if (g->next_cta < g->play)
		start_cta(g, ARG_SLOT(arg));
}

/* The share of the operand blocks resident at kernel start: 1 with
 * l2_warm, else l2_warm_fraction (0 = cold). */
static double warm_share(const struct gpu_opts *opts)
{
	return !opts ? 0 : opts->l2_warm ? 1 : opts->l2_warm_fraction;
}

/* Whether block b is among the share f of blocks a partly warm L2 holds:
 * exactly floor(n·f) of blocks 0..n-1, evenly spread. */
static int warm_block(uint64_t b, double f)
{
	return f >= 1 || floor((double)(b + 1) * f) > floor((double)b * f);
}

/* The separate split-K reduction kernel (cuBLASLt's non-in-place
 * reduction schemes): launched when the GEMM kernel ends, it reads every
 * tile's fp32 partials through the L2 (where the GEMM kernel just wrote
 * them) and stores C; its CTAs are spread over all SMs, so the L2 slices
 * and DRAM channels, not one SM's port, set its pace. Returns its end. */
static sim_time_t reduce_kernel(struct gpu *g, const struct hw_spec *hw,
				sim_time_t end)
{
	sim_time_t t0 = end + (sim_time_t)(hw->launch.overhead_us *
					   SIM_PS_PER_US);
	sim_time_t done = t0;
	uint64_t split = (uint64_t)g->tr.k.split_k;
	struct trace_cta c;

	for (uint64_t i = 0; i < g->tr.k.ctas; i += split) {
		struct trace_load cs;

		trace_cta_at(&g->tr, i, &c);
		for (uint64_t s = 0; s < split; s++) {
			struct trace_load p;

			c.slab = s;
			p = trace_partial(&g->tr, &c);
			done = max_t(done, g->mem->ops->read(g->mem, t0,
							     p.block, p.addr,
							     p.bytes, 1));
		}
		cs = trace_c_store(&g->tr, &c);
		done = max_t(done, g->mem->ops->write(g->mem, t0, cs.block,
						      cs.addr, cs.bytes));
	}
	return done;
}

/* Slices per trace step: exact (1) unless the GEMM has more CTA k-steps
 * than STEP_BUDGET; then consecutive BK-slices are merged (by powers of
 * two, keeping at least 8 steps per CTA) so that simulation cost stays
 * bounded for the largest shapes. Merged steps keep at least two steps in
 * flight (see gpu_simulate_gemm), so loads still overlap MMAs; these are
 * long-running, throughput-bound GEMMs where the per-CTA fill that merging
 * coarsens is a small fraction of the time. A step is no coarser than
 * 4·stages slices (below STEP_HARD_BUDGET steps): it is loaded whole, so a coarser one keeps more of the
 * operands in flight than the L2 holds for the CTAs that share them
 * (32768x16384x16384 on the H100: 64-slice steps gave an L2 hit rate of
 * 0.55 and a 63 % longer time than 32-slice steps, 0.89). */
#define STEP_BUDGET 40000.0
/* Past this many steps the 4·stages limit gives way, so that the largest
 * accepted GEMMs stay within seconds (262144x131072x16384 on the A100
 * PCIe: 68 M events, 8.7 s with the limit; 32.5 M, 3 s without); no
 * shape of the measured tables comes near it (the largest, 32768 x
 * 16384 x 16384, has 262,144 steps at 32 slices). */
#define STEP_HARD_BUDGET 2e6


/* Merging g slices per step keeps every stream-K piece non-empty. */
static int pieces_fit(const struct kernel_config *k, int g)
{
	uint64_t steps = (k->ksteps + (uint64_t)g - 1) / (uint64_t)g;
	uint64_t p = (uint64_t)k->tail_split;
	uint64_t per = (steps + p - 1) / p;

	return p <= 1 || (steps >= 2 * p && per * (p - 1) < steps);
}

/* The group for `ctas` CTAs of kernel k played (k->ctas, or fewer with a
 * fold) under a budget of `budget` CTA k-steps. */
static int step_group(const struct kernel_config *k, uint64_t ctas,
		      double budget)
{
	double steps = (double)ctas * (double)k->ksteps;
	int g = 1;

	while (steps / g > budget && k->ksteps / (uint64_t)(2 * g) >= 8 &&
	       pieces_fit(k, 2 * g) &&
	       (2 * g <= 4 * k->stages || steps / g > STEP_HARD_BUDGET))
		g *= 2;
	return g;
}

/* Folding steady-state waves (GEMMs of more than GPU_FOLD_CTAS CTAs, far
 * beyond the measured tables): the CTAs are played in launch order up to
 * `play`; the `skip` CTAs of whole waves after them are not played but
 * accounted at the rate of the played steady state, measured over a
 * window of launches [w0, w1] after a warm-up. The window is a whole
 * number of rasterization periods — swizzle groups (sw m-tiles × all
 * n-tiles, the first group, cold, as the warm-up) where FOLD_STEPS steps
 * hold them, else tile columns of a group (sw CTAs sharing one B block) —
 * and at least FOLD_WAVES waves. The played part keeps the CTA count
 * modulo the slots, so its last wave is as ragged as the real one. The
 * played steps are merged as for a GEMM of `play` CTAs, so the 4·stages
 * limit of step_group holds where a full play would have lifted it
 * (STEP_HARD_BUDGET), and the L2 sees the operands in flight the kernel
 * has. What it cannot show: a change of regime after the played part.
 * One was seen while the L2 slices were separate queues fed 4 KiB chunk
 * by chunk: in 262144x131072x16384 on the A100 PCIe, played in full,
 * co-resident CTAs drifted out of step after ~65k CTAs and the L2 hit
 * rate fell from 0.91 to 0.25; with the slices one queue the full play
 * holds 0.907 to the end and the fold is within 0.2 %. Errors against
 * playing every CTA: BENCHMARKS.md (`tests/bench_grid --fold`). */
#define FOLD_WAVES 4
#define FOLD_STEPS 1e6

static uint64_t round_up(uint64_t x, uint64_t p) { return (x + p - 1) / p * p; }

/* Sets g->play and g->fold; returns the step group of the CTAs played. */
static int fold_plan(struct gpu *g, const struct kernel_config *k,
		     const struct gpu_opts *opts, double budget)
{
	uint64_t n = k->ctas, slots = (uint64_t)g->nsm * g->cps;
	uint64_t split = (uint64_t)k->split_k, sw = (uint64_t)k->swizzle;
	uint64_t rows = sw < k->tiles_m ? sw : k->tiles_m;
	uint64_t p = sw * k->tiles_n * split; /* one swizzle group */
	uint64_t w = round_up(FOLD_WAVES * slots, p), warm = p;
	uint64_t least = warm + w + 1;
	int group;

	g->play = n;
	memset(&g->fold, 0, sizeof g->fold);
	if (n <= GPU_FOLD_CTAS || g->reduce_kernel)
		return step_group(k, n, budget);
	if (k->tiles_m <= sw || (double)least * (double)rl_ceil_div(
		    k->ksteps, (uint64_t)step_group(k, least, budget)) >
		    FOLD_STEPS) {
		p = rows * split; /* one tile column of a group */
		w = round_up(FOLD_WAVES * slots, p);
		warm = w;
		least = warm + w + 1;
	}
	if (least + slots > n)
		return step_group(k, n, budget);
	g->fold.skip = (n - least) / slots * slots;
	g->play = n - g->fold.skip;
	g->fold.w1 = g->play - 1;
	g->fold.w0 = g->fold.w1 - w;
	group = step_group(k, g->play, budget);
	if (opts && opts->no_fold) { /* the same steps, every CTA played */
		g->play = n;
		memset(&g->fold, 0, sizeof g->fold);
	}
	return group;
}

static void fold_snap(struct gpu *g, struct fold_snap *s)
{
	s->t = sim_engine_now(g->e);
	g->mem->ops->stats(g->mem, &s->l2);
	gpu_mem_back(g->mem)->ops->stats(gpu_mem_back(g->mem), &s->dram);
	s->tensor_busy = 0;
	for (unsigned i = 0; i < g->nsm; i++)
		s->tensor_busy += g->sms[i].tensor.busy_ps;
}

/* x + f·(x1 - x0) for each field: the folded waves' share. */
static void fold_stats(struct gpu_mem_stats *x, const struct gpu_mem_stats *x0,
		       const struct gpu_mem_stats *x1, double f)
{
	x->read_bytes += f * (x1->read_bytes - x0->read_bytes);
	x->write_bytes += f * (x1->write_bytes - x0->write_bytes);
	x->hit_bytes += f * (x1->hit_bytes - x0->hit_bytes);
	x->busy_ps += f * (x1->busy_ps - x0->busy_ps);
}

/* The folded waves' time, ps. */
static sim_time_t fold_time(const struct gpu *g)
{
	double f = (double)g->fold.skip / (double)(g->fold.w1 - g->fold.w0);

	return (sim_time_t)llround(f * (double)(g->fold.s1.t - g->fold.s0.t));
}

/* The recorder's parts with the folded time dt added in the shares of
 * the played run's steady parts (tensor, DRAM, L2, port), so that they
 * still sum to the predicted time to the picosecond. */
static void fold_parts(struct gpu_recorder *rec, sim_time_t dt)
{
	uint64_t sum = 0, given = 0, add[ATTRIB_NPARTS] = {0};
	int big = ATTRIB_TENSOR;

	for (int i = ATTRIB_TENSOR; i <= ATTRIB_PORT; i++) {
		sum += rec->total.ps[i];
		if (rec->total.ps[i] > rec->total.ps[big])
			big = i;
	}
	for (int i = ATTRIB_TENSOR; i <= ATTRIB_PORT && sum; i++) {
		add[i] = (uint64_t)((double)dt * (double)rec->total.ps[i] /
				    (double)sum);
		given += add[i];
	}
	add[big] += dt - given;
	for (int i = 0; i < ATTRIB_NPARTS; i++)
		rec->total.ps[i] += add[i];
	rec->elapsed += dt;
}

static void gpu_free(struct gpu *g)
{
	if (!g)
		return;
	gpu_exec_free(g->e, g->mem, g->sms, g->nsm);
	free(g->slots);
	free(g->ready);
	free(g->arrivals);
	free(g);
}

static void classify(const struct hw_spec *hw, const struct gemm *gm,
		     struct gpu_result *r)
{
	struct hw_machine m;
	double t = r->time_us * 1e-6;
	double t_comp = r->flops / hw_spec_sustained_flops(hw, gm->dtype);

	hw_machine_of(hw, &m);
	snprintf(r->bound, sizeof(r->bound), "%s",
		 gpu_bound_name(&m, t, t_comp, r->bytes_hbm / m.dram_bw));
}

/* The promise every result keeps: never faster than the datasheet
 * roofline of the spec (boost-clock peak, datasheet DRAM bandwidth over
 * the compulsory bytes); with a warm L2 the operands need not come from
 * DRAM, so only the compute ceiling binds. A violation is a model bug:
 * asserted in debug builds, an error (not a wrong number) otherwise. */
static int check_roofline(const struct hw_spec *spec, const struct gemm *gm,
			  const struct gpu_opts *opts, const struct gpu_result *r,
			  char *err)
{
	struct roofline_point rp;
	double floor_us;

	roofline_gemm(spec, gm, &rp);
	floor_us = warm_share(opts) > 0 ?
		rp.flops / rp.peak_flops * 1e6 : rp.time_us;
	/* 1 ps of slack: times are integer picoseconds */
	if (r->time_us * (1 + 1e-9) + 1e-6 >= floor_us)
		return RL_OK;
	assert(!"simulated time beats the roofline");
	rl_errf(err, "%s: gemm %llux%llux%llu: simulated %.6g us is faster "
		     "than the roofline's %.6g us (a model bug; please report)",
		spec->name, (unsigned long long)gm->m,
		(unsigned long long)gm->n, (unsigned long long)gm->k,
		r->time_us, floor_us);
	return RL_EIO;
}

/* The checks of gpu_check_gemm(); on success kc is the chosen kernel. */
static int check(const struct hw_spec *hw, const struct gemm *gm,
		 struct kernel_config *kc, char *err)
{
	if (gm->m == 0 || gm->n == 0 || gm->k == 0) {
		rl_errf(err, "gemm: m, n and k must be positive");
		return RL_EINPUT;
	}
	if (hw_spec_sustained_flops(hw, gm->dtype) <= 0) {
		rl_errf(err, "%s: no tensor rate for dtype %s", hw->name,
			rl_dtype_name(gm->dtype));
		return RL_EINPUT;
	}
	if (kernel_choose(hw, gm, kc) != RL_OK) {
		rl_errf(err, "%s: no GEMM kernel fits an SM (shared memory, "
			     "registers)", hw->name);
		return RL_EINPUT;
	}
	if (kc->ctas > GPU_MAX_CTAS) {
		rl_errf(err, "gemm %llux%llux%llu: %llu CTAs, more than the "
			     "%d a simulation takes (expected m·n ≤ ~3e10)",
			(unsigned long long)gm->m, (unsigned long long)gm->n,
			(unsigned long long)gm->k,
			(unsigned long long)kc->ctas, GPU_MAX_CTAS);
		return RL_EINPUT;
	}
	return RL_OK;
}

int gpu_check_gemm(const struct hw_spec *hw, const struct gemm *g,
		   char *err)
{
	struct kernel_config kc;

	return check(hw, g, &kc, err);
}

/* The machine as this call sees it: the spec at this kernel's clocks
 * (kernel_clocks: zero padding raises a power-limited clock), the SM
 * clock at the power-limited mean over the protocol's timed calls. The
 * busy period is measured in the chooser's estimate of one call
 * (kc->est_us), so the clock is known before the simulation starts and
 * one run suffices. */
static void run_spec(const struct hw_spec *spec, const struct gemm *gm,
		     const struct kernel_config *kc,
		     const struct gpu_opts *opts, struct hw_spec *out)
{
	*out = *spec; /* shallow: the sources stay the caller's, read-only */
	kernel_clocks(spec, gm, kc, &out->clock.sustained_mhz,
		      &out->clock.burst_mhz);
	/* no protocol: a GPU busy for long (serving, a layer in a loop)
	 * runs at the sustained clock */
	if (!opts || opts->calls_timed <= 0)
		return;
	out->clock.sustained_mhz = hw_spec_mean_clock_mhz(
		out, opts->calls_before * kc->est_us,
		opts->calls_timed * kc->est_us);
}

/* The chooser's kernel for gm on spec (check()), at the clock of the
 * protocol's timed calls, as the simulation will see it (run_spec): short
 * calls run near a power-limited GPU's burst clock. The busy period of a
 * call is its roofline time, known before a kernel is chosen. *at is the
 * spec at that clock (the estimate of kc is made on it). */
static int choose(const struct hw_spec *spec, const struct gemm *gm,
		  const struct gpu_opts *opts, struct hw_spec *at,
		  struct kernel_config *kc, char *err)
{
	*at = *spec; /* shallow: only the clock changes */
	if (opts && opts->calls_timed > 0) {
		struct roofline_point rp;

		roofline_gemm(spec, gm, &rp);
		at->clock.sustained_mhz = hw_spec_mean_clock_mhz(
			spec, opts->calls_before * rp.time_us,
			opts->calls_timed * rp.time_us);
	}
	return check(at, gm, kc, err);
}

/* A what-if GPU (hw_spec_what_if: fields of a GPU as given, changed) runs
 * the library built for the GPU it was changed from. Its heuristic's pick
 * for the changed GPU (kc) replaces the kernel it runs there (the origin's
 * pick, rebuilt for the changed GPU: kernel_config_remake) only if it plays
 * faster — a library is tuned by timing its candidates on the GPU, so a
 * switch that loses to the kernel it had is one the tuning would not keep.
 * Without this, the estimate's misrankings showed in what-ifs as doubled
 * DRAM bandwidth slowing GEMMs down (37 of 5,600 (shape, GPU) pairs of
 * experiments/checks/double_bandwidth.sh over the shipped specs, by up to
 * 7.5 %, b200 4096x16384x128). Ties keep the heuristic's pick. A recorder
 * watches the heuristic's pick, and the other kernel again if it wins. */
static int what_if(const struct hw_spec *spec, const struct hw_spec *at,
		   const struct gemm *gm, const struct kernel_config *kc,
		   const struct gpu_opts *opts, struct gpu_result *r,
		   char *err)
{
	struct kernel_config o, here;
	struct hw_spec oat;
	struct gpu_result ro;
	struct gpu_opts other = {0};
	char scratch[RL_ERR_LEN];
	int rc;

	/* the origin refusing the GEMM, or its kernel not fitting here:
	 * nothing to compare with */
	if (choose(spec->origin, gm, opts, &oat, &o, scratch) != RL_OK ||
	    kernel_config_remake(at, gm, &o, &here) != RL_OK ||
	    kernel_config_same(&here, kc) || here.ctas > GPU_MAX_CTAS)
		return gpu_simulate_kernel(spec, gm, kc, opts, r, err);
	if (opts)
		other = *opts;
	other.rec = NULL; /* recorded again only if it wins (seldom) */
	if ((rc = gpu_simulate_kernel(spec, gm, kc, opts, r, err)) != RL_OK ||
	    (rc = gpu_simulate_kernel(spec, gm, &here, opts ? &other : NULL,
				      &ro, err)) != RL_OK)
		return rc;
	if (ro.time_us >= r->time_us)
		return RL_OK;
	if (opts && opts->rec) {
		struct gpu_recorder fresh;

		/* one recorder serves one simulation */
		attrib_init(&fresh, opts->rec->timeline);
		other.rec = &fresh;
		rc = gpu_simulate_kernel(spec, gm, &here, &other, &ro, err);
		if (rc == RL_OK)
			attrib_swap(opts->rec, &fresh);
		attrib_destroy(&fresh);
		if (rc != RL_OK)
			return rc;
	}
	*r = ro;
	return RL_OK;
}

int gpu_simulate_gemm(const struct hw_spec *spec, const struct gemm *gm,
		      const struct gpu_opts *opts, struct gpu_result *r,
		      char *err)
{
	struct kernel_config kc;
	struct hw_spec at;
	int rc;

	if ((rc = choose(spec, gm, opts, &at, &kc, err)) != RL_OK)
		return rc;
	if (spec->origin)
		return what_if(spec, &at, gm, &kc, opts, r, err);
	return gpu_simulate_kernel(spec, gm, &kc, opts, r, err);
}

/* The machine for one kernel: SMs, slots, the memory chain, the engine.
 * NULL when out of memory. */
static struct gpu *gpu_build(const struct hw_spec *hw, const struct gemm *gm,
			     const struct kernel_config *kc,
			     const struct gpu_opts *opts)
{
	unsigned nslots;
	struct gpu *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	hw_machine_of(hw, &g->m);
	g->rec = opts ? opts->rec : NULL;
	g->nsm = (unsigned)hw->sm.count;
	g->cps = (unsigned)kc->ctas_per_sm;
	g->reduce_kernel = kc->split_k > 1 && hw->launch.splitk_reduction_kernel;
	trace_init(&g->tr, gm, kc,
		   fold_plan(g, kc, opts, opts && opts->step_budget > 0 ?
					  opts->step_budget : STEP_BUDGET));
	g->multicast = (unsigned)hw->sm.cluster_multicast;
	if (g->multicast > kc->tiles_m)
		g->multicast = (unsigned)kc->tiles_m;
	if (g->multicast < 1)
		g->multicast = 1;
	g->pair = hw->tensor.pair_mma && kc->tiles_m > 1 ? 2 : 1;
	/* steps in flight: the kernel's stages, in (possibly merged) steps,
	 * never fewer than double buffering */
	g->stages = (unsigned)(kc->stages / g->tr.group);
	if (g->stages < 2)
		g->stages = 2;
	nslots = g->nsm * g->cps;
	g->e = sim_engine_new(4 * (size_t)nslots * g->stages);
	/* a recorder watches DRAM through a pass-through level */
	g->mem = gpu_mem_chain_new(hw, g->tr.nids, opts ? opts->chunk_shift : 0,
				   g->rec ? attrib_probe(g->rec, NULL) : NULL);
	if (!g->mem) {
		gpu_free(g);
		return NULL;
	}
	g->sms = calloc(g->nsm, sizeof(*g->sms));
	g->slots = calloc(nslots, sizeof(*g->slots));
	g->ready = calloc((size_t)nslots * g->stages, 1);
	assert(kc->tiles_m * kc->tiles_n > 0); /* check() refuses empty GEMMs */
	g->arrivals = calloc(kc->tiles_m * kc->tiles_n, sizeof(*g->arrivals));
	if (!g->e || !g->sms || !g->slots || !g->ready || !g->arrivals) {
		gpu_free(g);
		return NULL;
	}
	for (unsigned i = 0; i < g->nsm; i++) {
		sim_server_init(&g->sms[i].tensor, g->m.clk, 0,
				SIM_SERVER_NO_WAIT_STATS);
		sim_server_init(&g->sms[i].port, g->m.port_bw, 0,
				SIM_SERVER_NO_WAIT_STATS);
	}
	return g;
}

/* Operands resident at kernel start, as after an identical previous
 * call — all of them, or an evenly spread share (warm_share). */
static void gpu_warm(struct gpu *g, const struct kernel_config *kc,
		     const struct gpu_opts *opts)
{
	double f = warm_share(opts);
	struct trace_cta c;
	struct trace_step st;

	if (f <= 0)
		return;
	for (uint64_t i = 0; i < kc->ctas; i++) {
		trace_cta_at(&g->tr, i, &c);
		for (uint64_t s = c.s0; s < c.s1; s++) {
			trace_step_at(&g->tr, &c, s, &st);
			if (warm_block(st.a.block, f))
				gpu_mem_preload(g->mem, st.a.block, st.a.bytes);
			if (warm_block(st.b.block, f))
				gpu_mem_preload(g->mem, st.b.block, st.b.bytes);
		}
	}
}

/* Play the kernel: the CTA scheduler fills the SMs breadth-first, then
 * slot by slot, at t0 (after the launch); then the separate reduction
 * kernel, if any, and the write-back of what the L2 holds dirty. Sets
 * *elapsed to the call's time; RL_OK, or the recorder's error. */
static int gpu_play(struct gpu *g, const struct hw_spec *hw,
		    const struct kernel_config *kc, sim_time_t *elapsed)
{
	sim_time_t t0 = (sim_time_t)(hw->launch.overhead_us * SIM_PS_PER_US);
	int rc;

	if (g->rec && (rc = attrib_begin(g->rec, hw, &g->tr, g->nsm, g->cps,
					 g->stages, t0)) != RL_OK)
		return rc;
	for (unsigned j = 0, n = 0; j < g->cps; j++)
		for (unsigned i = 0; i < g->nsm && n < kc->ctas; i++, n++) {
			unsigned si = i * g->cps + j;

			g->slots[si].sm = i;
			g->slots[si].ready = g->ready + (size_t)si * g->stages;
			schedule(g, t0, ev_start, ARG(si, 0));
		}
	g->next_cta = 0;
	sim_engine_run(g->e);
	if (g->failed)
		return RL_EIO;
	assert(g->done_ctas == g->play);

	/* The dirty lines left in L2 are written back behind whatever each
	 * DRAM channel still had queued (FIFO), as they would be while the
	 * next call runs: free where the channels had slack (a small GEMM's
	 * C), on the critical path where they did not (a write-dominated,
	 * small-k GEMM) — in a stream of calls the DRAM must carry every
	 * call's bytes, so the call lasts at least that long. */
	if (g->reduce_kernel) {
		sim_time_t e0 = g->end;

		g->end = reduce_kernel(g, hw, g->end);
		if (g->rec)
			attrib_reduce(g->rec, e0, e0 + (sim_time_t)(
				hw->launch.overhead_us * SIM_PS_PER_US), g->end);
	}
	*elapsed = max_t(g->end, gpu_mem_flush(g->mem, t0));
	if (g->rec)
		attrib_finish(g->rec, g->end, *elapsed);
	if (g->fold.skip) {
		sim_time_t dt = fold_time(g);

		*elapsed += dt;
		if (g->rec)
			fold_parts(g->rec, dt);
	}
	return RL_OK;
}

/* The result fields from the finished run. */
static void gpu_collect(struct gpu *g, const struct hw_spec *hw,
			const struct gemm *gm, const struct kernel_config *kc,
			sim_time_t elapsed, struct gpu_result *r)
{
	struct gpu_mem_stats hs, ls;
	double f = 0;

	memset(r, 0, sizeof(*r));
	if (g->rec)
		for (int i = 0; i < ATTRIB_NPARTS; i++)
			r->part_us[i] = (double)g->rec->total.ps[i] /
					SIM_PS_PER_US;
	r->time_us = (double)elapsed / SIM_PS_PER_US;
	r->flops = g->flops;
	/* the folded CTAs' FLOPs, CTA by CTA: their k-ranges */
	for (uint64_t i = g->play; i < kc->ctas; i++) {
		struct trace_cta c;
		uint64_t bks = (uint64_t)kc->bk * g->tr.group, k1;

		trace_cta_at(&g->tr, i, &c);
		k1 = c.s1 * bks < gm->k ? c.s1 * bks : gm->k;
		r->flops += 2.0 * (double)c.rows * (double)c.cols *
			    (double)(k1 - c.s0 * bks);
	}
	/* FLOPs are conserved: the tiles' valid extents cover C once and
	 * each element's k once, split-K slabs and stream-K pieces included
	 * (a sum of integers, exact in double below 2^53, within 1e-9 above) */
	assert(fabs(r->flops - gemm_flops(gm)) <= 1e-9 * gemm_flops(gm));
	r->bytes_min = gemm_bytes_min(gm);
	g->mem->ops->stats(g->mem, &ls);
	gpu_mem_back(g->mem)->ops->stats(gpu_mem_back(g->mem), &hs);
	if (g->fold.skip) {
		f = (double)g->fold.skip / (double)(g->fold.w1 - g->fold.w0);
		fold_stats(&ls, &g->fold.s0.l2, &g->fold.s1.l2, f);
		fold_stats(&hs, &g->fold.s0.dram, &g->fold.s1.dram, f);
	}
	gpu_result_memory(r, &ls, &hs, elapsed);
	{
		/* the SM pipe is busy for max(tensor, shared-memory) cycles
		 * per step; the tensor cores for the MMA share of that */
		double fpc = hw_spec_flop_per_clk(hw, gm->dtype);
		double mma = 2.0 * kc->bm * kc->bn * kc->bk / fpc;
		double busy = 0;

		for (unsigned i = 0; i < g->nsm; i++)
			busy += g->sms[i].tensor.busy_ps;
		busy += f * (g->fold.s1.tensor_busy - g->fold.s0.tensor_busy);
		r->tensor_util = busy * (mma / kc->step_cycles) /
				 (g->nsm * (double)elapsed);
	}
	r->waves = (double)kc->ctas / (g->nsm * g->cps);
	kernel_name(kc, r->tile, sizeof(r->tile));
	r->split_k = kc->split_k;
	r->ctas = (int)kc->ctas;
	r->events = sim_engine_events_run(g->e);
	r->clock_mhz = hw->clock.sustained_mhz;
	classify(hw, gm, r);
}

int gpu_simulate_kernel(const struct hw_spec *spec, const struct gemm *gm,
			const struct kernel_config *kcp,
			const struct gpu_opts *opts, struct gpu_result *r,
			char *err)
{
	struct kernel_config kc = *kcp;
	struct hw_spec machine;
	struct gpu *g;
	sim_time_t elapsed;

	run_spec(spec, gm, &kc, opts, &machine);
	g = gpu_build(&machine, gm, &kc, opts);
	if (!g)
		goto oom;
	gpu_warm(g, &kc, opts);
	if (gpu_play(g, &machine, &kc, &elapsed) != RL_OK) {
		gpu_free(g);
		goto oom;
	}
	gpu_collect(g, &machine, gm, &kc, elapsed, r);
	gpu_free(g);
	return check_roofline(spec, gm, opts, r, err);

oom:
	rl_errf(err, "out of memory simulating %llux%llux%llu",
		(unsigned long long)gm->m, (unsigned long long)gm->n,
		(unsigned long long)gm->k);
	return RL_EIO;
}
