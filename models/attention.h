/*
 * attention.h — attention of a decoding or speculation step as the serving
 * kernels run it: per sequence, q query tokens against a KV cache of
 * kv_len tokens (the q new ones included), QKᵀ, softmax and PV fused per
 * tile (FlashAttention), the analytic FLOPs and compulsory bytes of its
 * two halves, and the kernel configuration a FlashAttention library picks.
 *
 * Shapes. heads query heads share kv_heads key/value heads (grouped-query
 * attention: group = heads / kv_heads). The decoding kernels pack the q
 * tokens of all heads of one group into the query rows of one tile
 * ("PackGQA" in FlashAttention-2/3's flash_attn_with_kvcache), so a CTA
 * owns (sequence, kv head, block of q·group rows, KV split) and reads
 * each KV block once for the whole group: the KV cache comes from DRAM
 * once per kv head, whatever the group size.
 *
 * Masks. q = 1 (decoding) sees the whole cache. q > 1 with the tree mask
 * (speculation, Medusa): candidate i sees the kv_len - q cached tokens and
 * the candidates on its path to the root, the candidates forming a
 * complete binary tree in breadth-first order (candidate i at depth
 * floor(log2(i + 1)), its path i's depth + 1 tokens long); the causal mask
 * (a prefill chunk): candidate i sees the prefix and candidates 0..i. The
 * mask changes the useful FLOPs, never the bytes: every KV block is read
 * whole.
 *
 * Pure: no engine, no allocation.
 */
#ifndef RL_MODELS_ATTENTION_H
#define RL_MODELS_ATTENTION_H

#include <stdint.h>

#include "hw/spec.h"

enum attn_mask { ATTN_MASK_TREE = 0, ATTN_MASK_CAUSAL = 1 };

struct attn_shape {
	uint64_t batch;     /* sequences */
	uint64_t heads;     /* query heads */
	uint64_t kv_heads;  /* key/value heads (divides heads) */
	uint64_t head_dim;  /* elements per head */
	uint64_t q;         /* query tokens per sequence (1 = decoding) */
	uint64_t kv_len;    /* tokens in each sequence's KV cache, incl. the q new */
	enum attn_mask mask;/* for q > 1 */
	enum rl_dtype dtype;/* Q, K, V, O and the cache */
};

/* Visible (query, key) pairs of one sequence and one head under the mask. */
double attn_pairs(const struct attn_shape *a);
/* 2·batch·heads·pairs·head_dim each: QKᵀ and PV (useful FLOPs). */
double attn_qk_flops(const struct attn_shape *a);
double attn_pv_flops(const struct attn_shape *a);
double attn_flops(const struct attn_shape *a);
/* Compulsory bytes: QKᵀ reads Q and K; PV reads V and writes O. K and V
 * are batch·kv_heads·kv_len·head_dim elements each, Q and O
 * batch·heads·q·head_dim. */
double attn_qk_bytes(const struct attn_shape *a);
double attn_pv_bytes(const struct attn_shape *a);
double attn_bytes_min(const struct attn_shape *a);

/* 0, or RL_EINPUT with one line in err: sizes positive, kv_heads divides
 * heads, q <= kv_len. */
int attn_check(const struct attn_shape *a, char *err);

struct attn_kernel {
	int fa3;              /* 1: FlashAttention-3 style (warpgroup MMA, softmax
			       * overlapped with the MMAs of the other warpgroup) */
	int bm, bn;           /* query rows and KV tokens per tile */
	int pack;             /* 1: the group's heads share a CTA's rows (PackGQA) */
	int threads;          /* per CTA */
	int stages;           /* KV blocks in flight per CTA */
	int smem_bytes;       /* per CTA */
	int ctas_per_sm;      /* resident CTAs per SM */
	uint64_t rows;        /* q · heads/kv_heads: query rows per kv head */
	uint64_t m_blocks;    /* ceil(rows / bm) */
	uint64_t n_blocks;    /* ceil(kv_len / bn) */
	int splits;           /* KV split over this many CTAs (1 = none) */
	uint64_t split_blocks;/* KV blocks per split: ceil(n_blocks / splits) */
	uint64_t ctas;        /* batch · kv_heads · m_blocks · splits */
	double mma_cycles;    /* per KV block: QKᵀ and PV on the whole tile, SM clocks */
	double softmax_cycles;/* per KV block: scale, max, exp2, sum, convert, rescale */
	double step_cycles;   /* per KV block on the SM: FA2 the sum, FA3 the larger */
	double epilogue_cycles;/* per CTA: normalise O by the row sums, convert,
				* stage it through shared memory for the store */
};

/* The kernel FlashAttention would run for a on hw (see attention.c):
 * FA3-style on warpgroup-MMA GPUs, FA2 otherwise; the KV split by
 * FlashAttention's num_splits_heuristic. 0, or RL_EINPUT with err when the
 * hw lacks what it needs (tensor rate, sm.fp32_per_clk, sm.sfu_per_clk) or
 * no tile fits an SM. */
int attn_kernel_choose(const struct hw_spec *hw, const struct attn_shape *a,
		       struct attn_kernel *out, char *err);

/* FlashAttention's split count (flash_api.cpp num_splits_heuristic):
 * work = batch·kv_heads·m_blocks tiles on `slots` CTA slots, n_blocks KV
 * blocks to split. */
int attn_num_splits(uint64_t work, uint64_t slots, uint64_t n_blocks,
		    int max_splits);

/* "fa2 64x128/s2/x22" into buf (>= 32 bytes). */
void attn_kernel_name(const struct attn_kernel *k, char *buf, size_t len);

#endif
