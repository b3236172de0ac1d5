/*
 * check_api.c — the public library's contract (sim/api/ridgeline.h) where
 * the example programs and the Python module do not go: every refusal is a
 * code (RIDGELINE_EINPUT for bad input) with one line naming what was
 * expected, a NULL err is allowed, *out is NULL after a failure, every
 * *_free takes NULL; and results read by name and index agree.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/api/ridgeline.h"

static char err[RIDGELINE_ERR_LEN];

static ridgeline_hw *hw_of(const char *name)
{
	ridgeline_hw *hw = NULL;

	ck_assert_msg(ridgeline_hw_load(name, &hw, err) == RIDGELINE_OK, "%s",
		      err);
	return hw;
}

START_TEST(test_bad_names_fields_and_values_are_bad_input)
{
	ridgeline_hw *hw = NULL;
	double v = 0;

	ck_assert_int_eq(ridgeline_hw_load("no-such-gpu", &hw, err),
			 RIDGELINE_EINPUT);
	ck_assert_ptr_null(hw);
	ck_assert_ptr_nonnull(strstr(err, "no-such-gpu"));
	/* err may be NULL: the code still says what happened */
	ck_assert_int_eq(ridgeline_hw_load("no-such-gpu", &hw, NULL),
			 RIDGELINE_EINPUT);
	hw = hw_of("a100-80gb-sxm");
	ck_assert_str_eq(ridgeline_hw_name(hw), "a100-80gb-sxm");
	ck_assert_int_eq(ridgeline_hw_get(hw, "no.such_field", &v, err),
			 RIDGELINE_EINPUT);
	ck_assert_ptr_nonnull(strstr(err, "no.such_field"));
	/* a refused value leaves the spec as it was */
	ck_assert_int_eq(ridgeline_hw_get(hw, "hbm.bandwidth_gbps", &v, err),
			 RIDGELINE_OK);
	ck_assert_int_eq(ridgeline_hw_set(hw, "hbm.bandwidth_gbps", -1, err),
			 RIDGELINE_EINPUT);
	{
		double after = 0;

		ck_assert_int_eq(ridgeline_hw_get(hw, "hbm.bandwidth_gbps",
						  &after, NULL), RIDGELINE_OK);
		ck_assert_double_eq(after, v);
	}
	ridgeline_hw_free(hw);
	ridgeline_hw_free(NULL);
	ridgeline_result_free(NULL);
	ridgeline_results_free(NULL, 3);
	ridgeline_experiment_free(NULL);
	ridgeline_validation_free(NULL);
}
END_TEST

START_TEST(test_gemm_refusals_and_result_access)
{
	ridgeline_hw *hw = hw_of("a100-80gb-sxm");
	ridgeline_result *r = NULL;
	long t, b;

	ck_assert_int_eq(ridgeline_gemm(hw, 64, 4096, 4096, "int4", 0, &r, err),
			 RIDGELINE_EINPUT);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(err, "int4"));
	ck_assert_int_eq(ridgeline_gemm(hw, 0, 4096, 4096, NULL, 0, &r, err),
			 RIDGELINE_EINPUT);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(ridgeline_gemm(hw, 64, 4096, 4096, NULL, 1, &r, err),
			 RIDGELINE_OK);
	/* a number field: a number, no string; a string field: the reverse */
	t = ridgeline_result_find(r, "time_us");
	b = ridgeline_result_find(r, "bound");
	ck_assert(t >= 0 && b >= 0);
	ck_assert(ridgeline_result_is_number(r, (size_t)t));
	ck_assert(ridgeline_result_number(r, (size_t)t) > 0);
	ck_assert_ptr_null(ridgeline_result_string(r, (size_t)t));
	ck_assert(!ridgeline_result_is_number(r, (size_t)b));
	ck_assert(isnan(ridgeline_result_number(r, (size_t)b)));
	ck_assert_ptr_nonnull(ridgeline_result_string(r, (size_t)b));
	ck_assert_str_eq(ridgeline_result_name(r, (size_t)t), "time_us");
	/* the CSV text of a field parses back to its value's rounding */
	ck_assert_double_eq_tol(atof(ridgeline_result_text(r, (size_t)t)),
				ridgeline_result_number(r, (size_t)t), 1e-3);
	/* out of range: NULL / NaN / -1, never a crash */
	ck_assert_int_eq(ridgeline_result_find(r, "no_such"), -1);
	ck_assert_int_eq(ridgeline_result_find(r, NULL), -1);
	ck_assert_ptr_null(ridgeline_result_name(r, 9999));
	ck_assert_ptr_null(ridgeline_result_text(r, 9999));
	ck_assert_ptr_null(ridgeline_result_string(r, 9999));
	ck_assert(isnan(ridgeline_result_number(r, 9999)));
	ck_assert(!ridgeline_result_is_number(r, 9999));
	ridgeline_result_free(r);
	ridgeline_hw_free(hw);
}
END_TEST

START_TEST(test_experiment_point_out_of_range_is_bad_input)
{
	ridgeline_experiment *e = NULL;
	ridgeline_result *r = NULL;

	ck_assert_int_eq(ridgeline_experiment_load("no-such-experiment", &e,
						   err), RIDGELINE_EINPUT);
	ck_assert_ptr_null(e);
	ck_assert_msg(ridgeline_experiment_load("medusa-llama33b-a100-pcie", &e,
						err) == RIDGELINE_OK, "%s", err);
	/* the reference grid: 3 ops x 8 q x 7 batch sizes */
	ck_assert_uint_eq(ridgeline_experiment_points(e), 168);
	ck_assert_int_eq(ridgeline_experiment_simulate(e, 168, &r, err),
			 RIDGELINE_EINPUT);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(err, "below 168"));
	ck_assert_int_eq(ridgeline_experiment_simulate(e, 0, &r, NULL),
			 RIDGELINE_OK);
	ck_assert_str_eq(ridgeline_result_string(r,
		(size_t)ridgeline_result_find(r, "hw")), "a100-80gb-pcie");
	ridgeline_result_free(r);
	ridgeline_experiment_free(e);
}
END_TEST

START_TEST(test_validation_refusals)
{
	ridgeline_hw *hw = hw_of("a100-80gb-sxm");
	ridgeline_validation *v = NULL;
	ridgeline_result *r = NULL;
	struct ridgeline_summary s;
	char path[] = "/tmp/check_api.XXXXXX";
	int fd = mkstemp(path);
	const char csv[] = "m,n,k,dtype,latency_ms\n64,4096,4096,bf16,0.05\n";

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, csv, sizeof csv - 1), (long)(sizeof csv - 1));
	close(fd);
	ck_assert_int_eq(ridgeline_validation_load(hw, path, "xml", NULL, &v,
						   err), RIDGELINE_EINPUT);
	ck_assert_ptr_nonnull(strstr(err, "xml"));
	ck_assert_int_eq(ridgeline_validation_load(hw, path, NULL, "lukewarm",
						   &v, err), RIDGELINE_EINPUT);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(ridgeline_validation_load(hw, "/nonexistent.csv", NULL,
						   NULL, &v, err),
			 RIDGELINE_EINPUT);
	ck_assert_int_eq(ridgeline_validation_load(hw, path, "plain", "cold", &v,
						   err), RIDGELINE_OK);
	/* the spec was copied: freeing it does not touch the validation */
	ridgeline_hw_free(hw);
	ck_assert_uint_eq(ridgeline_validation_rows(v), 1);
	/* before run: nothing to read */
	ck_assert_int_eq(ridgeline_validation_row(v, 0, &r, err),
			 RIDGELINE_EINPUT);
	ck_assert_int_eq(ridgeline_validation_summary(v, "all", &s, err),
			 RIDGELINE_EINPUT);
	ck_assert_int_eq(ridgeline_validation_run(v, 0, err), RIDGELINE_OK);
	ck_assert_int_eq(ridgeline_validation_summary(v, "warm", &s, err),
			 RIDGELINE_EINPUT);
	ck_assert_ptr_nonnull(strstr(err, "b>=32mb"));
	ck_assert_int_eq(ridgeline_validation_summary(v, NULL, &s, NULL),
			 RIDGELINE_EINPUT);
	ck_assert_int_eq(ridgeline_validation_row(v, 1, &r, err),
			 RIDGELINE_EINPUT);
	ck_assert_int_eq(ridgeline_validation_summary(v, "all", &s, err),
			 RIDGELINE_OK);
	ck_assert_uint_eq(s.n, 1);
	/* one row: mean = median = max of the absolute error, bias signed */
	ck_assert_double_eq(s.mape, s.median_ape);
	ck_assert_double_eq(s.mape, s.max_ape);
	ck_assert_double_eq(s.mape, fabs(s.mean_error));
	ck_assert_int_eq(ridgeline_validation_row(v, 0, &r, err), RIDGELINE_OK);
	ck_assert_double_eq_tol(fabs(ridgeline_result_number(r,
		(size_t)ridgeline_result_find(r, "error_pct"))), s.mape, 1e-12);
	ck_assert_double_eq(ridgeline_result_number(r,
		(size_t)ridgeline_result_find(r, "measured_ms")), 0.05);
	ridgeline_result_free(r);
	ridgeline_validation_free(v);
	unlink(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("api");
	TCase *t = tcase_create("api");
	SRunner *sr;
	int failed;

	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_bad_names_fields_and_values_are_bad_input);
	tcase_add_test(t, test_gemm_refusals_and_result_access);
	tcase_add_test(t, test_experiment_point_out_of_range_is_bad_input);
	tcase_add_test(t, test_validation_refusals);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
