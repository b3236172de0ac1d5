/*
 * layer.c — the ops of a decoder layer under tensor parallelism (see
 * layer.h).
 */
#include "models/layer.h"

#include <stdio.h>
#include <string.h>

static const char *const all_ops[LAYER_MAX_OPS + 1] = {
	"qkv", "attn", "o", "ar_o", "up", "gate", "up_gate", "down",
	"ar_down", "lm_head", NULL
};

int layer_op_known(const char *name)
{
	for (int i = 0; name && all_ops[i]; i++)
		if (!strcmp(all_ops[i], name))
			return 1;
	return 0;
}

const char *layer_op_list(void)
{
	return "qkv, attn, o, ar_o, up, gate, up_gate, down, ar_down, lm_head";
}

/* The static name for a known op (so that results may point at it). */
static const char *static_name(const char *name)
{
	for (int i = 0; all_ops[i]; i++)
		if (!strcmp(all_ops[i], name))
			return all_ops[i];
	return NULL;
}

int layer_default_ops(const struct model_spec *m, int tp, int with_lm_head,
		      const char **out)
{
	int n = 0;

	out[n++] = "qkv";
	out[n++] = "attn";
	out[n++] = "o";
	if (tp > 1)
		out[n++] = "ar_o";
	out[n++] = "up";
	if (m->mlp == MODEL_MLP_GATED)
		out[n++] = "gate";
	out[n++] = "down";
	if (tp > 1)
		out[n++] = "ar_down";
	if (with_lm_head)
		out[n++] = "lm_head";
	return n;
}

int layer_check_tp(const struct model_spec *m, int tp, char *err)
{
	if (tp < 1) {
		rl_errf(err, "tp: expected an integer >= 1, found %d", tp);
		return RL_EINPUT;
	}
	if (m->heads % (uint64_t)tp || m->kv_heads % (uint64_t)tp ||
	    m->intermediate % (uint64_t)tp) {
		rl_errf(err, "tp = %d must divide %s's heads (%llu), kv_heads "
			     "(%llu) and FFN size (%llu)", tp, m->name,
			(unsigned long long)m->heads,
			(unsigned long long)m->kv_heads,
			(unsigned long long)m->intermediate);
		return RL_EINPUT;
	}
	return RL_OK;
}

static void set_gemm(struct gemm *g, uint64_t m, uint64_t n, uint64_t k,
		     enum rl_dtype d)
{
	g->m = m;
	g->n = n;
	g->k = k;
	g->dtype = d;
}

int layer_op_build(const struct model_spec *m, const char *name,
		   const struct layer_params *p, struct layer_op *op,
		   char *err)
{
	uint64_t t = p->q * p->batch, tp = (uint64_t)p->tp;
	uint64_t hd = m->head_dim, qdim = m->heads * m->head_dim;
	int gated = m->mlp == MODEL_MLP_GATED;
	int rc;

	memset(op, 0, sizeof *op);
	if (!(op->name = static_name(name))) {
		rl_errf(err, "expected an op of the layer (%s), found \"%s\"",
			layer_op_list(), name);
		return RL_EINPUT;
	}
	if ((rc = layer_check_tp(m, p->tp, err)))
		return rc;
	op->kind = LAYER_GEMM;
	op->tp = p->tp;
	if (!strcmp(name, "qkv")) {
		set_gemm(&op->g, t, (m->heads + 2 * m->kv_heads) * hd / tp,
			 m->hidden, p->dtype);
	} else if (!strcmp(name, "o")) {
		set_gemm(&op->g, t, m->hidden, qdim / tp, p->dtype);
	} else if (!strcmp(name, "up") || (gated && !strcmp(name, "gate"))) {
		set_gemm(&op->g, t, m->intermediate / tp, m->hidden, p->dtype);
	} else if (gated && !strcmp(name, "up_gate")) {
		set_gemm(&op->g, t, 2 * m->intermediate / tp, m->hidden,
			 p->dtype);
	} else if (!strcmp(name, "down")) {
		set_gemm(&op->g, t, m->hidden, m->intermediate / tp, p->dtype);
	} else if (!strcmp(name, "lm_head")) {
		if (!m->vocab) {
			rl_errf(err, "lm_head: %s gives no vocab", m->name);
			return RL_EINPUT;
		}
		set_gemm(&op->g, t, (m->vocab + tp - 1) / tp, m->hidden,
			 p->dtype);
	} else if (!strcmp(name, "attn")) {
		op->kind = LAYER_ATTN;
		op->a.batch = p->batch;
		op->a.heads = m->heads / tp;
		op->a.kv_heads = m->kv_heads / tp;
		op->a.head_dim = hd;
		op->a.q = p->q;
		op->a.kv_len = p->kv_len;
		op->a.mask = p->mask;
		op->a.dtype = p->dtype;
		set_gemm(&op->g, t, p->kv_len, hd, p->dtype);
		if ((rc = attn_check(&op->a, err)))
			return rc;
	} else if (!strcmp(name, "ar_o") || !strcmp(name, "ar_down")) {
		if (p->tp < 2) {
			rl_errf(err, "%s: an all-reduce needs tp >= 2, found "
				     "tp = %d", name, p->tp);
			return RL_EINPUT;
		}
		op->kind = LAYER_ALLREDUCE;
		op->ar_bytes = (double)t * (double)m->hidden *
			       rl_dtype_out_bytes(p->dtype);
		set_gemm(&op->g, t, m->hidden, tp, p->dtype);
	} else {
		rl_errf(err, "%s: %s has a plain MLP (up, down), no %s", name,
			m->name, name);
		return RL_EINPUT;
	}
	return RL_OK;
}

double layer_op_flops(const struct layer_op *op)
{
	switch (op->kind) {
	case LAYER_ATTN:
		return attn_flops(&op->a);
	case LAYER_ALLREDUCE:
		return 0;
	default:
		return gemm_flops(&op->g);
	}
}

double layer_op_bytes_min(const struct layer_op *op)
{
	switch (op->kind) {
	case LAYER_ATTN:
		return attn_bytes_min(&op->a);
	case LAYER_ALLREDUCE:
		/* a ring all-reduce: reduce-scatter then all-gather, each
		 * sending (p - 1)/p of the payload over each GPU's link */
		return 2.0 * (op->tp - 1) / op->tp * op->ar_bytes;
	default:
		return gemm_bytes_min(&op->g);
	}
}

void layer_op_roofline(const struct hw_spec *hw, const struct layer_op *op,
		       struct roofline_point *r)
{
	if (op->kind == LAYER_GEMM) {
		roofline_gemm(hw, &op->g, r);
		return;
	}
	memset(r, 0, sizeof *r);
	r->flops = layer_op_flops(op);
	r->bytes_min = layer_op_bytes_min(op);
	r->oi = r->bytes_min > 0 ? r->flops / r->bytes_min : 0;
	r->peak_flops = hw_spec_peak_flops(hw, op->g.dtype);
	if (op->kind == LAYER_ALLREDUCE) {
		r->bandwidth = hw->link.bandwidth_gbps * 1e9;
		r->ridge = 0;
		r->attainable = 0;
		r->time_us = r->bandwidth > 0 ? r->bytes_min / r->bandwidth * 1e6
					      : 0;
		r->memory_bound = 1;
		return;
	}
	r->bandwidth = hw_spec_bandwidth(hw);
	r->ridge = r->bandwidth > 0 ? r->peak_flops / r->bandwidth : 0;
	r->attainable = roofline_attainable(r->peak_flops, r->bandwidth, r->oi);
	r->time_us = r->attainable > 0 ? r->flops / r->attainable * 1e6 : 0;
	r->memory_bound = r->oi < r->ridge;
}
