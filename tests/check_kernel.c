/*
 * check_kernel.c — the kernel configuration rules and the chooser
 * (models/kernel.c), on hand-worked cases: threads, registers, stages and
 * CTAs per SM from the spec's per-SM limits, the cycles of one k-step,
 * split-K eligibility, and what the chooser may pick. Every expected
 * number is worked out in the comment above it from the spec's datasheet
 * fields (A100: 164 KiB of shared memory = 167,936 B, 64K registers, 64
 * warps, 2048 FLOP/clk and 128 B/clk of shared memory per SM; H100: 227
 * KiB = 232,448 B, 4096 FLOP/clk).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "hw/common.h"
#include "hw/spec.h"
#include "models/gemm.h"
#include "models/kernel.h"

static char err[RL_ERR_LEN];

static struct hw_spec *load_hw(const char *name)
{
	struct hw_spec *hw = NULL;

	ck_assert_msg(hw_spec_load(name, &hw, err) == RL_OK, "%s", err);
	return hw;
}

/* 128x256x32 bf16 on the A100: 256 threads (8 warps, 2 x 4), registers
 * 128·256/256 + 72 = 200; a stage is (128 + 256)·32·2 = 24,576 B, 4 stages
 * (BK 32) = 98,304 B: one CTA by shared memory (167,936 / 98,304) and one
 * by registers (65,536 / (256·200) = 1.28). The MMA of a step is
 * 2·128·256·32 / 2048 = 1024 cycles; ldmatrix reads 8 warps x (64 + 64)
 * rows x 32 x 2 B = 65,536 B at 128 B/clk = 512 cycles: tensor-bound. */
START_TEST(test_large_tile_resources_on_the_a100)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	struct gemm g = { 4096, 4096, 4096, RL_BF16 };
	struct kernel_config c;

	ck_assert_int_eq(kernel_config_make(hw, &g, 128, 256, 32, 1, &c), RL_OK);
	ck_assert_int_eq(c.threads, 256);
	ck_assert_int_eq(c.warps_m, 2);
	ck_assert_int_eq(c.warps_n, 4);
	ck_assert_int_eq(c.regs, 200);
	ck_assert_int_eq(c.stages, 4);
	ck_assert_int_eq(c.smem_bytes, 98304);
	ck_assert_int_eq(c.ctas_per_sm, 1);
	ck_assert_double_eq(c.step_cycles, 1024);
	/* 32 x 16 tiles, 128 BK-slices each */
	ck_assert_uint_eq(c.tiles_m, 32);
	ck_assert_uint_eq(c.tiles_n, 16);
	ck_assert_uint_eq(c.ctas, 512);
	ck_assert_uint_eq(c.ksteps, 128);
	hw_spec_free(hw);
}
END_TEST

/* 64x64x32 bf16 on the A100: 128 threads (2 x 2 warps of 32x32),
 * registers 64·64/128 + 72 = 104; 4 stages of 128·32·2 = 8,192 B =
 * 32,768 B. CTAs per SM: shared memory 167,936 / 32,768 = 5, registers
 * 65,536 / (128·104) = 4.9 -> 4, warps 64 / 4 = 16: 4. A step: MMA
 * 2·64·64·32 / 2048 = 128 cycles, ldmatrix 4·(32 + 32)·32·2 = 16,384 B /
 * 128 = 128 cycles: a small tile is as shared-memory-bound as it is
 * tensor-bound. */
START_TEST(test_small_tile_is_register_limited_on_the_a100)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	struct gemm g = { 64, 4096, 4096, RL_BF16 };
	struct kernel_config c;

	ck_assert_int_eq(kernel_config_make(hw, &g, 64, 64, 32, 1, &c), RL_OK);
	ck_assert_int_eq(c.threads, 128);
	ck_assert_int_eq(c.regs, 104);
	ck_assert_int_eq(c.smem_bytes, 32768);
	ck_assert_int_eq(c.ctas_per_sm, 4);
	ck_assert_double_eq(c.step_cycles, 128);
	hw_spec_free(hw);
}
END_TEST

/* 128x256x64 bf16 on the H100 (TMA pipelines take up to 8 stages): a
 * stage is 384·64·2 = 49,152 B; 8 would be 393,216 B, 5 are 245,760 B,
 * 4 are 196,608 B <= 232,448: 4 stages, one CTA. With warpgroup MMA the
 * two warpgroups read their 64 rows of A and all of B once: (128 +
 * 2·256)·64·2 = 81,920 B / 128 = 640 cycles, under the MMA's
 * 2·128·256·64 / 4096 = 1024. */
START_TEST(test_tma_pipeline_takes_the_stages_shared_memory_holds)
{
	struct hw_spec *hw = load_hw("h100-sxm");
	struct gemm g = { 4096, 4096, 4096, RL_BF16 };
	struct kernel_config c;

	ck_assert_int_eq(kernel_config_make(hw, &g, 128, 256, 64, 1, &c), RL_OK);
	ck_assert_int_eq(c.stages, 4);
	ck_assert_int_eq(c.smem_bytes, 196608);
	ck_assert_int_eq(c.ctas_per_sm, 1);
	ck_assert_double_eq(c.step_cycles, 1024);
	/* a 64x64x64 tile fits all 8 stages: 8·128·64·2 = 131,072 B */
	ck_assert_int_eq(kernel_config_make(hw, &g, 64, 64, 64, 1, &c), RL_OK);
	ck_assert_int_eq(c.stages, 8);
	hw_spec_free(hw);
}
END_TEST

/* Split-K slabs are whole BK-slices, at least two each, none empty:
 * k = 64 is 2 slices of 32 (split 2 would leave 1 each: refused); k = 128
 * is 4 slices: split 2 gives 2 each (CTAs double), split 3 gives
 * ceil(4/3) = 2, 2, 0 (an empty slab: refused). */
START_TEST(test_split_k_needs_two_slices_per_slab_and_no_empty_slab)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	struct gemm g64 = { 64, 1024, 64, RL_BF16 };
	struct gemm g128 = { 64, 1024, 128, RL_BF16 };
	struct kernel_config c;

	ck_assert_int_eq(kernel_config_make(hw, &g64, 64, 64, 32, 2, &c),
			 RL_EINPUT);
	ck_assert_int_eq(kernel_config_make(hw, &g128, 64, 64, 32, 2, &c),
			 RL_OK);
	ck_assert_uint_eq(c.ksteps, 2);
	ck_assert_uint_eq(c.ctas, 1 * 16 * 2);
	ck_assert_int_eq(kernel_config_make(hw, &g128, 64, 64, 32, 3, &c),
			 RL_EINPUT);
	hw_spec_free(hw);
}
END_TEST

/* The chooser: 64-row tiles only for m <= 64; stream-K only on the SM90
 * family (warpgroup MMA); and no estimate below what the DRAM must carry:
 * m = 1, n = k = 16384 bf16 reads 2·(16384 + 16384² + 16384) B at the
 * effective bandwidth, after the launch. */
START_TEST(test_chooser_rules_and_memory_floor)
{
	struct hw_spec *a100 = load_hw("a100-80gb-sxm");
	struct hw_spec *h100 = load_hw("h100-sxm");
	struct gemm gemv = { 1, 16384, 16384, RL_BF16 };
	struct gemm m65 = { 65, 4096, 4096, RL_BF16 };
	struct gemm ragged = { 513, 4096, 2048, RL_BF16 };
	struct kernel_config c;
	double floor_us;

	ck_assert_int_eq(kernel_choose(a100, &gemv, &c), RL_OK);
	floor_us = 2.0 * (16384 + 16384.0 * 16384 + 16384) /
			   hw_spec_effective_bandwidth(a100) * 1e6 +
		   a100->launch.overhead_us;
	ck_assert_msg(c.est_us >= floor_us, "estimate %.2f us below %.2f us",
		      c.est_us, floor_us);
	ck_assert_int_eq(kernel_choose(a100, &m65, &c), RL_OK);
	ck_assert_int_ge(c.bm, 128);
	ck_assert_int_eq(kernel_choose(a100, &ragged, &c), RL_OK);
	ck_assert_int_eq(c.tail_split, 1);
	/* on the H100 a stream-K candidate exists for this ragged grid */
	ck_assert_int_eq(kernel_config_make(h100, &ragged, 128, 128, 64, 1, &c),
			 RL_OK);
	ck_assert_int_eq(kernel_config_stream_k(h100, &ragged, &c, 4), RL_OK);
	/* and never for one without a full wave: 1 x 16 tiles */
	ck_assert_int_eq(kernel_config_make(h100, &gemv, 64, 1024 / 4, 64, 1,
					    &c), RL_OK);
	ck_assert_int_eq(kernel_config_stream_k(h100, &gemv, &c, 4), RL_EINPUT);
	hw_spec_free(a100);
	hw_spec_free(h100);
}
END_TEST

/* Stream-K pieces play in rounds over the slots, and a split that does
 * not shorten the ragged wave is refused. 1537x4096x16384 in 128x256x32
 * tiles on the H100 (one CTA per SM): 13 x 16 = 208 tiles, 76 past the
 * first wave of 132, 512 k-steps per tile. Two pieces each: 152 pieces,
 * two rounds of 256 steps = the 512 of the data-parallel wave, refused;
 * twelve: 912 pieces in ceil(912 / 132) = 7 rounds of ceil(512 / 12) = 43
 * steps = 301 (an even spread would be 76 x 512 / 132 = 295); 132 + 912
 * CTAs. Pieces shorter than two slices or with an empty last piece are
 * refused too: 512 / 300 leaves pieces of 2 steps, 256 of them cover all
 * 512 — the 257th to 300th would be empty. */
START_TEST(test_stream_k_rounds_and_refusals)
{
	struct hw_spec *h100 = load_hw("h100-sxm");
	struct gemm g = { 1537, 4096, 16384, RL_BF16 };
	struct kernel_config c, w;

	ck_assert_int_eq(kernel_config_make(h100, &g, 128, 256, 32, 1, &w),
			 RL_OK);
	ck_assert_int_eq(w.ctas_per_sm, 1);
	ck_assert_uint_eq(w.ksteps, 512);
	c = w;
	ck_assert_int_eq(kernel_config_stream_k(h100, &g, &c, 2), RL_EINPUT);
	c = w;
	ck_assert_int_eq(kernel_config_stream_k(h100, &g, &c, 12), RL_OK);
	ck_assert_uint_eq(c.tail_tiles, 76);
	ck_assert_int_eq(c.tail_split, 12);
	ck_assert_uint_eq(c.ctas, 132 + 912);
	c = w;
	ck_assert_int_eq(kernel_config_stream_k(h100, &g, &c, 300), RL_EINPUT);
	c = w;
	ck_assert_int_eq(kernel_config_stream_k(h100, &g, &c, 1), RL_EINPUT);
	hw_spec_free(h100);
}
END_TEST

/* Zero padding and the power-limited clock. 1025x4096x4096 in 128x256x64
 * tiles is 9 x 16 tiles of 1152 x 4096 x 4096 executed MMA work, of which
 * 1025 / 1152 is useful: on the H100 (power-limited, burst clock set) the
 * sustained and burst clocks are divided by that share, the burst capped
 * at the boost clock; 1024 rows (no padding) keep the spec's clocks, and
 * the A100 (no power window) keeps them whatever the padding. */
START_TEST(test_padding_raises_a_power_limited_clock)
{
	struct hw_spec *h100 = load_hw("h100-sxm");
	struct hw_spec *a100 = load_hw("a100-80gb-sxm");
	struct gemm ragged = { 1025, 4096, 4096, RL_BF16 };
	struct gemm even = { 1024, 4096, 4096, RL_BF16 };
	struct kernel_config c;
	double fs, fb, u = 1025.0 / 1152.0;
	double want_s = h100->clock.sustained_mhz / u;
	double want_b = h100->clock.burst_mhz / u;

	ck_assert(h100->clock.burst_mhz > 0);
	if (want_s > h100->clock.boost_mhz)
		want_s = h100->clock.boost_mhz;
	if (want_b > h100->clock.boost_mhz)
		want_b = h100->clock.boost_mhz;
	ck_assert_int_eq(kernel_config_make(h100, &ragged, 128, 256, 64, 1, &c),
			 RL_OK);
	kernel_clocks(h100, &ragged, &c, &fs, &fb);
	ck_assert_double_eq_tol(fs, want_s, 1e-9);
	ck_assert_double_eq_tol(fb, want_b, 1e-9);
	ck_assert(fs > h100->clock.sustained_mhz);
	ck_assert_int_eq(kernel_config_make(h100, &even, 128, 256, 64, 1, &c),
			 RL_OK);
	kernel_clocks(h100, &even, &c, &fs, &fb);
	ck_assert(fs == h100->clock.sustained_mhz);
	ck_assert(fb == h100->clock.burst_mhz);
	ck_assert_double_eq(a100->clock.burst_mhz, 0);
	ck_assert_int_eq(kernel_config_make(a100, &ragged, 128, 256, 32, 1, &c),
			 RL_OK);
	kernel_clocks(a100, &ragged, &c, &fs, &fb);
	ck_assert(fs == a100->clock.sustained_mhz);
	hw_spec_free(a100);
	hw_spec_free(h100);
}
END_TEST

/* The machine a simulation reads, from the spec's fields by the
 * datasheet arithmetic: the A100 SXM's 2,039 GB/s at its efficiency, an
 * L2 of l2.bytes_per_clk at the sustained clock, the 40 MiB L2 in two
 * partitions, the hit latency in cycles of that clock. */
START_TEST(test_machine_from_the_spec)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	struct hw_machine m;
	double clk = hw->clock.sustained_mhz * 1e6;

	hw_machine_of(hw, &m);
	ck_assert_double_eq_tol(m.clk, clk, 1e-3);
	ck_assert_double_eq(m.sms, 108);
	ck_assert_double_eq_tol(m.dram_bw, 2039e9 * hw->hbm.efficiency, 1);
	ck_assert_double_eq_tol(m.dram_lat, hw->hbm.latency_ns * 1e-9, 1e-18);
	ck_assert_double_eq_tol(m.l2_bw, hw->l2.bytes_per_clk * clk, 1);
	ck_assert_double_eq_tol(m.l2_lat, hw->l2.hit_latency_cycles / clk, 1e-18);
	ck_assert_double_eq_tol(m.l2_bytes, 20.0 * 1024 * 1024, 1e-6);
	ck_assert_double_eq_tol(m.port_bw, hw->sm.l2_bytes_per_clk * clk, 1);
	ck_assert_double_eq_tol(m.launch, hw->launch.overhead_us * 1e-6, 1e-18);
	hw_spec_free(hw);
}
END_TEST

static Suite *kernel_suite(void)
{
	Suite *s = suite_create("kernel");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, test_large_tile_resources_on_the_a100);
	tcase_add_test(tc, test_small_tile_is_register_limited_on_the_a100);
	tcase_add_test(tc, test_tma_pipeline_takes_the_stages_shared_memory_holds);
	tcase_add_test(tc, test_split_k_needs_two_slices_per_slab_and_no_empty_slab);
	tcase_add_test(tc, test_stream_k_rounds_and_refusals);
	tcase_add_test(tc, test_padding_raises_a_power_limited_clock);
	tcase_add_test(tc, test_machine_from_the_spec);
	tcase_add_test(tc, test_chooser_rules_and_memory_floor);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(kernel_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
