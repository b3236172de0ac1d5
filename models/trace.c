/*
 * trace.c — tile trace generation (see trace.h).
 *
 * Rasterization: CTAs are launched in groups of `swizzle` m-tiles; inside
 * a group, column by column (n-tile outer, m-tile inner), as CUTLASS's
 * threadblock swizzle does, so that CTAs resident together share a B
 * column block and the group's A row panels stay in L2. Split-K slabs of
 * one tile are launched next to each other.
 */
#include "models/trace.h"

#include "hw/common.h"

static uint64_t min_u(uint64_t a, uint64_t b) { return a < b ? a : b; }

void trace_init(struct trace *t, const struct gemm *g,
		const struct kernel_config *k, int group)
{
	uint64_t e = (uint64_t)rl_dtype_bytes(g->dtype);

	t->g = *g;
	t->k = *k;
	t->group = group < 1 ? 1 : group;
	t->kslices = rl_ceil_div(g->k, (uint64_t)k->bk);
	t->ksteps = rl_ceil_div(t->kslices, (uint64_t)t->group);
	t->slab_steps = rl_ceil_div(t->ksteps, (uint64_t)k->split_k);
	t->whole = k->tiles_m * k->tiles_n;
	t->piece_steps = t->ksteps;
	t->max_split = (uint64_t)k->split_k;
	if (k->tail_split > 1) {
		t->whole -= k->tail_tiles;
		t->piece_steps = rl_ceil_div(t->ksteps, (uint64_t)k->tail_split);
		t->max_split = (uint64_t)k->tail_split;
	}
	t->a_blocks = k->tiles_m * t->ksteps;
	t->b_blocks = k->tiles_n * t->ksteps;
	t->nblocks = t->a_blocks + t->b_blocks;
	/* then one id per split-K partial tile, then one per C tile */
	t->nids = t->nblocks + k->tiles_m * k->tiles_n * (t->max_split + 1);
	t->base_b = g->m * g->k * e;
	t->base_c = t->base_b + g->k * g->n * e;
	t->base_ws = t->base_c + g->m * g->n * (uint64_t)rl_dtype_out_bytes(g->dtype);
}

void trace_cta_at(const struct trace *t, uint64_t idx, struct trace_cta *c)
{
	uint64_t split = (uint64_t)t->k.split_k;
	uint64_t tile = idx / split;
	uint64_t slab = idx % split, per = t->slab_steps;

	/* stream-K: whole tiles first, then tail_split pieces of each tail
	 * tile, next to each other */
	if (t->k.tail_split > 1) {
		split = idx < t->whole ? 1 : (uint64_t)t->k.tail_split;
		tile = idx < t->whole ? idx :
			t->whole + (idx - t->whole) / split;
		slab = idx < t->whole ? 0 : (idx - t->whole) % split;
		per = idx < t->whole ? t->ksteps : t->piece_steps;
	}
	uint64_t sw = (uint64_t)t->k.swizzle;
	uint64_t tn_all = t->k.tiles_n;
	uint64_t group_tiles = sw * tn_all;
	uint64_t grp = tile / group_tiles;
	uint64_t in = tile % group_tiles;
	uint64_t m0 = grp * sw;
	uint64_t rows_in_group = min_u(sw, t->k.tiles_m - m0);

	c->tn = in / rows_in_group;
	c->tm = m0 + in % rows_in_group;
	c->slab = slab;
	c->split = split;
	c->s0 = c->slab * per;
	c->s1 = min_u(c->s0 + per, t->ksteps);
	c->rows = min_u((uint64_t)t->k.bm, t->g.m - c->tm * t->k.bm);
	c->cols = min_u((uint64_t)t->k.bn, t->g.n - c->tn * t->k.bn);
}

struct trace_load trace_c_store(const struct trace *t,
				const struct trace_cta *c)
{
	uint64_t e = (uint64_t)rl_dtype_out_bytes(t->g.dtype);
	uint64_t tile = c->tm * t->k.tiles_n + c->tn;
	struct trace_load l;

	l.block = t->nblocks + t->k.tiles_m * t->k.tiles_n * t->max_split + tile;
	l.addr = t->base_c + tile * (uint64_t)t->k.bm * t->k.bn * e;
	l.bytes = (double)(c->rows * c->cols * e);
	return l;
}

struct trace_load trace_partial(const struct trace *t,
				const struct trace_cta *c)
{
	uint64_t tile = c->tm * t->k.tiles_n + c->tn;
	uint64_t tb = (uint64_t)t->k.bm * t->k.bn * 4;
	struct trace_load l;

	l.block = t->nblocks + tile * t->max_split + c->slab;
	l.addr = t->base_ws + (tile * t->max_split + c->slab) * tb;
	l.bytes = (double)(c->rows * c->cols * 4);
	return l;
}
