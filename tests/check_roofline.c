/*
 * check_roofline.c — the analytic roofline: attainable = min(peak,
 * bandwidth · OI), pinned on Llama 33B's MLP on the A100 80GB PCIe of the
 * reference figure (Cai et al. 2024, Medusa, Fig. 20) with hand-computed
 * numbers, and checked against the chart's readings, which a measured point
 * cannot exceed.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "hw/common.h"
#include "hw/spec.h"
#include "models/gemm.h"
#include "models/model.h"
#include "models/roofline.h"

static char err[RL_ERR_LEN];
static struct hw_spec *a100;
static struct model_spec *llama;

/* Llama 33B: K = hidden, N = FFN for up/gate */
#define K 6656.0
#define N 17920.0
/* 108 · 2048 · 1.41e9 FLOP/s and 1.935e12 B/s */
#define PEAK 311869440000000.0
#define BW 1.935e12

static void setup(void)
{
	ck_assert_msg(hw_spec_load("a100-80gb-pcie", &a100, err) == RL_OK,
		      "%s", err);
	ck_assert_msg(model_spec_load("llama-33b", &llama, err) == RL_OK, "%s",
		      err);
}

static void teardown(void)
{
	hw_spec_free(a100);
	model_spec_free(llama);
}

static void up(uint64_t tokens, struct roofline_point *r)
{
	struct gemm g;

	model_mlp_gemm(llama, 0, tokens, &g);
	roofline_gemm(a100, &g, r);
}

START_TEST(test_attainable_is_the_lower_ceiling)
{
	/* 1.935e12 · 100 = 193.5e12 < 312e12 */
	ck_assert_double_eq_tol(roofline_attainable(312e12, 1.935e12, 100),
				193.5e12, 1);
	ck_assert_double_eq(roofline_attainable(312e12, 1.935e12, 200), 312e12);
	ck_assert_double_eq(roofline_attainable(312e12, 2e12, 156), 312e12);
	ck_assert_double_eq(roofline_attainable(312e12, 2e12, 0), 0);
}
END_TEST

START_TEST(test_ridge_is_161_flop_per_byte)
{
	struct roofline_point r;

	up(1, &r);
	/* 311.86944 / 1.935 = 161.1728 (chart: ≈ 161) */
	ck_assert_double_eq_tol(r.ridge, 161.1728, 1e-4);
	ck_assert_double_eq_tol(r.peak_flops, PEAK, 1);
	ck_assert_double_eq_tol(r.bandwidth, BW, 1);
}
END_TEST

START_TEST(test_one_token_streams_weights_at_datasheet_bandwidth)
{
	struct roofline_point r;

	up(1, &r);
	ck_assert_double_eq(r.flops, 238551040.0);     /* 2·6656·17920 */
	ck_assert_double_eq(r.bytes_min, 238600192.0); /* 2·119,300,096 */
	ck_assert_double_eq_tol(r.oi, 0.99979, 1e-5);
	ck_assert(r.memory_bound);
	/* memory-bound: time = bytes / bandwidth = 238,600,192 / 1.935e12
	 * = 123.3076 µs; attainable = 1.935e12 · 0.99979 */
	ck_assert_double_eq_tol(r.time_us, 123.3076, 1e-4);
	ck_assert_double_eq_tol(r.attainable, BW * 238551040.0 / 238600192.0,
				1e3);
}
END_TEST

START_TEST(test_8192_tokens_run_at_peak)
{
	struct roofline_point r;

	up(8192, &r);
	ck_assert_double_eq_tol(r.oi, 3047.72, 0.01);
	ck_assert(!r.memory_bound);
	ck_assert_double_eq_tol(r.attainable, PEAK, 1);
	/* 2·8192·6656·17920 = 1,954,210,119,680 FLOP / 311.86944e12 FLOP/s
	 * = 6266.116 µs */
	ck_assert_double_eq(r.flops, 1954210119680.0);
	ck_assert_double_eq_tol(r.time_us, 6266.116, 1e-3);
}
END_TEST

START_TEST(test_crossover_is_near_165_tokens)
{
	/* OI(T) = T·K·N / (T·(K+N) + K·N) reaches the ridge R at
	 * T* = R·K·N / (K·N − R·(K+N)) = 166.709, so T = 167 is the first
	 * compute-bound token count (the chart's crossover, "near T ≈ 165"). */
	double ridge = PEAK / BW;
	double tstar = ridge * K * N / (K * N - ridge * (K + N));
	struct roofline_point r;
	uint64_t first = 0;

	ck_assert_double_eq_tol(tstar, 166.709, 1e-3);
	for (uint64_t t = 1; t <= 1000 && !first; t++) {
		up(t, &r);
		if (!r.memory_bound)
			first = t;
	}
	ck_assert_uint_eq(first, (uint64_t)ceil(tstar));
	ck_assert_uint_eq(first, 167);
	/* all three ops have the same crossover (same FLOPs and bytes) */
	for (int op = 0; op < 3; op++) {
		struct gemm g;

		model_mlp_gemm(llama, op, 166, &g);
		roofline_gemm(a100, &g, &r);
		ck_assert(r.memory_bound);
		model_mlp_gemm(llama, op, 167, &g);
		roofline_gemm(a100, &g, &r);
		ck_assert(!r.memory_bound);
	}
}
END_TEST

START_TEST(test_attainable_rises_with_tokens_and_stays_under_both_ceilings)
{
	struct roofline_point r;
	double prev = 0;

	for (uint64_t t = 1; t <= 8192; t *= 2) {
		up(t, &r);
		ck_assert(r.attainable >= prev);
		ck_assert(r.attainable <= PEAK * (1 + 1e-12));
		ck_assert(r.attainable <= BW * r.oi * (1 + 1e-12));
		/* time is the larger of the two ceilings' times */
		ck_assert_double_eq_tol(r.time_us,
					fmax(r.flops / PEAK, r.bytes_min / BW) *
						1e6,
					1e-9 * r.time_us);
		prev = r.attainable;
	}
}
END_TEST

START_TEST(test_reference_figure_readings_lie_under_the_roofline)
{
	/* Readings of Cai et al. 2024, Fig. 20 (README lists them): measured
	 * (OI, TFLOP/s); a measurement cannot beat the roofline. */
	static const double readings[][2] = {
		{1, 1.2}, {8, 10}, {16, 20}, {50, 60}, {120, 150},
		{300, 250}, {3000, 280},
	};
	struct roofline_point r;

	for (size_t i = 0; i < sizeof readings / sizeof readings[0]; i++)
		ck_assert_msg(roofline_attainable(PEAK, BW, readings[i][0]) >=
				      readings[i][1] * 1e12,
			      "reading %zu above the roofline", i);
	/* The chart's q = 16 and q = 48 series start (b = 1) at OI ≈ 16 and
	 * ≈ 50: here T·K·N / (T·(K+N) + K·N) = 15.95 and 47.53. */
	up(16, &r);
	ck_assert_double_eq_tol(r.oi, 15.947, 1e-3);
	up(48, &r);
	ck_assert_double_eq_tol(r.oi, 47.530, 1e-3);
}
END_TEST

START_TEST(test_dtype_without_tensor_rate_has_no_finite_time)
{
	struct gemm g = {1024, 1024, 1024, RL_FP8};
	struct roofline_point r;

	roofline_gemm(a100, &g, &r); /* A100 has no fp8 tensor cores */
	ck_assert_double_eq(r.peak_flops, 0);
	ck_assert_double_eq(r.attainable, 0);
	ck_assert(isinf(r.time_us));
}
END_TEST

START_TEST(test_h100_uses_the_rate_of_the_gemm_dtype)
{
	struct hw_spec *h;
	struct gemm g = {8192, 8192, 8192, RL_FP8};
	struct roofline_point r;

	ck_assert_int_eq(hw_spec_load("h100-sxm", &h, err), RL_OK);
	roofline_gemm(h, &g, &r);
	/* 132 · 8192 · 1.83e9 = 1,978,859,520,000,000 (datasheet 1,979 T) */
	ck_assert_double_eq_tol(r.attainable, 1978859520000000.0, 1);
	g.dtype = RL_BF16;
	roofline_gemm(h, &g, &r);
	/* 132 · 4096 · 1.83e9 / 3.35e12 = 295.352 */
	ck_assert_double_eq_tol(r.ridge, 295.352, 1e-3);
	hw_spec_free(h);
}
END_TEST

static Suite *roofline_suite(void)
{
	Suite *s = suite_create("roofline");
	TCase *tc = tcase_create("llama-33b on a100-80gb-pcie");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_attainable_is_the_lower_ceiling);
	tcase_add_test(tc, test_ridge_is_161_flop_per_byte);
	tcase_add_test(tc, test_one_token_streams_weights_at_datasheet_bandwidth);
	tcase_add_test(tc, test_8192_tokens_run_at_peak);
	tcase_add_test(tc, test_crossover_is_near_165_tokens);
	tcase_add_test(tc,
		       test_attainable_rises_with_tokens_and_stays_under_both_ceilings);
	tcase_add_test(tc, test_reference_figure_readings_lie_under_the_roofline);
	tcase_add_test(tc, test_dtype_without_tensor_rate_has_no_finite_time);
	tcase_add_test(tc, test_h100_uses_the_rate_of_the_gemm_dtype);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(roofline_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
