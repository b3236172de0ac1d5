/*
 * model.h — a transformer model spec (hidden size, FFN size, layers, heads,
 * dtype, MLP kind) and the GEMMs of its MLP for a token count.
 *
 * Ownership: model_spec_load() returns a spec freed by model_spec_free().
 */
#ifndef RL_MODELS_MODEL_H
#define RL_MODELS_MODEL_H

#include "hw/common.h"
#include "models/gemm.h"

struct cJSON;

enum model_mlp { MODEL_MLP_GATED = 0, MODEL_MLP_PLAIN = 1 };

#define MODEL_MAX_OPS 3

struct model_spec {
	char name[96];         /* short name, e.g. "llama-33b" */
	char display_name[96]; /* e.g. "Llama 33B" */
	char path[512];        /* file it was loaded from */
	char source[512];      /* where the architecture numbers come from */
	uint64_t hidden;       /* d_model */
	uint64_t intermediate; /* FFN inner size */
	uint64_t layers;       /* decoder layers */
	uint64_t heads;        /* attention heads */
	uint64_t kv_heads;     /* key/value heads (== heads without GQA) */
	uint64_t head_dim;     /* per head (hidden / heads unless given) */
	uint64_t vocab;        /* vocabulary (lm_head columns); 0 = not given */
	int tied_embeddings;   /* lm_head shares the embedding matrix */
	enum rl_dtype dtype;   /* weight/activation type */
	enum model_mlp mlp;    /* gated (up, gate, down) or plain (up, down) */
};

/* Load a model spec by name (searched in the data path, hw/data.h) or by
 * path; RL_OK, or RL_EINPUT with "FILE: $.path: expected ..." in err
 * (RL_ERR_LEN bytes). *out is freed by model_spec_free(). */
int model_spec_load(const char *name_or_path, struct model_spec **out,
		    char *err);
/* The same from JSON text in memory; `file` names it in messages. */
int model_spec_parse(const char *text, const char *file,
		     struct model_spec **out, char *err);
/* Free m (NULL is allowed). */
void model_spec_free(struct model_spec *m);
struct cJSON *model_spec_to_json(const struct model_spec *m);

/* Number of MLP ops and their names ("up", "gate", "down"). */
int model_mlp_nops(const struct model_spec *m);
const char *model_mlp_op_name(const struct model_spec *m, int i);
/* Index of op by name, or -1. */
int model_mlp_op_index(const struct model_spec *m, const char *name);
/* The GEMM of op i for `tokens` rows: up/gate are tokens×hidden·hidden×ffn,
 * down is tokens×ffn·ffn×hidden. */
void model_mlp_gemm(const struct model_spec *m, int i, uint64_t tokens,
		    struct gemm *out);

#endif
