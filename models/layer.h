/*
 * layer.h — the operators of one decoder layer for a decoding or
 * speculation step, under tensor parallelism: which ops there are, the
 * shape of each on one GPU, and its analytic roofline.
 *
 * Ops (with T = batch·q tokens, h = hidden, d = head_dim, H heads, K kv
 * heads, F = FFN size, V = vocab, p = tensor-parallel degree):
 *   qkv      T×h · h×(H + 2K)d/p   fused Q, K, V projection (column-parallel)
 *   attn     FlashAttention over the KV cache, H/p and K/p heads per GPU
 *   o        T×Hd/p · Hd/p×h       output projection (row-parallel)
 *   ar_o     all-reduce of the T×h output of o over p GPUs (p > 1)
 *   up, gate T×h · h×F/p           (column-parallel; gate only when gated)
 *   up_gate  T×h · h×2F/p          up and gate fused, as vLLM and SGLang run
 *                                  them (gated MLPs only)
 *   down     T×F/p · F/p×h         (row-parallel)
 *   ar_down  all-reduce of the T×h output of down (p > 1)
 *   lm_head  T×h · h×V/p           the last layer's logits (vocab-parallel;
 *                                  the gather of the logits is not modelled)
 * Megatron-LM's sharding (Shoeybi et al. 2019, arXiv 1909.08053, §3):
 * one all-reduce after each row-parallel GEMM, nothing after the
 * column-parallel ones.
 *
 * Pure: no engine. The GPU side (playing an op) is sim/gpu/layer.c.
 */
#ifndef RL_MODELS_LAYER_H
#define RL_MODELS_LAYER_H

#include "hw/spec.h"
#include "models/attention.h"
#include "models/gemm.h"
#include "models/model.h"
#include "models/roofline.h"

enum layer_kind { LAYER_GEMM, LAYER_ATTN, LAYER_ALLREDUCE };

#define LAYER_MAX_OPS 10 /* distinct op names */

struct layer_params {
	uint64_t q;          /* query tokens per sequence */
	uint64_t batch;      /* sequences */
	uint64_t kv_len;     /* KV cache tokens per sequence (incl. the q new) */
	int tp;              /* tensor-parallel degree, >= 1 */
	enum attn_mask mask; /* attention mask for q > 1 */
	enum rl_dtype dtype; /* weights, activations and KV cache */
};

struct layer_op {
	enum layer_kind kind;
	const char *name;    /* static: "qkv", "attn", ... */
	struct gemm g;       /* LAYER_GEMM; for the others a descriptive shape:
			      * attn m = T, n = kv_len, k = head_dim;
			      * all-reduce m = T, n = hidden, k = p */
	struct attn_shape a; /* LAYER_ATTN: the heads of one GPU */
	double ar_bytes;     /* LAYER_ALLREDUCE: payload per GPU, bytes */
	int tp;              /* GPUs in the all-reduce */
};

/* Whether name is an op of this list (any model). */
int layer_op_known(const char *name);
/* "qkv, attn, o, ar_o, up, gate, up_gate, down, ar_down, lm_head" */
const char *layer_op_list(void);

/* The ops of a whole layer of m, in execution order: qkv, attn, o, (ar_o),
 * up, (gate), down, (ar_down), then lm_head when with_lm_head; the
 * all-reduces when tp > 1. Returns the count (<= LAYER_MAX_OPS). */
int layer_default_ops(const struct model_spec *m, int tp, int with_lm_head,
		      const char **out);

/* 0, or RL_EINPUT with one line: tp >= 1 divides heads, kv_heads and the
 * FFN size. */
int layer_check_tp(const struct model_spec *m, int tp, char *err);

/* Build op `name` of m for p. RL_EINPUT with one line in err when the op
 * is unknown, does not exist in m (gate, up_gate of a plain MLP; lm_head
 * without vocab; an all-reduce at tp = 1), tp does not divide the model,
 * or the attention shape is invalid (q > kv_len, ...). */
int layer_op_build(const struct model_spec *m, const char *name,
		   const struct layer_params *p, struct layer_op *out,
		   char *err);

/* Useful FLOPs and compulsory bytes of an op (all-reduce: 0 FLOPs, the
 * bytes each GPU sends over its link in a ring, 2(p - 1)/p · payload). */
double layer_op_flops(const struct layer_op *op);
double layer_op_bytes_min(const struct layer_op *op);

/* Roofline of an op on hw: GEMM as roofline_gemm(); attention with its
 * FLOPs and compulsory bytes against the same ceilings; all-reduce
 * against the link bandwidth (bandwidth field = link bytes/s). */
void layer_op_roofline(const struct hw_spec *hw, const struct layer_op *op,
		       struct roofline_point *out);

#endif
