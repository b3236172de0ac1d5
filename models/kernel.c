/*
 * kernel.c — kernel configuration and choice (see kernel.h).
 *
 * Resource rules, SM80 CUTLASS-style:
 *  - threads: 8 warps for the 256-wide tiles (256×128, 128×256), 4 warps
 *    otherwise (each warp owns a 64×64 or smaller warp tile);
 *  - registers per thread: the fp32 accumulators (BM·BN/threads) plus ~72
 *    for A/B fragments and addressing, capped at 255 (what nvcc reports for
 *    CUTLASS SM80 kernels: ≈ 230 for 128×256 with 8 warps);
 *  - shared memory per stage: (BM + BN)·BK·element bytes; stages: 4 for
 *    BK = 32, 3 for BK = 64 (CUTLASS SM80 defaults) or, with warpgroup
 *    MMA and TMA (SM90+), as many as fit up to 8; fewer if they do not
 *    fit, at least 2;
 *  - CTAs per SM: the minimum over shared memory, registers, warps and the
 *    CTA limit;
 *  - cycles per BK-slice: the larger of the tensor-core time
 *    2·BM·BN·BK / (FLOP/clock/SM) and the shared-memory time, every warp
 *    reading its A rows and B columns of the slice (ldmatrix) at
 *    sm.smem_bytes_per_clk. Large tiles are tensor-bound (128×256: smem at
 *    50 %), 64×64 tiles are shared-memory-bound — why libraries prefer
 *    large tiles when there are enough of them.
 */
#include "models/kernel.h"

#include <math.h>
#include <stdio.h>

#include "hw/common.h"

static const int tile_shapes[][2] = {
	{256, 128}, {128, 256}, {128, 128}, {256, 64},
	{64, 256},  {128, 64},  {64, 128},  {64, 64},
};
/* BK in elements; 128 only for 1-byte inputs (fp8), where a 128-byte
 * shared-memory row holds 128 elements (CUTLASS SM90 fp8 tiles are
 * 128x128x128) */
static const int bks[] = {32, 64, 128};
static const int splits[] = {1, 2, 3, 4, 6, 8, 12, 16};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))


int kernel_config_make(const struct hw_spec *hw, const struct gemm *g, int bm,
		       int bn, int bk, int split_k, struct kernel_config *cfg)
{
	int e = rl_dtype_bytes(g->dtype);
	int smem = (int)(hw->sm.shared_kb * 1024.0);
	int stage_bytes = (bm + bn) * bk * e;
	int by_smem, by_regs, by_warps, cps;
	uint64_t kslab;

	cfg->bm = bm;
	cfg->bn = bn;
	cfg->bk = bk;
	cfg->threads = (bm * bn >= 256 * 128) ? 256 : 128;
	if (bm == 4 * bn) {
		cfg->warps_m = 4;
		cfg->warps_n = 1;
	} else if (bn == 4 * bm) {
		cfg->warps_m = 1;
		cfg->warps_n = 4;
	} else if (cfg->threads == 256) {
		cfg->warps_m = bm >= bn ? 4 : 2;
		cfg->warps_n = bm >= bn ? 2 : 4;
	} else {
		cfg->warps_m = cfg->warps_n = 2;
	}
	{
		double fpc = hw_spec_flop_per_clk(hw, g->dtype);
		double mma = 2.0 * bm * bn * bk / fpc;
		/* ldmatrix: every warp reads its A rows and B columns;
		 * warpgroup MMA: every warpgroup (4 warps, splitting BM)
		 * reads its A rows and all of B, once */
		/* whole warpgroups and per-warp tiles: floors on purpose */
		/* NOLINTNEXTLINE(bugprone-integer-division) */
		double wgs = cfg->threads / 128 > 0 ? cfg->threads / 128 : 1;
		double smem_rd = hw->tensor.warpgroup_mma ?
			(bm + wgs * bn) * (double)bk * e :
			(double)cfg->warps_m * cfg->warps_n *
				/* NOLINTNEXTLINE(bugprone-integer-division) */
				(bm / cfg->warps_m + bn / cfg->warps_n) * bk * e;
		double sm_clk = smem_rd / hw->sm.smem_bytes_per_clk;

		if (fpc <= 0)
			return RL_EINPUT;
		cfg->step_cycles = mma > sm_clk ? mma : sm_clk;
	}
	cfg->regs = bm * bn / cfg->threads + 72;
	if (cfg->regs > 255)
		cfg->regs = 255;
	/* SM80 multistage defaults; TMA pipelines (SM90+) take as many
	 * stages as shared memory holds, up to 8 (CUTLASS StageCountAuto) */
	cfg->stages = hw->tensor.warpgroup_mma ? 8 : bk == 32 ? 4 : 3;
	while (cfg->stages > 2 && cfg->stages * stage_bytes > smem)
		cfg->stages--;
	cfg->smem_bytes = cfg->stages * stage_bytes;
	if (cfg->smem_bytes > smem)
		return RL_EINPUT;
	by_smem = smem / cfg->smem_bytes;
	by_regs = (int)(hw->sm.registers / (cfg->threads * cfg->regs));
	/* NOLINTNEXTLINE(bugprone-integer-division): whole warps per CTA */
	by_warps = (int)(hw->sm.max_warps / (cfg->threads / 32));
	cps = by_smem;
	if (by_regs < cps)
		cps = by_regs;
	if (by_warps < cps)
		cps = by_warps;
	if ((int)hw->sm.max_ctas < cps)
		cps = (int)hw->sm.max_ctas;
	if (cps < 1)
		return RL_EINPUT;
	cfg->ctas_per_sm = cps;

	/* K slabs are whole BK-slices; a split that leaves a slab empty or
	 * shorter than two slices is not offered. */
	kslab = rl_ceil_div(rl_ceil_div(g->k, (uint64_t)bk), (uint64_t)split_k);
	if (split_k > 1 && (kslab < 2 || kslab * (split_k - 1) >=
					 rl_ceil_div(g->k, (uint64_t)bk)))
		return RL_EINPUT;
	cfg->split_k = split_k;
	cfg->ksteps = kslab;
	cfg->tiles_m = rl_ceil_div(g->m, (uint64_t)bm);
	cfg->tiles_n = rl_ceil_div(g->n, (uint64_t)bn);
	cfg->ctas = cfg->tiles_m * cfg->tiles_n * (uint64_t)split_k;
	cfg->tail_tiles = 0;
	cfg->tail_split = 1;
	/* CUTLASS-style swizzle: rasterize groups of up to 8 m-tiles so that
	 * CTAs running together share B column tiles and A row panels in L2. */
	cfg->swizzle = cfg->tiles_m < 8 ? (int)cfg->tiles_m : 8;
	cfg->est_us = 0;
	return RL_OK;
}

int kernel_config_stream_k(const struct hw_spec *hw, const struct gemm *g,
			   struct kernel_config *cfg, int pieces)
{
	uint64_t ntiles = cfg->tiles_m * cfg->tiles_n;
	uint64_t slots = (uint64_t)hw->sm.count * (uint64_t)cfg->ctas_per_sm;
	uint64_t rest = ntiles % slots;
	uint64_t p = pieces > 0 ? (uint64_t)pieces : 0;
	uint64_t piece = p > 0 ? rl_ceil_div(cfg->ksteps, p) : 0;

	(void)g;
	/* a hybrid needs a full wave to run whole: with fewer tiles than
	 * slots the decomposition is split-K, which split_k > 1 covers */
	if (cfg->split_k != 1 || rest == 0 || ntiles < slots || p < 2)
		return RL_EINPUT;
	/* pieces of at least two BK-slices, none empty:
	 * ceil(ksteps / p) · (p - 1) < ksteps */
	if (cfg->ksteps < 2 * p || piece * (p - 1) >= cfg->ksteps)
		return RL_EINPUT;
	/* the spread wave must be shorter than the ragged wave it replaces:
	 * rounds of slots times piece length, in k-steps */
	if (rl_ceil_div(rest * p, slots) * piece >= cfg->ksteps)
		return RL_EINPUT;
	cfg->tail_tiles = rest;
	cfg->tail_split = (int)p;
	cfg->ctas = ntiles - rest + rest * p;
	return RL_OK;
}

/* Time of one wave of n co-resident CTAs (n ≤ slots), spread evenly over
 * the SMs: the slower of the SMs' tensor work (CTAs on one SM share its
 * tensor pipe) and the CTAs' load stream — each CTA keeps `stages`
 * k-steps in flight, and a load waits the idle latency plus the time HBM
 * needs to drain what all n CTAs have in flight and miss in L2 (Little's
 * law: this is bandwidth-bound when n is large and latency-bound when it
 * is small, as in a ragged last wave). */
static double wave_time(const struct kernel_config *c, double n, double sms,
			double t_step, double step_bytes, double miss,
			double lat, double bw)
{
	/* the first load's latency precedes the first MMA */
	double comp = lat + ceil(n / sms) * c->ksteps * t_step;
	double loaded = lat + miss * n * c->stages * step_bytes / bw;
	double stream = c->ksteps * loaded / c->stages;

	return comp > stream ? comp : stream;
}

/* Power-limited clocks and padding. Where a GPU's clock under tensor load
 * is set by its power limit (clock.burst_mhz given: it falls from the
 * burst to the sustained clock as the power window fills), the clock
 * follows the power the MMAs draw, and an MMA on the zero-filled padding
 * of a ragged tile (rows past m, columns past n, the k past K) flips no
 * data bits: its dynamic power is taken as nil (GEMM power falls by up to
 * 40 % with the input's zeros and bit patterns: T. Gregersen, P. Patel,
 * E. Choukse, "Input-Dependent Power Usage in GPUs", SC24 Sustainable
 * Supercomputing workshop). With the useful share u of the executed MMA
 * work the power-limited clocks are divided by u, up to the boost clock.
 * The H100 SXM table shows it: m = X + 1 costs what m = X does for
 * X = 256 … 4352 (mean log time ratio +0.01 over n, k >= 4096, where
 * padding at full power predicted +0.03 … +0.25); the A100 SXM table,
 * whose clock shows no power window, pays for its padded rows as
 * predicted. Validate on the H100 table, before -> after (same fitted
 * values): 6.94 -> 6.80 % all, 6.03 -> 5.81 % B >= 32 MB. The chooser's
 * estimate runs at these clocks too (est_grid): once its DRAM stream
 * counted a multicast B transfer once, as its miss share does, the
 * raised clocks no longer made it prefer padded 256-row tiles (they had:
 * 7.29 % when first tried), and an estimate at a lower clock than the
 * simulation ranks port- and latency-bound kernels wrongly. */
void kernel_clocks(const struct hw_spec *hw, const struct gemm *g,
		   const struct kernel_config *c, double *sustained_mhz,
		   double *burst_mhz)
{
	double fs = hw->clock.sustained_mhz, fb = hw->clock.burst_mhz;
	double cap = hw->clock.boost_mhz;
	double kpad = (double)rl_ceil_div(g->k, (uint64_t)c->bk) * c->bk;
	double exec = (double)(c->tiles_m * c->bm) *
		      (double)(c->tiles_n * c->bn) * kpad;
	double u = (double)g->m * (double)g->n * (double)g->k / exec;

	if (fb > 0 && u > 0 && u < 1) {
		fs = fs / u < cap ? fs / u : cap;
		fb = fb / u < cap ? fb / u : cap;
	}
	*sustained_mhz = fs;
	*burst_mhz = fb;
}

/* Rows (m-tiles) and columns (n-tiles) that the tiles [t0, t1) of the
 * launch order touch: the swizzle puts groups of `swizzle` m-tiles one
 * after another, each column by column (trace.c). Columns of different
 * groups are the same n-tiles: their union is counted up to tiles_n. */
static void tile_span(const struct kernel_config *c, uint64_t t0,
		      uint64_t t1, double *rows, double *cols)
{
	uint64_t sw = (uint64_t)c->swizzle, per = sw * c->tiles_n;
	double r = 0, k = 0;

	while (t0 < t1) {
		uint64_t grp = t0 / per, m0 = grp * sw;
		uint64_t in_rows = c->tiles_m - m0 < sw ? c->tiles_m - m0 : sw;
		uint64_t end = (grp + 1) * per < t1 ? (grp + 1) * per : t1;
		uint64_t i0 = t0 - grp * per, i1 = end - grp * per;
		uint64_t n = i1 - i0;

		r += n >= in_rows ? (double)in_rows : (double)n;
		/* NOLINTNEXTLINE(bugprone-integer-division): row groups */
		k += (double)((i1 - 1) / in_rows - i0 / in_rows + 1);
		t0 = end;
	}
	*rows = r;
	*cols = k < (double)c->tiles_n ? k : (double)c->tiles_n;
}

/* Operand bytes the kernel reads from DRAM. The CTAs resident together
 * (a wave of slots) walk K in step, so they share each A and B block
 * while it is in L2: a wave reads its rows' A panels and its columns' B
 * panels once over the whole K (each split-K slab or stream-K piece its
 * share of K). A matrix that fits in the L2 share is read once in all;
 * one that does not is read again by every wave that needs it. */
static double operand_dram_bytes(const struct hw_machine *m,
				 const struct gemm *g,
				 const struct kernel_config *c)
{
	double e = rl_dtype_bytes(g->dtype);
	double l2 = m->l2_bytes;
	double a = e * (double)g->m * g->k, b = e * (double)g->k * g->n;
	double ra = 0, rb = 0, rows, cols;
	uint64_t slots = (uint64_t)m->sms * (uint64_t)c->ctas_per_sm;
	uint64_t split = (uint64_t)c->split_k;
	uint64_t sk = c->tail_split > 1 ? (uint64_t)c->tail_split : 1;
	uint64_t tail = sk > 1 ? c->tail_tiles : 0;
	uint64_t whole = c->ctas - tail * sk; /* CTAs before the pieces */
	uint64_t tiles_whole = whole / split;
	double row_b = e * c->bm * (double)g->k, col_b = e * c->bn * (double)g->k;

	for (uint64_t w = 0; w < whole; w += slots) {
		uint64_t end = w + slots < whole ? w + slots : whole;

		tile_span(c, w / split, (end - 1) / split + 1, &rows, &cols);
		ra += rows * row_b;
		rb += cols * col_b;
	}
	for (uint64_t w = 0; w < tail * sk; w += slots) {
		uint64_t end = w + slots < tail * sk ? w + slots : tail * sk;
		uint64_t t0 = w / sk, t1 = (end - 1) / sk + 1;
		/* a round of pieces covers its tiles' share of K */
		double share = fmin(1, (double)(end - w) / (double)((t1 - t0) * sk));

		tile_span(c, tiles_whole + t0, tiles_whole + t1, &rows, &cols);
		ra += rows * row_b * share;
		rb += cols * col_b * share;
	}
	ra = a <= l2 ? a : fmax(a, fmin(ra, a * c->tiles_n));
	rb = b <= l2 ? b : fmax(b, fmin(rb, b * c->tiles_m));
	return ra + rb;
}

/* The estimate in named steps: the machine and the grid (est_grid), the
 * traffic (est_traffic), the main loop wave by wave (est_main_loop), the
 * throughput floors (est_floors) and the fixed costs (est_fixed). Times
 * in seconds. */
struct estimate {
	struct hw_machine m;    /* the machine's rates (hw_machine_of) */
	double slots;           /* CTA slots */
	double lat;             /* load latency: DRAM plus an L2 hit */
	double t_step;          /* one k-step on the MMA pipe */
	double sk, tail, piece; /* stream-K pieces per tail tile, tail tiles,
				 * k-steps per piece */
	double whole;           /* CTAs that run a whole tile or slab */
	double cta_steps;       /* CTA k-steps of the whole grid */
	double per_sm;          /* ... of the busiest SM */
	double opb;             /* operand bytes from DRAM */
	double partial;         /* split-K / stream-K partial bytes */
	double step_bytes;      /* L2 bytes of one k-step of one CTA */
	double l2_bytes;        /* bytes the CTAs read through L2 */
	double t_l2;            /* ... at the L2's bandwidth */
	double miss;            /* share of those that come from DRAM */
};

static void est_grid(const struct hw_spec *hw, const struct gemm *g,
		     const struct kernel_config *c, struct estimate *x)
{
	/* the machine at the clocks this kernel runs at (kernel_clocks),
	 * those the simulation uses */
	struct hw_spec at = *hw; /* shallow: only the clocks change */

	kernel_clocks(hw, g, c, &at.clock.sustained_mhz, &at.clock.burst_mhz);
	hw_machine_of(&at, &x->m);
	x->slots = x->m.sms * c->ctas_per_sm;
	x->lat = x->m.dram_lat + x->m.l2_lat;
	x->t_step = c->step_cycles / x->m.clk;
	/* stream-K: the tail tiles' pieces are shorter (tail_split of them
	 * per tile); cta_steps counts the CTA k-steps of the whole grid */
	x->sk = c->tail_split > 1 ? (double)c->tail_split : 1;
	x->tail = c->tail_split > 1 ? (double)c->tail_tiles : 0;
	x->piece = ceil((double)c->ksteps / x->sk);
	x->whole = (double)c->ctas - x->tail * x->sk;
	x->cta_steps = x->whole * c->ksteps + x->tail * x->sk * x->piece;
	/* a CTA runs on one SM: the busiest SM holds its share of the whole
	 * CTAs and of the pieces, each whole (b200 128x1024x16384, split 8:
	 * 64 CTAs on 148 SMs, each with all 32 of its k-steps through its
	 * own SM's port, simulated 17.3 us where k-steps spread over all
	 * SMs estimated 13.5, so the chooser took it at twice the DRAM
	 * bandwidth over split 16, 12.9 us simulated) */
	x->per_sm = fmax(ceil(x->cta_steps / x->m.sms),
			 fmax(ceil(x->whole / x->m.sms) * (double)c->ksteps,
			      ceil(x->tail * x->sk / x->m.sms) * x->piece));
}

static void est_traffic(const struct hw_spec *hw, const struct gemm *g,
			const struct kernel_config *c, struct estimate *x)
{
	double e = rl_dtype_bytes(g->dtype);
	/* with TMA multicast a cluster's CTAs share one B transfer */
	double mc = hw->sm.cluster_multicast < (double)c->tiles_m ?
		    hw->sm.cluster_multicast : (double)c->tiles_m;
	/* the rows and columns a tile holds on average */
	double rows = (double)g->m / (double)c->tiles_m;
	double cols = (double)g->n / (double)c->tiles_n;

	/* HBM traffic of the operands: once per wave that needs them, or
	 * once in all when a matrix fits in L2 (operand_dram_bytes) */
	x->opb = operand_dram_bytes(&x->m, g, c);
	x->partial = 4.0 * c->bm * c->bn *
		     ((double)(c->tiles_m * c->tiles_n) * (c->split_k - 1) +
		      x->tail * (x->sk - 1));
	/* what one k-step of a CTA asks of the L2 (a multicast B transfer
	 * serves the cluster), the unit that x->miss is a share of, over
	 * the tiles' real rows and columns — TMA and predicated cp.async
	 * load nothing past m or n (the trace's loads are the same real
	 * extents), so m = 100 on 128-row tiles moves 100 rows of A */
	x->step_bytes = (rows + cols / (mc > 1 ? mc : 1)) * c->bk * e;
	x->l2_bytes = x->cta_steps * x->step_bytes;
	x->t_l2 = x->l2_bytes / x->m.l2_bw;
	x->miss = x->l2_bytes > 0 ? x->opb / x->l2_bytes : 1;
	if (x->miss > 1)
		x->miss = 1;
}

/* The main loop: full waves, the rest, then stream-K's rounds of pieces. */
static double est_main_loop(const struct kernel_config *c,
			    const struct estimate *x)
{
	double full = floor(x->whole / x->slots);
	double rest = x->whole - full * x->slots;
	double t = full * wave_time(c, x->slots, x->m.sms, x->t_step,
				    x->step_bytes, x->miss, x->lat, x->m.dram_bw);

	if (rest > 0) {
		/* after a full wave the rest refill the slots as they free,
		 * and an SM's CTAs, sharing its pipe, finish together: the
		 * rest land cps to an SM on rest / cps SMs (2560x1024x16384,
		 * split 2, on the A100: the 104 CTAs after the first wave of
		 * 216 ran two to an SM on 52 SMs, simulated 440 us where
		 * spreading them over all SMs estimated 357) */
		double cps = c->ctas_per_sm;
		double on = full > 0 ? ceil(rest / (rest < cps ? rest : cps)) :
				       x->m.sms;

		t += wave_time(c, rest, on, x->t_step, x->step_bytes, x->miss,
			       x->lat, x->m.dram_bw);
	}
	if (x->tail > 0) {
		/* the spread last wave: rounds of short pieces over the slots */
		struct kernel_config pc = *c;
		double np = x->tail * x->sk, rounds = floor(np / x->slots);

		pc.ksteps = (uint64_t)x->piece;
		t += rounds * wave_time(&pc, x->slots, x->m.sms, x->t_step,
					x->step_bytes, x->miss, x->lat, x->m.dram_bw);
		if (np > rounds * x->slots)
			t += wave_time(&pc, np - rounds * x->slots, x->m.sms,
				       x->t_step, x->step_bytes, x->miss,
				       x->lat, x->m.dram_bw);
	}
	return t;
}

/* No faster than the DRAM, the waves' latency, the L2 or the SM port. */
static double est_floors(const struct hw_spec *hw, const struct gemm *g,
			 const struct kernel_config *c,
			 const struct estimate *x, double t)
{
	double e = rl_dtype_bytes(g->dtype);
	double bytes = x->opb +
		       rl_dtype_out_bytes(g->dtype) * (double)g->m * g->n;
	double t_mem = (bytes + x->partial) / x->m.dram_bw;
	/* a 2-SM MMA pair loads half of B on each SM; the busiest SM's
	 * tiles are whole ones, up to m rows and n columns */
	double pair = hw->tensor.pair_mma && c->tiles_m > 1 ? 2 : 1;
	double rows = fmin(c->bm, (double)g->m);
	double cols = fmin(c->bn, (double)g->n);
	double t_port = x->per_sm * (rows + cols / pair) * c->bk * e /
			x->m.port_bw;
	double waves = ceil(x->whole / x->slots) +
		       ceil(x->tail * x->sk / x->slots);
	/* every wave pays its first load's latency before its stream */
	double t_lat = waves * (x->lat + c->ksteps * x->lat / c->stages);

	if (t_mem > t)
		t = t_mem;
	if (t_lat > t)
		t = t_lat;
	if (x->t_l2 > t)
		t = x->t_l2;
	if (t_port > t)
		t = t_port;
	return t;
}

/* What the main loop does not hide: L2 queueing, fill and drain, the
 * split-K reduction, the launch. */
static double est_fixed(const struct hw_spec *hw,
			const struct kernel_config *c,
			const struct estimate *x, double t)
{
	/* shared L2 slices are not free when they are not the bottleneck:
	 * their queueing shows up as stalls the pipeline cannot hide in full.
	 * A tenth of the L2 time, a ranking constant of the estimate only
	 * (the simulation queues every request), measured with validate on
	 * the shipped tables at e557345: 0 -> A100 7.93 %, H100 6.84 %; 0.05
	 * -> 7.71, 6.74; 0.1 -> 7.69, 6.62; 0.2 -> 7.77, 6.59 */
	t += 0.1 * x->t_l2;
	/* fill (first loads) and drain (epilogue store), plus the reduction
	 * of split-K partials by the last CTA of each tile (L2-resident). */
	t += 2 * x->lat;
	if (c->split_k > 1 || x->sk > 1) {
		/* the last slab of a tile reads the other partials through its
		 * SM's L2 port; all tiles do so at once over the L2 slices */
		double one = ((c->split_k > x->sk ? c->split_k : x->sk) - 1) *
			     4.0 * c->bm * c->bn / x->m.port_bw;
		/* every partial crosses the L2 twice: stored, then read */
		double all = x->partial / x->m.l2_bw * 2;
		/* a separate reduction kernel reads them only after the GEMM
		 * kernel's last CTA: what of the kernel's DRAM-facing bytes
		 * (operands from DRAM, then the partials) exceeds the L2 has
		 * pushed partials out to DRAM, and they come back from there
		 * (768x1024x16384 on the H100, split 8: 25 MB of partials
		 * beside 109 MB of operand reads, estimated 52.6 us against
		 * 68.7 simulated, so the chooser took it over split 2, 54.6
		 * us simulated). validate on the H100 table: 6.28 -> 6.20 %,
		 * B >= 32 MB 5.05 -> 4.95 %; the A100 reduces in place. */
		double nw = ceil(x->whole / x->slots);
		double spill = fmin(x->partial * (nw - 1) / nw,
				    x->partial + x->opb - x->m.l2_bytes);

		/* a separate reduction kernel: one more launch, and its
		 * CTAs read the partials over all L2 slices, no single port */
		/* in place, each wave (stream-K: each round of pieces) ends
		 * with its tiles' fixups, which hold their slots before the
		 * next wave starts: the port time once per wave, or the L2
		 * pass over all partials, whichever is longer (4096x8192x8192
		 * on the H100 with 2x its L2 bandwidth: stream-K in 6 pieces,
		 * 5 rounds, simulated 879 us, estimated 822 with one fixup,
		 * 855 with one per round, so data-parallel, simulated 824,
		 * is chosen as at 1x) */
		double waves = x->sk > 1 ? ceil(x->tail * x->sk / x->slots) :
					   ceil(x->whole / x->slots);
		double fx = waves * (x->lat + one);

		if (c->split_k > 1 && hw->launch.splitk_reduction_kernel)
			t += x->m.launch + x->lat + all +
			     (spill > 0 ? 2 * spill / x->m.dram_bw : 0);
		else
			t += fx > x->lat + all ? fx : x->lat + all;
	}
	return t + x->m.launch;
}

double kernel_estimate_us(const struct hw_spec *hw, const struct gemm *g,
			  const struct kernel_config *c)
{
	struct estimate x;

	est_grid(hw, g, c, &x);
	est_traffic(hw, g, c, &x);
	return est_fixed(hw, c, &x,
			 est_floors(hw, g, c, &x, est_main_loop(c, &x))) *
	       1e6;
}

/* Split-K is the library's answer to too few tiles for the GPU, so it is
 * offered only for short grids: on the SM90 family fewer tiles than CTA
 * slots (from one full wave up, the persistent stream-K scheduler takes
 * the ragged last wave instead), on SM80-style GPUs fewer than
 * SPLITK_MAX_WAVES waves. That limit is a library heuristic chosen on the
 * measured A100 SXM GEMMs (validate, all 1,850 rows: 2 waves 8.06 %,
 * 3 7.89 %, 4 7.87 %, no limit 7.90 %); 3 keeps split-K off the largest
 * GEMMs, where the estimate's small wave gain does not survive the
 * simulated partial traffic (3584x6656x17920 on the A100 PCIe: split 4
 * simulated 8 % slower than none). */
#define SPLITK_MAX_WAVES 3

static int split_k_offered(const struct hw_spec *hw,
			   const struct kernel_config *c)
{
	double ntiles = (double)(c->tiles_m * c->tiles_n);
	double slots = hw->sm.count * c->ctas_per_sm;

	return ntiles < (hw->tensor.warpgroup_mma ? 1 : SPLITK_MAX_WAVES) * slots;
}

/* Keep c in *out if it is the first candidate or beats *out; equal
 * estimates keep candidate order. */
static void consider(const struct hw_spec *hw, const struct gemm *g,
		     struct kernel_config *c, struct kernel_config *out,
		     int *found)
{
	c->est_us = kernel_estimate_us(hw, g, c);
	if (!*found || c->est_us < out->est_us) {
		*out = *c;
		*found = 1;
	}
}

int kernel_choose(const struct hw_spec *hw, const struct gemm *g,
		  struct kernel_config *out)
{
	struct kernel_config c, whole;
	int found = 0;

	for (size_t t = 0; t < NELEM(tile_shapes); t++)
		for (size_t b = 0; b < NELEM(bks); b++) {
			/* 64-row tiles serve skinny GEMMs only (m ≤ 64);
			 * above that, SM80 library heuristics run 128- or
			 * 256-row tiles and pad the last one (visible in
			 * shared/data: m = 129…256 cost what m = 256 does) */
			if (tile_shapes[t][0] < 128 && g->m > 64)
				continue;
			if (bks[b] == 128 && rl_dtype_bytes(g->dtype) != 1)
				continue;
			if (kernel_config_make(hw, g, tile_shapes[t][0], tile_shapes[t][1],
					       bks[b], 1, &whole) != RL_OK)
				continue;
			consider(hw, g, &whole, out, &found);
			for (size_t s = 1; s < NELEM(splits); s++) {
				if (kernel_config_make(hw, g, tile_shapes[t][0],
						       tile_shapes[t][1], bks[b],
						       splits[s], &c) == RL_OK &&
				    split_k_offered(hw, &c))
					consider(hw, g, &c, out, &found);
				/* SM90 kernel family (warpgroup MMA, TMA):
				 * the persistent stream-K scheduler is a
				 * candidate too, the ragged wave's tiles in
				 * as many pieces as a split-K has slabs */
				c = whole;
				if (hw->tensor.warpgroup_mma &&
				    kernel_config_stream_k(hw, g, &c,
							   splits[s]) == RL_OK)
					consider(hw, g, &c, out, &found);
			}
		}
	return found ? RL_OK : RL_EINPUT;
}

int kernel_config_remake(const struct hw_spec *hw, const struct gemm *g,
			 const struct kernel_config *like,
			 struct kernel_config *out)
{
	int split = like->tail_split > 1 ? 1 : like->split_k;

	if (kernel_config_make(hw, g, like->bm, like->bn, like->bk, split,
			       out) != RL_OK ||
	    (like->tail_split > 1 &&
	     kernel_config_stream_k(hw, g, out, like->tail_split) != RL_OK))
		return RL_EINPUT;
	out->est_us = kernel_estimate_us(hw, g, out);
	return RL_OK;
}

int kernel_config_same(const struct kernel_config *a,
		       const struct kernel_config *b)
{
	return a->bm == b->bm && a->bn == b->bn && a->bk == b->bk &&
	       a->stages == b->stages && a->split_k == b->split_k &&
	       a->tail_split == b->tail_split && a->ctas == b->ctas;
}

void kernel_name(const struct kernel_config *c, char *buf, size_t len)
{
	if (c->tail_split > 1)
		snprintf(buf, len, "%dx%dx%d/s%d/sk%d", c->bm, c->bn, c->bk,
			 c->stages, c->tail_split);
	else
		snprintf(buf, len, "%dx%dx%d/s%d", c->bm, c->bn, c->bk,
			 c->stages);
}
