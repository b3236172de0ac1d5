/*
 * trace.h — the tile-level trace of one GEMM kernel: which CTAs run, in
 * which launch order (rasterization with swizzle), and for each CTA its
 * k-steps (the A tile and the B tile it loads, with their addresses and
 * bytes, and the MMA of BM×BN×BK), its epilogue store and its split-K
 * partial traffic.
 *
 * The trace is generated on demand, not stored: a 8192³ GEMM has ~10^5
 * CTA k-steps and the simulator walks them once. All functions are pure.
 *
 * Address map: A (m×k), B (k×n), C (m×n) and the fp32 split-K workspace are
 * laid out one after another; inside each, tiles are stored blocked (one
 * BM×BKs or BKs×BN block after another), which is how the per-block L2
 * model keys them. A "block" is the unit a CTA requests in one step, and
 * the unit at which other CTAs re-read the same data, so it is the natural
 * granularity of the L2 cache model (sim/gpu/l2.c).
 *
 * A step may cover `group` consecutive BK-slices (BKs = group·BK) to bound
 * the number of steps of very large GEMMs; group = 1 is exact.
 */
#ifndef RL_MODELS_TRACE_H
#define RL_MODELS_TRACE_H

#include "hw/common.h"
#include "models/gemm.h"
#include "models/kernel.h"

struct trace {
	struct gemm g;
	struct kernel_config k;
	int group;          /* BK-slices per step */
	uint64_t kslices;   /* BK-slices over the whole K */
	uint64_t ksteps;    /* steps over the whole K: ceil(kslices/group) */
	uint64_t slab_steps;/* steps per split-K slab */
	uint64_t whole;     /* stream-K: tiles run whole (the rest are split) */
	uint64_t piece_steps;/* stream-K: steps per piece of a tail tile */
	uint64_t max_split; /* most CTAs sharing one tile (partial ids per tile) */
	uint64_t a_blocks;  /* tiles_m · ksteps */
	uint64_t b_blocks;  /* tiles_n · ksteps */
	uint64_t nblocks;   /* a_blocks + b_blocks (operand blocks) */
	uint64_t nids;      /* all block ids: operands, partials, C tiles */
	uint64_t base_b, base_c, base_ws; /* byte addresses of B, C, workspace */
};

struct trace_cta {
	uint64_t tm, tn;    /* output tile coordinates */
	uint64_t slab;      /* split-K slab (or stream-K piece) index */
	uint64_t split;     /* CTAs sharing this tile (1 = it owns it) */
	uint64_t s0, s1;    /* steps [s0, s1) over the whole K */
	uint64_t rows, cols;/* valid rows (≤ BM) and columns (≤ BN) of C */
};

struct trace_load {
	uint64_t block; /* cache block id, < nids */
	uint64_t addr;  /* byte address of the block */
	double bytes;   /* valid bytes */
};

struct trace_step {
	struct trace_load a, b; /* operand tiles */
	double flops;           /* 2·rows·cols·kvalid: useful FLOPs */
	double mma_flops;       /* 2·BM·BN·BKs: what the tensor cores execute */
};

/* Set up t to describe kernel k playing g, with `group` (>= 1) k-slices
 * merged into one step (fewer, larger requests; the bytes and FLOPs are
 * the same). t borrows nothing: g and k are copied. */
void trace_init(struct trace *t, const struct gemm *g,
		const struct kernel_config *k, int group);

/* The CTA launched idx-th (0 ≤ idx < k.ctas). */
void trace_cta_at(const struct trace *t, uint64_t idx, struct trace_cta *c);

/* Step s (c->s0 ≤ s < c->s1) of CTA c. Inline: the executor asks for
 * one per simulated k-step (its hot path). */
static inline void trace_step_at(const struct trace *t,
				 const struct trace_cta *c, uint64_t s,
				 struct trace_step *st)
{
	uint64_t e = (uint64_t)rl_dtype_bytes(t->g.dtype);
	uint64_t bks = (uint64_t)t->k.bk * (uint64_t)t->group;
	uint64_t kv = t->g.k - s * bks < bks ? t->g.k - s * bks : bks;
	uint64_t a_nominal = (uint64_t)t->k.bm * bks * e;
	uint64_t b_nominal = (uint64_t)t->k.bn * bks * e;

	st->a.block = c->tm * t->ksteps + s;
	st->a.addr = st->a.block * a_nominal;
	st->a.bytes = (double)(c->rows * kv * e);
	st->b.block = t->a_blocks + c->tn * t->ksteps + s;
	st->b.addr = t->base_b + (c->tn * t->ksteps + s) * b_nominal;
	st->b.bytes = (double)(c->cols * kv * e);
	st->flops = 2.0 * (double)c->rows * (double)c->cols * (double)kv;
	st->mma_flops = 2.0 * t->k.bm * t->k.bn * (double)bks;
}

/* Epilogue of CTA c: the C tile (bf16/fp16) or an fp32 partial tile. */
struct trace_load trace_c_store(const struct trace *t,
				const struct trace_cta *c);
struct trace_load trace_partial(const struct trace *t,
				const struct trace_cta *c);

#endif
