/*
 * model.c — transformer model specs and the GEMMs of their MLP
 * (see model.h).
 *
 * The MLP (the whole layer's ops are in models/layer.h): with T tokens in flight (T = batch · q), a
 * gated (SwiGLU) MLP runs up and gate, T×hidden · hidden×ffn each, then
 * down, T×ffn · ffn×hidden; a plain MLP has no gate. The file format is
 * validated as strictly as a hardware file (hw/jsonv.h).
 */
#include "models/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hw/data.h"
#include "hw/jsonv.h"

static const char *const model_keys[] = {
	"name", "display_name", "source", "hidden", "intermediate", "layers",
	"heads", "kv_heads", "head_dim", "vocab", "tied_embeddings", "dtype",
	"mlp", NULL
};
static const char *const dtype_names[] = {"fp16", "bf16", NULL};
static const enum rl_dtype dtype_values[] = {RL_FP16, RL_BF16};
static const char *const mlp_names[] = {"gated", "plain", NULL};

static const char *const gated_ops[] = {"up", "gate", "down"};
static const char *const plain_ops[] = {"up", "down"};

/* Sane bounds: the largest published dense models have hidden ≈ 25k,
 * FFN ≈ 100k, ~ 130 layers and ~ 130 heads; allow an order beyond. */
static const struct jsonv_range r_hidden = {1, 1 << 20, 1};
static const struct jsonv_range r_ffn = {1, 1 << 22, 1};
static const struct jsonv_range r_layers = {1, 10000, 1};
static const struct jsonv_range r_heads = {1, 16384, 1};
static const struct jsonv_range r_head_dim = {1, 1024, 1};
static const struct jsonv_range r_vocab = {1, 1 << 24, 1};

void model_spec_free(struct model_spec *m)
{
	free(m);
}

int model_spec_parse(const char *text, const char *file,
		     struct model_spec **out, char *err)
{
	struct jsonv v = {file, err};
	struct model_spec *m = NULL;
	double hidden = 0, ffn = 0, layers = 0, heads = 0, kv = 0, hd = 0;
	double vocab = 0;
	int dt = 0, mlp = 0, has_kv = 0, has_hd = 0, tied = 0, rc;
	const cJSON *tv;
	cJSON *root = NULL;
	const char *f = file ? file : "(input)";

	*out = NULL;
	rc = jsonv_parse(&v, text, &root);
	if (rc)
		return rc;
	m = calloc(1, sizeof *m);
	if (!m) {
		rl_errf(err, "%s: out of memory", f);
		rc = RL_EIO;
		goto fail;
	}
	rc = jsonv_object(&v, root, "$", model_keys);
	if (!rc)
		rc = jsonv_get_name(&v, root, "$", "name", 1, m->name,
				    sizeof m->name, NULL);
	if (!rc)
		rc = jsonv_get_string(&v, root, "$", "display_name", 1,
				      m->display_name, sizeof m->display_name,
				      NULL);
	if (!rc)
		rc = jsonv_get_string(&v, root, "$", "source", 1, m->source,
				      sizeof m->source, NULL);
	if (!rc)
		rc = jsonv_get_number(&v, root, "$", "hidden", 1, &r_hidden,
				      &hidden, NULL);
	if (!rc)
		rc = jsonv_get_number(&v, root, "$", "intermediate", 1, &r_ffn,
				      &ffn, NULL);
	if (!rc)
		rc = jsonv_get_number(&v, root, "$", "layers", 1, &r_layers,
				      &layers, NULL);
	if (!rc)
		rc = jsonv_get_number(&v, root, "$", "heads", 1, &r_heads,
				      &heads, NULL);
	if (!rc)
		rc = jsonv_get_number(&v, root, "$", "kv_heads", 0, &r_heads,
				      &kv, &has_kv);
	if (!rc)
		rc = jsonv_get_number(&v, root, "$", "head_dim", 0, &r_head_dim,
				      &hd, &has_hd);
	if (!rc)
		rc = jsonv_get_number(&v, root, "$", "vocab", 0, &r_vocab,
				      &vocab, NULL);
	if (!rc && (tv = cJSON_GetObjectItemCaseSensitive(root,
							   "tied_embeddings")))
		rc = jsonv_bool(&v, tv, "$.tied_embeddings", &tied);
	if (!rc)
		rc = jsonv_get_enum(&v, root, "$", "dtype", 1, dtype_names, &dt,
				    NULL);
	if (!rc)
		rc = jsonv_get_enum(&v, root, "$", "mlp", 1, mlp_names, &mlp,
				    NULL);
	if (rc)
		goto fail;
	if (!has_kv)
		kv = heads;
	/* Attention shapes: heads split hidden evenly; grouped-query
	 * attention shares each KV head among heads/kv_heads query heads. */
	if (!has_hd && (uint64_t)hidden % (uint64_t)heads) {
		rl_errf(err, "%s: $.heads: expected a divisor of hidden = %.0f, "
			"found %.0f", f, hidden, heads);
		rc = RL_EINPUT;
		goto fail;
	}
	/* a derived head_dim must be one a file may give (r_head_dim), so
	 * that the model written back (model_spec_to_json) loads again */
	if (!has_hd && (hidden / heads < r_head_dim.min ||
			hidden / heads > r_head_dim.max)) {
		rl_errf(err, "%s: $.heads: expected hidden / heads (head_dim) "
			"in [%.0f, %.0f], found %.0f / %.0f = %.0f", f,
			r_head_dim.min, r_head_dim.max, hidden, heads,
			hidden / heads);
		rc = RL_EINPUT;
		goto fail;
	}
	if (kv > heads || (uint64_t)heads % (uint64_t)kv) {
		rl_errf(err, "%s: $.kv_heads: expected a divisor of heads = %.0f, "
			"found %.0f", f, heads, kv);
		rc = RL_EINPUT;
		goto fail;
	}
	m->hidden = (uint64_t)hidden;
	m->intermediate = (uint64_t)ffn;
	m->layers = (uint64_t)layers;
	m->heads = (uint64_t)heads;
	m->kv_heads = (uint64_t)kv;
	m->head_dim = has_hd ? (uint64_t)hd : (uint64_t)hidden / (uint64_t)heads;
	m->vocab = (uint64_t)vocab;
	m->tied_embeddings = tied;
	m->dtype = dtype_values[dt];
	m->mlp = mlp == 0 ? MODEL_MLP_GATED : MODEL_MLP_PLAIN;
	cJSON_Delete(root);
	*out = m;
	return RL_OK;
fail:
	cJSON_Delete(root);
	model_spec_free(m);
	return rc;
}

int model_spec_load(const char *name_or_path, struct model_spec **out,
		    char *err)
{
	char path[512];
	char *text;
	int rc;

	*out = NULL;
	rc = rl_data_find("models", name_or_path, path, sizeof path, err);
	if (rc)
		return rc;
	text = rl_read_file(path, NULL, err);
	if (!text)
		return RL_EINPUT;
	rc = model_spec_parse(text, path, out, err);
	free(text);
	if (rc)
		return rc;
	snprintf((*out)->path, sizeof (*out)->path, "%s", path);
	return RL_OK;
}

struct cJSON *model_spec_to_json(const struct model_spec *m)
{
	cJSON *root = cJSON_CreateObject();

	if (!root)
		return NULL;
	if (!cJSON_AddStringToObject(root, "name", m->name) ||
	    !cJSON_AddStringToObject(root, "display_name", m->display_name) ||
	    !cJSON_AddStringToObject(root, "source", m->source) ||
	    !cJSON_AddNumberToObject(root, "hidden", (double)m->hidden) ||
	    !cJSON_AddNumberToObject(root, "intermediate",
				     (double)m->intermediate) ||
	    !cJSON_AddNumberToObject(root, "layers", (double)m->layers) ||
	    !cJSON_AddNumberToObject(root, "heads", (double)m->heads) ||
	    !cJSON_AddNumberToObject(root, "kv_heads", (double)m->kv_heads) ||
	    !cJSON_AddNumberToObject(root, "head_dim", (double)m->head_dim) ||
	    (m->vocab && !cJSON_AddNumberToObject(root, "vocab",
						  (double)m->vocab)) ||
	    !cJSON_AddBoolToObject(root, "tied_embeddings",
				   m->tied_embeddings) ||
	    !cJSON_AddStringToObject(root, "dtype", rl_dtype_name(m->dtype)) ||
	    !cJSON_AddStringToObject(root, "mlp",
				     m->mlp == MODEL_MLP_GATED ? "gated"
							       : "plain")) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

int model_mlp_nops(const struct model_spec *m)
{
	return m->mlp == MODEL_MLP_GATED ? 3 : 2;
}

const char *model_mlp_op_name(const struct model_spec *m, int i)
{
	if (i < 0 || i >= model_mlp_nops(m))
		return NULL;
	return m->mlp == MODEL_MLP_GATED ? gated_ops[i] : plain_ops[i];
}

int model_mlp_op_index(const struct model_spec *m, const char *name)
{
	for (int i = 0; name && i < model_mlp_nops(m); i++)
		if (!strcmp(model_mlp_op_name(m, i), name))
			return i;
	return -1;
}

void model_mlp_gemm(const struct model_spec *m, int i, uint64_t tokens,
		    struct gemm *out)
{
	const char *op = model_mlp_op_name(m, i);
	int down = op && !strcmp(op, "down");

	out->m = tokens;
	out->k = down ? m->intermediate : m->hidden;
	out->n = down ? m->hidden : m->intermediate;
	out->dtype = m->dtype;
}
