/*
 * cmd_layer.c — `ridgeline layer`: one decoding (or speculation) step of
 * one decoder layer on one GPU of a tensor-parallel group, every op
 * simulated (models/layer.h, sim/gpu/layer.c) and printed with its time,
 * FLOP/s, GB/s, bound and share of the layer, then the total; attention's
 * QKᵀ and PV FLOPs and bytes on lines of their own (their time is the
 * fused kernel's). Also `validate` on measured attention rows
 * (cli_validate_attention()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/spec.h"
#include "models/layer.h"
#include "models/model.h"
#include "sim/cli/cli.h"
#include "sim/gpu/gpu.h"
#include "sim/run/output.h"
#include "sim/run/validate_attn.h"

static const char usage[] =
	"usage: ridgeline layer --hw HW --model M --q Q --batch B --kv-len L\n"
	"                       [--tp N] [--dtype fp16|bf16|fp8]\n"
	"                       [--mask tree|causal] [--ops LIST] [--l2 cold|warm]\n"
	"                       [--set PATH=VALUE ...]\n"
	"Simulate one step of one decoder layer of model M on one GPU HW of a\n"
	"tensor-parallel group of N (default 1): q query tokens per sequence\n"
	"(1 = decoding, > 1 a speculation tree or a prefill chunk), B sequences,\n"
	"a KV cache of L tokens per sequence (the q new ones included). Prints\n"
	"every op (qkv, attn, o, ar_o, up, gate, down, ar_down by default; --ops\n"
	"a comma-separated list of those and up_gate, lm_head) with its time,\n"
	"FLOP/s, GB/s, bound and share of the layer, and the total.\n";

static int bad(const char *msg, const char *arg)
{
	fprintf(stderr, "ridgeline layer: %s'%s'\n", msg, arg);
	return 2;
}

int cmd_layer(int argc, char **argv)
{
	const char *hwname = NULL, *mname = NULL, *ops_arg = NULL;
	unsigned long long q = 0, batch = 0, kv = 0, tp = 1;
	struct cli_sets sets = {.n = 0};
	struct hw_spec *hw = NULL;
	struct model_spec *m = NULL;
	struct layer_params lp;
	struct layer_op ops[LAYER_MAX_OPS];
	struct gpu_result res[LAYER_MAX_OPS];
	const char *names[LAYER_MAX_OPS];
	char err[RL_ERR_LEN], list[256];
	int dtype_set = 0, warm = 0, nops = 0, rc, mask = ATTN_MASK_TREE;
	enum rl_dtype dtype = RL_FP16;
	double total = 0;
	const struct cli_opt opts[] = {
		CLI_OPT_HW(&hwname),
		{.name = "model", .kind = CLI_STR, .target = &mname, .arg = "M",
		 .help = "model name (ridgeline models list) or spec file"},
		{.name = "q", .kind = CLI_UINT, .target = &q, .arg = "Q",
		 .lo = 1, .hi = 65536, .help = "query tokens per sequence"},
		{.name = "batch", .kind = CLI_UINT, .target = &batch, .arg = "B",
		 .lo = 1, .hi = 65536, .help = "sequences"},
		{.name = "kv-len", .kind = CLI_UINT, .target = &kv, .arg = "L",
		 .lo = 1, .hi = 1 << 24, .help = "KV-cache tokens per sequence"},
		{.name = "tp", .kind = CLI_UINT, .target = &tp, .arg = "N",
		 .lo = 1, .hi = 1024, .help = "tensor-parallel GPUs (default 1)"},
		{.name = "dtype", .kind = CLI_DTYPE, .target = &dtype,
		 .given = &dtype_set, .arg = "fp16|bf16|fp8",
		 .help = "input type (default: the model's)"},
		{.name = "mask", .kind = CLI_CHOICE, .target = &mask,
		 .arg = "tree|causal", .choices = "tree|causal", .help = "how "
		 "the q > 1 candidates see each other (tree: Medusa's tree, "
		 "causal: a prefill chunk); it changes FLOPs, not KV bytes"},
		{.name = "ops", .kind = CLI_STR, .target = &ops_arg,
		 .arg = "LIST", .help = "the ops to simulate (above)"},
		CLI_OPT_L2(&warm),
		CLI_OPT_SET(&sets),
		CLI_OPT_HELP,
		CLI_OPT_END,
	};

	if ((rc = cli_parse("ridgeline layer", usage, opts, argc, argv,
			    NULL)) >= 0)
		return rc;
	if (!hwname || !mname || !q || !batch || !kv) {
		fprintf(stderr, "ridgeline layer: --hw, --model, --q, --batch "
				"and --kv-len are required (see ridgeline layer "
				"--help)\n");
		return 2;
	}
	if ((rc = hw_spec_load(hwname, &hw, err)) ||
	    (rc = model_spec_load(mname, &m, err)))
		goto fail;
	if (cli_apply_sets("layer", hw, &sets)) {
		rc = RL_EINPUT;
		err[0] = 0;
		goto fail;
	}
	lp.q = q;
	lp.batch = batch;
	lp.kv_len = kv;
	lp.tp = (int)tp;
	lp.mask = (enum attn_mask)mask;
	lp.dtype = dtype_set ? dtype : m->dtype;
	if (ops_arg) {
		char *save = NULL, *tok;

		snprintf(list, sizeof list, "%s", ops_arg);
		for (tok = strtok_r(list, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			if (nops == LAYER_MAX_OPS) {
				rc = bad("--ops: expected at most 10 ops, found ",
					 ops_arg);
				goto out;
			}
			names[nops++] = tok;
		}
		if (!nops) {
			rc = bad("--ops: expected a comma-separated list of ops, "
				 "found ", ops_arg);
			goto out;
		}
	} else {
		nops = layer_default_ops(m, (int)tp, 0, names);
	}
	/* every op built and checked before anything is simulated */
	for (int i = 0; i < nops; i++) {
		char why[RL_ERR_LEN];

		if ((rc = layer_op_build(m, names[i], &lp, &ops[i], why)) ||
		    (rc = gpu_check_layer_op(hw, &ops[i], why))) {
			rl_errf(err, "%s %s: %s", m->name, names[i], why);
			goto fail;
		}
	}
	for (int i = 0; i < nops; i++) {
		struct gpu_opts go = {.l2_warm = warm};
		char why[RL_ERR_LEN];

		if ((rc = gpu_simulate_layer_op(hw, &ops[i], &go, &res[i], why))) {
			rl_errf(err, "%s %s: %s", m->name, names[i], why);
			goto fail;
		}
		total += res[i].time_us;
	}
	printf("%s, %s (%s): one layer, q = %llu, batch = %llu, kv_len = %llu, "
	       "tp = %llu, %s, L2 %s\n", m->display_name, hw->display_name,
	       hw->name, q, batch, kv, tp, rl_dtype_name(lp.dtype),
	       warm ? "warm" : "cold");
	printf("%-9s %-22s %10s %10s %9s %8s %8s %7s  %s\n", "op", "shape",
	       "GFLOP", "MB", "time_us", "TFLOP/s", "GB/s", "share%", "bound");
	for (int i = 0; i < nops; i++) {
		const struct layer_op *op = &ops[i];
		const struct gpu_result *r = &res[i];
		char shape[64];

		if (op->kind == LAYER_ATTN)
			snprintf(shape, sizeof shape, "%llux%llu/%llu L%llu",
				 (unsigned long long)op->a.batch,
				 (unsigned long long)op->a.heads,
				 (unsigned long long)op->a.kv_heads,
				 (unsigned long long)op->a.kv_len);
		else if (op->kind == LAYER_ALLREDUCE)
			snprintf(shape, sizeof shape, "%.3g MB x%d",
				 op->ar_bytes / 1e6, op->tp);
		else
			snprintf(shape, sizeof shape, "%llux%llux%llu",
				 (unsigned long long)op->g.m,
				 (unsigned long long)op->g.n,
				 (unsigned long long)op->g.k);
		printf("%-9s %-22s %10.4f %10.3f %9.2f %8.2f %8.0f %7.1f  %s\n",
		       op->name, shape, layer_op_flops(op) / 1e9,
		       layer_op_bytes_min(op) / 1e6, r->time_us,
		       layer_op_flops(op) / (r->time_us * 1e-6) / 1e12,
		       r->hbm_gbps, 100 * r->time_us / total, r->bound);
		if (op->kind == LAYER_ATTN) {
			printf("  %-7s %-22s %10.4f %10.3f %9s\n", "qk", "Q.K^T",
			       attn_qk_flops(&op->a) / 1e9,
			       attn_qk_bytes(&op->a) / 1e6, "(fused)");
			printf("  %-7s %-22s %10.4f %10.3f %9s\n", "pv", "P.V",
			       attn_pv_flops(&op->a) / 1e9,
			       attn_pv_bytes(&op->a) / 1e6, "(fused)");
		}
	}
	printf("%-9s %-22s %10s %10s %9.2f %8s %8s %7.1f\n", "total", "", "", "",
	       total, "", "", 100.0);
	{
		/* the whole model: every decoder op once per layer, lm_head
		 * once */
		double step = 0;
		int head = 0;

		for (int i = 0; i < nops; i++) {
			head |= !strcmp(ops[i].name, "lm_head");
			step += res[i].time_us *
				(!strcmp(ops[i].name, "lm_head") ?
				 1 : (double)m->layers);
		}
		printf("model     %d layers: %.1f us per step (%s)\n",
		       (int)m->layers, step,
		       head ? "lm_head once" : "no lm_head");
	}
	rc = 0;
	goto out;
fail:
	if (err[0])
		fprintf(stderr, "ridgeline layer: %s\n", err);
	rc = cli_exit_code(rc);
out:
	hw_spec_free(hw);
	model_spec_free(m);
	return rc;
}

static int by_regime(const struct attn_vrow *r, void *arg)
{
	return r->regime == *(enum validate_regime *)arg;
}

/* Rows with a KV cache of at least *arg tokens. */
static int by_kv(const struct attn_vrow *r, void *arg)
{
	return r->a.kv_len >= *(uint64_t *)arg;
}

/* Rows whose KV is split (flash-decoding) or not (*arg = 1: split). */
static int by_split(const struct attn_vrow *r, void *arg)
{
	return (r->sim.split_k > 1) == *(int *)arg;
}

int cli_validate_attention(const struct hw_spec *hw, const char *measured,
			   const char *dir, int jobs,
			   const enum validate_protocol *protocol)
{
	struct attn_vset *v = NULL;
	struct validate_summary s;
	char err[RL_ERR_LEN], path[1024];
	uint64_t kv = 1024;
	int rc, lock = -1, yes = 1, no = 0;

	if ((rc = validate_attn_load(measured, hw, &v, err)))
		goto fail;
	if (protocol)
		validate_attn_set_protocol(v, *protocol);
	if (dir && (lock = out_dir_open(dir, err)) < 0) {
		rc = RL_EIO;
		goto fail;
	}
	if ((rc = validate_attn_run(v, hw, jobs, err)))
		goto fail;
	printf("validate: %s on %s, %zu attention calls (protocol %s)\n",
	       measured, hw->name, v->n,
	       protocol ? validate_protocol_name(*protocol) : "per row");
	cli_summary_header();
	validate_attn_summarize(v, NULL, NULL, &s);
	cli_summary_line("all", &s);
	for (int r = 0; r < NREGIMES; r++) {
		enum validate_regime rg = (enum validate_regime)r;
		char label[64];

		validate_attn_summarize(v, by_regime, &rg, &s);
		cli_regime_label(rg, label, sizeof label);
		if (s.n)
			cli_summary_line(label, &s);
	}
	validate_attn_summarize(v, by_kv, &kv, &s);
	if (s.n)
		cli_summary_line("kv_len >= 1024", &s);
	validate_attn_summarize(v, by_split, &yes, &s);
	if (s.n)
		cli_summary_line("split-KV", &s);
	validate_attn_summarize(v, by_split, &no, &s);
	if (s.n)
		cli_summary_line("no split", &s);
	if (dir) {
		snprintf(path, sizeof path, "%s/validation.csv", dir);
		if ((rc = validate_attn_write_csv(v, path, err)))
			goto fail;
		printf("wrote %s\n", path);
	}
	validate_attn_free(v);
	out_dir_unlock(lock);
	return 0;
fail:
	fprintf(stderr, "ridgeline validate: %s\n", err);
	validate_attn_free(v);
	out_dir_unlock(lock);
	return cli_exit_code(rc);
}
