/*
 * check_models.c — model specs and GEMM arithmetic: the shipped models
 * carry their published architecture numbers, the MLP GEMM shapes and
 * FLOP/byte counts match hand computation, and bad model files are
 * rejected with RL_EINPUT and a message naming file, JSON path and
 * expectation.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hw/common.h"
#include "hw/data.h"
#include "models/gemm.h"
#include "models/model.h"

static char err[RL_ERR_LEN];

#define ck_assert_has(hay, needle)                                          \
	ck_assert_msg(strstr((hay), (needle)) != NULL,                      \
		      "expected \"%s\" in message \"%s\"", (needle), (hay))

/* A minimal valid model; tests change one member at a time. */
static cJSON *tiny(void)
{
	cJSON *o = cJSON_Parse("{\"name\": \"tiny\", \"display_name\": \"Tiny\","
			       " \"source\": \"made up for a test\","
			       " \"hidden\": 64, \"intermediate\": 256,"
			       " \"layers\": 2, \"heads\": 4,"
			       " \"dtype\": \"bf16\", \"mlp\": \"plain\"}");

	ck_assert_ptr_nonnull(o);
	return o;
}

static int parse_tree(cJSON *o, struct model_spec **m)
{
	char *text = cJSON_Print(o);
	int rc;

	cJSON_Delete(o);
	err[0] = 0;
	rc = model_spec_parse(text, "m.json", m, err);
	cJSON_free(text);
	return rc;
}

static void expect_bad(cJSON *o, const char *msg)
{
	struct model_spec *m = (struct model_spec *)1;

	ck_assert_int_eq(parse_tree(o, &m), RL_EINPUT);
	ck_assert_ptr_null(m);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_str_eq(err, msg);
}

static void set_num(cJSON *o, const char *k, double v)
{
	ck_assert(cJSON_ReplaceItemInObjectCaseSensitive(o, k,
							  cJSON_CreateNumber(v)));
}

static void set_str(cJSON *o, const char *k, const char *v)
{
	ck_assert(cJSON_ReplaceItemInObjectCaseSensitive(o, k,
							  cJSON_CreateString(v)));
}

/* ---- gemm arithmetic ---------------------------------------------------- */

START_TEST(test_gemm_counts_match_hand_computation)
{
	struct gemm g = {2, 3, 4, RL_FP16};

	/* 2·2·3·4 = 48 FLOP; 2 B · (2·4 + 4·3 + 2·3) = 2 · 26 = 52 B */
	ck_assert_double_eq(gemm_flops(&g), 48);
	ck_assert_double_eq(gemm_bytes_min(&g), 52);
	ck_assert_double_eq_tol(gemm_oi(&g), 48.0 / 52.0, 1e-15);
	/* fp8: 1-byte inputs, 16-bit output: 2·4 + 4·3 + 2 · 2·3 = 32 B */
	g.dtype = RL_FP8;
	ck_assert_double_eq(gemm_bytes_min(&g), 32);
}
END_TEST

START_TEST(test_gemm_large_counts_do_not_overflow)
{
	/* 2 · 32768 · 16384 · 16384 = 2^1 · 2^15 · 2^14 · 2^14 = 2^44 */
	struct gemm g = {32768, 16384, 16384, RL_BF16};

	ck_assert_double_eq(gemm_flops(&g), ldexp(1, 44));
}
END_TEST

/* ---- Llama 33B ---------------------------------------------------------- */

START_TEST(test_llama33b_has_the_published_architecture)
{
	struct model_spec *m;

	ck_assert_msg(model_spec_load("llama-33b", &m, err) == RL_OK, "%s",
		      err);
	ck_assert_str_eq(m->name, "llama-33b");
	ck_assert_str_eq(m->display_name, "Llama 33B");
	ck_assert_has(m->source, "2302.13971");
	ck_assert_uint_eq(m->hidden, 6656);
	ck_assert_uint_eq(m->intermediate, 17920);
	ck_assert_uint_eq(m->layers, 60);
	ck_assert_uint_eq(m->heads, 52);
	ck_assert_uint_eq(m->kv_heads, 52); /* absent: defaults to heads */
	ck_assert_int_eq(m->dtype, RL_FP16);
	ck_assert_int_eq(m->mlp, MODEL_MLP_GATED);
	model_spec_free(m);
}
END_TEST

START_TEST(test_llama33b_mlp_shapes)
{
	struct model_spec *m;
	struct gemm g;

	ck_assert_int_eq(model_spec_load("llama-33b", &m, err), RL_OK);
	ck_assert_int_eq(model_mlp_nops(m), 3);
	ck_assert_str_eq(model_mlp_op_name(m, 0), "up");
	ck_assert_str_eq(model_mlp_op_name(m, 1), "gate");
	ck_assert_str_eq(model_mlp_op_name(m, 2), "down");
	ck_assert_ptr_null(model_mlp_op_name(m, 3));
	ck_assert_int_eq(model_mlp_op_index(m, "down"), 2);
	ck_assert_int_eq(model_mlp_op_index(m, "qkv"), -1);
	/* Touvron et al. 2023, Table 2 (and README): up and gate
	 * T×6656 · 6656×17920 */
	model_mlp_gemm(m, 1, 7, &g);
	ck_assert_uint_eq(g.m, 7);
	ck_assert_uint_eq(g.k, 6656);
	ck_assert_uint_eq(g.n, 17920);
	ck_assert_int_eq(g.dtype, RL_FP16);
	/* down T×17920 · 17920×6656 */
	model_mlp_gemm(m, 2, 7, &g);
	ck_assert_uint_eq(g.k, 17920);
	ck_assert_uint_eq(g.n, 6656);
	model_spec_free(m);
}
END_TEST

START_TEST(test_llama33b_one_token_flops_and_bytes)
{
	struct model_spec *m;
	struct gemm g;

	ck_assert_int_eq(model_spec_load("llama-33b", &m, err), RL_OK);
	model_mlp_gemm(m, 0, 1, &g);
	/* 2 · 6656 · 17920 = 238,551,040 FLOP = 0.2386 GFLOP */
	ck_assert_double_eq(gemm_flops(&g), 238551040.0);
	/* 2 · (6656 + 6656·17920 + 17920) = 2 · 119,300,096 = 238,600,192 B */
	ck_assert_double_eq(gemm_bytes_min(&g), 238600192.0);
	/* OI = 238551040 / 238600192 = 0.99979, "1.00" */
	ck_assert_double_eq_tol(gemm_oi(&g), 0.99979, 1e-5);
	model_spec_free(m);
}
END_TEST

START_TEST(test_llama33b_8192_tokens_oi)
{
	struct model_spec *m;
	struct gemm g;

	ck_assert_int_eq(model_spec_load("llama-33b", &m, err), RL_OK);
	/* T·K·N / (T·K + K·N + T·N) with T = 8192, K = 6656, N = 17920:
	 * 977,105,059,840 / 320,602,112 = 3047.72 */
	for (int op = 0; op < 3; op++) {
		model_mlp_gemm(m, op, 8192, &g);
		ck_assert_double_eq_tol(gemm_oi(&g), 3047.72, 0.01);
	}
	model_spec_free(m);
}
END_TEST

/* ---- the library -------------------------------------------------------- */

/* HF config.json values of each shipped model. */
static const struct {
	const char *name;
	uint64_t hidden, ffn, layers, heads, kv;
	enum rl_dtype dtype;
} configs[] = {
	{"llama-33b", 6656, 17920, 60, 52, 52, RL_FP16},
	{"llama-2-7b", 4096, 11008, 32, 32, 32, RL_FP16},
	{"llama-2-70b", 8192, 28672, 80, 64, 8, RL_FP16},
	{"llama-3-8b", 4096, 14336, 32, 32, 8, RL_BF16},
	{"llama-3-70b", 8192, 28672, 80, 64, 8, RL_BF16},
	{"codellama-34b", 8192, 22016, 48, 64, 8, RL_BF16},
};

START_TEST(test_every_shipped_model_matches_its_config)
{
	for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
		struct model_spec *m;

		ck_assert_msg(model_spec_load(configs[i].name, &m, err) == RL_OK,
			      "%s", err);
		ck_assert_str_eq(m->name, configs[i].name);
		ck_assert_uint_eq(m->hidden, configs[i].hidden);
		ck_assert_uint_eq(m->intermediate, configs[i].ffn);
		ck_assert_uint_eq(m->layers, configs[i].layers);
		ck_assert_uint_eq(m->heads, configs[i].heads);
		ck_assert_uint_eq(m->kv_heads, configs[i].kv);
		ck_assert_int_eq(m->dtype, configs[i].dtype);
		ck_assert_int_eq(m->mlp, MODEL_MLP_GATED);
		ck_assert_uint_gt(strlen(m->source), 20);
		model_spec_free(m);
	}
}
END_TEST

START_TEST(test_every_listed_model_loads)
{
	char **names;
	int n = rl_data_list("models", &names);

	ck_assert_int_ge(n, (int)(sizeof configs / sizeof configs[0]));
	for (int i = 0; i < n; i++) {
		struct model_spec *m;

		ck_assert_msg(model_spec_load(names[i], &m, err) == RL_OK, "%s",
			      err);
		ck_assert_str_eq(m->name, names[i]);
		model_spec_free(m);
	}
	rl_strings_free(names, (size_t)n);
}
END_TEST

START_TEST(test_plain_mlp_has_up_and_down_only)
{
	struct model_spec *m;
	struct gemm g;

	ck_assert_int_eq(parse_tree(tiny(), &m), RL_OK);
	ck_assert_int_eq(model_mlp_nops(m), 2);
	ck_assert_str_eq(model_mlp_op_name(m, 1), "down");
	ck_assert_int_eq(model_mlp_op_index(m, "gate"), -1);
	model_mlp_gemm(m, 1, 3, &g);
	ck_assert_uint_eq(g.m, 3);
	ck_assert_uint_eq(g.k, 256);
	ck_assert_uint_eq(g.n, 64);
	ck_assert_int_eq(g.dtype, RL_BF16);
	model_spec_free(m);
}
END_TEST

START_TEST(test_to_json_round_trips)
{
	struct model_spec *m, *r;
	cJSON *j;
	char *text;

	ck_assert_int_eq(model_spec_load("llama-2-70b", &m, err), RL_OK);
	j = model_spec_to_json(m);
	text = cJSON_Print(j);
	cJSON_Delete(j);
	ck_assert_int_eq(model_spec_parse(text, "r.json", &r, err), RL_OK);
	cJSON_free(text);
	ck_assert_str_eq(r->name, m->name);
	ck_assert_str_eq(r->source, m->source);
	ck_assert_uint_eq(r->intermediate, 28672);
	ck_assert_uint_eq(r->kv_heads, 8);
	ck_assert_int_eq(r->dtype, RL_FP16);
	model_spec_free(m);
	model_spec_free(r);
}
END_TEST

/* ---- bad model files ---------------------------------------------------- */

START_TEST(test_unknown_mlp_kind_is_rejected)
{
	cJSON *o = tiny();

	set_str(o, "mlp", "swiglu");
	expect_bad(o, "m.json: $.mlp: expected one of \"gated\", \"plain\", "
		      "found \"swiglu\"");
}
END_TEST

START_TEST(test_zero_hidden_is_rejected)
{
	cJSON *o = tiny();

	set_num(o, "hidden", 0);
	expect_bad(o, "m.json: $.hidden: expected an integer in [1, 1048576], "
		      "found 0");
}
END_TEST

START_TEST(test_fractional_layers_are_rejected)
{
	cJSON *o = tiny();

	set_num(o, "layers", 2.5);
	expect_bad(o, "m.json: $.layers: expected an integer in [1, 10000], "
		      "found 2.5");
}
END_TEST

START_TEST(test_unknown_dtype_is_rejected)
{
	cJSON *o = tiny();

	set_str(o, "dtype", "fp32");
	expect_bad(o, "m.json: $.dtype: expected one of \"fp16\", \"bf16\", "
		      "found \"fp32\"");
}
END_TEST

START_TEST(test_typo_key_is_rejected_with_suggestion)
{
	cJSON *o = tiny(), *h = cJSON_DetachItemFromObject(o, "hidden");

	cJSON_AddItemToObject(o, "hiden", h);
	expect_bad(o, "m.json: $.hiden: expected a key in {name, display_name, "
		      "source, hidden, intermediate, layers, heads, kv_heads, "
		      "head_dim, vocab, tied_embeddings, dtype, mlp}, found unknown key \"hiden\" (did you mean "
		      "\"hidden\"?)");
}
END_TEST

START_TEST(test_missing_source_is_rejected)
{
	cJSON *o = tiny();

	cJSON_DeleteItemFromObject(o, "source");
	expect_bad(o, "m.json: $.source: expected a non-empty string, found "
		      "nothing");
}
END_TEST

START_TEST(test_heads_must_divide_hidden)
{
	cJSON *o = tiny();

	set_num(o, "heads", 5); /* 64 / 5 is not whole */
	expect_bad(o, "m.json: $.heads: expected a divisor of hidden = 64, "
		      "found 5");
}
END_TEST

/* head_dim = hidden / heads when not given, within the range a file may
 * give it ([1, 1024]): 4096 / 2 = 2048 is refused (the fuzzer found such a
 * model accepted, then refused when written back and read again). */
START_TEST(test_derived_head_dim_stays_in_range)
{
	cJSON *o = tiny();

	set_num(o, "hidden", 4096);
	set_num(o, "heads", 2);
	expect_bad(o, "m.json: $.heads: expected hidden / heads (head_dim) in "
		      "[1, 1024], found 4096 / 2 = 2048");
}
END_TEST

START_TEST(test_kv_heads_must_divide_heads)
{
	cJSON *o = tiny();

	cJSON_AddNumberToObject(o, "kv_heads", 3); /* 4 heads */
	expect_bad(o, "m.json: $.kv_heads: expected a divisor of heads = 4, "
		      "found 3");
	o = tiny();
	cJSON_AddNumberToObject(o, "kv_heads", 8);
	expect_bad(o, "m.json: $.kv_heads: expected a divisor of heads = 4, "
		      "found 8");
}
END_TEST

START_TEST(test_malformed_model_file_is_rejected)
{
	struct model_spec *m;

	ck_assert_int_eq(model_spec_parse("{\"name\": \"x\" \"hidden\": 1}",
					  "m.json", &m, err), RL_EINPUT);
	/* The missing comma: the '"' opening "hidden" is byte 13, column 14. */
	ck_assert_has(err, "m.json: line 1, column 14 (byte 13): expected "
			   "valid JSON");
}
END_TEST

START_TEST(test_missing_model_names_the_searched_places)
{
	struct model_spec *m;

	ck_assert_int_eq(model_spec_load("llama-99b", &m, err), RL_EINPUT);
	ck_assert_has(err, "models \"llama-99b\": expected llama-99b.json in ");
	ck_assert_has(err, RL_SRCDIR "/models");
	ck_assert_int_eq(model_spec_load("./nope.json", &m, err), RL_EINPUT);
	ck_assert_str_eq(err, "./nope.json: expected a model spec file, found "
			      "nothing (no such file)");
}
END_TEST

static Suite *models_suite(void)
{
	Suite *s = suite_create("models");
	TCase *g = tcase_create("gemm"), *l = tcase_create("library"),
	      *b = tcase_create("bad input");

	tcase_add_test(g, test_gemm_counts_match_hand_computation);
	tcase_add_test(g, test_gemm_large_counts_do_not_overflow);
	tcase_add_test(l, test_llama33b_has_the_published_architecture);
	tcase_add_test(l, test_llama33b_mlp_shapes);
	tcase_add_test(l, test_llama33b_one_token_flops_and_bytes);
	tcase_add_test(l, test_llama33b_8192_tokens_oi);
	tcase_add_test(l, test_every_shipped_model_matches_its_config);
	tcase_add_test(l, test_every_listed_model_loads);
	tcase_add_test(l, test_plain_mlp_has_up_and_down_only);
	tcase_add_test(l, test_to_json_round_trips);
	tcase_add_test(b, test_unknown_mlp_kind_is_rejected);
	tcase_add_test(b, test_zero_hidden_is_rejected);
	tcase_add_test(b, test_fractional_layers_are_rejected);
	tcase_add_test(b, test_unknown_dtype_is_rejected);
	tcase_add_test(b, test_typo_key_is_rejected_with_suggestion);
	tcase_add_test(b, test_missing_source_is_rejected);
	tcase_add_test(b, test_heads_must_divide_hidden);
	tcase_add_test(b, test_derived_head_dim_stays_in_range);
	tcase_add_test(b, test_kv_heads_must_divide_heads);
	tcase_add_test(b, test_malformed_model_file_is_rejected);
	tcase_add_test(b, test_missing_model_names_the_searched_places);
	suite_add_tcase(s, g);
	suite_add_tcase(s, l);
	suite_add_tcase(s, b);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(models_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
