/*
 * cmd_models.c — `ridgeline models list` and `ridgeline models show
 * NAME|PATH`: the model library and the GEMM shapes of each model's MLP.
 */
#include <stdio.h>
#include <string.h>

#include "hw/common.h"
#include "hw/data.h"
#include "models/gemm.h"
#include "models/model.h"
#include "sim/cli/cli.h"

static const char usage_text[] =
	"usage: ridgeline models list\n"
	"       ridgeline models show NAME|PATH\n"
	"\n"
	"list: the model specs found in $RIDGELINE_DATA/models, the installed\n"
	"      data directory (and the source tree, for the binary in the build\n"
	"      tree).\n"
	"show: one model's architecture and the GEMMs of its MLP for T tokens\n"
	"      (T = batch x q): up and gate are T x hidden . hidden x ffn,\n"
	"      down is T x ffn . ffn x hidden.\n"
	"NAME is a file name without .json (e.g. llama-33b); anything with a\n"
	"'/' or ending in .json is a path.\n";

static const char *mlp_name(const struct model_spec *m)
{
	return m->mlp == MODEL_MLP_GATED ? "gated" : "plain";
}

static int models_list(void)
{
	char **names = NULL, err[RL_ERR_LEN];
	int n = rl_data_list("models", &names), status = 0;

	if (n < 0) {
		fprintf(stderr, "ridgeline models list: out of memory\n");
		return 1;
	}
	printf("%-16s %-16s %7s %7s %6s %5s %8s %5s %5s\n", "name",
	       "display name", "hidden", "ffn", "layers", "heads", "kv_heads",
	       "dtype", "mlp");
	for (int i = 0; i < n; i++) {
		struct model_spec *m;
		int rc = model_spec_load(names[i], &m, err);

		if (rc) {
			fprintf(stderr, "%s\n", err);
			status = cli_exit_code(rc);
			continue;
		}
		printf("%-16s %-16s %7llu %7llu %6llu %5llu %8llu %5s %5s\n",
		       m->name, m->display_name,
		       (unsigned long long)m->hidden,
		       (unsigned long long)m->intermediate,
		       (unsigned long long)m->layers,
		       (unsigned long long)m->heads,
		       (unsigned long long)m->kv_heads,
		       rl_dtype_name(m->dtype), mlp_name(m));
		model_spec_free(m);
	}
	rl_strings_free(names, (size_t)n);
	return status;
}

static int models_show(const char *name)
{
	char err[RL_ERR_LEN];
	struct model_spec *m;
	double wbytes = 0, flops = 0;
	int rc = model_spec_load(name, &m, err);

	if (rc) {
		fprintf(stderr, "%s\n", err);
		return cli_exit_code(rc);
	}
	printf("%s (%s)\nfile: %s\nsource: %s\n\n", m->display_name, m->name,
	       m->path, m->source);
	printf("hidden        %llu\nintermediate  %llu\nlayers        %llu\n"
	       "heads         %llu (head dim %llu)\nkv_heads      %llu\n"
	       "dtype         %s\nmlp           %s\n\n",
	       (unsigned long long)m->hidden,
	       (unsigned long long)m->intermediate,
	       (unsigned long long)m->layers, (unsigned long long)m->heads,
	       (unsigned long long)(m->hidden / m->heads),
	       (unsigned long long)m->kv_heads, rl_dtype_name(m->dtype),
	       mlp_name(m));
	printf("MLP GEMMs per layer for T tokens (T = batch x q), "
	       "C[m x n] = A[m x k] . B[k x n]:\n");
	printf("%-5s %3s %7s %7s %12s %14s\n", "op", "m", "n", "k",
	       "weights MB", "GFLOP/token");
	for (int i = 0; i < model_mlp_nops(m); i++) {
		struct gemm g;
		double w, f;

		model_mlp_gemm(m, i, 1, &g);
		w = (double)g.k * (double)g.n * rl_dtype_bytes(g.dtype);
		f = 2.0 * (double)g.k * (double)g.n;
		wbytes += w;
		flops += f;
		printf("%-5s %3s %7llu %7llu %12.1f %14.4f\n",
		       model_mlp_op_name(m, i), "T", (unsigned long long)g.n,
		       (unsigned long long)g.k, w / 1e6, f / 1e9);
	}
	printf("MLP per layer: %.1f MB of weights, %.4f GFLOP per token; "
	       "all %llu layers: %.2f GB, %.2f GFLOP per token\n",
	       wbytes / 1e6, flops / 1e9, (unsigned long long)m->layers,
	       wbytes * (double)m->layers / 1e9,
	       flops * (double)m->layers / 1e9);
	model_spec_free(m);
	return 0;
}

int cmd_models(int argc, char **argv)
{
	return cli_list_show("models", argc, argv, usage_text, models_list, models_show);
}
