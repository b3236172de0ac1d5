/*
 * attention.c — attention FLOPs, compulsory bytes and the FlashAttention
 * kernel configuration (see attention.h).
 *
 * The kernels are FlashAttention's decoding path, flash_attn_with_kvcache
 * (Dao 2023, "FlashAttention-2", arXiv 2307.08691; Shah et al. 2024,
 * "FlashAttention-3", arXiv 2407.08608; github.com/Dao-AILab/
 * flash-attention, hopper/: tile_size.h, heuristics.h, flash_api.cpp),
 * which SGLang's FlashAttention backend calls:
 *  - SM80 (mma.sync; named "fa2" in results): tiles of 128 query rows ×
 *    64 KV tokens for head_dim 65-128 (tile_size_fwd_sm8x; 112 tokens up
 *    to head_dim 64, 32 above 128), 4 warps; shared memory holds the Q
 *    tile and one K and one V tile, the next block's K loading during the
 *    PV of this one (two blocks in flight). Every warp reads the whole K
 *    and V tile from shared memory (ldmatrix) for its rows, so a block's
 *    MMA time is the larger of the tensor-core cycles and those reads at
 *    sm.smem_bytes_per_clk, as for a GEMM's k-step (models/kernel.c).
 *  - SM90 (warpgroup MMA, TMA; "fa3"): tiles of 128 × 128 (head_dim <=
 *    128), two consumer warpgroups and a producer (384 threads), two KV
 *    stages; the softmax of one warpgroup overlaps the MMAs of the other
 *    ("ping-pong"), so a block costs the larger of the two, where SM80's
 *    warps do one after the other.
 *  - Both pack the q tokens of the heads of one GQA group into a tile's
 *    rows (PackGQA) and compute whole tiles: the padded rows (q = 1
 *    decoding fills group rows of 128) and the masked KV columns of the
 *    last block cost cycles all the same.
 *  - The KV split (flash-decoding) is FlashAttention's num_splits_
 *    heuristic over the SM count: none when batch·kv_heads·m_blocks fills
 *    80 % of the SMs or the KV has at most 4 blocks; otherwise the
 *    smallest split whose wave efficiency is within 85 % of the best.
 *
 * The softmax per score element (FA's softmax.h, online_softmax /
 * scale_apply_exp2): a running max (1 FP32 op), exp2(x·scale − max·scale)
 * (1 FFMA + 1 MUFU.EX2), the running row sum (1 FP32 add) and the packing
 * of P to 16 bits (½ op); per block the O accumulator is rescaled (1 FP32
 * multiply per row and head_dim element). FP32 ops run on sm.fp32_per_clk
 * lanes, exp2 on sm.sfu_per_clk special-function units; a warp issues one
 * then the other, so the cycles add. On the A100 (64 FP32 lanes, 16 SFUs
 * per SM) a 128×64 block costs 1,088 softmax cycles beside 2,048 of MMA:
 * 65 % of tensor peak in steady state, close to the ≈ 70 % the
 * FlashAttention-2 paper measures for its forward pass at head_dim 128 on
 * the A100.
 *
 * The epilogue per CTA (FA's CollectiveEpilogue): O scaled by 1/row sum
 * and converted (2 FP32 ops per element), written to shared memory and
 * read back for coalesced stores — fp32 partials under split-KV.
 */
#include "models/attention.h"

#include <math.h>
#include <stdio.h>

double attn_pairs(const struct attn_shape *a)
{
	double q = (double)a->q, prefix = (double)(a->kv_len - a->q);
	double within = 0;

	if (a->q <= 1)
		return (double)a->kv_len;
	if (a->mask == ATTN_MASK_CAUSAL) {
		within = q * (q + 1) / 2;
	} else {
		/* complete binary tree in breadth-first order: candidate i
		 * sits at depth floor(log2(i + 1)) and sees depth + 1
		 * candidates; nodes 2^d - 1 .. 2^(d+1) - 2 share depth d */
		/* (q < 2^63, so d stays below 63) */
		for (uint64_t d = 0, first = 0; first < a->q && d < 63; d++) {
			uint64_t n = (1ULL << d), last = first + n;

			if (last > a->q)
				last = a->q;
			within += (double)(last - first) * (double)(d + 1);
			first += n;
		}
	}
	return q * prefix + within;
}

double attn_qk_flops(const struct attn_shape *a)
{
	return 2.0 * (double)a->batch * (double)a->heads * attn_pairs(a) *
	       (double)a->head_dim;
}

double attn_pv_flops(const struct attn_shape *a)
{
	return attn_qk_flops(a);
}

double attn_flops(const struct attn_shape *a)
{
	return attn_qk_flops(a) + attn_pv_flops(a);
}

static double kv_elems(const struct attn_shape *a)
{
	return (double)a->batch * (double)a->kv_heads * (double)a->kv_len *
	       (double)a->head_dim;
}

static double q_elems(const struct attn_shape *a)
{
	return (double)a->batch * (double)a->heads * (double)a->q *
	       (double)a->head_dim;
}

double attn_qk_bytes(const struct attn_shape *a)
{
	return rl_dtype_bytes(a->dtype) * (q_elems(a) + kv_elems(a));
}

double attn_pv_bytes(const struct attn_shape *a)
{
	return rl_dtype_bytes(a->dtype) * kv_elems(a) +
	       rl_dtype_out_bytes(a->dtype) * q_elems(a);
}

double attn_bytes_min(const struct attn_shape *a)
{
	return attn_qk_bytes(a) + attn_pv_bytes(a);
}

int attn_check(const struct attn_shape *a, char *err)
{
	if (!a->batch || !a->heads || !a->kv_heads || !a->head_dim || !a->q ||
	    !a->kv_len) {
		rl_errf(err, "attention: batch, heads, kv_heads, head_dim, q "
			     "and kv_len must be positive");
		return RL_EINPUT;
	}
	if (a->heads % a->kv_heads) {
		rl_errf(err, "attention: kv_heads = %llu must divide heads = %llu",
			(unsigned long long)a->kv_heads,
			(unsigned long long)a->heads);
		return RL_EINPUT;
	}
	if (a->q > a->kv_len) {
		rl_errf(err, "attention: q = %llu query tokens cannot exceed "
			     "kv_len = %llu (the cache holds the new tokens)",
			(unsigned long long)a->q, (unsigned long long)a->kv_len);
		return RL_EINPUT;
	}
	if (a->head_dim > 256) {
		rl_errf(err, "attention: head_dim = %llu, FlashAttention "
			     "kernels take at most 256",
			(unsigned long long)a->head_dim);
		return RL_EINPUT;
	}
	return RL_OK;
}

int attn_num_splits(uint64_t work, uint64_t slots, uint64_t n_blocks,
		    int max_splits)
{
	double best = 0, eff[129];
	int n = max_splits;

	if ((double)work >= 0.8 * (double)slots)
		return 1;
	/* too few KV blocks to be worth a combine ("we never split for
	 * hdim = 128 and seqlen_k = 512", hopper/heuristics.h) */
	if (n_blocks <= 4)
		return 1;
	if ((uint64_t)n > slots)
		n = (int)slots;
	if ((uint64_t)n > n_blocks)
		n = (int)n_blocks;
	if (n > 128)
		n = 128;
	/* a split count whose blocks per split equal the previous one's is
	 * the previous split in disguise: not eligible */
	for (int s = 1; s <= n; s++) {
		double waves = (double)work * s / (double)slots;

		eff[s] = 0;
		if (s > 1 && rl_ceil_div(n_blocks, (uint64_t)s) ==
				     rl_ceil_div(n_blocks, (uint64_t)s - 1))
			continue;
		eff[s] = waves / ceil(waves);
		if (eff[s] > best)
			best = eff[s];
	}
	for (int s = 1; s <= n; s++)
		if (eff[s] > 0 && eff[s] >= 0.85 * best)
			return s;
	return 1;
}

int attn_kernel_choose(const struct hw_spec *hw, const struct attn_shape *a,
		       struct attn_kernel *k, char *err)
{
	double e = rl_dtype_bytes(a->dtype);
	double fpc = hw_spec_flop_per_clk(hw, a->dtype);
	int smem = (int)(hw->sm.shared_kb * 1024.0);
	uint64_t group = a->heads / a->kv_heads, slots;
	int pack, by_smem, by_warps, regs_cta, by_regs;
	double elems, fp32;

	if (fpc <= 0) {
		rl_errf(err, "%s: no tensor rate for dtype %s", hw->name,
			rl_dtype_name(a->dtype));
		return RL_EINPUT;
	}
	if (hw->sm.fp32_per_clk <= 0 || hw->sm.sfu_per_clk <= 0) {
		rl_errf(err, "%s: attention needs sm.fp32_per_clk and "
			     "sm.sfu_per_clk (the softmax's FP32 lanes and "
			     "special-function units), which the spec does not "
			     "give", hw->name);
		return RL_EINPUT;
	}
	k->fa3 = hw->tensor.warpgroup_mma > 0;
	k->bm = 128;
	k->stages = 2;
	pack = 1;
	if (k->fa3) {
		/* tile_size_fwd_sm90: 128 x 128 up to head_dim 128 */
		k->bn = a->head_dim <= 128 ? 128 : 80;
		k->threads = 384;
	} else {
		/* tile_size_fwd_sm8x: 128 x 64 for head_dim 65-128, 4 warps */
		k->bn = a->head_dim <= 64 ? 112 : a->head_dim <= 128 ? 64 : 32;
		k->threads = 128;
	}
	/* Q tile, then the K and V tiles of the blocks in flight (SM80: one
	 * K and one V tile, the next block's K loading during the PV) */
	k->smem_bytes = (int)(e * a->head_dim *
			      (k->bm + (k->fa3 ? 2.0 * k->stages : 2.0) * k->bn));
	if (k->smem_bytes > smem) {
		rl_errf(err, "%s: no attention tile for head_dim %llu fits an "
			     "SM's shared memory", hw->name,
			(unsigned long long)a->head_dim);
		return RL_EINPUT;
	}
	/* registers: FA2's kernels run at the 255-register cap, FA3's
	 * producer warpgroup gives its registers to the consumers (setmaxnreg),
	 * about 168 per thread over the CTA */
	regs_cta = k->threads * (k->fa3 ? 168 : 255);
	by_smem = smem / k->smem_bytes;
	by_regs = (int)(hw->sm.registers / regs_cta);
	/* NOLINTNEXTLINE(bugprone-integer-division): whole warps per CTA */
	by_warps = (int)(hw->sm.max_warps / (k->threads / 32));
	k->ctas_per_sm = by_smem;
	if (by_regs < k->ctas_per_sm)
		k->ctas_per_sm = by_regs;
	if (by_warps < k->ctas_per_sm)
		k->ctas_per_sm = by_warps;
	if ((int)hw->sm.max_ctas < k->ctas_per_sm)
		k->ctas_per_sm = (int)hw->sm.max_ctas;
	if (k->ctas_per_sm < 1) {
		rl_errf(err, "%s: the attention kernel does not fit an SM "
			     "(registers, warps)", hw->name);
		return RL_EINPUT;
	}
	k->pack = pack;
	k->rows = pack ? a->q * group : a->q;
	k->m_blocks = rl_ceil_div(k->rows, (uint64_t)k->bm);
	k->n_blocks = rl_ceil_div(a->kv_len, (uint64_t)k->bn);
	/* the heuristic counts SMs, not CTA slots (num_sm in flash_api.cpp) */
	slots = (uint64_t)hw->sm.count;
	{
		uint64_t work = a->batch * (pack ? a->kv_heads : a->heads) *
				k->m_blocks;

		k->splits = attn_num_splits(work, slots, k->n_blocks, 128);
		k->split_blocks = rl_ceil_div(k->n_blocks, (uint64_t)k->splits);
		/* the last split may come out short: as many splits as hold
		 * a block */
		k->splits = (int)rl_ceil_div(k->n_blocks, k->split_blocks);
		k->ctas = work * (uint64_t)k->splits;
	}
	/* per KV block: S = Q·Kᵀ (bm×bn×d) and O += P·V (bm×d×bn) */
	k->mma_cycles = 4.0 * k->bm * k->bn * (double)a->head_dim / fpc;
	elems = (double)k->bm * k->bn;
	fp32 = 3.5 * elems + (double)k->bm * (double)a->head_dim;
	k->softmax_cycles = fp32 / hw->sm.fp32_per_clk +
			    elems / hw->sm.sfu_per_clk;
	/* SM80: the MMAs (mma.sync, operands through ldmatrix at
	 * sm.smem_bytes_per_clk: every warp reads the whole K and V tile, and
	 * its Q rows) and the softmax issue from the same warps, one after the
	 * other; SM90: ping-pong warpgroups overlap them */
	if (!k->fa3) {
		double warps = k->threads / 32.0;
		double smem_rd = e * a->head_dim *
				 (warps * 2.0 * k->bn + k->bm);
		double sm_clk = smem_rd / hw->sm.smem_bytes_per_clk;

		if (sm_clk > k->mma_cycles)
			k->mma_cycles = sm_clk;
	}
	k->step_cycles = k->fa3 ? fmax(k->mma_cycles, k->softmax_cycles)
				: k->mma_cycles + k->softmax_cycles;
	/* epilogue (FA's CollectiveEpilogue): O·(1/row sum) and the
	 * conversion (2 FP32 ops per element), O written to shared memory and
	 * read back for coalesced stores (16-bit O; fp32 partials under
	 * split-KV) */
	{
		double o = (double)k->bm * (double)a->head_dim;
		double oe = k->splits > 1 ? 4.0 : rl_dtype_out_bytes(a->dtype);

		k->epilogue_cycles = 2.0 * o / hw->sm.fp32_per_clk +
				     2.0 * o * oe / hw->sm.smem_bytes_per_clk;
	}
	return RL_OK;
}

void attn_kernel_name(const struct attn_kernel *k, char *buf, size_t len)
{
	snprintf(buf, len, "%s %dx%d/s%d%s", k->fa3 ? "fa3" : "fa2", k->bm,
		 k->bn, k->stages, "");
	if (k->splits > 1) {
		size_t n = 0;

		while (n < len && buf[n])
			n++;
		snprintf(buf + n, len - n, "/x%d", k->splits);
	}
}
