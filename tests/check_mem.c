/*
 * check_mem.c — the memory levels (sim/gpu/hbm.c, sim/gpu/l2.c) on their
 * own and chained (sim/gpu/mem.c), on a spec with round numbers: DRAM 1,000 GB/s at efficiency 1 over
 * 10 channels (100 GB/s each) with 100 ns of latency; an L2 of 64 KiB
 * (one partition), so four 16 KiB blocks fit. Expected times are worked
 * out in the comments in picoseconds.
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

/* One 4 KiB chunk to one 100 GB/s channel: 4096 B / 100 B/ns = 40,960 ps
 * of service plus 100,000 ps of latency = 140,960 ps; the same chunk again
 * at t = 0 queues behind it on the same channel: 81,920 + 100,000. */
START_TEST(test_hbm_channel_serves_at_its_share_after_the_latency)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *h = gpu_hbm_new(hw, GPU_CHUNK_SHIFT);
	struct gpu_mem_stats st;

	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(h->ops->read(h, 0, 0, 0, 4096, 1), 140960);
	ck_assert_uint_eq(h->ops->read(h, 0, 0, 0, 4096, 1), 181920);
	h->ops->stats(h, &st);
	ck_assert_double_eq(st.read_bytes, 8192);
	ck_assert_double_eq(st.servers, 10);
	ck_assert_double_eq(st.busy_ps, 81920);
	gpu_mem_free(h);
	hw_spec_free(hw);
}
END_TEST

/* LRU at block granularity: blocks 0-3 (16 KiB each) fill the 64 KiB;
 * touching 0 makes 1 the least recently used, so reading 4 evicts 1:
 * afterwards 0 hits, 1 misses. Hits are counted in bytes. */
START_TEST(test_l2_evicts_the_least_recently_used_block)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *h = gpu_hbm_new(hw, GPU_CHUNK_SHIFT);
	struct gpu_mem *l2 = gpu_l2_new(hw, 16, GPU_CHUNK_SHIFT, h);
	struct gpu_mem_stats st;
	const double B = 16384;

	ck_assert_ptr_nonnull(l2);
	for (uint64_t b = 0; b < 4; b++)
		l2->ops->read(l2, 0, b, b * 16384, B, 1);
	l2->ops->read(l2, 1, 0, 0, B, 1);       /* hit */
	l2->ops->read(l2, 2, 4, 4 * 16384, B, 1); /* miss, evicts 1 */
	l2->ops->read(l2, 3, 0, 0, B, 1);       /* hit */
	l2->ops->read(l2, 4, 1, 16384, B, 1);   /* miss */
	l2->ops->stats(l2, &st);
	ck_assert_double_eq(st.hit_bytes, 2 * B);
	ck_assert_double_eq(st.read_bytes, 8 * B);
	h->ops->stats(h, &st);
	ck_assert_double_eq(st.read_bytes, 6 * B);
	gpu_mem_free(l2); /* and the DRAM level behind it */
	hw_spec_free(hw);
}
END_TEST

/* Write-back: a written block is dirty and costs the DRAM its bytes only
 * when evicted (four other blocks push it out) or flushed; a read of a
 * block whose fill is in flight waits for the fill (merged miss) and is
 * counted as a hit; a preloaded block hits without a DRAM read. */
START_TEST(test_l2_writes_back_dirty_blocks_and_merges_in_flight_fills)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *h = gpu_hbm_new(hw, GPU_CHUNK_SHIFT);
	struct gpu_mem *l2 = gpu_l2_new(hw, 16, GPU_CHUNK_SHIFT, h);
	struct gpu_mem_stats st;
	const double B = 16384;
	sim_time_t fill, again, done;

	l2->ops->write(l2, 0, 5, 5 * 16384, B);
	h->ops->stats(h, &st);
	ck_assert_double_eq(st.write_bytes, 0);
	for (uint64_t b = 6; b < 10; b++)
		l2->ops->read(l2, 0, b, b * 16384, B, 1);
	h->ops->stats(h, &st);
	ck_assert_double_eq(st.write_bytes, B);
	/* block 10: its fill from DRAM takes at least the 100 ns latency */
	fill = l2->ops->read(l2, 1000, 10, 10 * 16384, B, 1);
	ck_assert_uint_ge(fill, 1000 + 100000);
	again = l2->ops->read(l2, 2000, 10, 10 * 16384, B, 1);
	ck_assert_uint_ge(again, fill);
	l2->ops->stats(l2, &st);
	ck_assert_double_eq(st.hit_bytes, B);
	/* preload: resident and ready at 0, no DRAM read */
	gpu_mem_preload(l2, 11, B);
	h->ops->stats(h, &st);
	l2->ops->read(l2, 5000, 11, 11 * 16384, B, 1);
	{
		struct gpu_mem_stats st2;

		h->ops->stats(h, &st2);
		ck_assert_double_eq(st2.read_bytes, st.read_bytes);
		l2->ops->stats(l2, &st2);
		ck_assert_double_eq(st2.hit_bytes, 2 * B);
	}
	/* flush: the one dirty block left (12, written now) goes to DRAM */
	l2->ops->write(l2, 6000, 12, 12 * 16384, B);
	h->ops->stats(h, &st);
	done = gpu_mem_flush(l2, 7000);
	{
		struct gpu_mem_stats st2;

		h->ops->stats(h, &st2);
		ck_assert_double_eq(st2.write_bytes - st.write_bytes, B);
	}
	ck_assert_uint_ge(done, 7000 + 100000);
	gpu_mem_free(l2); /* and the DRAM level behind it */
	hw_spec_free(hw);
}
END_TEST

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
 * at the back; the generic flush and preload reach the L2 through it. The
 * same numbers as above: a preloaded block hits (no DRAM read), a written
 * block is flushed through the tap to DRAM (16,384 B written), a miss
 * passes the tap once. */
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

static Suite *mem_suite(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("levels");

	tcase_add_test(tc, test_hbm_channel_serves_at_its_share_after_the_latency);
	tcase_add_test(tc, test_l2_evicts_the_least_recently_used_block);
	tcase_add_test(tc, test_l2_writes_back_dirty_blocks_and_merges_in_flight_fills);
	tcase_add_test(tc, test_chain_is_l2_then_tap_then_hbm);
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
