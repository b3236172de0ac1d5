/*
 * check_fuzz.c — every input parser answers mutated input with success or
 * one clean error, never a crash: the shipped hardware spec, model spec and
 * reference experiment, and a measured CSV, each mutated thousands of times
 * (byte flips, deletions, insertions, duplicated runs, truncation; GSL
 * generator with a fixed seed, so every run tries the same inputs). Under
 * --enable-sanitizers (CI) this is a sanitizer-checked fuzz pass.
 *
 * For each input: the status is RL_OK or RL_EINPUT, and an error is one
 * non-empty line that names the file.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "hw/common.h"
#include "hw/data.h"
#include "hw/spec.h"
#include "models/model.h"
#include "sim/run/experiment.h"
#include "sim/run/validate.h"

#define ROUNDS 5000

static char *slurp(const char *rel)
{
	const char *top = getenv("RL_TOP_SRCDIR");
	char path[1024], err[RL_ERR_LEN];
	size_t len;
	char *text;

	snprintf(path, sizeof path, "%s/%s", top ? top : ".", rel);
	text = rl_read_file(path, &len, err);
	ck_assert_msg(text != NULL, "%s", err);
	return text;
}

/* One random edit of src into a fresh malloc'd, NUL-terminated buffer. */
static char *mutate(gsl_rng *r, const char *src)
{
	size_t n = strlen(src), at = n ? gsl_rng_uniform_int(r, n) : 0;
	char *out = malloc(2 * n + 2);
	size_t len = n;
	int edits = 1 + (int)gsl_rng_uniform_int(r, 3);

	ck_assert_ptr_nonnull(out);
	memcpy(out, src, n + 1);
	for (int e = 0; e < edits && len > 0; e++) {
		at = gsl_rng_uniform_int(r, len);
		switch (gsl_rng_uniform_int(r, 5)) {
		case 0: /* flip to any byte but NUL */
			out[at] = (char)(1 + gsl_rng_uniform_int(r, 255));
			break;
		case 1: /* delete */
			memmove(out + at, out + at + 1, len - at);
			len--;
			break;
		case 2: /* insert a JSON/CSV-significant byte */
			memmove(out + at + 1, out + at, len - at + 1);
			out[at] = "{}[],:\"-0123456789e.\n"[gsl_rng_uniform_int(r, 21)];
			len++;
			break;
		case 3: { /* duplicate a short run */
			size_t k = 1 + gsl_rng_uniform_int(r, 16);

			if (at + k > len || len + k > 2 * n)
				break;
			memmove(out + at + k, out + at, len - at + 1);
			len += k;
			break;
		}
		default: /* truncate */
			out[at] = 0;
			len = at;
			break;
		}
	}
	return out;
}

static void check_error(int rc, const char *err, const char *file)
{
	ck_assert_msg(rc == RL_OK || rc == RL_EINPUT, "status %d", rc);
	if (rc == RL_EINPUT) {
		ck_assert_msg(err[0] != 0, "empty error message");
		ck_assert_msg(strchr(err, '\n') == NULL, "two lines: %s", err);
		ck_assert_msg(strstr(err, file) != NULL,
			      "error does not name %s: %s", file, err);
	}
}

START_TEST(test_mutated_hardware_specs_fail_cleanly)
{
	char *src = slurp("hw/a100-80gb-pcie.json");
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	int ok = 0;

	gsl_rng_set(r, 1);
	for (int i = 0; i < ROUNDS; i++) {
		char *t = mutate(r, src), err[RL_ERR_LEN] = "";
		struct hw_spec *s = NULL;
		int rc = hw_spec_parse(t, "fuzz.json", &s, err);

		check_error(rc, err, "fuzz.json");
		ok += rc == RL_OK;
		hw_spec_free(s);
		free(t);
	}
	/* most mutations break the file; a few (in a source string) don't */
	ck_assert_int_lt(ok, ROUNDS / 2);
	gsl_rng_free(r);
	free(src);
}
END_TEST

START_TEST(test_mutated_model_specs_fail_cleanly)
{
	char *src = slurp("models/llama-33b.json");
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_rng_set(r, 2);
	for (int i = 0; i < ROUNDS; i++) {
		char *t = mutate(r, src), err[RL_ERR_LEN] = "";
		struct model_spec *m = NULL;
		int rc = model_spec_parse(t, "fuzz.json", &m, err);

		check_error(rc, err, "fuzz.json");
		model_spec_free(m);
		free(t);
	}
	gsl_rng_free(r);
	free(src);
}
END_TEST

START_TEST(test_mutated_experiments_fail_cleanly)
{
	char *src = slurp("experiments/medusa-llama33b-a100-pcie.json");
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_rng_set(r, 3);
	for (int i = 0; i < ROUNDS; i++) {
		char *t = mutate(r, src), err[RL_ERR_LEN] = "";
		struct experiment *e = NULL;
		int rc = experiment_parse(t, "fuzz.json", &e, err);

		check_error(rc, err, "fuzz.json");
		experiment_free(e);
		free(t);
	}
	gsl_rng_free(r);
	free(src);
}
END_TEST

START_TEST(test_mutated_measured_csv_fails_cleanly)
{
	static const char src[] =
		"m,n,k,dtype,latency_ms\n1,1024,1024,bf16,0.005955\n"
		"17,2048,4096,bf16,0.017125\n4096,8192,1024,fp16,0.3323\n";
	char path[] = "/tmp/check_fuzz.XXXXXX";
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	gsl_rng_set(r, 4);
	for (int i = 0; i < ROUNDS; i++) {
		char *t = mutate(r, src), err[RL_ERR_LEN] = "";
		struct validate_set *v = NULL;
		FILE *f = fopen(path, "w");
		int rc;

		ck_assert_ptr_nonnull(f);
		fputs(t, f);
		fclose(f);
		rc = validate_load(path, &v, err);
		check_error(rc, err, path);
		validate_free(v);
		free(t);
	}
	unlink(path);
	gsl_rng_free(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fuzz");
	TCase *tc = tcase_create("parsers");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_mutated_hardware_specs_fail_cleanly);
	tcase_add_test(tc, test_mutated_model_specs_fail_cleanly);
	tcase_add_test(tc, test_mutated_experiments_fail_cleanly);
	tcase_add_test(tc, test_mutated_measured_csv_fails_cleanly);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
