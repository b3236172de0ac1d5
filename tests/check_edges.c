/*
 * check_edges.c — paths the module suites leave untried, each against a
 * bound worked out here or a value read from the spec file: the engine's
 * large (huge-page) event arrays and the wrap of a delay past the end of
 * time; the NULL and empty edges of the engine, pools, servers and
 * statistics; the L2 refusing more blocks than its 32-bit links index; the
 * GEMMs gpu_check_gemm() refuses, the roofline of a dtype without
 * tensor rate, the attention shapes and specs FlashAttention cannot take; the warm-L2 start (all operands, or a
 * share of them, resident) against the compulsory bytes; the
 * power-limited clock of a timed protocol between the spec's sustained
 * and burst clocks.
 */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hw/common.h"
#include "hw/spec.h"
#include "models/attention.h"
#include "models/gemm.h"
#include "models/roofline.h"
#include "sim/engine/engine.h"
#include "sim/engine/pool.h"
#include "sim/engine/server.h"
#include "sim/engine/stats.h"
#include "sim/gpu/gpu.h"
#include "sim/gpu/mem.h"

static char err[RL_ERR_LEN];

static struct hw_spec *load(const char *name)
{
	struct hw_spec *hw = NULL;

	ck_assert_msg(hw_spec_load(name, &hw, err) == RL_OK, "%s", err);
	return hw;
}

/* ---- engine ------------------------------------------------------------- */

#define NBIG 300000 /* events: 300,000 16-byte keys, over the 2 MiB line */

struct order {
	sim_time_t last_t;
	uint64_t last_seq, seen;
	int bad;
};

static void record(struct sim_engine *e, void *ctx, uint64_t arg)
{
	struct order *o = ctx;
	sim_time_t t = sim_engine_now(e);

	/* time never goes back; at one instant, events run in the order they
	 * were scheduled (arg is that order) */
	if (o->seen && (t < o->last_t || (t == o->last_t && arg < o->last_seq)))
		o->bad = 1;
	o->last_t = t;
	o->last_seq = arg;
	o->seen++;
}

START_TEST(test_engine_with_a_huge_page_heap_runs_events_in_time_then_fifo)
{
	struct sim_engine *e = sim_engine_new(NBIG);
	struct order o = {0, 0, 0, 0};
	uint64_t x = 12345;

	ck_assert_ptr_nonnull(e);
	for (uint64_t i = 0; i < NBIG; i++) {
		/* 64-bit LCG (Knuth's MMIX constants); 1,000 distinct times,
		 * so every time is shared by ~300 events */
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		ck_assert(sim_engine_schedule(e, (x >> 33) % 1000, record, &o,
					      i) != SIM_EVENT_NONE);
	}
	ck_assert_uint_eq(sim_engine_pending(e), NBIG);
	ck_assert_uint_eq(sim_engine_run(e), NBIG);
	ck_assert_uint_eq(o.seen, NBIG);
	ck_assert_int_eq(o.bad, 0);
	sim_engine_free(e);
}
END_TEST

static void at_end_of_time(struct sim_engine *e, void *ctx, uint64_t arg)
{
	(void)arg;
	*(sim_time_t *)ctx = sim_engine_now(e);
}

static void schedule_far(struct sim_engine *e, void *ctx, uint64_t arg)
{
	(void)arg;
	/* now + SIM_TIME_MAX overflows: the event goes to the end of time */
	sim_engine_after(e, SIM_TIME_MAX, at_end_of_time, ctx, 0);
}

START_TEST(test_engine_delay_past_the_end_of_time_lands_at_the_end)
{
	struct sim_engine *e = sim_engine_new(0);
	sim_time_t when = 0;

	ck_assert_ptr_nonnull(e);
	sim_engine_schedule(e, 5, schedule_far, &when, 0);
	ck_assert_uint_eq(sim_engine_run(e), 2);
	ck_assert_uint_eq(when, SIM_TIME_MAX);
	sim_engine_free(e);
}
END_TEST

/* The edges of the engine's small API: freeing NULL, cancelling an id no
 * event ever had (its slot is beyond the pool), a statistic over nothing. */
START_TEST(test_engine_pool_and_stats_edges_are_defined)
{
	struct sim_engine *e = sim_engine_new(0);
	struct sim_pool p;
	struct sim_stats st;

	ck_assert_ptr_nonnull(e);
	/* slot bits all set: far beyond a fresh engine's pool */
	ck_assert_int_eq(sim_engine_cancel(e, (sim_event_id)0xffffff), -1);
	sim_engine_free(e);
	sim_engine_free(NULL);
	ck_assert_int_eq(sim_pool_init(&p, 2), 0);
	ck_assert_double_eq(sim_pool_utilization(&p, 0), 0.0); /* no time yet */
	sim_pool_destroy(&p);
	sim_pool_destroy(NULL);
	sim_stats_init(&st, 0);
	ck_assert(isnan(sim_stats_percentile(&st, 0.5))); /* samples not kept */
	sim_stats_destroy(&st);
	sim_stats_init(&st, 1);
	ck_assert(isnan(sim_stats_percentile(&st, 0.5))); /* none yet */
	ck_assert_int_eq(sim_stats_add(&st, 3.0), 0);
	ck_assert(isnan(sim_stats_percentile(&st, 1.5))); /* p out of [0, 1] */
	ck_assert_double_eq(sim_stats_percentile(&st, 0.5), 3.0);
	sim_stats_destroy(&st);
}
END_TEST

/* A 1 GB/s link (1e-3 B/ps) with no latency serves 1,000 B in 1e6 ps
 * from t = 0: busy 1e6 ps. Over 2e6 ps it was busy half the time; over
 * 5e5 ps all of it (the rest of the transfer lies beyond the window and is
 * not counted); over no time, 0. */
START_TEST(test_server_utilization_counts_only_the_window)
{
	struct sim_server sv;

	sim_server_init(&sv, 1e9, 0, 0);
	ck_assert_uint_eq(sim_server_request(&sv, 0, 1000), 1000000);
	ck_assert_double_eq_tol(sim_server_utilization(&sv, 2000000), 0.5,
				1e-12);
	ck_assert_double_eq_tol(sim_server_utilization(&sv, 500000), 1.0,
				1e-12);
	ck_assert_double_eq(sim_server_utilization(&sv, 0), 0.0);
	sim_server_destroy(&sv);
	sim_server_destroy(NULL);
}
END_TEST

/* ---- L2 ----------------------------------------------------------------- */

/* Blocks are linked by 32-bit indices with UINT32_MAX as the end mark, so
 * at most UINT32_MAX - 1 blocks can be indexed. */
START_TEST(test_l2_refuses_more_blocks_than_its_links_index)
{
	struct hw_spec *hw = load("a100-80gb-sxm");

	ck_assert_ptr_null(gpu_l2_new(hw, (uint64_t)UINT32_MAX,
				      GPU_CHUNK_SHIFT, NULL));
	ck_assert_ptr_null(gpu_l2_new(hw, (uint64_t)UINT32_MAX + 5,
				      GPU_CHUNK_SHIFT, NULL));
	gpu_mem_free(NULL); /* a no-op, as every *_free */
	hw_spec_free(hw);
}
END_TEST

/* ---- what the GPU refuses ----------------------------------------------- */

START_TEST(test_gemm_with_a_zero_size_is_bad_input)
{
	struct hw_spec *hw = load("a100-80gb-sxm");
	struct gemm g = {.m = 0, .n = 4096, .k = 4096, .dtype = RL_BF16};

	ck_assert_int_eq(gpu_check_gemm(hw, &g, err), RL_EINPUT);
	ck_assert_str_eq(err, "gemm: m, n and k must be positive");
	hw_spec_free(hw);
}
END_TEST

/* The A100 has no FP8 tensor rate (its spec file lists fp16 and bf16). */
START_TEST(test_gemm_in_a_dtype_without_tensor_rate_is_bad_input)
{
	struct hw_spec *hw = load("a100-80gb-sxm");
	struct gemm g = {.m = 64, .n = 4096, .k = 4096, .dtype = RL_FP8};
	struct gpu_result r;

	ck_assert(hw_spec_flop_per_clk(hw, RL_FP8) == 0);
	ck_assert_int_eq(gpu_check_gemm(hw, &g, err), RL_EINPUT);
	ck_assert_ptr_nonnull(strstr(err, "no tensor rate for dtype fp8"));
	ck_assert_int_eq(gpu_simulate_gemm(hw, &g, NULL, &r, err), RL_EINPUT);
	hw_spec_free(hw);
}
END_TEST

/* m = n = 2^20: with tiles of at most 256 x 256 that is at least
 * (2^20 / 2^8)^2 = 2^24 CTAs, over GPU_MAX_CTAS = 2^20. */
START_TEST(test_gemm_with_more_ctas_than_a_simulation_takes_is_bad_input)
{
	struct hw_spec *hw = load("h100-sxm");
	struct gemm g = {.m = 1 << 20, .n = 1 << 20, .k = 64,
			 .dtype = RL_BF16};

	ck_assert_int_eq(gpu_check_gemm(hw, &g, err), RL_EINPUT);
	ck_assert_ptr_nonnull(strstr(err, "more than the"));
	hw_spec_free(hw);
}
END_TEST

/* roofline.h: a dtype without tensor rate has peak 0, so nothing is
 * attainable and the time is infinite (not a division by zero); a GEMM
 * with no elements has no bytes and an operational intensity of 0. */
START_TEST(test_roofline_without_tensor_rate_has_no_finite_time)
{
	struct hw_spec *hw = load("a100-80gb-sxm");
	struct gemm g = {.m = 64, .n = 4096, .k = 4096, .dtype = RL_FP8};
	struct gemm none = {.m = 0, .n = 0, .k = 0, .dtype = RL_BF16};
	struct roofline_point rp;

	roofline_gemm(hw, &g, &rp);
	ck_assert_double_eq(rp.peak_flops, 0);
	ck_assert_double_eq(rp.attainable, 0);
	ck_assert(isinf(rp.time_us) && rp.time_us > 0);
	ck_assert_double_eq(rp.flops, 2.0 * 64 * 4096 * 4096);
	ck_assert_double_eq(gemm_bytes_min(&none), 0);
	ck_assert_double_eq(gemm_oi(&none), 0);
	hw_spec_free(hw);
}
END_TEST

/* What attention.h says FlashAttention does not take: a zero size, a
 * kv_heads that does not divide heads, more query tokens than the cache
 * holds, a head over 256 elements; and what the kernel chooser needs of
 * the spec: a tensor rate for the dtype (the A100 has none for fp8) and
 * the softmax's FP32 lanes and SFUs (the L4's spec file gives neither). */
START_TEST(test_attention_shapes_and_specs_it_cannot_take_are_bad_input)
{
	struct hw_spec *a100 = load("a100-80gb-sxm"), *l4 = load("l4");
	const struct attn_shape ok = {.batch = 8, .heads = 32, .kv_heads = 8,
				      .head_dim = 128, .q = 1, .kv_len = 4096,
				      .mask = ATTN_MASK_TREE,
				      .dtype = RL_BF16};
	struct attn_shape a;
	struct attn_kernel k;

	ck_assert_int_eq(attn_check(&ok, err), RL_OK);
	ck_assert_int_eq(attn_kernel_choose(a100, &ok, &k, err), RL_OK);
	a = ok, a.kv_len = 0;
	ck_assert_int_eq(attn_check(&a, err), RL_EINPUT);
	ck_assert_ptr_nonnull(strstr(err, "must be positive"));
	a = ok, a.kv_heads = 5;
	ck_assert_int_eq(attn_check(&a, err), RL_EINPUT);
	ck_assert_ptr_nonnull(strstr(err, "kv_heads = 5 must divide heads = 32"));
	a = ok, a.q = 4097;
	ck_assert_int_eq(attn_check(&a, err), RL_EINPUT);
	a = ok, a.head_dim = 320;
	ck_assert_int_eq(attn_check(&a, err), RL_EINPUT);
	ck_assert_ptr_nonnull(strstr(err, "head_dim = 320"));
	a = ok, a.dtype = RL_FP8;
	ck_assert_int_eq(attn_kernel_choose(a100, &a, &k, err), RL_EINPUT);
	ck_assert_ptr_nonnull(strstr(err, "no tensor rate for dtype fp8"));
	ck_assert(l4->sm.fp32_per_clk == 0 || l4->sm.sfu_per_clk == 0);
	ck_assert_int_eq(attn_kernel_choose(l4, &ok, &k, err), RL_EINPUT);
	ck_assert_ptr_nonnull(strstr(err, "sm.fp32_per_clk"));
	hw_spec_free(a100);
	hw_spec_free(l4);
}
END_TEST

/* ---- warm L2 --------------------------------------------------------------- */

/* 1024^3 in bf16: A and B are 2 MiB each, 4 MiB together, well inside the
 * A100's L2. Cold, every byte of A and B comes from DRAM at least once;
 * with all of them resident (l2_warm) none needs to; with half of the
 * blocks resident (l2_warm_fraction 0.5) about half, and the time lies
 * between the two. */
START_TEST(test_warm_l2_start_reads_only_what_is_not_resident)
{
	struct hw_spec *hw = load("a100-80gb-sxm");
	struct gemm g = {.m = 1024, .n = 1024, .k = 1024, .dtype = RL_BF16};
	struct gpu_opts cold = {0}, warm = {.l2_warm = 1},
			half = {.l2_warm_fraction = 0.5};
	struct gpu_result rc, rw, rh;
	double ab = 2.0 * (1024.0 * 1024 + 1024.0 * 1024); /* bytes of A, B */

	ck_assert_msg(hw_spec_l2_shared_bytes(hw) > 2 * ab,
		      "the operands must fit in the L2 for this test");
	ck_assert_int_eq(gpu_simulate_gemm(hw, &g, &cold, &rc, err), RL_OK);
	ck_assert_int_eq(gpu_simulate_gemm(hw, &g, &warm, &rw, err), RL_OK);
	ck_assert_int_eq(gpu_simulate_gemm(hw, &g, &half, &rh, err), RL_OK);
	ck_assert_msg(rc.bytes_hbm_read >= ab, "cold read %.0f < A+B %.0f",
		      rc.bytes_hbm_read, ab);
	ck_assert_msg(rw.bytes_hbm_read <= 0.01 * ab, "warm read %.0f of %.0f",
		      rw.bytes_hbm_read, ab);
	ck_assert_msg(rh.bytes_hbm_read >= 0.3 * ab &&
		      rh.bytes_hbm_read <= 0.7 * ab,
		      "half warm read %.0f of %.0f", rh.bytes_hbm_read, ab);
	ck_assert(rw.time_us <= rh.time_us && rh.time_us <= rc.time_us);
	/* the same FLOPs whatever the cache holds */
	ck_assert(rc.flops == 2.0 * 1024 * 1024 * 1024 &&
		  rw.flops == rc.flops && rh.flops == rc.flops);
	hw_spec_free(hw);
}
END_TEST

/* ---- the power-limited clock --------------------------------------------- */

/* A timed protocol (calls_timed > 0) runs at the mean of a clock that
 * starts at clock.burst_mhz and relaxes to clock.sustained_mhz (the spec
 * file's values): strictly between them, and lower after more warm-up
 * calls; without a protocol, the sustained clock. */
START_TEST(test_timed_calls_run_between_the_sustained_and_burst_clocks)
{
	struct hw_spec *hw = load("h100-sxm");
	struct gemm g = {.m = 4096, .n = 4096, .k = 4096, .dtype = RL_BF16};
	struct gpu_opts fresh = {.calls_before = 0, .calls_timed = 6},
			tired = {.calls_before = 3000, .calls_timed = 6};
	struct gpu_result rs, rf, rt;
	double s = hw->clock.sustained_mhz, b = hw->clock.burst_mhz;

	ck_assert(b > s);
	ck_assert_int_eq(gpu_simulate_gemm(hw, &g, NULL, &rs, err), RL_OK);
	ck_assert_int_eq(gpu_simulate_gemm(hw, &g, &fresh, &rf, err), RL_OK);
	ck_assert_int_eq(gpu_simulate_gemm(hw, &g, &tired, &rt, err), RL_OK);
	ck_assert_double_eq_tol(rs.clock_mhz, s, 1e-9);
	ck_assert_msg(rf.clock_mhz > s && rf.clock_mhz < b, "%g not in (%g, %g)",
		      rf.clock_mhz, s, b);
	ck_assert_msg(rt.clock_mhz >= s && rt.clock_mhz < rf.clock_mhz,
		      "after 3000 calls %g, fresh %g", rt.clock_mhz,
		      rf.clock_mhz);
	ck_assert(rf.time_us < rs.time_us); /* a faster clock, a shorter call */
	hw_spec_free(hw);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("edges");
	TCase *t = tcase_create("edges");
	SRunner *sr;
	int failed;

	tcase_set_timeout(t, 60);
	tcase_add_test(t, test_engine_with_a_huge_page_heap_runs_events_in_time_then_fifo);
	tcase_add_test(t, test_engine_delay_past_the_end_of_time_lands_at_the_end);
	tcase_add_test(t, test_engine_pool_and_stats_edges_are_defined);
	tcase_add_test(t, test_server_utilization_counts_only_the_window);
	tcase_add_test(t, test_l2_refuses_more_blocks_than_its_links_index);
	tcase_add_test(t, test_gemm_with_a_zero_size_is_bad_input);
	tcase_add_test(t, test_gemm_in_a_dtype_without_tensor_rate_is_bad_input);
	tcase_add_test(t, test_gemm_with_more_ctas_than_a_simulation_takes_is_bad_input);
	tcase_add_test(t, test_roofline_without_tensor_rate_has_no_finite_time);
	tcase_add_test(t, test_attention_shapes_and_specs_it_cannot_take_are_bad_input);
	tcase_add_test(t, test_warm_l2_start_reads_only_what_is_not_resident);
	tcase_add_test(t, test_timed_calls_run_between_the_sustained_and_burst_clocks);
	suite_add_tcase(s, t);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
