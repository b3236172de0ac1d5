/*
 * check_hbm.c — the specification of the DRAM level (sim/gpu/hbm.c and
 * the address-interleaved path gpu_spread/gpu_route of sim/gpu/mem.h):
 * what one request costs, where consecutive addresses go, what a
 * saturated stream achieves, how reads and writes share the channels,
 * where end-of-kernel write-backs go, and the statistics. Each test
 * checks times worked out by hand in its comment.
 *
 * The round machine (round_spec): hbm.bandwidth_gbps 1000 at
 * hbm.efficiency 1 over hbm.channels 10, so each channel is a FIFO server
 * at 1000e9 x 1 / 10 = 100 GB/s = 0.1 B/ps (10 ps a byte, 40,960 ps for a
 * 4 KiB chunk), followed by hbm.latency_ns 100 = 100,000 ps of load
 * latency. The interleave chunk is 2^12 = 4 KiB (GPU_CHUNK_SHIFT): address
 * a is in chunk x = a / 4096.
 *
 * The address map by hand: gpu_route(x, n) multiplies x by
 * 0x9E3779B97F4A7C15 = 2^64 / phi (Fibonacci hashing, phi the golden
 * ratio) and keeps the top bits, i.e. channel = floor(n x frac(x / phi)),
 * after xor-folding x ^= x >> 17, which changes nothing below 2^17. With
 * 1/phi = 0.6180339887 and n = 10:
 *   x        0  1  2  3  4  5  6  7  8  9  10
 *   x/phi    0 .618 1.236 1.854 2.472 3.090 3.708 4.326 4.944 5.562 6.180
 *   channel  0  6  2  8  4  0  7  3  9  5  1
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "hw/common.h"
#include "hw/spec.h"
#include "sim/gpu/mem.h"

static char err[RL_ERR_LEN];

#define LAT ((sim_time_t)100000) /* the load latency, ps */

static void set(struct hw_spec *hw, const char *path, double v)
{
	ck_assert_msg(hw_spec_set(hw, path, v, err) == RL_OK, "%s", err);
}

static struct hw_spec *round_spec(void)
{
	struct hw_spec *hw = NULL;

	ck_assert_msg(hw_spec_load("a100-80gb-sxm", &hw, err) == RL_OK, "%s",
		      err);
	set(hw, "hbm.bandwidth_gbps", 1000);
	set(hw, "hbm.efficiency", 1);
	set(hw, "hbm.channels", 10);
	set(hw, "hbm.latency_ns", 100);
	return hw;
}

static struct gpu_mem *hbm_of(const struct hw_spec *hw, unsigned shift)
{
	struct gpu_mem *h = gpu_hbm_new(hw, shift);

	ck_assert_ptr_nonnull(h);
	return h;
}

static sim_time_t rd(struct gpu_mem *h, sim_time_t t, uint64_t addr,
		     double bytes)
{
	return h->ops->read(h, t, 0, addr, bytes, 1);
}

static sim_time_t wr(struct gpu_mem *h, sim_time_t t, uint64_t addr,
		     double bytes)
{
	return h->ops->write(h, t, 0, addr, bytes);
}

static struct gpu_mem_stats stats_of(const struct gpu_mem *m)
{
	struct gpu_mem_stats st;

	m->ops->stats(m, &st);
	return st;
}

/* ---- one request -------------------------------------------------------- */

/* One chunk on an idle channel costs the latency plus its bytes at the
 * channel's share of the effective bandwidth, bandwidth x efficiency /
 * channels. 4 KiB: at 100 GB/s 40,960 + 100,000 = 140,960 ps; at
 * efficiency 0.8 (80 GB/s, 12.5 ps/B) 51,200 + 100,000 = 151,200; over
 * 20 channels (50 GB/s) 81,920 + 100,000 = 181,920; 2000 GB/s at 0.5 is
 * 100 GB/s again (only the product counts): 140,960; with no latency the
 * transfer alone, 40,960. 64 B: 640 + 100,000 = 100,640. */
START_TEST(test_a_request_costs_latency_plus_bytes_at_the_channel_share)
{
	static const struct {
		double gbps, eff, channels, lat_ns, bytes;
		sim_time_t done;
	} c[] = {{1000, 1, 10, 100, 4096, 140960},
		 {1000, 0.8, 10, 100, 4096, 151200},
		 {1000, 1, 20, 100, 4096, 181920},
		 {2000, 0.5, 10, 100, 4096, 140960},
		 {1000, 1, 10, 0, 4096, 40960},
		 {1000, 1, 10, 100, 64, 100640}};

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct hw_spec *hw = round_spec();
		struct gpu_mem *h;
		sim_time_t d;

		set(hw, "hbm.bandwidth_gbps", c[i].gbps);
		set(hw, "hbm.efficiency", c[i].eff);
		set(hw, "hbm.channels", c[i].channels);
		set(hw, "hbm.latency_ns", c[i].lat_ns);
		h = hbm_of(hw, GPU_CHUNK_SHIFT);
		d = rd(h, 0, 0, c[i].bytes);
		ck_assert_msg(d == c[i].done, "case %zu: %llu ps, expected %llu",
			      i, (unsigned long long)d,
			      (unsigned long long)c[i].done);
		gpu_mem_free(h);
		hw_spec_free(hw);
	}
}
END_TEST

/* A channel is a FIFO: the same 4 KiB chunk again at 0 waits for the first
 * (40,960) and completes at 81,920 + 100,000 = 181,920; so does any other
 * address in that chunk (4,000 is in chunk 0): a third at 222,880. */
START_TEST(test_a_channel_serves_its_requests_one_after_another)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *h = hbm_of(hw, GPU_CHUNK_SHIFT);

	ck_assert_uint_eq(rd(h, 0, 0, 4096), 140960);
	ck_assert_uint_eq(rd(h, 0, 0, 4096), 181920);
	ck_assert_uint_eq(rd(h, 0, 4000, 4096), 222880);
	gpu_mem_free(h);
	hw_spec_free(hw);
}
END_TEST

/* ---- the address map ---------------------------------------------------- */

/* Consecutive 4 KiB chunks are hashed over the channels (the table at the
 * top): chunks 0-4 land on channels 0 6 2 8 4, so five requests at
 * addresses 0, 4 KiB, ..., 16 KiB, all at 0, overlap completely (140,960
 * each); chunk 5 lands on channel 0 again and waits for chunk 0: 181,920;
 * chunk 6 (channel 7) does not wait. One request spanning chunks is
 * served on all of them at once: 20 KiB at 0 (chunks 0-4) in one chunk's
 * time, 140,960; 24 KiB (chunks 0-5) in two on channel 0, 181,920. */
START_TEST(test_consecutive_chunks_are_hashed_over_the_channels)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *h = hbm_of(hw, GPU_CHUNK_SHIFT);
	struct gpu_mem *h2 = hbm_of(hw, GPU_CHUNK_SHIFT);
	struct gpu_mem *h3 = hbm_of(hw, GPU_CHUNK_SHIFT);

	for (uint64_t x = 0; x < 5; x++)
		ck_assert_uint_eq(rd(h, 0, x * 4096, 4096), 140960);
	ck_assert_uint_eq(rd(h, 0, 5 * 4096, 4096), 181920);
	ck_assert_uint_eq(rd(h, 0, 6 * 4096, 4096), 140960);
	ck_assert_uint_eq(rd(h2, 0, 0, 20480), 140960);
	ck_assert_uint_eq(rd(h3, 0, 0, 24576), 181920);
	gpu_mem_free(h3);
	gpu_mem_free(h2);
	gpu_mem_free(h);
	hw_spec_free(hw);
}
END_TEST

/* The interleave chunk is 2^shift bytes: with 8 KiB chunks (shift 13)
 * addresses 0 and 4 KiB are one chunk, one channel (140,960 then
 * 181,920); with 4 KiB chunks they are chunks 0 and 1, channels 0 and 6
 * (140,960 both). */
START_TEST(test_the_interleave_chunk_is_two_to_the_shift)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *h13 = hbm_of(hw, 13);
	struct gpu_mem *h12 = hbm_of(hw, 12);

	ck_assert_uint_eq(rd(h13, 0, 0, 4096), 140960);
	ck_assert_uint_eq(rd(h13, 0, 4096, 4096), 181920);
	ck_assert_uint_eq(rd(h12, 0, 0, 4096), 140960);
	ck_assert_uint_eq(rd(h12, 0, 4096, 4096), 140960);
	gpu_mem_free(h12);
	gpu_mem_free(h13);
	hw_spec_free(hw);
}
END_TEST

/* A request is cut into at most GPU_MAX_CHUNKS = 8 chunks (bytes / 8 each
 * once that exceeds the interleave chunk), which take route indices x,
 * x + 1, ..., x + 7 from its first address: so the cost per request stays
 * bounded, and a lone large request reaches at most 8 channels. 64 KiB at
 * 0: eight 8 KiB chunks on channels 0 6 2 8 4 0 7 3, channel 0 carrying
 * two: 16,384 B = 163,840 ps, + 100,000 = 263,840; its fourth chunk
 * (route index 3, not the 6 of its address 24 KiB) is on channel 8, so a
 * 4 KiB read of chunk 3 at 0 waits for it: 81,920 + 40,960 + 100,000 =
 * 222,880 (with indices by address, 0 2 4 ... 14, channel 8 would be
 * idle: 140,960). 1 GiB at 0: eight
 * 128 MiB chunks, the same channels: 2 x 134,217,728 B at 10 ps/B =
 * 2,684,354,560 ps, + 100,000 = 2,684,454,560 — 400 GB/s for it alone, not
 * the 1000 of all ten channels (which a stream of many requests gets:
 * next test). */
START_TEST(test_a_large_request_is_cut_into_at_most_eight_chunks)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *h = hbm_of(hw, GPU_CHUNK_SHIFT);
	struct gpu_mem *g = hbm_of(hw, GPU_CHUNK_SHIFT);

	ck_assert_int_eq(GPU_MAX_CHUNKS, 8);
	ck_assert_uint_eq(rd(h, 0, 0, 65536), 263840);
	ck_assert_uint_eq(rd(h, 0, 3 * 4096, 4096), 222880);
	ck_assert_uint_eq(rd(g, 0, 0, 1073741824.0), 2684454560ULL);
	ck_assert_double_eq(stats_of(g).read_bytes, 1073741824.0);
	gpu_mem_free(g);
	gpu_mem_free(h);
	hw_spec_free(hw);
}
END_TEST

/* ---- a saturated stream ------------------------------------------------- */

/* N = 10,000 chunks at consecutive addresses, all at 0 (as many requests
 * as there are chunks; alternately reads and writes in the second case:
 * both cost the same bandwidth). The last completes when the busiest
 * channel has served its count c_max of them: T = c_max x 4096 B /
 * (bandwidth x efficiency / 10) + latency. Evenly spread, c_max = N / 10 =
 * 1000 and bytes / (T - latency) is the effective bandwidth exactly; it
 * can never be more (the channels' rates sum to it). How uneven the hash
 * can be: channel c receives the x with frac(x / phi) in [c/10, (c+1)/10),
 * so c_max - N/10 <= N D_N, the discrepancy of the sequence x / phi, and
 * for an irrational with partial quotients all 1 (phi's),
 * N D_N <= 3 + (1/ln phi + 1/ln 2) ln N = 3 + 3.52 x 9.21 = 35.4
 * (Kuipers & Niederreiter, Uniform Distribution of Sequences, 1974,
 * ch. 2, Theorem 3.4): c_max <= 1036, so the stream achieves at least
 * 1000 / 1036 = 96.5 % of the effective bandwidth. Checked at efficiency 1
 * (1 B/ps) and 0.8 (0.8 B/ps), where a model that ignored the efficiency
 * would exceed the bound. The channels were busy for exactly the bytes at
 * their rate, 10 / efficiency ps a byte, wherever they went. */
START_TEST(test_a_saturated_stream_achieves_the_effective_bandwidth)
{
	static const double effs[] = {1, 0.8};
	const int n = 10000;

	for (int i = 0; i < 2; i++)
		for (int mixed = 0; mixed < 2; mixed++) {
			struct hw_spec *hw = round_spec();
			struct gpu_mem *h;
			struct gpu_mem_stats st;
			sim_time_t last = 0;
			double eff_bw = 1.0 * effs[i]; /* B/ps */
			double got;

			set(hw, "hbm.efficiency", effs[i]);
			h = hbm_of(hw, GPU_CHUNK_SHIFT);
			for (int x = 0; x < n; x++) {
				uint64_t a = (uint64_t)x * 4096;
				sim_time_t d = mixed && x % 2
						       ? wr(h, 0, a, 4096)
						       : rd(h, 0, a, 4096);

				last = d > last ? d : last;
			}
			got = n * 4096.0 / (double)(last - LAT);
			ck_assert_msg(got <= eff_bw * (1 + 1e-12) &&
					      got >= eff_bw * 0.965,
				      "efficiency %g%s: %g B/ps of %g", effs[i],
				      mixed ? " (mixed)" : "", got, eff_bw);
			st = stats_of(h);
			ck_assert_double_eq(st.read_bytes + st.write_bytes,
					    n * 4096.0);
			ck_assert_double_eq(st.write_bytes,
					    mixed ? n / 2 * 4096.0 : 0);
			ck_assert_double_eq_tol(st.busy_ps,
						n * 4096.0 * 10 / effs[i], 1);
			gpu_mem_free(h);
			hw_spec_free(hw);
		}
}
END_TEST

/* ---- reads and writes, statistics --------------------------------------- */

/* Writes go through the same channels by the same map: a 4 KiB write at 0
 * (channel 0) completes at 140,960, a read of that chunk at 0 waits for it
 * (181,920), a write of chunk 1 (channel 6) does not (140,960). DRAM
 * counts read and written bytes apart (4,096 and 8,192), caches nothing
 * (no hit bytes), and its busy time is the channels' summed service,
 * 3 x 40,960 = 122,880 ps over 10 servers. */
START_TEST(test_reads_and_writes_share_the_channels)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *h = hbm_of(hw, GPU_CHUNK_SHIFT);
	struct gpu_mem_stats st;

	ck_assert_uint_eq(wr(h, 0, 0, 4096), 140960);
	ck_assert_uint_eq(rd(h, 0, 0, 4096), 181920);
	ck_assert_uint_eq(wr(h, 0, 4096, 4096), 140960);
	st = stats_of(h);
	ck_assert_double_eq(st.read_bytes, 4096);
	ck_assert_double_eq(st.write_bytes, 8192);
	ck_assert_double_eq(st.hit_bytes, 0);
	ck_assert_double_eq(st.busy_ps, 122880);
	ck_assert_double_eq(st.servers, 10);
	/* DRAM keeps no data: nothing to flush or preload */
	ck_assert_ptr_null(h->ops->flush);
	ck_assert_ptr_null(h->ops->preload);
	ck_assert_str_eq(h->ops->name, "hbm");
	gpu_mem_free(h);
	hw_spec_free(hw);
}
END_TEST

/* ---- end-of-kernel write-backs ------------------------------------------ */

/* gpu_mem_ops.writeback (what the L2's flush uses at the end of a kernel
 * that began at `since`): a write-back fills the channel's idle time since
 * the kernel began, where it could have gone while the kernel ran, and
 * queues behind the channel's work only with what does not fit there. A
 * channel's work then ends at since + its busy time (this service
 * included) or at its last service, whichever is later; done is the
 * latency after that end if the write-back extended it, else that last
 * service. Four channels, each with a 4 KiB write-back of chunk 0
 * (channel 0) from a kernel that began at 0:
 *  idle: busy 40,960 -> it ends the work: 40,960 + 100,000 = 140,960
 *   (the same as a write);
 *  busy later (a read of chunk 0 at 1,000,000, served to 1,040,960): 0 to
 *   1,000,000 was idle and holds it: done by 1,040,960, no later; the
 *   channel is as free as before (a read at 2,000,000: 2,140,960);
 *  busy from 0 (a read at 0, to 40,960): no slack, so it queues as a
 *   write would: 81,920 + 100,000 = 181,920;
 *  partly (a read at 20,000, to 60,960): the 20,000 idle ps take half of
 *   it: the work ends at 0 + 81,920: 181,920 (a write at 0 queued after
 *   the read: 60,960 + 40,960 + 100,000 = 201,920).
 * Written bytes and busy time count it as any write: 4,096 B and 40,960
 * ps more. */
START_TEST(test_a_writeback_fills_the_idle_time_since_the_kernel_began)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *h[4];
	struct gpu_mem_stats st;

	for (int i = 0; i < 4; i++)
		h[i] = hbm_of(hw, GPU_CHUNK_SHIFT);
	ck_assert_ptr_nonnull(h[0]->ops->writeback);
	ck_assert_uint_eq(gpu_mem_writeback(h[0], 0, 0, 0, 4096), 140960);
	ck_assert_uint_eq(rd(h[1], 1000000, 0, 4096), 1140960);
	ck_assert_uint_eq(gpu_mem_writeback(h[1], 0, 0, 0, 4096), 1040960);
	ck_assert_uint_eq(rd(h[1], 2000000, 0, 4096), 2140960);
	ck_assert_uint_eq(rd(h[2], 0, 0, 4096), 140960);
	ck_assert_uint_eq(gpu_mem_writeback(h[2], 0, 0, 0, 4096), 181920);
	ck_assert_uint_eq(rd(h[3], 20000, 0, 4096), 160960);
	ck_assert_uint_eq(gpu_mem_writeback(h[3], 0, 0, 0, 4096), 181920);
	st = stats_of(h[1]);
	ck_assert_double_eq(st.write_bytes, 4096);
	ck_assert_double_eq(st.read_bytes, 8192);
	ck_assert_double_eq(st.busy_ps, 3 * 40960);
	for (int i = 0; i < 4; i++)
		gpu_mem_free(h[i]);
	hw_spec_free(hw);
}
END_TEST

/* ---- edges -------------------------------------------------------------- */

/* An empty request has no chunk: it completes when it arrives (5,000) and
 * moves and counts nothing. */
START_TEST(test_an_empty_request_completes_on_arrival)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *h = hbm_of(hw, GPU_CHUNK_SHIFT);
	struct gpu_mem_stats st;

	ck_assert_uint_eq(rd(h, 5000, 0, 0), 5000);
	ck_assert_uint_eq(wr(h, 5000, 0, 0), 5000);
	st = stats_of(h);
	ck_assert_double_eq(st.read_bytes + st.write_bytes + st.busy_ps, 0);
	ck_assert_uint_eq(rd(h, 0, 0, 4096), 140960); /* nothing queued */
	gpu_mem_free(h);
	hw_spec_free(hw);
}
END_TEST

/* Requests arrive in (about) non-decreasing time (mem.h). One stamped
 * earlier than what a channel has queued is served after it, in call
 * order: chunk 0 at 1,000,000 completes at 1,140,960; the next call for
 * chunk 0, stamped 0, starts when the first leaves (1,040,960) and
 * completes at 1,181,920. Channels are separate queues: chunk 1 (channel
 * 6) stamped 0 is served at 0: 140,960. */
START_TEST(test_an_earlier_stamped_request_waits_behind_its_channel)
{
	struct hw_spec *hw = round_spec();
	struct gpu_mem *h = hbm_of(hw, GPU_CHUNK_SHIFT);

	ck_assert_uint_eq(rd(h, 1000000, 0, 4096), 1140960);
	ck_assert_uint_eq(rd(h, 0, 0, 4096), 1181920);
	ck_assert_uint_eq(rd(h, 0, 4096, 4096), 140960);
	gpu_mem_free(h);
	hw_spec_free(hw);
}
END_TEST

static Suite *hbm_suite(void)
{
	Suite *s = suite_create("hbm");
	TCase *tc = tcase_create("rules");

	tcase_add_test(tc, test_a_request_costs_latency_plus_bytes_at_the_channel_share);
	tcase_add_test(tc, test_a_channel_serves_its_requests_one_after_another);
	tcase_add_test(tc, test_consecutive_chunks_are_hashed_over_the_channels);
	tcase_add_test(tc, test_the_interleave_chunk_is_two_to_the_shift);
	tcase_add_test(tc, test_a_large_request_is_cut_into_at_most_eight_chunks);
	tcase_add_test(tc, test_a_saturated_stream_achieves_the_effective_bandwidth);
	tcase_add_test(tc, test_reads_and_writes_share_the_channels);
	tcase_add_test(tc, test_a_writeback_fills_the_idle_time_since_the_kernel_began);
	tcase_add_test(tc, test_an_empty_request_completes_on_arrival);
	tcase_add_test(tc, test_an_earlier_stamped_request_waits_behind_its_channel);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hbm_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
