/*
 * check_l2.c — the specification of the L2 level (sim/gpu/l2.c) through
 * the memory-level operations of sim/gpu/mem.h: read, write, flush,
 * preload, statistics. Each test states one rule of the model and checks
 * it against times and byte counts worked out by hand in its comment.
 *
 * The round machine (round_spec): the SM clock 1000 MHz, so a cycle is
 * 1,000 ps; the slices move l2.bytes_per_clk = 1024 B per clock, i.e.
 * 1024 B/ns = 1.024 B/ps all together, so one 16 KiB block (16,384 B)
 * occupies them 16,384 / 1.024 = 16,000 ps; the hit latency is 200
 * cycles = 200,000 ps; the L2 holds l2.size_mb = 0.0625 MiB = 65,536 B
 * (one partition): four 16 KiB blocks. Behind it one DRAM channel at
 * 1000 GB/s x efficiency 1 = 1 B/ps with 500 ns = 500,000 ps of load
 * latency, so a 16 KiB fill on an idle channel is 16,384 ps of transfer
 * (four 4 KiB chunks back to back) + 500,000 = 516,384 ps after it is
 * asked for. One channel keeps DRAM times free of the address map (that
 * is check_hbm's subject). Block b is 16 KiB at address b x 16 KiB;
 * requests that must find idle queues are S = 10,000,000 ps apart, far
 * beyond any completion here.
 */
#include <check.h>
#include <stdlib.h>

#include "hw/common.h"
#include "hw/spec.h"
#include "sim/gpu/mem.h"

static char err[RL_ERR_LEN];

#define B 16384.0                    /* one block, bytes */
#define S ((sim_time_t)10000000)     /* a gap that leaves every queue idle */

static void set(struct hw_spec *hw, const char *path, double v)
{
	ck_assert_msg(hw_spec_set(hw, path, v, err) == RL_OK, "%s", err);
}

static struct hw_spec *round_spec(void)
{
	struct hw_spec *hw = NULL;

	ck_assert_msg(hw_spec_load("a100-80gb-sxm", &hw, err) == RL_OK, "%s",
		      err);
	set(hw, "clock.sustained_mhz", 1000);
	set(hw, "l2.bytes_per_clk", 1024);
	set(hw, "l2.hit_latency_cycles", 200);
	set(hw, "l2.size_mb", 0.0625);
	set(hw, "l2.partitions", 1);
	set(hw, "l2.slices", 80);
	set(hw, "hbm.bandwidth_gbps", 1000);
	set(hw, "hbm.efficiency", 1);
	set(hw, "hbm.channels", 1);
	set(hw, "hbm.latency_ns", 500);
	return hw;
}

/* The L2 of hw with DRAM behind it, 64 block ids. */
static struct gpu_mem *l2_of(const struct hw_spec *hw)
{
	struct gpu_mem *d = gpu_hbm_new(hw, GPU_CHUNK_SHIFT);
	struct gpu_mem *l2;

	ck_assert_ptr_nonnull(d);
	l2 = gpu_l2_new(hw, 64, GPU_CHUNK_SHIFT, d);
	ck_assert_ptr_nonnull(l2);
	return l2;
}

static struct gpu_mem_stats stats_of(const struct gpu_mem *m)
{
	struct gpu_mem_stats st;

	m->ops->stats(m, &st);
	return st;
}

static double dram_written(const struct gpu_mem *l2)
{
	return stats_of(l2->next).write_bytes;
}

static sim_time_t rd(struct gpu_mem *l2, sim_time_t t, uint64_t block)
{
	return l2->ops->read(l2, t, block, block * 16384, B, 1);
}

static double dram_read(const struct gpu_mem *l2)
{
	return stats_of(l2->next).read_bytes;
}

/* Read `bytes` of block at t; 1 if it was a hit, i.e. DRAM read nothing. */
static int hits_n(struct gpu_mem *l2, sim_time_t t, uint64_t block,
		  double bytes)
{
	double before = dram_read(l2);

	l2->ops->read(l2, t, block, block * 65536, bytes, 1);
	return dram_read(l2) == before;
}

static int hits(struct gpu_mem *l2, sim_time_t t, uint64_t block)
{
	return hits_n(l2, t, block, B);
}

/* ---- hits and misses ---------------------------------------------------- */

/* A cold read misses: it waits for the DRAM fill, 516,384 ps (the slices'
 * 16,000 ps of service overlap it). The same block read again once the
 * fill is in hits: 16,000 ps on the slices + 200,000 of hit latency after
 * it arrives, and DRAM reads nothing more. Reads count at the L2 in
 * bytes, hits too: 32,768 read, 16,384 of them hits. */
START_TEST(test_a_block_misses_once_then_hits)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *l2 = l2_of(hw);
	struct gpu_mem_stats st;

	ck_assert_uint_eq(rd(l2, 0, 0), 516384);
	ck_assert_double_eq(dram_read(l2), B);
	ck_assert_uint_eq(rd(l2, S, 0), S + 216000);
	ck_assert_double_eq(dram_read(l2), B);
	st = stats_of(l2);
	ck_assert_double_eq(st.read_bytes, 2 * B);
	ck_assert_double_eq(st.hit_bytes, B);
	gpu_mem_free(l2); /* and the DRAM level behind it */
	hw_spec_free(hw);
}
END_TEST

/* ---- LRU ---------------------------------------------------------------- */

/* Blocks 0-3 fill the 65,536 B exactly (a block is refused only when it
 * would exceed the capacity), least to most recently used 0 1 2 3.
 * Touching 0 and then 2 orders them 1 3 0 2, so the misses on 4 and 5
 * evict 1 and then 3: 0 2 4 5. Now 0 and 2 hit (4 5 0 2), 1 misses and
 * evicts 4 (5 0 2 1), 3 misses and evicts 5 (0 2 1 3), so 4 misses. */
START_TEST(test_the_least_recently_used_block_is_evicted_first)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *l2 = l2_of(hw);
	sim_time_t t = 0;

	for (uint64_t b = 0; b < 4; b++)
		ck_assert(!hits(l2, t += S, b));
	ck_assert(hits(l2, t += S, 0));
	ck_assert(hits(l2, t += S, 2));
	ck_assert(!hits(l2, t += S, 4));
	ck_assert(!hits(l2, t += S, 5));
	ck_assert(hits(l2, t += S, 0));
	ck_assert(hits(l2, t += S, 2));
	ck_assert(!hits(l2, t += S, 1));
	ck_assert(!hits(l2, t += S, 3));
	ck_assert(!hits(l2, t += S, 4));
	gpu_mem_free(l2);
	hw_spec_free(hw);
}
END_TEST

/* The capacity is in bytes, not blocks: A = 32 KiB, B and C = 16 KiB each
 * fill the 64 KiB; D (8 KiB) needs 8 KiB more, so A, the LRU, goes and
 * 40 KiB are left; E (16 KiB) fits beside them (56 KiB). Touching B C D E
 * in that order makes B the LRU; A (32 KiB) back needs 24 KiB freed:
 * B (16) is not enough, C goes too (24 + 32 = 56 KiB). */
START_TEST(test_the_capacity_is_counted_in_bytes)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *l2 = l2_of(hw);
	sim_time_t t = 0;
	enum { A, Bk, C, D, E };

	ck_assert(!hits_n(l2, t += S, A, 32768));
	ck_assert(!hits_n(l2, t += S, Bk, 16384));
	ck_assert(!hits_n(l2, t += S, C, 16384));
	ck_assert(!hits_n(l2, t += S, D, 8192));
	ck_assert(!hits_n(l2, t += S, E, 16384));
	ck_assert(hits_n(l2, t += S, Bk, 16384));
	ck_assert(hits_n(l2, t += S, C, 16384));
	ck_assert(hits_n(l2, t += S, D, 8192));
	ck_assert(hits_n(l2, t += S, E, 16384));
	ck_assert(!hits_n(l2, t += S, A, 32768));
	ck_assert(hits_n(l2, t += S, D, 8192));
	ck_assert(hits_n(l2, t += S, E, 16384));
	ck_assert(!hits_n(l2, t += S, Bk, 16384));
	gpu_mem_free(l2);
	hw_spec_free(hw);
}
END_TEST

/* Partitions: each caches what its own SMs read, and a GEMM's operands
 * are read from both sides, so the cache one GEMM sees is l2.size_mb /
 * l2.partitions. 0.125 MiB = 131,072 B holds eight 16 KiB blocks as one
 * partition (0, "absent", is the same), four as two: after blocks 0-4,
 * block 0 is still there with one partition and evicted with two. */
START_TEST(test_partitions_divide_the_capacity_a_gemm_sees)
{
	static const double parts[] = {0, 1, 2};
	static const int hit0[] = {1, 1, 0};

	for (int i = 0; i < 3; i++) {
		struct hw_spec *hw = round_spec();
		struct gpu_mem *l2;
		sim_time_t t = 0;

		set(hw, "l2.size_mb", 0.125);
		set(hw, "l2.partitions", parts[i]);
		l2 = l2_of(hw);
		for (uint64_t b = 0; b < 5; b++)
			ck_assert(!hits(l2, t += S, b));
		ck_assert_msg(hits(l2, t += S, 0) == hit0[i],
			      "l2.partitions = %g", parts[i]);
		gpu_mem_free(l2);
		hw_spec_free(hw);
	}
}
END_TEST

/* ---- write-back --------------------------------------------------------- */

/* Writes allocate and are written back, not through. Writing block 5 is
 * acknowledged by the slices (16,000 + 200,000 ps) and costs DRAM nothing;
 * reading it hits. Blocks 6, 7, 8 fill the cache with 5 the LRU; the miss
 * on 9 at T evicts 5, whose 16,384 B go to DRAM first (T to T + 16,384 on
 * the one channel), then 9's fill (to T + 32,768) and the latency:
 * T + 532,768. The next miss (10) evicts 6, which is clean: no DRAM write,
 * 516,384 ps. Block 5 read again misses, comes back clean, and evicting it
 * (four misses later) writes nothing. */
START_TEST(test_dirty_blocks_are_written_back_when_evicted)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *l2 = l2_of(hw);
	sim_time_t t = 0;

	ck_assert_uint_eq(l2->ops->write(l2, 0, 5, 5 * 16384, B), 216000);
	ck_assert_double_eq(dram_written(l2), 0);
	ck_assert(hits(l2, t += S, 5));
	for (uint64_t b = 6; b < 9; b++)
		ck_assert(!hits(l2, t += S, b));
	ck_assert_double_eq(dram_written(l2), 0);
	t += S;
	ck_assert_uint_eq(rd(l2, t, 9), t + 532768);
	ck_assert_double_eq(dram_written(l2), B);
	t += S;
	ck_assert_uint_eq(rd(l2, t, 10), t + 516384);
	ck_assert_double_eq(dram_written(l2), B);
	ck_assert(!hits(l2, t += S, 5));
	for (uint64_t b = 11; b < 15; b++)
		ck_assert(!hits(l2, t += S, b));
	ck_assert_double_eq(dram_written(l2), B);
	gpu_mem_free(l2);
	hw_spec_free(hw);
}
END_TEST

/* End of kernel: flush writes every dirty block back through DRAM and
 * returns when the last write-back is acknowledged. At 0, blocks 1 and 2
 * are written (acks 216,000 and, behind it on the slices, 232,000; the
 * second write of 2, 248,000, adds nothing dirty) and block 3 is read
 * from a preload (a clean hit: 264,000). DRAM has done nothing yet, so
 * the flush of a kernel that began at 1,000 (flush's t is the kernel's
 * start) finds it idle: 2 x 16,384 B back to back on the channel and the
 * latency, 1,000 + 32,768 + 500,000 = 533,768. (Where write-backs go
 * among other DRAM work is the next test.) The flush is no L2 write (its
 * write_bytes stay the three writes' 49,152); the blocks stay, clean:
 * they hit, and a second flush has nothing to do (returns its t). */
START_TEST(test_flush_writes_every_dirty_block_back_once)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *l2 = l2_of(hw);

	ck_assert_uint_eq(gpu_mem_flush(l2, 7), 7); /* nothing held */
	gpu_mem_preload(l2, 3, B);
	ck_assert_uint_eq(l2->ops->write(l2, 0, 1, 1 * 16384, B), 216000);
	ck_assert_uint_eq(l2->ops->write(l2, 0, 2, 2 * 16384, B), 232000);
	ck_assert_uint_eq(l2->ops->write(l2, 0, 2, 2 * 16384, B), 248000);
	ck_assert_uint_eq(rd(l2, 0, 3), 264000);
	ck_assert_double_eq(dram_read(l2) + dram_written(l2), 0);
	ck_assert_uint_eq(l2->ops->flush(l2, 1000), 533768);
	ck_assert_double_eq(dram_written(l2), 2 * B);
	ck_assert_double_eq(stats_of(l2).write_bytes, 3 * B);
	ck_assert_uint_eq(gpu_mem_flush(l2, S), S);
	ck_assert_double_eq(dram_written(l2), 2 * B);
	ck_assert(hits(l2, 2 * S, 1));
	ck_assert(hits(l2, 3 * S, 2));
	gpu_mem_free(l2);
	hw_spec_free(hw);
}
END_TEST

/* Where the write-backs go: into DRAM's idle time since the kernel began
 * (the flush's t), where a GPU writes dirty lines back while
 * the kernel runs, queueing behind DRAM's work only with what does not
 * fit. Blocks 1 and 2 written at 0; block 3 misses at 2,000,000 (its fill
 * occupies the channel 2,000,000-2,016,384: done 2,516,384). The flush of
 * the kernel begun at 0 has 2 x 16,384 B to write back and the channel
 * was idle for 2,000,000 ps before the fill: they fit there, done by the
 * channel's last service, 2,016,384 — not 2,016,384 + 32,768 + 500,000
 * behind it. On a second L2 whose miss comes at 0 (channel busy 0-16,384)
 * there is no slack before it: the channel's work ends at 16,384 + 32,768
 * = 49,152, acknowledged at 549,152, as if queued behind. The bytes are
 * the same either way: 32,768 written. */
START_TEST(test_flush_writes_back_into_the_idle_dram_time_of_the_kernel)
{
	static const sim_time_t miss_at[] = {2000000, 0};
	static const sim_time_t flushed[] = {2016384, 549152};

	for (int i = 0; i < 2; i++) {
		struct hw_spec *hw = round_spec();
		struct gpu_mem *l2 = l2_of(hw);

		l2->ops->write(l2, 0, 1, 1 * 16384, B);
		l2->ops->write(l2, 0, 2, 2 * 16384, B);
		ck_assert_uint_eq(rd(l2, miss_at[i], 3), miss_at[i] + 516384);
		ck_assert_uint_eq(gpu_mem_flush(l2, 0), flushed[i]);
		ck_assert_double_eq(dram_written(l2), 2 * B);
		gpu_mem_free(l2);
		hw_spec_free(hw);
	}
}
END_TEST

/* ---- merged fills ------------------------------------------------------- */

/* A read of a block whose fill is in flight is a hit that waits for the
 * fill (MSHR merge): block 7 misses at 0 (fill in at 516,384); read again
 * at 1,000 it passes the slices behind the first (16,000-32,000, +200,000
 * = 232,000) and then waits for the data: 516,384, the fill's time. DRAM
 * read the block once, and the second read counts as a hit. After the
 * fill, a read no longer waits: 600,000 + 216,000. */
START_TEST(test_reads_of_a_block_in_flight_share_its_fill)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *l2 = l2_of(hw);

	ck_assert_uint_eq(rd(l2, 0, 7), 516384);
	ck_assert_uint_eq(rd(l2, 1000, 7), 516384);
	ck_assert_double_eq(dram_read(l2), B);
	ck_assert_double_eq(stats_of(l2).hit_bytes, B);
	ck_assert_uint_eq(rd(l2, 600000, 7), 816000);
	ck_assert_double_eq(dram_read(l2), B);
	gpu_mem_free(l2);
	hw_spec_free(hw);
}
END_TEST

/* ---- warm preload ------------------------------------------------------- */

/* Warm start: preloaded blocks are resident from time 0, clean, and cost
 * no time: the first reads of blocks 0-3 at 0 all hit, back to back on the
 * slices (k x 16,000 + 200,000 for the k-th), DRAM reads and writes
 * nothing (flush returns its t), and the preload itself counts no read.
 * Preloading respects the capacity in LRU order: blocks 0-4 preloaded
 * leave 1-4, so 0 misses. */
START_TEST(test_preloaded_blocks_hit_from_the_first_read)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *l2 = l2_of(hw);
	struct gpu_mem *l2b = l2_of(hw);

	for (uint64_t b = 0; b < 4; b++)
		gpu_mem_preload(l2, b, B);
	ck_assert_double_eq(stats_of(l2).read_bytes, 0);
	for (uint64_t b = 0; b < 4; b++)
		ck_assert_uint_eq(rd(l2, 0, b), (b + 1) * 16000 + 200000);
	ck_assert_double_eq(dram_read(l2), 0);
	ck_assert_uint_eq(gpu_mem_flush(l2, 5), 5);
	ck_assert_double_eq(dram_written(l2), 0);

	for (uint64_t b = 0; b < 5; b++)
		gpu_mem_preload(l2b, b, B);
	for (uint64_t b = 1; b < 5; b++)
		ck_assert(hits(l2b, b * S, b));
	ck_assert(!hits(l2b, 5 * S, 0));
	gpu_mem_free(l2b);
	gpu_mem_free(l2);
	hw_spec_free(hw);
}
END_TEST

/* ---- the slices: one queue ---------------------------------------------- */

/* Lines interleave over all slices, so the slices are one FIFO queue at
 * the aggregate rate l2.bytes_per_clk x clock; their number does not
 * split it. Eight 16 KiB hits arriving together at 0 (blocks 0-3
 * preloaded, each read twice) leave the queue 16,000 ps apart: the k-th
 * completes at k x 16,000 + 200,000, the same with 80 slices or one. At
 * 500 MHz the rate halves (512 B/ns: 32,000 ps a block) and the 200
 * cycles of hit latency double (400,000 ps). Once the queue has drained,
 * a request waits for nothing: S + 216,000. */
START_TEST(test_the_slices_are_one_queue_at_the_aggregate_rate)
{
	static const struct {
		double slices, mhz;
		sim_time_t per_block, hit;
	} c[] = {{80, 1000, 16000, 200000},
		 {1, 1000, 16000, 200000},
		 {80, 500, 32000, 400000}};

	for (int i = 0; i < 3; i++) {
		struct hw_spec *hw = round_spec();
		struct gpu_mem *l2;

		set(hw, "l2.slices", c[i].slices);
		set(hw, "clock.sustained_mhz", c[i].mhz);
		l2 = l2_of(hw);
		for (uint64_t b = 0; b < 4; b++)
			gpu_mem_preload(l2, b, B);
		for (uint64_t k = 1; k <= 8; k++)
			ck_assert_uint_eq(rd(l2, 0, (k - 1) % 4),
					  k * c[i].per_block + c[i].hit);
		ck_assert_uint_eq(rd(l2, S, 0), S + c[i].per_block + c[i].hit);
		gpu_mem_free(l2);
		hw_spec_free(hw);
	}
}
END_TEST

/* A miss passes two pipelined stages, the slices and DRAM, which both see
 * the request at once: the slower one sets the time and the DRAM load
 * latency is the latency (no hit latency on top). With slices of
 * 16 B/clk (0.016 B/ps) a block takes them 1,024,000 ps, longer than its
 * fill (516,384): the miss at 0 completes at 1,024,000. A hit on it
 * later: S + 1,024,000 + 200,000. */
START_TEST(test_a_miss_takes_the_slower_of_slices_and_dram)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *l2;

	set(hw, "sm.l2_bytes_per_clk", 16);
	set(hw, "l2.bytes_per_clk", 16);
	l2 = l2_of(hw);
	ck_assert_uint_eq(rd(l2, 0, 0), 1024000);
	ck_assert_uint_eq(rd(l2, S, 0), S + 1224000);
	gpu_mem_free(l2);
	hw_spec_free(hw);
}
END_TEST

/* A TMA multicast read serves `share` CTAs with one L2 read: the slices
 * carry bytes / share per request (16,384 / 4 = 4,096 B: 4,000 ps, a hit
 * at 0 on a preloaded block completes at 204,000), and the L2 counts the
 * request's 16,384 B. A miss fetches the whole block from DRAM, once:
 * 16,384 B read, done at 516,384 (DRAM-bound). */
START_TEST(test_a_multicast_read_carries_its_share_on_the_slices)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *l2 = l2_of(hw);

	gpu_mem_preload(l2, 0, B);
	ck_assert_uint_eq(l2->ops->read(l2, 0, 0, 0, B, 4), 204000);
	ck_assert_double_eq(stats_of(l2).read_bytes, B);
	ck_assert_uint_eq(l2->ops->read(l2, S, 1, 16384, B, 4), S + 516384);
	ck_assert_double_eq(dram_read(l2), B);
	gpu_mem_free(l2);
	hw_spec_free(hw);
}
END_TEST

/* ---- statistics --------------------------------------------------------- */

/* What stats() reports: read 0 (miss), read 0 (hit), read 1 (miss), read 1
 * as a 2-way multicast (hit), write 2. Bytes at the L2: read 4 x 16,384 =
 * 65,536, of which the two hits' 32,768 (hit rate 0.5), written 16,384.
 * The slices served 4 x 16,000 ps + 8,000 (the multicast half) = 72,000 ps;
 * the queue stands for all 80 slices, so their summed busy time is
 * 80 x 72,000 = 5,760,000 ps over 80 servers. DRAM: the two fills, 32,768
 * read, nothing written (the write is held). */
START_TEST(test_statistics_count_bytes_hits_and_busy_time)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *l2 = l2_of(hw);
	struct gpu_mem_stats st;

	rd(l2, 0, 0);
	rd(l2, S, 0);
	rd(l2, 2 * S, 1);
	l2->ops->read(l2, 3 * S, 1, 16384, B, 2);
	l2->ops->write(l2, 4 * S, 2, 2 * 16384, B);
	st = stats_of(l2);
	ck_assert_double_eq(st.read_bytes, 4 * B);
	ck_assert_double_eq(st.hit_bytes, 2 * B);
	ck_assert_double_eq(st.hit_bytes / st.read_bytes, 0.5);
	ck_assert_double_eq(st.write_bytes, B);
	ck_assert_double_eq(st.busy_ps, 5760000);
	ck_assert_double_eq(st.servers, 80);
	st = stats_of(l2->next);
	ck_assert_double_eq(st.read_bytes, 2 * B);
	ck_assert_double_eq(st.write_bytes, 0);
	gpu_mem_free(l2);
	hw_spec_free(hw);
}
END_TEST

/* ---- edges -------------------------------------------------------------- */

/* Requests arrive in (about) non-decreasing time (mem.h); one that comes
 * late in call order with an earlier time is served in call order, behind
 * what is queued, never before it: a hit at 1,000,000 leaves the slices at
 * 1,016,000 (done 1,216,000); the next call, stamped 0, leaves them at
 * 1,032,000 and completes at 1,232,000. */
START_TEST(test_an_earlier_stamped_request_waits_behind_the_queue)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *l2 = l2_of(hw);

	gpu_mem_preload(l2, 0, B);
	ck_assert_uint_eq(rd(l2, 1000000, 0), 1216000);
	ck_assert_uint_eq(rd(l2, 0, 0), 1232000);
	gpu_mem_free(l2);
	hw_spec_free(hw);
}
END_TEST

/* A block larger than the whole cache (128 KiB into 64 KiB) is served
 * DRAM-bound — 131,072 B in eight 16 KiB chunks on the channel, +500,000:
 * 631,072 ps (the slices need 128,000) — and pushes every other block
 * out: 0, 1 and 2 miss afterwards. (Whether it then stays resident, over
 * capacity, is left open: l2.c keeps it; a cache could as well refuse
 * it.) */
START_TEST(test_a_block_larger_than_the_cache_evicts_everything_else)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *l2 = l2_of(hw);

	for (uint64_t b = 0; b < 3; b++)
		ck_assert(!hits(l2, b * S, b));
	ck_assert_uint_eq(l2->ops->read(l2, 3 * S, 9, 9 * 65536, 131072, 1),
			  3 * S + 631072);
	for (uint64_t b = 0; b < 3; b++)
		ck_assert(!hits(l2, (4 + b) * S, b));
	gpu_mem_free(l2);
	hw_spec_free(hw);
}
END_TEST

/* An empty request moves nothing and leaves the cache as it was: it
 * passes the slices' queue (the hit latency after what is queued: 200,000
 * at 0 on an idle L2), counts no bytes, and makes no block resident. (Two
 * zero-byte reads of block 3 used to link it into the LRU list twice —
 * a zero-size block counts as absent — so that it became its own
 * successor and the next walk of the list, a flush or an eviction, never
 * ended.) The flush writes block 4's 16,384 B (on the idle channel:
 * 16,384 + 500,000 after 1,000) and returns; block 3 then misses. */
START_TEST(test_zero_byte_reads_leave_the_cache_intact)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *l2 = l2_of(hw);
	struct gpu_mem_stats st;

	ck_assert_uint_eq(l2->ops->read(l2, 0, 3, 3 * 16384, 0, 1), 200000);
	l2->ops->read(l2, 0, 3, 3 * 16384, 0, 1);
	ck_assert_uint_eq(l2->ops->write(l2, 0, 5, 5 * 16384, 0), 200000);
	st = stats_of(l2);
	ck_assert_double_eq(st.read_bytes + st.write_bytes, 0);
	l2->ops->write(l2, 0, 4, 4 * 16384, B);
	ck_assert_uint_eq(gpu_mem_flush(l2, 1000), 1000 + 516384);
	ck_assert_double_eq(dram_written(l2), B);
	ck_assert(!hits(l2, S, 3));
	gpu_mem_free(l2);
	hw_spec_free(hw);
}
END_TEST

/* The hit latency is l2.hit_latency_cycles at the clock in whole
 * picoseconds, rounded: 240 cycles at 1000 MHz = 240,000 ps, so a
 * preloaded hit at 0 completes at 16,000 + 240,000 = 256,000. (The
 * floating product, 240 / 1e9 s x 1e12 = 239,999.99..., was once
 * truncated to 239,999 ps.) */
START_TEST(test_hit_latency_is_whole_cycles_in_ps)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *l2;

	set(hw, "l2.hit_latency_cycles", 240);
	l2 = l2_of(hw);
	gpu_mem_preload(l2, 0, B);
	ck_assert_uint_eq(rd(l2, 0, 0), 256000);
	gpu_mem_free(l2);
	hw_spec_free(hw);
}
END_TEST

static Suite *l2_suite(void)
{
	Suite *s = suite_create("l2");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, test_a_block_misses_once_then_hits);
	tcase_add_test(tc, test_the_least_recently_used_block_is_evicted_first);
	tcase_add_test(tc, test_the_capacity_is_counted_in_bytes);
	tcase_add_test(tc, test_partitions_divide_the_capacity_a_gemm_sees);
	tcase_add_test(tc, test_dirty_blocks_are_written_back_when_evicted);
	tcase_add_test(tc, test_flush_writes_every_dirty_block_back_once);
	tcase_add_test(tc, test_flush_writes_back_into_the_idle_dram_time_of_the_kernel);
	tcase_add_test(tc, test_reads_of_a_block_in_flight_share_its_fill);
	tcase_add_test(tc, test_preloaded_blocks_hit_from_the_first_read);
	tcase_add_test(tc, test_the_slices_are_one_queue_at_the_aggregate_rate);
	tcase_add_test(tc, test_a_miss_takes_the_slower_of_slices_and_dram);
	tcase_add_test(tc, test_a_multicast_read_carries_its_share_on_the_slices);
	tcase_add_test(tc, test_statistics_count_bytes_hits_and_busy_time);
	tcase_add_test(tc, test_an_earlier_stamped_request_waits_behind_the_queue);
	tcase_add_test(tc, test_a_block_larger_than_the_cache_evicts_everything_else);
	tcase_add_test(tc, test_zero_byte_reads_leave_the_cache_intact);
	tcase_add_test(tc, test_hit_latency_is_whole_cycles_in_ps);
	tcase_set_timeout(tc, 2); /* a corrupt LRU list hangs a flush */
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(l2_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
