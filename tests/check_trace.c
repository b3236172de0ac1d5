/*
 * check_trace.c — the tile trace (models/trace.c) on hand-worked cases:
 * launch order under the swizzle, ragged edges, block ids and addresses,
 * split-K slabs. The kernel configurations come from kernel_config_make()
 * on the A100 SXM spec; every expected number is derived in the comment
 * above it.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hw/common.h"
#include "hw/spec.h"
#include "models/gemm.h"
#include "models/kernel.h"
#include "models/trace.h"

static char err[RL_ERR_LEN];

static void make(const struct gemm *g, int bm, int bn, int bk, int split,
		 struct kernel_config *kc, struct trace *tr)
{
	struct hw_spec *hw = NULL;

	ck_assert_msg(hw_spec_load("a100-80gb-sxm", &hw, err) == RL_OK, "%s", err);
	ck_assert_int_eq(kernel_config_make(hw, g, bm, bn, bk, split, kc), RL_OK);
	trace_init(tr, g, kc, 1);
	hw_spec_free(hw);
}

/* 2048x512x256 with 128x128x32 tiles: 16 m-tiles, 4 n-tiles, swizzle 8.
 * CUTLASS-style rasterization: groups of 8 m-tiles, inside a group column
 * by column, m fastest — CTA 0 is (0,0), 7 is (7,0), 8 is (0,1), 31 is
 * (7,3), 32 starts the second group at (8,0). */
START_TEST(test_swizzle_walks_groups_of_eight_m_tiles_column_by_column)
{
	struct gemm g = { 2048, 512, 256, RL_BF16 };
	struct kernel_config kc;
	struct trace tr;
	struct trace_cta c;
	static const struct { uint64_t idx, tm, tn; } want[] = {
		{ 0, 0, 0 }, { 7, 7, 0 }, { 8, 0, 1 }, { 31, 7, 3 },
		{ 32, 8, 0 }, { 63, 15, 3 },
	};

	make(&g, 128, 128, 32, 1, &kc, &tr);
	ck_assert_uint_eq(kc.tiles_m, 16);
	ck_assert_uint_eq(kc.tiles_n, 4);
	ck_assert_int_eq(kc.swizzle, 8);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		trace_cta_at(&tr, want[i].idx, &c);
		ck_assert_uint_eq(c.tm, want[i].tm);
		ck_assert_uint_eq(c.tn, want[i].tn);
		ck_assert_uint_eq(c.s0, 0);
		ck_assert_uint_eq(c.s1, 8); /* 256 / 32 */
	}
}
END_TEST

/* Ragged edges: m = 1000, n = 300 with 128x128 tiles: 8 m-tiles (the last
 * has 1000 - 7·128 = 104 rows), 3 n-tiles (the last has 300 - 2·128 = 44
 * columns); a step of the corner CTA loads 104·32·2 = 6,656 B of A and
 * 44·32·2 = 2,816 B of B, and does 2·104·44·32 useful FLOPs while the
 * tensor cores run the whole 2·128·128·32. */
START_TEST(test_ragged_tiles_load_and_count_only_valid_elements)
{
	struct gemm g = { 1000, 300, 64, RL_BF16 };
	struct kernel_config kc;
	struct trace tr;
	struct trace_cta c;
	struct trace_step st;
	int found = 0;

	make(&g, 128, 128, 32, 1, &kc, &tr);
	for (uint64_t i = 0; i < kc.ctas; i++) {
		trace_cta_at(&tr, i, &c);
		if (c.tm != 7 || c.tn != 2)
			continue;
		found = 1;
		ck_assert_uint_eq(c.rows, 104);
		ck_assert_uint_eq(c.cols, 44);
		trace_step_at(&tr, &c, 1, &st);
		ck_assert_double_eq(st.a.bytes, 6656);
		ck_assert_double_eq(st.b.bytes, 2816);
		ck_assert_double_eq(st.flops, 2.0 * 104 * 44 * 32);
		ck_assert_double_eq(st.mma_flops, 2.0 * 128 * 128 * 32);
	}
	ck_assert(found);
}
END_TEST

/* Block ids and addresses: A is m x k, blocked by (m-tile, k-step), each
 * block 128·32·2 = 8,192 B apart; B starts after A (m·k·2 = 2048·256·2 =
 * 1,048,576) and is blocked by (n-tile, k-step). CTA (3,2) at step 5:
 * A block 3·8 + 5 = 29 at 29·8192 = 237,568; B block a_blocks (16·8 =
 * 128) + 2·8 + 5 = 149 at 1,048,576 + 21·8192 = 1,220,608. Every
 * operand block id is below nblocks, every id below nids. */
START_TEST(test_blocks_are_numbered_and_laid_out_by_tile_and_step)
{
	struct gemm g = { 2048, 512, 256, RL_BF16 };
	struct kernel_config kc;
	struct trace tr;
	struct trace_cta c;
	struct trace_step st;

	make(&g, 128, 128, 32, 1, &kc, &tr);
	memset(&c, 0, sizeof c);
	c.tm = 3;
	c.tn = 2;
	c.rows = c.cols = 128;
	c.split = 1;
	c.s0 = 0;
	c.s1 = 8;
	trace_step_at(&tr, &c, 5, &st);
	ck_assert_uint_eq(st.a.block, 29);
	ck_assert_uint_eq(st.a.addr, 237568);
	ck_assert_uint_eq(tr.a_blocks, 128);
	ck_assert_uint_eq(st.b.block, 149);
	ck_assert_uint_eq(st.b.addr, 1220608);
	ck_assert_uint_lt(st.b.block, tr.nblocks);
	ck_assert_uint_lt(trace_c_store(&tr, &c).block, tr.nids);
}
END_TEST

/* Split-K: k = 1024 with BK 32 is 32 slices; split 4 gives slabs of 8,
 * the 4 slabs of a tile launched next to each other (CTAs 0-3 are tile
 * 0's slabs 0-3, covering steps [0,8), [8,16), [16,24), [24,32)); each
 * slab's fp32 partial of a full 128x128 tile is 65,536 B with its own
 * block id. */
START_TEST(test_split_k_slabs_are_adjacent_and_cover_k_once)
{
	struct gemm g = { 128, 1024, 1024, RL_BF16 };
	struct kernel_config kc;
	struct trace tr;
	struct trace_cta c;
	uint64_t ids[4];

	make(&g, 128, 128, 32, 4, &kc, &tr);
	ck_assert_uint_eq(kc.ctas, 1 * 8 * 4);
	for (uint64_t i = 0; i < 4; i++) {
		trace_cta_at(&tr, i, &c);
		ck_assert_uint_eq(c.tm, 0);
		ck_assert_uint_eq(c.tn, 0);
		ck_assert_uint_eq(c.slab, i);
		ck_assert_uint_eq(c.split, 4);
		ck_assert_uint_eq(c.s0, 8 * i);
		ck_assert_uint_eq(c.s1, 8 * i + 8);
		ck_assert_double_eq(trace_partial(&tr, &c).bytes, 65536);
		ids[i] = trace_partial(&tr, &c).block;
		for (uint64_t j = 0; j < i; j++)
			ck_assert_uint_ne(ids[i], ids[j]);
	}
}
END_TEST

static Suite *trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("trace");

	tcase_add_test(tc, test_swizzle_walks_groups_of_eight_m_tiles_column_by_column);
	tcase_add_test(tc, test_ragged_tiles_load_and_count_only_valid_elements);
	tcase_add_test(tc, test_blocks_are_numbered_and_laid_out_by_tile_and_step);
	tcase_add_test(tc, test_split_k_slabs_are_adjacent_and_cover_k_once);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(trace_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
