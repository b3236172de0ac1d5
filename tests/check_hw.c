/*
 * check_hw.c — strict JSON validation (hw/jsonv), data lookup (hw/data) and
 * hardware specs (hw/spec): the shipped files load and carry their
 * datasheet numbers, derived rates match hand computation, and every kind
 * of bad input is rejected with RL_EINPUT and one line naming the file,
 * the JSON path and what was expected.
 *
 * Bad specs are made by mutating the shipped a100-80gb-pcie.json through
 * cJSON (rename, delete, retype one member), so each test changes exactly
 * one thing in an otherwise valid file.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "hw/common.h"
#include "hw/data.h"
#include "hw/jsonv.h"
#include "hw/spec.h"

#define A100_PCIE RL_SRCDIR "/hw/a100-80gb-pcie.json"

static char err[RL_ERR_LEN];

#define ck_assert_has(hay, needle)                                          \
	ck_assert_msg(strstr((hay), (needle)) != NULL,                      \
		      "expected \"%s\" in message \"%s\"", (needle), (hay))

/* One line: no newline anywhere in the message. */
#define ck_assert_one_line(msg) ck_assert_ptr_null(strchr((msg), '\n'))

/* ---- helpers: the shipped A100 file as a cJSON tree -------------------- */

static cJSON *a100_tree(void)
{
	char *text = rl_read_file(A100_PCIE, NULL, err);
	cJSON *root;

	ck_assert_msg(text != NULL, "%s", err);
	root = cJSON_Parse(text);
	free(text);
	ck_assert_ptr_nonnull(root);
	return root;
}

/* Member at a dotted path such as "hbm.bandwidth_gbps.value". */
static cJSON *at(cJSON *root, const char *dotted)
{
	char buf[128], *save = NULL;
	cJSON *node = root;

	snprintf(buf, sizeof buf, "%s", dotted);
	for (char *k = strtok_r(buf, ".", &save); k;
	     k = strtok_r(NULL, ".", &save)) {
		node = cJSON_GetObjectItemCaseSensitive(node, k);
		ck_assert_msg(node != NULL, "no %s in the A100 file", dotted);
	}
	return node;
}

/* Parse the tree as the file "bad.json"; the tree is freed. */
static int parse_tree(cJSON *root, struct hw_spec **out)
{
	char *text = cJSON_Print(root);
	int rc;

	cJSON_Delete(root);
	ck_assert_ptr_nonnull(text);
	err[0] = 0;
	rc = hw_spec_parse(text, "bad.json", out, err);
	cJSON_free(text);
	return rc;
}

/* Expect RL_EINPUT and a one-line message with all the needles. */
static void expect_bad(cJSON *root, const char *path, const char *expected,
		       const char *found)
{
	struct hw_spec *s = (struct hw_spec *)1;

	ck_assert_int_eq(parse_tree(root, &s), RL_EINPUT);
	ck_assert_ptr_null(s);
	ck_assert_one_line(err);
	ck_assert_has(err, "bad.json: ");
	ck_assert_has(err, path);
	ck_assert_has(err, expected);
	ck_assert_has(err, found);
}

static void replace(cJSON *root, const char *dotted, cJSON *v)
{
	char parent[128], *dot;

	snprintf(parent, sizeof parent, "%s", dotted);
	dot = strrchr(parent, '.');
	if (!dot) {
		ck_assert(cJSON_ReplaceItemInObjectCaseSensitive(root, dotted, v));
		return;
	}
	*dot = 0;
	ck_assert(cJSON_ReplaceItemInObjectCaseSensitive(at(root, parent),
							  dot + 1, v));
}

static void delete(cJSON *root, const char *dotted)
{
	char parent[128], *dot;

	snprintf(parent, sizeof parent, "%s", dotted);
	dot = strrchr(parent, '.');
	*dot = 0;
	at(root, dotted);
	cJSON_DeleteItemFromObjectCaseSensitive(at(root, parent), dot + 1);
}

/* ---- jsonv ------------------------------------------------------------ */

static const struct jsonv V = {"t.json", err};

START_TEST(test_malformed_json_reports_line_and_column)
{
	/* Line 1 is 2 bytes, line 2 (`  "name": "x",` + newline) 15, so line
	 * 3 starts at byte 17; in `  "sm": {,}` two spaces, "sm" (4 chars),
	 * ':', ' ', '{' put the stray ',' at column 10, byte 17 + 9 = 26. */
	const char *text = "{\n  \"name\": \"x\",\n  \"sm\": {,}\n}\n";
	cJSON *root = (cJSON *)1;

	ck_assert_int_eq(jsonv_parse(&V, text, &root), RL_EINPUT);
	ck_assert_ptr_null(root);
	ck_assert_one_line(err);
	ck_assert_has(err, "t.json: line 3, column 10 (byte 26): ");
	ck_assert_has(err, "expected valid JSON, found \",}\"");
}
END_TEST

START_TEST(test_truncated_json_reports_end_of_input)
{
	cJSON *root;

	ck_assert_int_eq(jsonv_parse(&V, "{\"a\": [1, 2", &root), RL_EINPUT);
	ck_assert_has(err, "t.json: line 1, column 12 (byte 11): "
			   "expected valid JSON, found end of input");
	ck_assert_int_eq(jsonv_parse(&V, "", &root), RL_EINPUT);
	ck_assert_has(err, "line 1, column 1 (byte 0)");
}
END_TEST

START_TEST(test_trailing_garbage_and_non_object_root_are_rejected)
{
	cJSON *root;

	ck_assert_int_eq(jsonv_parse(&V, "{} x", &root), RL_EINPUT);
	ck_assert_has(err, "column 4");
	ck_assert_int_eq(jsonv_parse(&V, "[1, 2]", &root), RL_EINPUT);
	ck_assert_str_eq(err, "t.json: $: expected an object, found [1,2]");
}
END_TEST

START_TEST(test_strict_syntax_rejects_what_lenient_parsers_accept)
{
	/* Each text is invalid JSON at the byte given (RFC 8259 grammar). */
	static const struct {
		const char *text;
		size_t byte;
	} bad[] = {
		{"{\"a\": 01}", 7},        /* leading zero: '1' after "0" */
		{"{\"a\": 1.}", 8},        /* fraction needs a digit */
		{"{\"a\": 1e}", 8},        /* exponent needs a digit */
		{"{\"a\": +1}", 6},        /* no unary plus */
		{"{\"a\": .5}", 6},        /* no bare fraction */
		{"{\"a\": \"x\\q\"}", 9},  /* unknown escape \q */
		{"{\"a\": \"\\u12G4\"}", 11}, /* non-hex \u digit */
		{"{\"a\": \"x\ty\"}", 8},   /* raw tab inside a string */
		{"{\"a\": \"open}", 12},  /* unterminated string */
		{"{\"a\": 1,}", 8},        /* trailing comma */
		{"{\"a\": tru}", 6},       /* not a literal */
		{"{a: 1}", 1},             /* unquoted key */
	};
	cJSON *root;
	char want[32];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(jsonv_parse(&V, bad[i].text, &root), RL_EINPUT);
		snprintf(want, sizeof want, "(byte %zu)", bad[i].byte);
		ck_assert_msg(strstr(err, want) != NULL, "%s: %s", bad[i].text,
			      err);
	}
	ck_assert_int_eq(jsonv_parse(&V, "{\"a\": [true, false, null, -0.5e+3, "
				      "\"\\u00e9\\n\"], \"b\": {}}", &root), RL_OK);
	cJSON_Delete(root);
}
END_TEST

START_TEST(test_deep_nesting_is_refused_not_recursed_into)
{
	char *text = malloc(2 * 5000 + 8);
	cJSON *root;
	size_t n = 0;

	text[n++] = '{';
	memcpy(text + n, "\"a\":", 4);
	n += 4;
	for (int i = 0; i < 5000; i++)
		text[n++] = '[';
	text[n] = 0;
	ck_assert_int_eq(jsonv_parse(&V, text, &root), RL_EINPUT);
	ck_assert_has(err, "expected valid JSON");
	free(text);
}
END_TEST

START_TEST(test_unknown_key_lists_allowed_keys_and_suggests_one)
{
	static const char *const allowed[] = {"channels", "bandwidth_gbps",
					      "latency_ns", NULL};
	cJSON *o = cJSON_Parse("{\"channels\": 1, \"bandwith_gbps\": 2}");

	ck_assert_int_eq(jsonv_object(&V, o, "$.hbm", allowed), RL_EINPUT);
	ck_assert_str_eq(err, "t.json: $.hbm.bandwith_gbps: expected a key in "
			      "{channels, bandwidth_gbps, latency_ns}, found "
			      "unknown key \"bandwith_gbps\" (did you mean "
			      "\"bandwidth_gbps\"?)");
	cJSON_Delete(o);
	/* Nothing close: no suggestion. */
	o = cJSON_Parse("{\"zzzzzz\": 1}");
	ck_assert_int_eq(jsonv_object(&V, o, "$", allowed), RL_EINPUT);
	ck_assert_ptr_null(strstr(err, "did you mean"));
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_duplicate_key_is_rejected)
{
	static const char *const allowed[] = {"a", NULL};
	cJSON *o = cJSON_Parse("{\"a\": 1, \"a\": 2}");

	ck_assert_int_eq(jsonv_object(&V, o, "$", allowed), RL_EINPUT);
	ck_assert_str_eq(err, "t.json: $.a: expected each key once, found "
			      "\"a\" again");
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_odd_keys_are_bracketed_in_paths)
{
	char p[JSONV_PATH_LEN];

	jsonv_path_key(p, sizeof p, "$.x", "has space");
	ck_assert_str_eq(p, "$.x[\"has space\"]");
	jsonv_path_key(p, sizeof p, "$", "ok_key2");
	ck_assert_str_eq(p, "$.ok_key2");
	jsonv_path_index(p, sizeof p, "$.q", 3);
	ck_assert_str_eq(p, "$.q[3]");
}
END_TEST

START_TEST(test_numbers_must_be_numbers_in_range)
{
	const struct jsonv_range r = {1, 10, 0}, ri = {1, 10, 1};
	cJSON *o = cJSON_Parse("{\"s\": \"5\", \"big\": 11, \"frac\": 2.5, "
			       "\"inf\": 1e999, \"ok\": 10}");
	double x = -1;
	int present = -1;

	ck_assert_int_eq(jsonv_get_number(&V, o, "$", "s", 1, &r, &x, NULL),
			 RL_EINPUT);
	ck_assert_str_eq(err, "t.json: $.s: expected a number in [1, 10], "
			      "found \"5\"");
	ck_assert_int_eq(jsonv_get_number(&V, o, "$", "big", 1, &r, &x, NULL),
			 RL_EINPUT);
	ck_assert_str_eq(err, "t.json: $.big: expected a number in [1, 10], "
			      "found 11");
	ck_assert_int_eq(jsonv_get_number(&V, o, "$", "frac", 1, &ri, &x,
					  NULL), RL_EINPUT);
	ck_assert_str_eq(err, "t.json: $.frac: expected an integer in [1, 10], "
			      "found 2.5");
	ck_assert_int_eq(jsonv_get_number(&V, o, "$", "inf", 1, &r, &x, NULL),
			 RL_EINPUT);
	ck_assert_has(err, "found a number beyond double range");
	ck_assert_int_eq(jsonv_get_number(&V, o, "$", "none", 1, &r, &x, NULL),
			 RL_EINPUT);
	ck_assert_str_eq(err, "t.json: $.none: expected a number in [1, 10], "
			      "found nothing");
	/* Optional and absent: fine, untouched. */
	ck_assert_int_eq(jsonv_get_number(&V, o, "$", "none", 0, &r, &x,
					  &present), RL_OK);
	ck_assert_int_eq(present, 0);
	ck_assert_double_eq(x, -1);
	ck_assert_int_eq(jsonv_get_number(&V, o, "$", "ok", 1, &ri, &x,
					  &present), RL_OK);
	ck_assert_int_eq(present, 1);
	ck_assert_double_eq(x, 10);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_strings_names_and_enums)
{
	static const char *const kinds[] = {"gated", "plain", NULL};
	cJSON *o = cJSON_Parse("{\"e\": \"\", \"n\": 3, \"bad\": \"a b\", "
			       "\"k\": \"swiglu\", \"g\": \"plain\"}");
	char buf[16];
	int k = -1;

	ck_assert_int_eq(jsonv_get_string(&V, o, "$", "e", 1, buf, sizeof buf,
					  NULL), RL_EINPUT);
	ck_assert_str_eq(err, "t.json: $.e: expected a non-empty string, "
			      "found \"\"");
	ck_assert_int_eq(jsonv_get_string(&V, o, "$", "n", 1, buf, sizeof buf,
					  NULL), RL_EINPUT);
	ck_assert_has(err, "found 3");
	ck_assert_int_eq(jsonv_get_name(&V, o, "$", "bad", 1, buf, sizeof buf,
					NULL), RL_EINPUT);
	ck_assert_has(err, "$.bad: expected a name of letters, digits");
	ck_assert_int_eq(jsonv_get_enum(&V, o, "$", "k", 1, kinds, &k, NULL),
			 RL_EINPUT);
	ck_assert_str_eq(err, "t.json: $.k: expected one of \"gated\", "
			      "\"plain\", found \"swiglu\"");
	ck_assert_int_eq(jsonv_get_enum(&V, o, "$", "g", 1, kinds, &k, NULL),
			 RL_OK);
	ck_assert_int_eq(k, 1);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_too_long_string_is_rejected_not_truncated)
{
	cJSON *o = cJSON_Parse("{\"s\": \"0123456789abcdef\"}");
	char buf[16]; /* holds 15 bytes + NUL; the string has 16 */

	ck_assert_int_eq(jsonv_get_string(&V, o, "$", "s", 1, buf, sizeof buf,
					  NULL), RL_EINPUT);
	ck_assert_has(err, "expected a string of at most 15 bytes");
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_arrays_of_numbers_and_strings)
{
	const struct jsonv_range r = {1, 100, 1};
	cJSON *o = cJSON_Parse("{\"q\": [1, 16, 32], \"bad\": [1, 2, \"x\"], "
			       "\"empty\": [], \"ops\": [\"up\", \"down\"], "
			       "\"badops\": [\"up\", \"\"]}");
	double *x;
	char **s;
	size_t n;

	ck_assert_int_eq(jsonv_numbers(&V, at(o, "q"), "$.q", &r, 8, &x, &n),
			 RL_OK);
	ck_assert_uint_eq(n, 3);
	ck_assert_double_eq(x[0], 1);
	ck_assert_double_eq(x[2], 32);
	free(x);
	ck_assert_int_eq(jsonv_numbers(&V, at(o, "bad"), "$.bad", &r, 8, &x,
				       &n), RL_EINPUT);
	ck_assert_str_eq(err, "t.json: $.bad[2]: expected an integer in "
			      "[1, 100], found \"x\"");
	ck_assert_int_eq(jsonv_numbers(&V, at(o, "empty"), "$.empty", &r, 8,
				       &x, &n), RL_EINPUT);
	ck_assert_str_eq(err, "t.json: $.empty: expected a non-empty array of "
			      "numbers, found []");
	ck_assert_int_eq(jsonv_numbers(&V, at(o, "q"), "$.q", &r, 2, &x, &n),
			 RL_EINPUT);
	ck_assert_has(err, "expected an array of at most 2 numbers");
	ck_assert_int_eq(jsonv_strings(&V, at(o, "ops"), "$.ops", 8, 8, &s,
				       &n), RL_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(s[1], "down");
	rl_strings_free(s, n);
	ck_assert_int_eq(jsonv_strings(&V, at(o, "badops"), "$.badops", 8, 8,
				       &s, &n), RL_EINPUT);
	ck_assert_has(err, "$.badops[1]: expected a non-empty string");
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_long_found_value_is_truncated_on_one_line)
{
	char text[400] = "{\"s\": \"";
	const struct jsonv_range r = {0, 1, 0};
	cJSON *o;
	double x;

	for (int i = 0; i < 300; i++)
		strcat(text, i % 50 == 0 ? "\\n" : "a");
	strcat(text, "\"}");
	o = cJSON_Parse(text);
	ck_assert_int_eq(jsonv_get_number(&V, o, "$", "s", 1, &r, &x, NULL),
			 RL_EINPUT);
	ck_assert_one_line(err);
	ck_assert_has(err, "...");
	ck_assert_uint_lt(strlen(err), 160);
	cJSON_Delete(o);
}
END_TEST

/* ---- the shipped A100 80GB PCIe --------------------------------------- */

START_TEST(test_a100_pcie_loads_by_name_with_datasheet_values)
{
	struct hw_spec *s;

	ck_assert_msg(hw_spec_load("a100-80gb-pcie", &s, err) == RL_OK, "%s",
		      err);
	ck_assert_str_eq(s->name, "a100-80gb-pcie");
	ck_assert_str_eq(s->display_name, "A100 80GB PCIe");
	ck_assert_str_eq(s->path, A100_PCIE);
	/* NVIDIA A100 whitepaper (2020) and product brief */
	ck_assert_double_eq(s->sm.count, 108);
	ck_assert_double_eq(s->sm.shared_kb, 164);
	ck_assert_double_eq(s->sm.registers, 65536);
	ck_assert_double_eq(s->sm.max_ctas, 32);
	ck_assert_double_eq(s->sm.max_warps, 64);
	ck_assert_double_eq(s->clock.boost_mhz, 1410);
	ck_assert_double_eq(s->tensor.fp16_flop_per_clk, 2048);
	ck_assert_double_eq(s->tensor.bf16_flop_per_clk, 2048);
	ck_assert_double_eq(s->tensor.fp8_flop_per_clk, 0);
	ck_assert_double_eq(s->l2.size_mb, 40);
	ck_assert_double_eq(s->l2.slices, 80);
	ck_assert_double_eq(s->hbm.channels, 40);
	ck_assert_double_eq(s->hbm.bandwidth_gbps, 1935);
	/* calibrated (ridgeline calibrate): a fraction of the datasheet */
	ck_assert(s->hbm.efficiency > 0.5 && s->hbm.efficiency <= 1);
	/* calibrated too: the achievable L2 rate, below the whitepaper's
	 * 5120 bytes/clk and above half of it */
	ck_assert(s->l2.bytes_per_clk > 2560 && s->l2.bytes_per_clk <= 5120);
	hw_spec_free(s);
}
END_TEST

START_TEST(test_a100_pcie_derived_rates_match_hand_computation)
{
	struct hw_spec *s;

	ck_assert_int_eq(hw_spec_load("a100-80gb-pcie", &s, err), RL_OK);
	/* 108 · 2048 · 1.41e9 = 311,869,440,000,000 FLOP/s */
	ck_assert_double_eq_tol(hw_spec_peak_flops(s, RL_FP16),
				311869440000000.0, 1);
	ck_assert_double_eq_tol(hw_spec_peak_flops(s, RL_BF16),
				311869440000000.0, 1);
	ck_assert_double_eq(hw_spec_peak_flops(s, RL_FP8), 0);
	/* 108 · 2048 · the calibrated sustained clock */
	ck_assert_double_eq_tol(hw_spec_sustained_flops(s, RL_FP16),
				108.0 * 2048 * s->clock.sustained_mhz * 1e6, 1);
	ck_assert_double_eq_tol(hw_spec_bandwidth(s), 1.935e12, 1);
	/* 1935 GB/s · the calibrated efficiency */
	ck_assert_double_eq_tol(hw_spec_effective_bandwidth(s),
				1.935e12 * s->hbm.efficiency, 1e3);
	/* 311.86944 / 1.935 = 161.1728 FLOP/B (chart: ≈ 161) */
	ck_assert_double_eq_tol(hw_spec_ridge(s, RL_FP16), 161.1728, 1e-4);
	hw_spec_free(s);
}
END_TEST

START_TEST(test_a100_sxm_differs_only_in_bandwidth_and_sustained_clock)
{
	struct hw_spec *p, *x;
	size_t n;
	const struct hw_field *f = hw_spec_fields(&n);

	ck_assert_int_eq(hw_spec_load("a100-80gb-pcie", &p, err), RL_OK);
	ck_assert_int_eq(hw_spec_load("a100-80gb-sxm", &x, err), RL_OK);
	ck_assert_double_eq(x->hbm.bandwidth_gbps, 2039);
	/* the PCIe clock is the SXM's scaled by the measured 253/258
	 * TFLOP/s of the two cards (a100-80gb-pcie.json) */
	ck_assert_double_eq(p->clock.sustained_mhz,
			    round(x->clock.sustained_mhz * 253 / 258));
	for (size_t i = 0; i < n; i++) {
		double a, b;

		/* the link differs too: PCIe Gen4 against NVLink */
		if (!strcmp(f[i].path, "hbm.bandwidth_gbps") ||
		    !strcmp(f[i].path, "clock.sustained_mhz") ||
		    !strncmp(f[i].path, "link.", 5))
			continue;
		hw_spec_get(p, f[i].path, &a);
		hw_spec_get(x, f[i].path, &b);
		ck_assert_msg(a == b, "%s: PCIe %g, SXM %g", f[i].path, a, b);
	}
	hw_spec_free(p);
	hw_spec_free(x);
}
END_TEST

/* ---- the whole library ------------------------------------------------- */

/* Datasheet figures (NVIDIA datasheets and whitepapers): dense fp16
 * TFLOP/s, HBM GB/s, SMs. */
static const struct {
	const char *name;
	double tflops, gbps, sms, l2_mb;
} datasheet[] = {
	{"a100-80gb-pcie", 312, 1935, 108, 40},
	{"a100-80gb-sxm", 312, 2039, 108, 40},
	{"a100-40gb-sxm", 312, 1555, 108, 40},
	{"h100-sxm", 989, 3350, 132, 50},
	{"h100-pcie", 756, 2000, 114, 50},
	{"h200-sxm", 989, 4800, 132, 60}, /* L2 as the device reports it (KINDS.md) */
	{"b200", 2250, 8000, 148, 126},
};

START_TEST(test_every_shipped_spec_matches_its_datasheet)
{
	for (size_t i = 0; i < sizeof datasheet / sizeof datasheet[0]; i++) {
		struct hw_spec *s;

		ck_assert_msg(hw_spec_load(datasheet[i].name, &s, err) == RL_OK,
			      "%s", err);
		ck_assert_str_eq(s->name, datasheet[i].name);
		/* peak within 0.1 % of the rounded datasheet figure */
		ck_assert_msg(fabs(hw_spec_peak_flops(s, RL_FP16) / 1e12 /
				   datasheet[i].tflops - 1) < 1e-3,
			      "%s: peak %.2f T", s->name,
			      hw_spec_peak_flops(s, RL_FP16) / 1e12);
		ck_assert_double_eq(s->hbm.bandwidth_gbps, datasheet[i].gbps);
		ck_assert_double_eq(s->sm.count, datasheet[i].sms);
		ck_assert_double_eq(s->l2.size_mb, datasheet[i].l2_mb);
		ck_assert_double_eq_tol(hw_spec_ridge(s, RL_FP16),
					datasheet[i].tflops * 1e3 /
						datasheet[i].gbps,
					0.002 * datasheet[i].tflops * 1e3 /
						datasheet[i].gbps);
		hw_spec_free(s);
	}
}
END_TEST

START_TEST(test_every_listed_spec_loads_with_a_source_per_value)
{
	char **names;
	int n = rl_data_list("hw", &names);
	size_t nf;
	const struct hw_field *f = hw_spec_fields(&nf);

	ck_assert_int_ge(n, (int)(sizeof datasheet / sizeof datasheet[0]));
	for (int i = 0; i < n; i++) {
		struct hw_spec *s;

		ck_assert_msg(hw_spec_load(names[i], &s, err) == RL_OK, "%s",
			      err);
		ck_assert_str_eq(s->name, names[i]);
		for (size_t j = 0; j < nf; j++) {
			double v;

			hw_spec_get(s, f[j].path, &v);
			if (f[j].optional && v == 0)
				continue;
			ck_assert_msg(s->source[j] && strlen(s->source[j]) > 8,
				      "%s: %s has no source", names[i],
				      f[j].path);
		}
		hw_spec_free(s);
	}
	rl_strings_free(names, (size_t)n);
}
END_TEST

START_TEST(test_list_is_sorted_and_contains_the_a100s)
{
	char **names;
	int n = rl_data_list("hw", &names), seen = 0;

	for (int i = 0; i < n; i++) {
		if (i)
			ck_assert_int_lt(strcmp(names[i - 1], names[i]), 0);
		seen += !strcmp(names[i], "a100-80gb-pcie") ||
			!strcmp(names[i], "a100-80gb-sxm");
	}
	ck_assert_int_eq(seen, 2);
	rl_strings_free(names, (size_t)n);
}
END_TEST

/* ---- bad specs ---------------------------------------------------------- */

START_TEST(test_typo_in_key_is_rejected_with_suggestion)
{
	cJSON *root = a100_tree(), *bw = at(root, "hbm.bandwidth_gbps");

	cJSON_DetachItemViaPointer(at(root, "hbm"), bw);
	cJSON_AddItemToObject(at(root, "hbm"), "bandwith_gbps", bw);
	expect_bad(root, "$.hbm.bandwith_gbps: ",
		   "expected a key in {channels, bandwidth_gbps, latency_ns, "
		   "efficiency, capacity_gb}",
		   "found unknown key \"bandwith_gbps\" (did you mean "
		   "\"bandwidth_gbps\"?)");
}
END_TEST

START_TEST(test_unknown_top_level_key_is_rejected)
{
	cJSON *root = a100_tree();

	cJSON_AddStringToObject(root, "vendor", "NVIDIA");
	expect_bad(root, "$.vendor: ", "{name, display_name, notes, sm, clock, "
		   "tensor, l2, hbm, launch, link}", "found unknown key \"vendor\"");
}
END_TEST

START_TEST(test_missing_required_key_is_rejected)
{
	cJSON *root = a100_tree();

	delete(root, "hbm.latency_ns");
	expect_bad(root, "$.hbm.latency_ns: ",
		   "expected an object {\"value\": a number in [0, 100000], "
		   "\"source\": a non-empty string}", "found nothing");
}
END_TEST

START_TEST(test_missing_group_is_rejected)
{
	cJSON *root = a100_tree();

	cJSON_DeleteItemFromObjectCaseSensitive(root, "launch");
	expect_bad(root, "$.launch: ", "expected an object", "found nothing");
}
END_TEST

START_TEST(test_string_for_number_is_rejected)
{
	cJSON *root = a100_tree();

	replace(root, "hbm.bandwidth_gbps.value", cJSON_CreateString("1935"));
	expect_bad(root, "$.hbm.bandwidth_gbps.value: ",
		   "expected a number in [1, 1000000]", "found \"1935\"");
}
END_TEST

START_TEST(test_bare_number_without_source_object_is_rejected)
{
	cJSON *root = a100_tree();

	replace(root, "hbm.bandwidth_gbps", cJSON_CreateNumber(1935));
	expect_bad(root, "$.hbm.bandwidth_gbps: ", "expected an object",
		   "found 1935");
}
END_TEST

START_TEST(test_zero_and_negative_values_are_rejected)
{
	cJSON *root = a100_tree();

	replace(root, "hbm.bandwidth_gbps.value", cJSON_CreateNumber(0));
	expect_bad(root, "$.hbm.bandwidth_gbps.value: ",
		   "expected a number in [1, 1000000]", "found 0");
	root = a100_tree();
	replace(root, "sm.count.value", cJSON_CreateNumber(-108));
	expect_bad(root, "$.sm.count.value: ",
		   "expected an integer in [1, 1024]", "found -108");
}
END_TEST

START_TEST(test_absurd_values_are_rejected)
{
	cJSON *root = a100_tree();

	replace(root, "hbm.bandwidth_gbps.value", cJSON_CreateNumber(1e30));
	expect_bad(root, "$.hbm.bandwidth_gbps.value: ",
		   "expected a number in [1, 1000000]", "found 1e+30");
	root = a100_tree();
	replace(root, "hbm.efficiency.value", cJSON_CreateNumber(1.2));
	expect_bad(root, "$.hbm.efficiency.value: ",
		   "expected a number in [0.01, 1]", "found 1.2");
}
END_TEST

/* The A100 file with the bandwidth value's text replaced by `lit`. */
static char *a100_with_bandwidth_literal(const char *lit)
{
	char *text = rl_read_file(A100_PCIE, NULL, err), *p, *out;
	size_t pre;

	ck_assert_ptr_nonnull(text);
	p = strstr(text, "\"value\": 1935,");
	ck_assert_ptr_nonnull(p);
	pre = (size_t)(p - text) + strlen("\"value\": ");
	out = malloc(strlen(text) + strlen(lit) + 1);
	sprintf(out, "%.*s%s%s", (int)pre, text, lit, text + pre + 4);
	free(text);
	return out;
}

START_TEST(test_nan_and_overflowing_literals_are_rejected)
{
	struct hw_spec *s;
	char *text = a100_with_bandwidth_literal("1e999"); /* strtod: +inf */

	ck_assert_int_eq(hw_spec_parse(text, "bad.json", &s, err), RL_EINPUT);
	ck_assert_str_eq(err, "bad.json: $.hbm.bandwidth_gbps.value: expected "
			      "a number in [1, 1000000], found a number beyond "
			      "double range");
	free(text);
	/* NaN is not JSON at all. */
	text = a100_with_bandwidth_literal("NaN");
	ck_assert_int_eq(hw_spec_parse(text, "bad.json", &s, err), RL_EINPUT);
	ck_assert_has(err, "bad.json: line ");
	ck_assert_has(err, "expected valid JSON, found \"NaN,\"");
	free(text);
}
END_TEST

START_TEST(test_non_integer_count_is_rejected)
{
	cJSON *root = a100_tree();

	replace(root, "sm.count.value", cJSON_CreateNumber(108.5));
	expect_bad(root, "$.sm.count.value: ",
		   "expected an integer in [1, 1024]", "found 108.5");
}
END_TEST

START_TEST(test_missing_or_empty_source_is_rejected)
{
	cJSON *root = a100_tree();

	delete(root, "hbm.bandwidth_gbps.source");
	expect_bad(root, "$.hbm.bandwidth_gbps.source: ",
		   "expected a non-empty string naming where the value comes "
		   "from", "found nothing");
	root = a100_tree();
	replace(root, "clock.sustained_mhz.source", cJSON_CreateString(""));
	expect_bad(root, "$.clock.sustained_mhz.source: ",
		   "expected a non-empty string", "found \"\"");
}
END_TEST

START_TEST(test_unknown_key_in_value_object_is_rejected)
{
	cJSON *root = a100_tree();

	cJSON_AddStringToObject(at(root, "hbm.bandwidth_gbps"), "unit", "GB/s");
	expect_bad(root, "$.hbm.bandwidth_gbps.unit: ",
		   "expected a key in {value, source}", "found unknown key");
}
END_TEST

START_TEST(test_sustained_clock_above_boost_is_rejected)
{
	cJSON *root = a100_tree();

	replace(root, "clock.sustained_mhz.value", cJSON_CreateNumber(1500));
	expect_bad(root, "$.clock.sustained_mhz.value: ",
		   "expected at most clock.boost_mhz = 1410", "found 1500");
}
END_TEST

START_TEST(test_more_ctas_than_warps_is_rejected)
{
	cJSON *root = a100_tree();

	replace(root, "sm.max_ctas.value", cJSON_CreateNumber(65));
	expect_bad(root, "$.sm.max_ctas.value: ",
		   "expected at most sm.max_warps = 64", "found 65");
}
END_TEST

START_TEST(test_bad_name_is_rejected)
{
	cJSON *root = a100_tree();

	replace(root, "name", cJSON_CreateString("a100,pcie"));
	expect_bad(root, "$.name: ", "expected a name of letters, digits",
		   "found \"a100,pcie\"");
}
END_TEST

START_TEST(test_optional_fp8_rate_is_read_when_present)
{
	cJSON *root = a100_tree(), *fp8 = cJSON_CreateObject();
	struct hw_spec *s;

	cJSON_AddNumberToObject(fp8, "value", 4096);
	cJSON_AddStringToObject(fp8, "source", "hypothetical");
	cJSON_AddItemToObject(at(root, "tensor"), "fp8_flop_per_clk", fp8);
	ck_assert_int_eq(parse_tree(root, &s), RL_OK);
	/* 108 · 4096 · 1.41e9 = 623,738,880,000,000 */
	ck_assert_double_eq_tol(hw_spec_peak_flops(s, RL_FP8),
				623738880000000.0, 1);
	hw_spec_free(s);
}
END_TEST

START_TEST(test_missing_file_names_the_path)
{
	struct hw_spec *s = (struct hw_spec *)1;

	ck_assert_int_eq(hw_spec_load("/nonexistent/x.json", &s, err),
			 RL_EINPUT);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err, "/nonexistent/x.json: expected a hardware spec file, found "
			      "nothing (no such file)");
}
END_TEST

START_TEST(test_unknown_name_names_the_searched_places)
{
	struct hw_spec *s;

	ck_assert_int_eq(hw_spec_load("no-such-gpu", &s, err), RL_EINPUT);
	ck_assert_one_line(err);
	ck_assert_has(err, "hw \"no-such-gpu\": expected no-such-gpu.json in ");
	ck_assert_has(err, RL_SRCDIR "/hw");
	ck_assert_has(err, RL_PKGDATADIR "/hw");
	ck_assert_has(err, "found nothing");
}
END_TEST

START_TEST(test_read_file_of_missing_path_fails)
{
	ck_assert_ptr_null(rl_read_file("/nonexistent/y", NULL, err));
	ck_assert_str_eq(err, "/nonexistent/y: expected a readable file, found "
			      "nothing (No such file or directory)");
}
END_TEST

/* ---- $RIDGELINE_DATA ---------------------------------------------------- */

START_TEST(test_ridgeline_data_is_searched_first)
{
	char dir[] = "/tmp/check_hw.XXXXXX", sub[64], file[96];
	cJSON *root = a100_tree();
	char *text, **names;
	struct hw_spec *s;
	FILE *f;
	int n, found = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sub, sizeof sub, "%s/hw", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	/* A user's copy of the PCIe card with faster memory shadows the
	 * shipped one, and a new name is listed. */
	replace(root, "hbm.bandwidth_gbps.value", cJSON_CreateNumber(3000));
	text = cJSON_Print(root);
	cJSON_Delete(root);
	snprintf(file, sizeof file, "%s/a100-80gb-pcie.json", sub);
	f = fopen(file, "w");
	fputs(text, f);
	fclose(f);
	snprintf(file, sizeof file, "%s/zz-custom.json", sub);
	f = fopen(file, "w");
	fputs(text, f);
	fclose(f);
	cJSON_free(text);
	setenv("RIDGELINE_DATA", dir, 1);
	ck_assert_int_eq(hw_spec_load("a100-80gb-pcie", &s, err), RL_OK);
	ck_assert_double_eq(s->hbm.bandwidth_gbps, 3000);
	hw_spec_free(s);
	n = rl_data_list("hw", &names);
	for (int i = 0; i < n; i++) {
		found += !strcmp(names[i], "zz-custom");
		ck_assert(i == 0 || strcmp(names[i - 1], names[i]) < 0);
	}
	ck_assert_int_eq(found, 1);
	rl_strings_free(names, (size_t)n);
	unsetenv("RIDGELINE_DATA");
	ck_assert_int_eq(hw_spec_load("a100-80gb-pcie", &s, err), RL_OK);
	ck_assert_double_eq(s->hbm.bandwidth_gbps, 1935);
	hw_spec_free(s);
	unlink(file);
	snprintf(file, sizeof file, "%s/a100-80gb-pcie.json", sub);
	unlink(file);
	rmdir(sub);
	rmdir(dir);
}
END_TEST

/* ---- set / get / clone / to_json --------------------------------------- */

START_TEST(test_set_changes_value_and_derived_rates)
{
	struct hw_spec *s;
	double v;

	ck_assert_int_eq(hw_spec_load("a100-80gb-pcie", &s, err), RL_OK);
	ck_assert_int_eq(hw_spec_set(s, "hbm.bandwidth_gbps", 3000, err),
			 RL_OK);
	ck_assert_int_eq(hw_spec_get(s, "hbm.bandwidth_gbps", &v), RL_OK);
	ck_assert_double_eq(v, 3000);
	/* 311.86944e12 / 3e12 = 103.95648 */
	ck_assert_double_eq_tol(hw_spec_ridge(s, RL_FP16), 103.95648, 1e-6);
	ck_assert_int_eq(hw_spec_set(s, "sm.count", 216, err), RL_OK);
	ck_assert_double_eq_tol(hw_spec_peak_flops(s, RL_BF16),
				2 * 311869440000000.0, 1);
	hw_spec_free(s);
}
END_TEST

START_TEST(test_set_rejects_bad_values_and_paths)
{
	struct hw_spec *s;
	double v;

	ck_assert_int_eq(hw_spec_load("a100-80gb-pcie", &s, err), RL_OK);
	ck_assert_int_eq(hw_spec_set(s, "hbm.bandwidth_gbps", 1e30, err),
			 RL_EINPUT);
	ck_assert_str_eq(err, "a100-80gb-pcie: hbm.bandwidth_gbps: expected a "
			      "number in [1, 1000000], found 1e+30");
	ck_assert_int_eq(hw_spec_set(s, "sm.count", 100.5, err), RL_EINPUT);
	ck_assert_int_eq(hw_spec_set(s, "hbm.efficiency", NAN, err),
			 RL_EINPUT);
	hw_spec_get(s, "hbm.bandwidth_gbps", &v);
	ck_assert_double_eq(v, 1935);
	ck_assert_int_eq(hw_spec_set(s, "hbm.bandwith_gbps", 1, err),
			 RL_EINPUT);
	ck_assert_has(err, "expected a hardware field, found "
			   "\"hbm.bandwith_gbps\"; the fields are {sm.count, ");
	ck_assert_int_eq(hw_spec_get(s, "hbm", &v), RL_EINPUT);
	/* Optional fields may be set to 0 (none). */
	ck_assert_int_eq(hw_spec_set(s, "tensor.fp8_flop_per_clk", 0, err),
			 RL_OK);
	hw_spec_free(s);
}
END_TEST

START_TEST(test_check_catches_cross_field_violations_after_sets)
{
	struct hw_spec *s;

	ck_assert_int_eq(hw_spec_load("a100-80gb-pcie", &s, err), RL_OK);
	ck_assert_int_eq(hw_spec_check(s, err), RL_OK);
	/* Each set is in range; together they break sustained <= boost. */
	ck_assert_int_eq(hw_spec_set(s, "clock.boost_mhz", 1000, err), RL_OK);
	ck_assert_int_eq(hw_spec_check(s, err), RL_EINPUT);
	{
		char want[256];

		snprintf(want, sizeof want, "a100-80gb-pcie: clock.sustained_mhz: "
			 "expected at most clock.boost_mhz = 1000, found %.15g",
			 s->clock.sustained_mhz);
		ck_assert_str_eq(err, want);
	}
	ck_assert_int_eq(hw_spec_set(s, "clock.sustained_mhz", 900, err),
			 RL_OK);
	ck_assert_int_eq(hw_spec_check(s, err), RL_OK);
	hw_spec_free(s);
}
END_TEST

START_TEST(test_clone_is_deep)
{
	struct hw_spec *s, *c;
	size_t i;

	ck_assert_int_eq(hw_spec_load("a100-80gb-pcie", &s, err), RL_OK);
	c = hw_spec_clone(s);
	ck_assert_ptr_nonnull(c);
	hw_spec_field("hbm.bandwidth_gbps", &i);
	ck_assert_ptr_ne(c->source[i], s->source[i]);
	ck_assert_str_eq(c->source[i], s->source[i]);
	ck_assert_ptr_ne(c->notes, s->notes);
	ck_assert_int_eq(hw_spec_set(c, "hbm.bandwidth_gbps", 4000, err),
			 RL_OK);
	ck_assert_double_eq(s->hbm.bandwidth_gbps, 1935);
	ck_assert_double_eq(c->hbm.bandwidth_gbps, 4000);
	hw_spec_free(s); /* the clone must survive its original */
	ck_assert_str_eq(c->name, "a100-80gb-pcie");
	hw_spec_free(c);
	hw_spec_free(NULL);
}
END_TEST

START_TEST(test_to_json_round_trips_and_reflects_sets)
{
	struct hw_spec *s, *r;
	size_t n, i;
	const struct hw_field *f = hw_spec_fields(&n);
	cJSON *j, *file;
	char *text;

	ck_assert_int_eq(hw_spec_load("a100-80gb-pcie", &s, err), RL_OK);
	/* Unchanged: the same tree as the file itself. */
	j = hw_spec_to_json(s);
	file = a100_tree();
	ck_assert(cJSON_Compare(j, file, 1));
	cJSON_Delete(file);
	cJSON_Delete(j);
	ck_assert_int_eq(hw_spec_set(s, "hbm.efficiency", 0.9, err), RL_OK);
	j = hw_spec_to_json(s);
	text = cJSON_Print(j);
	cJSON_Delete(j);
	ck_assert_int_eq(hw_spec_parse(text, "round.json", &r, err), RL_OK);
	cJSON_free(text);
	for (i = 0; i < n; i++) {
		double a, b;

		hw_spec_get(s, f[i].path, &a);
		hw_spec_get(r, f[i].path, &b);
		ck_assert_msg(a == b, "%s: %g vs %g", f[i].path, a, b);
	}
	ck_assert_double_eq(r->hbm.efficiency, 0.9);
	hw_spec_field("hbm.efficiency", &i);
	/* The source records the override and the file's value. */
	ck_assert_has(r->source[i], "override (file value 0.");
	ck_assert_has(r->source[i], ": same memory controllers");
	hw_spec_free(s);
	hw_spec_free(r);
}
END_TEST

/* rl_hash (hw/common.h): its constants are written into every journal
 * key and every "+sweep-HASH" name, so they are pinned here, worked by
 * hand (Python integers, mod 2^64) from the definition:
 *   a' = (a ^ byte) * 1099511628211
 *   b' = ((b ^ byte) * 0x100000001b3) ^ (b >> 29)
 * from a = 1469598103934665603 (FNV-1a's prime, but not its standard
 * offset basis 14695981039346656037: the library's lacks the last digit,
 * kept so that old journals still resume) and b = 0x84222325cbf29ce4. */
START_TEST(test_hash_lanes_are_pinned_to_the_journal_constants)
{
	struct rl_hash h;

	rl_hash_init(&h);
	ck_assert_uint_eq(h.a, 1469598103934665603ULL);
	ck_assert_uint_eq(h.b, 0x84222325cbf29ce4ULL);
	rl_hash_bytes(&h, "", 0);
	ck_assert_uint_eq(h.a, 1469598103934665603ULL);
	rl_hash_bytes(&h, "a", 1);
	ck_assert_uint_eq(h.a, 0x44bd8ad473cd9906ULL);
	ck_assert_uint_eq(h.b, 0x789e3e3dac2eecd1ULL);
	/* bytes added in two calls hash as in one */
	rl_hash_bytes(&h, "b", 1);
	ck_assert_uint_eq(h.a, 0x9bac4b00c65ba4ecULL);
	ck_assert_uint_eq(h.b, 0x23d075c8574dc5c4ULL);
	rl_hash_init(&h);
	rl_hash_bytes(&h, "ab", 2);
	ck_assert_uint_eq(h.a, 0x9bac4b00c65ba4ecULL);
	ck_assert_uint_eq(h.b, 0x23d075c8574dc5c4ULL);
	/* murmur3's fmix64, k ^= k >> 33, k *= 0xff51afd7ed558ccd,
	 * k ^= k >> 33, k *= 0xc4ceb9fe1a85ec53, k ^= k >> 33: 0 stays 0 */
	ck_assert_uint_eq(rl_hash_mix(0), 0);
	ck_assert_uint_eq(rl_hash_mix(1), 0xb456bcfc34c2cb2cULL);
}
END_TEST

static Suite *hw_suite(void)
{
	Suite *s = suite_create("hw");
	TCase *j = tcase_create("jsonv"), *l = tcase_create("library"),
	      *b = tcase_create("bad input"), *a = tcase_create("access");

#define ADD(tc, t) tcase_add_test(tc, t)
	ADD(j, test_malformed_json_reports_line_and_column);
	ADD(j, test_truncated_json_reports_end_of_input);
	ADD(j, test_trailing_garbage_and_non_object_root_are_rejected);
	ADD(j, test_strict_syntax_rejects_what_lenient_parsers_accept);
	ADD(j, test_deep_nesting_is_refused_not_recursed_into);
	ADD(j, test_unknown_key_lists_allowed_keys_and_suggests_one);
	ADD(j, test_duplicate_key_is_rejected);
	ADD(j, test_odd_keys_are_bracketed_in_paths);
	ADD(j, test_numbers_must_be_numbers_in_range);
	ADD(j, test_strings_names_and_enums);
	ADD(j, test_too_long_string_is_rejected_not_truncated);
	ADD(j, test_arrays_of_numbers_and_strings);
	ADD(j, test_long_found_value_is_truncated_on_one_line);
	ADD(l, test_a100_pcie_loads_by_name_with_datasheet_values);
	ADD(l, test_a100_pcie_derived_rates_match_hand_computation);
	ADD(l, test_a100_sxm_differs_only_in_bandwidth_and_sustained_clock);
	ADD(l, test_every_shipped_spec_matches_its_datasheet);
	ADD(l, test_every_listed_spec_loads_with_a_source_per_value);
	ADD(l, test_list_is_sorted_and_contains_the_a100s);
	ADD(l, test_ridgeline_data_is_searched_first);
	ADD(b, test_typo_in_key_is_rejected_with_suggestion);
	ADD(b, test_unknown_top_level_key_is_rejected);
	ADD(b, test_missing_required_key_is_rejected);
	ADD(b, test_missing_group_is_rejected);
	ADD(b, test_string_for_number_is_rejected);
	ADD(b, test_bare_number_without_source_object_is_rejected);
	ADD(b, test_zero_and_negative_values_are_rejected);
	ADD(b, test_absurd_values_are_rejected);
	ADD(b, test_nan_and_overflowing_literals_are_rejected);
	ADD(b, test_non_integer_count_is_rejected);
	ADD(b, test_missing_or_empty_source_is_rejected);
	ADD(b, test_unknown_key_in_value_object_is_rejected);
	ADD(b, test_sustained_clock_above_boost_is_rejected);
	ADD(b, test_more_ctas_than_warps_is_rejected);
	ADD(b, test_bad_name_is_rejected);
	ADD(b, test_optional_fp8_rate_is_read_when_present);
	ADD(b, test_missing_file_names_the_path);
	ADD(b, test_unknown_name_names_the_searched_places);
	ADD(b, test_read_file_of_missing_path_fails);
	ADD(a, test_set_changes_value_and_derived_rates);
	ADD(a, test_set_rejects_bad_values_and_paths);
	ADD(a, test_check_catches_cross_field_violations_after_sets);
	ADD(a, test_clone_is_deep);
	ADD(a, test_to_json_round_trips_and_reflects_sets);
	ADD(a, test_hash_lanes_are_pinned_to_the_journal_constants);
#undef ADD
	suite_add_tcase(s, j);
	suite_add_tcase(s, l);
	suite_add_tcase(s, b);
	suite_add_tcase(s, a);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hw_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
