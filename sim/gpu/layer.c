/*
 * layer.c — the ops of a decoder layer that are not GEMMs, on the same GPU
 * model as gpu.c's GEMMs: FlashAttention's tile trace played on SMs, L2
 * and HBM, the tensor-parallel all-reduce over the GPU's link, and the
 * dispatch of any layer op (see gpu.h). gpu.c's GEMM path is untouched.
 *
 * An attention call (the attn op) is what a serving engine runs per layer
 * and step: the KV-cache append of the q new tokens' K and V (a kernel of
 * its own: SGLang's set_kv_buffer, vLLM's reshape_and_cache; one launch,
 * a DRAM round trip and its bytes, gpu_kv_append_us()), then the attention
 * kernel (models/attention.h gives its configuration), then, under
 * split-KV, the combine kernel.
 *
 * The attention kernel. A CTA owns (sequence, kv head with its packed
 * group, block of query rows, KV split); launch order as FlashAttention's
 * grid (m-block fastest, then split, then sequence × head). A CTA first
 * reads where its KV lives — the sequence length and the page-table
 * entries of its first block, two dependent DRAM round trips — then
 * streams its KV blocks, `stages` in flight: each step reads a K and a V
 * block (bn tokens × head_dim; the first also the Q tile) through its
 * SM's L2 port, the L2 and HBM; when they are in and the previous block is
 * done, the block's step cycles (models/attention.c: MMA then softmax on
 * SM80, the larger of the two on SM90) go to the SM's pipe, which the CTAs
 * resident on an SM share (FIFO). The K and V block ids belong to the
 * sequence and kv head, so CTAs reading the same KV (several m-blocks of
 * one group) share it through L2. After the last block the epilogue's
 * cycles run on the SM pipe, then the CTA stores O, or under split-KV an
 * fp32 partial O and its log-sum-exp; the combine kernel
 * (flash_fwd_splitkv_combine_kernel) then reads the partials through L2
 * and writes O, after one more launch.
 *
 * The SM's pipe is a FIFO shared by the CTAs resident on the SM, so two
 * co-resident CTAs progress at about half speed each. Measured and
 * dropped: serving the oldest CTA first (greedy-then-oldest, as warp
 * schedulers issue) fixes grids of 1-2 waves at kv_len >= 16384 on the
 * A100 rows (+40 -> +5 %: 256 long CTAs over 108 SMs cost 3 CTA times,
 * not 4) but takes all 5,093 rows from 7.76 to 9.10 % MAPE, bias -0.89 to
 * -4.14 %: the younger CTA's loads then hide behind the older one's
 * compute better than the data show (kv_len 64 rows cost 0.4 us per CTA
 * more than kv_len 2 ones, about a KV block through the SM's L2 port), a
 * cost the model does not have yet.
 *
 * Events: two per KV step (data in, block done), three per CTA; long KV
 * streams merge consecutive blocks into one step (ATTN_STEP_BUDGET), as
 * the GEMM trace merges k-slices.
 */
#include "sim/gpu/gpu.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/attention.h"
#include "models/layer.h"
#include "models/roofline.h"
#include "sim/engine/engine.h"
#include "sim/engine/server.h"
#include "sim/gpu/exec.h"
#include "sim/gpu/mem.h"

struct acta {
	uint64_t b, h, kvh, mb, split; /* sequence, head (or group), kv head,
					* m-block, split */
	uint64_t s0, s1;  /* steps [s0, s1) */
	uint64_t rows;    /* valid query rows */
};

struct aslot {
	struct acta c;
	unsigned sm;
	uint64_t next_step;  /* next step to compute */
	uint64_t next_load;  /* next step to load */
	int busy;            /* a step is computing */
	uint8_t ready[8];    /* per stage: data in */
};

struct agpu {
	struct attn_shape a;
	struct attn_kernel k;
	struct sim_engine *e;
	struct gpu_mem *mem;
	struct gpu_sm *sms;
	struct aslot *slots;
	unsigned nsm, cps, stages;
	uint64_t group;      /* KV blocks per step */
	uint64_t steps;      /* steps over the whole KV */
	uint64_t nh;         /* heads per (sequence) in the grid: kv_heads when packed */
	int pack;
	double eb, eo;       /* element bytes in / out */
	double step_mma, step_cycles; /* MMA and SM cycles per (merged) step */
	uint64_t next_cta, done_ctas;
	uint64_t id_k, id_v, id_o, id_p, nids; /* block id bases */
	double mma_busy;     /* executed MMA cycles (tensor-core share) */
	sim_time_t prologue; /* dependent reads before a CTA's first KV load, ps */
	sim_time_t end;
};

#define ARG(slot, step) (((uint64_t)(slot) << 40) | (uint64_t)(step))
#define ARG_SLOT(a) ((unsigned)((a) >> 40))
#define ARG_STEP(a) ((a) & ((1ULL << 40) - 1))

/* Most (CTA, step) pairs played per kernel before KV blocks are merged
 * (by powers of two, at least 8 steps per CTA left). */
#define ATTN_STEP_BUDGET 65536.0

static sim_time_t max_t(sim_time_t a, sim_time_t b) { return a > b ? a : b; }
static uint64_t min_u(uint64_t a, uint64_t b) { return a < b ? a : b; }

static void cta_at(const struct agpu *g, uint64_t idx, struct acta *c)
{
	uint64_t mbs = g->k.m_blocks, sp = (uint64_t)g->k.splits;
	uint64_t bh = idx / (mbs * sp);
	uint64_t per = (g->k.split_blocks + g->group - 1) / g->group;

	c->mb = idx % mbs;
	c->split = (idx / mbs) % sp;
	c->b = bh / g->nh;
	c->h = bh % g->nh;
	c->kvh = g->pack ? c->h : c->h / (g->a.heads / g->a.kv_heads);
	c->s0 = c->split * per;
	c->s1 = min_u(c->s0 + per, g->steps);
	c->rows = min_u((uint64_t)g->k.bm, g->k.rows - c->mb * g->k.bm);
}

/* Tokens of step s (merged blocks), of the kv_len. */
static uint64_t step_tokens(const struct agpu *g, uint64_t s)
{
	uint64_t t0 = s * g->group * (uint64_t)g->k.bn;

	return min_u(g->group * (uint64_t)g->k.bn, g->a.kv_len - t0);
}

static uint64_t kv_block(const struct agpu *g, const struct acta *c,
			 uint64_t s)
{
	return (c->b * g->a.kv_heads + c->kvh) * g->steps + s;
}

static uint64_t tile_index(const struct agpu *g, const struct acta *c)
{
	return (c->b * g->nh + c->h) * g->k.m_blocks + c->mb;
}

static void ev_data(struct sim_engine *e, void *ctx, uint64_t arg);
static void ev_soft(struct sim_engine *e, void *ctx, uint64_t arg);
static void ev_cta_done(struct sim_engine *e, void *ctx, uint64_t arg);
static void ev_store(struct sim_engine *e, void *ctx, uint64_t arg);

static void issue_load(struct agpu *g, unsigned si, uint64_t s)
{
	struct aslot *sl = &g->slots[si];
	struct gpu_sm *sm = &g->sms[sl->sm];
	sim_time_t now = sim_engine_now(g->e);
	double bytes = (double)step_tokens(g, s) * g->a.head_dim * g->eb;
	uint64_t blk = kv_block(g, &sl->c, s);
	double stride = (double)g->group * g->k.bn * g->a.head_dim * g->eb;
	uint64_t addr = (uint64_t)((double)blk * stride);
	double port = 2 * bytes;
	sim_time_t t, tk, tv;

	tk = g->mem->ops->read(g->mem, now, g->id_k + blk, addr, bytes, 1);
	tv = g->mem->ops->read(g->mem, now, g->id_v + blk,
			       addr + (uint64_t)((double)g->steps *
						 g->a.batch * g->a.kv_heads *
						 stride), bytes, 1);
	t = max_t(tk, tv);
	if (s == sl->c.s0) {
		/* the Q tile comes with the first block */
		double qb = (double)sl->c.rows * g->a.head_dim * g->eb;
		uint64_t qi = tile_index(g, &sl->c);

		t = max_t(t, g->mem->ops->read(g->mem, now, qi,
					       (uint64_t)((double)qi * g->k.bm *
							  g->a.head_dim * g->eb) +
					       (1ULL << 50), qb, 1));
		port += qb;
	}
	t = max_t(t, sim_server_request(&sm->port, now, port));
	sim_engine_schedule(g->e, t, ev_data, g, ARG(si, s));
}

/* The CTA's first KV loads, once it knows where its KV lives. */
static void ev_loads(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct agpu *g = ctx;
	unsigned si = ARG_SLOT(arg);
	struct aslot *sl = &g->slots[si];
	uint64_t s;

	(void)e;
	for (s = sl->c.s0; s < sl->c.s1 && s < sl->c.s0 + g->stages; s++)
		issue_load(g, si, s);
	sl->next_load = s;
}

/* A CTA starts with two dependent reads before its first KV load: the
 * sequence's length (cache_seqlens) and the page-table entries of its
 * first KV block (FA's PagedKVManager; later blocks' entries are read
 * ahead with the pipeline) — two DRAM round trips (g->prologue). */
static void start_cta(struct agpu *g, unsigned si)
{
	struct aslot *sl = &g->slots[si];

	cta_at(g, g->next_cta++, &sl->c);
	sl->next_step = sl->next_load = sl->c.s0;
	sl->busy = 0;
	memset(sl->ready, 0, sizeof sl->ready);
	sim_engine_schedule(g->e, sim_engine_now(g->e) + g->prologue, ev_loads,
			    g, ARG(si, 0));
}

static void ev_start(struct sim_engine *e, void *ctx, uint64_t arg)
{
	(void)e;
	start_cta(ctx, ARG_SLOT(arg));
}

/* Start the next step's compute if its data is in and none is running. */
static void try_compute(struct agpu *g, unsigned si)
{
	struct aslot *sl = &g->slots[si];
	struct gpu_sm *sm = &g->sms[sl->sm];
	sim_time_t now = sim_engine_now(g->e), t;
	uint64_t s = sl->next_step;

	if (sl->busy || s >= sl->c.s1 || !sl->ready[s % g->stages])
		return;
	sl->ready[s % g->stages] = 0;
	sl->busy = 1;
	/* the SM's pipe runs the block's step cycles (SM80: MMA then
	 * softmax; SM90: the larger of the two, overlapped) */
	t = sim_server_request(&sm->tensor, now, g->step_cycles);
	g->mma_busy += g->step_mma;
	sim_engine_schedule(g->e, t, ev_soft, g, ARG(si, s));
}

static void ev_data(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct agpu *g = ctx;
	unsigned si = ARG_SLOT(arg);

	(void)e;
	g->slots[si].ready[ARG_STEP(arg) % g->stages] = 1;
	try_compute(g, si);
}

/* The CTA's result: O, or an fp32 partial O and its log-sum-exp. */
static sim_time_t epilogue(struct agpu *g, struct aslot *sl)
{
	struct gpu_sm *sm = &g->sms[sl->sm];
	sim_time_t now = sim_engine_now(g->e);
	uint64_t ti = tile_index(g, &sl->c);
	double rows = (double)sl->c.rows, d = (double)g->a.head_dim;
	double bytes;
	uint64_t id, addr;

	if (g->k.splits > 1) {
		uint64_t pi = ti * (uint64_t)g->k.splits + sl->c.split;

		bytes = rows * (d + 1) * 4;
		id = g->id_p + pi;
		addr = (2ULL << 50) + pi * (uint64_t)g->k.bm * (g->a.head_dim + 1) * 4;
	} else {
		bytes = rows * d * g->eo;
		id = g->id_o + ti;
		addr = (3ULL << 50) + ti * (uint64_t)g->k.bm * g->a.head_dim * 2;
	}
	return max_t(sim_server_request(&sm->port, now, bytes),
		     g->mem->ops->write(g->mem, now, id, addr, bytes));
}

static void ev_store(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct agpu *g = ctx;

	sim_engine_schedule(e, epilogue(g, &g->slots[ARG_SLOT(arg)]),
			    ev_cta_done, g, arg);
}

static void ev_soft(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct agpu *g = ctx;
	unsigned si = ARG_SLOT(arg);
	struct aslot *sl = &g->slots[si];
	uint64_t s = ARG_STEP(arg);

	sl->busy = 0;
	sl->next_step = s + 1;
	if (sl->next_load < sl->c.s1)
		issue_load(g, si, sl->next_load++);
	if (s + 1 == sl->c.s1) {
		/* the epilogue's SM work, then the store */
		sim_time_t t = sim_server_request(&g->sms[sl->sm].tensor,
						  sim_engine_now(e),
						  g->k.epilogue_cycles);

		sim_engine_schedule(e, t, ev_store, g, ARG(si, 0));
		return;
	}
	try_compute(g, si);
}

static void ev_cta_done(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct agpu *g = ctx;

	g->done_ctas++;
	g->end = sim_engine_now(e);
	if (g->next_cta < g->k.ctas)
		start_cta(g, ARG_SLOT(arg));
}

/* flash_fwd_splitkv_combine_kernel: launched when the main kernel ends;
 * reads every tile's partials (through L2, where they were just written)
 * and stores O; its CTAs spread over all SMs, so the L2 and DRAM set its
 * pace. Returns its end. */
static sim_time_t combine_kernel(struct agpu *g, const struct hw_spec *hw,
				 sim_time_t end)
{
	sim_time_t t0 = end + (sim_time_t)(hw->launch.overhead_us *
					   SIM_PS_PER_US);
	sim_time_t done = t0;
	uint64_t tiles = g->a.batch * g->nh * g->k.m_blocks;
	struct acta c;

	for (uint64_t ti = 0; ti < tiles; ti++) {
		double rows, ob;

		cta_at(g, ti * (uint64_t)g->k.splits, &c);
		rows = (double)c.rows;
		for (uint64_t s = 0; s < (uint64_t)g->k.splits; s++) {
			uint64_t pi = ti * (uint64_t)g->k.splits + s;
			double pb = rows * (g->a.head_dim + 1) * 4.0;

			done = max_t(done, g->mem->ops->read(g->mem, t0,
				g->id_p + pi, (2ULL << 50) +
				pi * (uint64_t)g->k.bm * (g->a.head_dim + 1) * 4,
				pb, 1));
		}
		ob = rows * g->a.head_dim * g->eo;
		done = max_t(done, g->mem->ops->write(g->mem, t0, g->id_o + ti,
			(3ULL << 50) + ti * (uint64_t)g->k.bm * g->a.head_dim * 2,
			ob));
	}
	return done;
}

static void agpu_free(struct agpu *g)
{
	if (!g)
		return;
	gpu_exec_free(g->e, g->mem, g->sms, g->nsm);
	free(g->slots);
	free(g);
}

double gpu_attention_estimate_us(const struct hw_spec *hw,
				 const struct attn_shape *a,
				 const struct attn_kernel *k)
{
	struct hw_machine m;
	double slots = hw->sm.count * k->ctas_per_sm;
	double waves = ceil((double)k->ctas / slots);
	double per_cta, t_comp, t_mem, t;

	hw_machine_of(hw, &m);
	per_cta = (double)k->split_blocks * k->step_cycles / m.clk;
	t_comp = waves * per_cta * (k->ctas_per_sm > 1 ? 0.5 * k->ctas_per_sm : 1);
	t_mem = attn_bytes_min(a) / m.dram_bw;
	t = t_comp > t_mem ? t_comp : t_mem;
	t += m.launch * (k->splits > 1 ? 2 : 1);
	return t * 1e6;
}

double gpu_kv_append_us(const struct hw_spec *hw, const struct attn_shape *a)
{
	/* read the new K and V, write them into the cache: bandwidth plus
	 * one DRAM round trip, after its launch */
	double bytes = 4.0 * (double)a->q * a->batch * a->kv_heads *
		       a->head_dim * rl_dtype_bytes(a->dtype);
	struct hw_machine m;

	hw_machine_of(hw, &m);
	return hw->launch.overhead_us + hw->hbm.latency_ns * 1e-3 +
	       bytes / m.dram_bw * 1e6;
}

/* Whether block b is among the share f of blocks a partly warm L2 holds
 * (the same rule as gpu.c's). */
static int warm_block(uint64_t b, double f)
{
	return f >= 1 || floor((double)(b + 1) * f) > floor((double)b * f);
}

int gpu_check_attention(const struct hw_spec *hw, const struct attn_shape *a,
			char *err)
{
	struct attn_kernel k;
	int rc;

	if ((rc = attn_check(a, err)) || (rc = attn_kernel_choose(hw, a, &k, err)))
		return rc;
	if (k.ctas > GPU_MAX_CTAS) {
		rl_errf(err, "attention: %llu CTAs, more than the %d a "
			     "simulation takes", (unsigned long long)k.ctas,
			GPU_MAX_CTAS);
		return RL_EINPUT;
	}
	return RL_OK;
}

int gpu_simulate_attention(const struct hw_spec *spec,
			   const struct attn_shape *a,
			   const struct gpu_opts *opts, struct gpu_result *r,
			   char *err)
{
	struct hw_spec machine = *spec; /* shallow: sources stay the caller's */
	const struct hw_spec *hw = &machine;
	struct agpu *g;
	struct gpu_mem_stats hs, ls;
	struct attn_kernel k;
	struct hw_machine m;
	double clk, f, est;
	sim_time_t t0, elapsed;
	unsigned nslots;
	int rc;

	if ((rc = gpu_check_attention(spec, a, err)))
		return rc;
	attn_kernel_choose(spec, a, &k, err);
	est = gpu_attention_estimate_us(spec, a, &k);
	if (opts && opts->calls_timed > 0)
		machine.clock.sustained_mhz = hw_spec_mean_clock_mhz(
			spec, opts->calls_before * est, opts->calls_timed * est);
	hw_machine_of(hw, &m);
	clk = m.clk;
	if (!(g = calloc(1, sizeof *g)))
		goto oom;
	g->a = *a;
	g->k = k;
	g->pack = k.pack;
	g->nh = g->pack ? a->kv_heads : a->heads;
	g->eb = rl_dtype_bytes(a->dtype);
	g->eo = rl_dtype_out_bytes(a->dtype);
	g->group = 1;
	while ((double)k.ctas * ((double)k.split_blocks / g->group) >
		       ATTN_STEP_BUDGET &&
	       k.split_blocks / (2 * g->group) >= 8)
		g->group *= 2;
	g->steps = (k.n_blocks + g->group - 1) / g->group;
	g->step_mma = k.mma_cycles * g->group;
	g->step_cycles = k.step_cycles * g->group;
	g->stages = (unsigned)k.stages;
	g->prologue = (sim_time_t)(2 * (hw->hbm.latency_ns * SIM_PS_PER_NS +
					m.l2_lat * 1e12));
	g->nsm = (unsigned)hw->sm.count;
	g->cps = (unsigned)k.ctas_per_sm;
	{
		uint64_t tiles = a->batch * g->nh * k.m_blocks;
		uint64_t kv = a->batch * a->kv_heads * g->steps;

		g->id_k = tiles;
		g->id_v = g->id_k + kv;
		g->id_o = g->id_v + kv;
		g->id_p = g->id_o + tiles;
		g->nids = g->id_p + tiles * (uint64_t)k.splits;
	}
	nslots = g->nsm * g->cps;
	g->e = sim_engine_new(4 * (size_t)nslots * g->stages);
	g->mem = gpu_mem_chain_new(hw, g->nids, 0, NULL);
	if (!g->mem)
		goto oom_g;
	g->sms = calloc(g->nsm, sizeof *g->sms);
	g->slots = calloc(nslots, sizeof *g->slots);
	if (!g->e || !g->sms || !g->slots)
		goto oom_g;
	for (unsigned i = 0; i < g->nsm; i++) {
		sim_server_init(&g->sms[i].tensor, clk, 0,
				SIM_SERVER_NO_WAIT_STATS);
		sim_server_init(&g->sms[i].port, m.port_bw,
				0, SIM_SERVER_NO_WAIT_STATS);
	}
	f = !opts ? 0 : opts->l2_warm ? 1 : opts->l2_warm_fraction;
	if (f > 0) {
		/* Q, K and V resident (all, or an evenly spread share), as
		 * after an identical previous call */
		for (uint64_t b = 0; b < g->id_o; b++)
			if (warm_block(b, f)) {
				double bytes;

				if (b < g->id_k)
					bytes = (double)k.bm * a->head_dim * g->eb;
				else
					bytes = (double)step_tokens(
						g, (b - g->id_k) % g->steps) *
						a->head_dim * g->eb;
				gpu_mem_preload(g->mem, b, bytes);
			}
	}
	/* the KV-cache append of the q new tokens (a kernel of its own, before
	 * attention), then the attention kernel's launch */
	t0 = (sim_time_t)((gpu_kv_append_us(hw, a) + hw->launch.overhead_us) *
			  SIM_PS_PER_US);
	for (unsigned j = 0, n = 0; j < g->cps; j++)
		for (unsigned i = 0; i < g->nsm && n < k.ctas; i++, n++) {
			unsigned si = i * g->cps + j;

			g->slots[si].sm = i;
			sim_engine_schedule(g->e, t0, ev_start, g, ARG(si, 0));
		}
	sim_engine_run(g->e);
	assert(g->done_ctas == k.ctas);
	if (k.splits > 1)
		g->end = combine_kernel(g, hw, g->end);
	elapsed = max_t(g->end, gpu_mem_flush(g->mem, t0));

	memset(r, 0, sizeof *r);
	r->time_us = (double)elapsed / SIM_PS_PER_US;
	r->flops = attn_flops(a);
	r->bytes_min = attn_bytes_min(a);
	g->mem->ops->stats(g->mem, &ls);
	gpu_mem_back(g->mem)->ops->stats(gpu_mem_back(g->mem), &hs);
	gpu_result_memory(r, &ls, &hs, elapsed);
	r->tensor_util = g->mma_busy / clk * 1e12 / (g->nsm * (double)elapsed);
	r->waves = (double)k.ctas / nslots;
	attn_kernel_name(&k, r->tile, sizeof r->tile);
	r->split_k = k.splits;
	r->ctas = (int)k.ctas;
	r->events = sim_engine_events_run(g->e);
	r->clock_mhz = hw->clock.sustained_mhz;
	{
		/* as gpu.c classifies a GEMM: neither pipe half busy is
		 * latency (fixed costs) or a tail */
		double t = r->time_us * 1e-6;
		/* the SM pipe's work: MMA and softmax (the padded tile) */
		double t_comp = (double)k.ctas * k.split_blocks * k.step_cycles /
				(clk * g->nsm);

		snprintf(r->bound, sizeof r->bound, "%s",
			 gpu_bound_name(&m, t, t_comp, r->bytes_hbm / m.dram_bw));
	}
	agpu_free(g);
	{
		/* never faster than the roofline (warm: the compute ceiling) */
		double peak = hw_spec_peak_flops(spec, a->dtype);
		double floor_us = r->flops / peak * 1e6;

		if (f <= 0 && attn_bytes_min(a) / hw_spec_bandwidth(spec) * 1e6 >
				      floor_us)
			floor_us = attn_bytes_min(a) / hw_spec_bandwidth(spec) * 1e6;
		if (r->time_us * (1 + 1e-9) + 1e-6 < floor_us) {
			assert(!"simulated attention beats the roofline");
			rl_errf(err, "%s: attention: simulated %.6g us is faster "
				     "than the roofline's %.6g us (a model bug)",
				spec->name, r->time_us, floor_us);
			return RL_EIO;
		}
	}
	return RL_OK;

oom_g:
	agpu_free(g);
oom:
	rl_errf(err, "out of memory simulating attention");
	return RL_EIO;
}

int gpu_simulate_allreduce(const struct hw_spec *hw, double bytes, int tp,
			   struct gpu_result *r, char *err)
{
	double bw = hw->link.bandwidth_gbps * 1e9;
	double steps = 2.0 * (tp - 1);
	double wire = steps / tp * bytes;
	double lat = hw->launch.overhead_us + steps * hw->link.latency_us;

	if (bw <= 0) {
		rl_errf(err, "%s: the all-reduce of tensor parallelism needs "
			     "link.bandwidth_gbps, which the spec does not give",
			hw->name);
		return RL_EINPUT;
	}
	memset(r, 0, sizeof *r);
	/* alpha-beta: a ring all-reduce is 2(p - 1) steps, each paying the
	 * link's per-step latency and sending payload/p; one NCCL kernel
	 * launch in front */
	r->time_us = lat + wire / bw * 1e6;
	r->bytes_min = wire;
	r->tflops = 0;
	r->hbm_gbps = 0;
	r->waves = 0;
	r->split_k = 1;
	snprintf(r->tile, sizeof r->tile, "ring x%d", tp);
	snprintf(r->bound, sizeof r->bound, "%s",
		 lat > 0.5 * r->time_us ? "latency" : "link");
	r->clock_mhz = hw->clock.sustained_mhz;
	return RL_OK;
}

int gpu_check_layer_op(const struct hw_spec *hw, const struct layer_op *op,
		       char *err)
{
	struct gpu_result r;

	switch (op->kind) {
	case LAYER_ATTN:
		return gpu_check_attention(hw, &op->a, err);
	case LAYER_ALLREDUCE:
		return gpu_simulate_allreduce(hw, op->ar_bytes, op->tp, &r, err);
	default:
		return gpu_check_gemm(hw, &op->g, err);
	}
}

int gpu_simulate_layer_op(const struct hw_spec *hw, const struct layer_op *op,
			  const struct gpu_opts *opts, struct gpu_result *r,
			  char *err)
{
	switch (op->kind) {
	case LAYER_ATTN:
		return gpu_simulate_attention(hw, &op->a, opts, r, err);
	case LAYER_ALLREDUCE:
		return gpu_simulate_allreduce(hw, op->ar_bytes, op->tp, r, err);
	default:
		return gpu_simulate_gemm(hw, &op->g, opts, r, err);
	}
}
