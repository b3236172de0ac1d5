/*
 * check_mem.c — the memory hierarchy as a chain (sim/gpu/mem.c): the
 * levels in order, and the generic flush, preload and DRAM statistics
 * reaching them through a pass-through level. The levels' own rules are
 * specified in check_l2.c and check_hbm.c. The spec has round numbers:
 * DRAM 1,000 GB/s at efficiency 1 over 10 channels (100 GB/s each) with
 * 100 ns of latency; an L2 of 64 KiB (one partition), so four 16 KiB
 * blocks fit.
 */
#include <check.h>
#include <stdlib.h>

#include "hw/common.h"
#include "hw/spec.h"
#include "sim/gpu/mem.h"

static char err[RL_ERR_LEN];

static struct hw_spec *round_spec(void)
{
	struct hw_spec *hw = NULL;

	ck_assert_msg(hw_spec_load("a100-80gb-sxm", &hw, err) == RL_OK, "%s", err);
	ck_assert_int_eq(hw_spec_set(hw, "hbm.bandwidth_gbps", 1000, err), RL_OK);
	ck_assert_int_eq(hw_spec_set(hw, "hbm.efficiency", 1, err), RL_OK);
	ck_assert_int_eq(hw_spec_set(hw, "hbm.channels", 10, err), RL_OK);
	ck_assert_int_eq(hw_spec_set(hw, "hbm.latency_ns", 100, err), RL_OK);
	ck_assert_int_eq(hw_spec_set(hw, "l2.size_mb", 0.0625, err), RL_OK);
	ck_assert_int_eq(hw_spec_set(hw, "l2.partitions", 1, err), RL_OK);
	return hw;
}

/* A level that counts what passes through it (the shape of attrib.c's
 * DRAM probe), for the chain test. */
struct tap {
	struct gpu_mem base;
	int reads, writes;
};

static sim_time_t tap_read(struct gpu_mem *m, sim_time_t t, uint64_t block,
			   uint64_t addr, double bytes, unsigned share)
{
	((struct tap *)m)->reads++;
	return m->next->ops->read(m->next, t, block, addr, bytes, share);
}

static sim_time_t tap_write(struct gpu_mem *m, sim_time_t t, uint64_t block,
			    uint64_t addr, double bytes)
{
	((struct tap *)m)->writes++;
	return m->next->ops->write(m->next, t, block, addr, bytes);
}

static void tap_stats(const struct gpu_mem *m, struct gpu_mem_stats *o)
{
	m->next->ops->stats(m->next, o);
}

static void tap_free(struct gpu_mem *m)
{
	(void)m; /* on the stack */
}

static const struct gpu_mem_ops tap_ops = {
	.name = "tap", .read = tap_read, .write = tap_write,
	.stats = tap_stats, .free = tap_free,
};

/* The chain mem.c builds: the L2 in front, the tap in front of DRAM, DRAM
 * at the back; the generic flush and preload reach the L2 through it. On
 * the spec above: a preloaded block hits (no DRAM read), a written block
 * is flushed through the tap to DRAM (16,384 B written), a miss passes
 * the tap once. */
START_TEST(test_chain_is_l2_then_tap_then_hbm)
{
	struct hw_spec *hw = round_spec();
	struct tap tap = {{&tap_ops, NULL}, 0, 0};
	struct gpu_mem *m = gpu_mem_chain_new(hw, 16, 0, &tap.base);
	struct gpu_mem_stats st;
	const double B = 16384;

	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->ops->name, "l2");
	ck_assert_ptr_eq(m->next, &tap.base);
	ck_assert_str_eq(gpu_mem_back(m)->ops->name, "hbm");
	ck_assert_ptr_null(gpu_mem_back(m)->next);
	ck_assert_uint_eq(gpu_mem_flush(m, 500), 500); /* nothing dirty */
	gpu_mem_preload(m, 3, B);
	m->ops->read(m, 0, 3, 3 * 16384, B, 1);
	ck_assert_int_eq(tap.reads, 0);
	m->ops->read(m, 0, 4, 4 * 16384, B, 1);
	ck_assert_int_eq(tap.reads, 1);
	m->ops->write(m, 1000, 5, 5 * 16384, B);
	ck_assert_int_eq(tap.writes, 0); /* write-back: stays in L2 */
	ck_assert_uint_ge(gpu_mem_flush(m, 2000), 2000 + 100000);
	ck_assert_int_eq(tap.writes, 1);
	gpu_mem_back(m)->ops->stats(gpu_mem_back(m), &st);
	ck_assert_double_eq(st.write_bytes, B);
	ck_assert_double_eq(st.read_bytes, B);
	gpu_mem_free(m);
	hw_spec_free(hw);
}
END_TEST

/* A chain that cannot be built is NULL with nothing left allocated (the
 * sanitizer build sees a leak otherwise): the L2 refuses UINT32_MAX block
 * ids (its links are 32-bit with UINT32_MAX as the end mark) after the
 * DRAM level was built, with and without a tap, which is left unowned. */
START_TEST(test_a_chain_that_cannot_be_built_is_null)
{
	struct hw_spec *hw = round_spec();
	struct tap tap = {{&tap_ops, NULL}, 0, 0};

	ck_assert_ptr_null(gpu_mem_chain_new(hw, UINT32_MAX, 0, NULL));
	ck_assert_ptr_null(gpu_mem_chain_new(hw, UINT32_MAX, 0, &tap.base));
	ck_assert_int_eq(tap.reads + tap.writes, 0);
	hw_spec_free(hw);
}
END_TEST

static Suite *mem_suite(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("chain");

	tcase_add_test(tc, test_chain_is_l2_then_tap_then_hbm);
	tcase_add_test(tc, test_a_chain_that_cannot_be_built_is_null);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mem_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
