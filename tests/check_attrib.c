/*
 * check_attrib.c — the critical-path attribution (sim/gpu/attrib.h):
 *
 *   exact       the parts are non-negative and add up to the predicted
 *               time within 1 ps, on the reference grid (Llama 33B MLP,
 *               q = 1..112, batch 1..64, A100 PCIe) and on random shapes
 *               of both shipped calibrated GPUs, cold and warm;
 *   observer    a recorder changes no prediction: every field of the
 *               result is the same with and without it;
 *   hand-worked a weight-streaming GEMM (m = 1, n = k = 16384) is at least
 *               80 % DRAM; a large square GEMM at least 80 % tensor; a
 *               kernel of 1.06 waves (one CTA per SM) has a tail of one
 *               CTA's duration, i.e. half the kernel, as two rounds of
 *               equal CTAs give, while the same kernel at exactly one wave
 *               has almost none; a tiny GEMM is mostly launch;
 *   timeline    every CTA is in exactly one span, spans of a slot do not
 *               overlap, and the spans' tensor busy time is the result's
 *               tensor utilisation.
 *
 *   hooks       the recorder's pieces on hand-made inputs, worked out in
 *               each test's comment: DRAM bytes binned over the window
 *               their channels served them in (clamped to the issue time
 *               and to zero), a split-K reduction kernel counted as launch
 *               then split-K, the write-back after the last CTA as DRAM,
 *               the end vector from the CTA that ends last and the tail
 *               from the first that finds no CTA left to start;
 *   what if     a doubled value outside its field's range has no speed-up
 *               (0), and no options mean the default ones.
 *
 * The sensitivities' values, the trace file and the figure are checked
 * through the command line (tests/cli_explain.sh), against `gemm --set`
 * by hand.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "hw/common.h"
#include "hw/spec.h"
#include "models/gemm.h"
#include "models/kernel.h"
#include "sim/gpu/attrib.h"
#include "sim/gpu/gpu.h"
#include "sim/gpu/mem.h"

static char err[RL_ERR_LEN];

static struct hw_spec *load_hw(const char *name)
{
	struct hw_spec *hw = NULL;

	ck_assert_msg(hw_spec_load(name, &hw, err) == RL_OK, "%s", err);
	return hw;
}

/* Simulate with a recorder into r (and without one into plain, if not
 * NULL); the recorder is left for the caller to inspect and destroy. */
static void recorded(const struct hw_spec *hw, const struct gemm *g,
		     int warm, int timeline, struct gpu_recorder *rec,
		     struct gpu_result *r, struct gpu_result *plain)
{
	struct gpu_opts o;

	memset(&o, 0, sizeof o);
	o.l2_warm = warm;
	if (plain) {
		ck_assert_msg(gpu_simulate_gemm(hw, g, &o, plain, err) == RL_OK,
			      "%s", err);
	}
	attrib_init(rec, timeline);
	o.rec = rec;
	ck_assert_msg(gpu_simulate_gemm(hw, g, &o, r, err) == RL_OK, "%s", err);
}

/* The parts of r: each >= 0, summing to time_us within 1 ps; the
 * recorder's picoseconds sum exactly. */
static void check_sum(const struct gemm *g, const struct gpu_recorder *rec,
		      const struct gpu_result *r)
{
	double sum = 0;
	uint64_t ps = 0;

	for (int i = 0; i < ATTRIB_NPARTS; i++) {
		ck_assert_msg(r->part_us[i] >= 0, "%llux%llux%llu: %s < 0",
			      (unsigned long long)g->m,
			      (unsigned long long)g->n,
			      (unsigned long long)g->k, attrib_part_name[i]);
		sum += r->part_us[i];
		ps += rec->total.ps[i];
	}
	ck_assert_msg(fabs(sum - r->time_us) <= 1e-6,
		      "%llux%llux%llu: parts sum to %.9f us, time %.9f us",
		      (unsigned long long)g->m, (unsigned long long)g->n,
		      (unsigned long long)g->k, sum, r->time_us);
	ck_assert_msg(llabs((long long)ps -
			    llround(r->time_us * 1e6)) <= 1,
		      "%llu ps of parts, %.6f us", (unsigned long long)ps,
		      r->time_us);
}

/* Every field but the parts equal (the recorder only observes). */
static void check_same(const struct gpu_result *a, const struct gpu_result *b)
{
	struct gpu_result x = *a, y = *b;

	memset(x.part_us, 0, sizeof x.part_us);
	memset(y.part_us, 0, sizeof y.part_us);
	ck_assert_msg(x.time_us == y.time_us, "time %.9f vs %.9f with a "
		      "recorder", x.time_us, y.time_us);
	ck_assert_msg(!memcmp(&x, &y, sizeof x),
		      "a recorder changed a result field");
}

static double frac(const struct gpu_result *r, int part)
{
	return r->part_us[part] / r->time_us;
}

START_TEST(test_parts_sum_on_reference_grid)
{
	static const int q[] = {1, 16, 32, 48, 64, 80, 96, 112};
	static const int b[] = {1, 2, 4, 8, 16, 32, 64};
	struct hw_spec *hw = load_hw("a100-80gb-pcie");

	/* Llama 33B: up/gate T×6656·6656×17920 (one shape), down
	 * T×17920·17920×6656 */
	for (int op = 0; op < 2; op++)
		for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
			for (size_t j = 0; j < sizeof b / sizeof b[0]; j++) {
				struct gemm g = {(uint64_t)(q[i] * b[j]),
						 op ? 6656 : 17920,
						 op ? 17920 : 6656, RL_FP16};
				struct gpu_recorder rec;
				struct gpu_result r, p;

				recorded(hw, &g, 0, 0, &rec, &r,
					 i % 3 == 0 ? &p : NULL);
				check_sum(&g, &rec, &r);
				if (i % 3 == 0)
					check_same(&r, &p);
				attrib_destroy(&rec);
			}
	hw_spec_free(hw);
}
END_TEST

START_TEST(test_parts_sum_on_random_shapes)
{
	static const char *const gpus[] = {"a100-80gb-sxm", "h100-sxm"};
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);

	gsl_rng_set(rng, 11);
	for (int h = 0; h < 2; h++) {
		struct hw_spec *hw = load_hw(gpus[h]);

		for (int i = 0; i < 24; i++) {
			/* log-uniform dimensions, 1..16384 (m), 64..16384 */
			struct gemm g = {
				(uint64_t)exp(gsl_rng_uniform(rng) * log(16384.0)),
				(uint64_t)(64 * exp(gsl_rng_uniform(rng) * log(256.0))),
				(uint64_t)(64 * exp(gsl_rng_uniform(rng) * log(256.0))),
				RL_BF16};
			struct gpu_recorder rec;
			struct gpu_result r, p;

			if (g.m < 1)
				g.m = 1;
			recorded(hw, &g, i % 2, i % 4 == 0, &rec, &r, &p);
			check_sum(&g, &rec, &r);
			check_same(&r, &p);
			attrib_destroy(&rec);
		}
		hw_spec_free(hw);
	}
	gsl_rng_free(rng);
}
END_TEST

START_TEST(test_weight_streaming_is_dram)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	struct gemm g = {1, 16384, 16384, RL_BF16};
	struct gpu_recorder rec;
	struct gpu_result r;

	/* 512 MiB of B through DRAM at ~1.6 TB/s: ~330 us against a few us
	 * of launch and latency */
	recorded(hw, &g, 0, 0, &rec, &r, NULL);
	ck_assert_msg(frac(&r, ATTRIB_DRAM) >= 0.8, "DRAM %.3f of %.3f us",
		      r.part_us[ATTRIB_DRAM], r.time_us);
	attrib_destroy(&rec);
	hw_spec_free(hw);
}
END_TEST

START_TEST(test_large_square_is_tensor)
{
	struct hw_spec *hw = load_hw("h100-sxm");
	struct gemm g = {8192, 8192, 8192, RL_BF16};
	struct gpu_recorder rec;
	struct gpu_result r;

	/* OI ~2700 FLOP/B, far above the ridge: the MMA pipes set the pace */
	recorded(hw, &g, 0, 0, &rec, &r, NULL);
	ck_assert_msg(frac(&r, ATTRIB_TENSOR) >= 0.8, "tensor %.3f of %.3f us",
		      r.part_us[ATTRIB_TENSOR], r.time_us);
	attrib_destroy(&rec);
	hw_spec_free(hw);
}
END_TEST

/* Play a 256x128x32 kernel (one CTA per SM on the A100) of m x n tiles. */
static void play_tiles(const struct hw_spec *hw, uint64_t tm, uint64_t tn,
		       struct gpu_recorder *rec, struct gpu_result *r,
		       struct kernel_config *kc)
{
	struct gemm g = {256 * tm, 128 * tn, 8192, RL_BF16};
	struct gpu_opts o;

	ck_assert_int_eq(kernel_config_make(hw, &g, 256, 128, 32, 1, kc),
			 RL_OK);
	kc->est_us = kernel_estimate_us(hw, &g, kc);
	memset(&o, 0, sizeof o);
	attrib_init(rec, 0);
	o.rec = rec;
	ck_assert_msg(gpu_simulate_kernel(hw, &g, kc, &o, r, err) == RL_OK,
		      "%s", err);
}

START_TEST(test_tail_of_a_ragged_wave)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	struct gpu_recorder rec;
	struct gpu_result r;
	struct kernel_config kc;
	double body, waves;

	/* 6 x 19 = 114 CTAs on 108 SMs: 1.056 waves. Compute-bound CTAs
	 * (k = 8192) of equal length W: the first round ends at W, six CTAs
	 * then run alone for another W — the tail is one round of the two,
	 * half of the time after launch */
	play_tiles(hw, 6, 19, &rec, &r, &kc);
	ck_assert_msg(kc.ctas_per_sm == 1, "precondition: 1 CTA per SM, "
		      "found %d", kc.ctas_per_sm);
	waves = (double)kc.ctas / hw->sm.count;
	ck_assert(waves > 1.05 && waves < 1.06);
	body = r.time_us - r.part_us[ATTRIB_FIXED];
	ck_assert_msg(fabs(r.part_us[ATTRIB_TAIL] - body / ceil(waves)) <=
			      0.1 * body,
		      "tail %.3f us, expected ~%.3f (1/%g of %.3f)",
		      r.part_us[ATTRIB_TAIL], body / ceil(waves), ceil(waves),
		      body);
	attrib_destroy(&rec);

	/* 6 x 18 = 108 CTAs: one full wave that ends together */
	play_tiles(hw, 6, 18, &rec, &r, &kc);
	ck_assert_msg(frac(&r, ATTRIB_TAIL) < 0.05, "one wave: tail %.3f of "
		      "%.3f us", r.part_us[ATTRIB_TAIL], r.time_us);
	attrib_destroy(&rec);
	hw_spec_free(hw);
}
END_TEST

START_TEST(test_tiny_gemm_is_fixed_cost)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	struct gemm g = {64, 64, 64, RL_BF16};
	struct gpu_recorder rec;
	struct gpu_result r;

	/* 0.5 MFLOP and 24 KiB: nanoseconds of work behind microseconds of
	 * launch */
	recorded(hw, &g, 0, 0, &rec, &r, NULL);
	ck_assert_msg(frac(&r, ATTRIB_FIXED) > 0.5, "fixed %.3f of %.3f us",
		      r.part_us[ATTRIB_FIXED], r.time_us);
	ck_assert_double_eq_tol(r.part_us[ATTRIB_FIXED],
				hw->launch.overhead_us, 1e-6);
	attrib_destroy(&rec);
	hw_spec_free(hw);
}
END_TEST

/* Spans of rec: each CTA index once, no overlap per (SM, slot), tensor
 * busy equal to the result's. */
static void check_spans(const struct gpu_recorder *rec,
			const struct gpu_result *r)
{
	uint8_t *seen = calloc(rec->ctas, 1);
	sim_time_t *last = calloc(rec->nslots, sizeof(*last));
	double busy = 0;

	ck_assert(seen && last);
	for (uint64_t i = 0; i < rec->nspans; i++) {
		const struct attrib_span *s = &rec->spans[i];
		unsigned slot = s->sm * rec->cps + s->slot;

		ck_assert_uint_eq(s->count, 1);
		ck_assert_uint_lt(s->cta, rec->ctas);
		ck_assert_msg(!seen[s->cta], "CTA %llu twice",
			      (unsigned long long)s->cta);
		seen[s->cta] = 1;
		/* spans of a slot are pushed in time order */
		ck_assert_msg(s->t0 >= last[slot], "overlap on SM %u slot %u",
			      s->sm, s->slot);
		ck_assert(s->t1 >= s->t0);
		last[slot] = s->t1;
		busy += s->mma_ps;
	}
	for (uint64_t i = 0; i < rec->ctas; i++)
		ck_assert_msg(seen[i], "CTA %llu missing", (unsigned long long)i);
	ck_assert_double_eq_tol(busy / (rec->nsm * (double)rec->elapsed),
				r->tensor_util, 1e-9);
	free(seen);
	free(last);
}

START_TEST(test_timeline_spans)
{
	struct hw_spec *hw = load_hw("h100-sxm");
	static const struct gemm gs[] = {
		{4096, 4096, 4096, RL_BF16}, /* several waves */
		{16, 8192, 8192, RL_BF16},   /* split-K or stream-K */
		{3000, 5000, 700, RL_BF16},  /* ragged tiles */
	};

	for (size_t i = 0; i < sizeof gs / sizeof gs[0]; i++) {
		struct gpu_recorder rec;
		struct gpu_result r;

		recorded(hw, &gs[i], 0, 1, &rec, &r, NULL);
		ck_assert_uint_eq(rec.ctas, (uint64_t)r.ctas);
		check_spans(&rec, &r);
		attrib_destroy(&rec);
	}
	hw_spec_free(hw);
}
END_TEST

/* ---- the hooks on hand-made inputs ------------------------------------ */

/* A DRAM stand-in behind the probe: every request completes at
 * fake_done, whatever it is. */
static sim_time_t fake_done;

static sim_time_t fake_read(struct gpu_mem *m, sim_time_t t, uint64_t block,
			    uint64_t addr, double bytes, unsigned share)
{
	(void)m, (void)t, (void)block, (void)addr, (void)bytes, (void)share;
	return fake_done;
}

static sim_time_t fake_write(struct gpu_mem *m, sim_time_t t, uint64_t block,
			     uint64_t addr, double bytes)
{
	(void)m, (void)t, (void)block, (void)addr, (void)bytes;
	return fake_done;
}

static const struct gpu_mem_ops fake_ops = {
	.name = "fake-dram", .read = fake_read, .write = fake_write,
};

/* A recorder with a DRAM of 4 channels, 4 B/ps in all (1 B/ps each), a
 * 1000 ps latency, 1000 ps bins, and nids blocks of fill bookkeeping. */
static struct gpu_mem *probe_on_fake(struct gpu_recorder *r,
				     struct gpu_mem *dram, uint64_t nids)
{
	attrib_init(r, 1);
	r->dram_ch = 4;
	r->dram_bps = 4.0;
	r->dram_lat = 1000;
	r->bins.bin_ps = 1000;
	r->bins.dram_bytes = calloc(ATTRIB_BINS, sizeof(double));
	r->nids = nids;
	r->fill_end = calloc(nids, sizeof *r->fill_end);
	r->fill_start = calloc(nids, sizeof *r->fill_start);
	ck_assert(r->bins.dram_bytes && r->fill_end && r->fill_start);
	dram->ops = &fake_ops;
	dram->next = NULL;
	return attrib_probe(r, dram);
}

START_TEST(test_dram_bytes_are_binned_over_their_service_window)
{
	struct gpu_recorder r;
	struct gpu_mem dram, *p = probe_on_fake(&r, &dram, 2);
	const double *b;

	/* 8 KiB = 2 chunks of 4 KiB: 2 of the 4 channels, 2 B/ps, served in
	 * 4096 ps ending one latency before completion: issued at 0, done at
	 * 10000 -> [4904, 9000]: 96/4096 of it (192 B) in bin 4, 1000/4096
	 * (2000 B) in each of bins 5..8, nothing in 9 */
	fake_done = 10000;
	ck_assert_uint_eq(p->ops->read(p, 0, 1, 0, 8192, 1), 10000);
	b = r.bins.dram_bytes;
	ck_assert_double_eq_tol(b[3], 0, 1e-9);
	ck_assert_double_eq_tol(b[4], 192, 1e-9);
	for (int i = 5; i <= 8; i++)
		ck_assert_double_eq_tol(b[i], 2000, 1e-9);
	ck_assert_double_eq_tol(b[9], 0, 1e-9);
	/* the fill of block 1 is known; a block beyond nids is not kept */
	ck_assert_uint_eq(r.fill_start[1], 0);
	ck_assert_uint_eq(r.fill_end[1], 10000);
	fake_done = 12000;
	p->ops->read(p, 11000, 7, 0, 64, 1);
	ck_assert_uint_eq(r.fill_end[1], 10000);

	/* a write of 32 KiB = 8 chunks spreads over all 4 channels, 4 B/ps:
	 * 8192 ps ending at 20000 - 1000 -> [10808, 19000]: 192/8192 (768 B)
	 * in bin 10, 4000 B in each of bins 11..18 */
	memset(r.bins.dram_bytes, 0, ATTRIB_BINS * sizeof(double));
	fake_done = 20000;
	p->ops->write(p, 0, 0, 0, 32768);
	ck_assert_double_eq_tol(b[10], 768, 1e-9);
	for (int i = 11; i <= 18; i++)
		ck_assert_double_eq_tol(b[i], 4000, 1e-9);
	ck_assert_double_eq_tol(b[19], 0, 1e-9);

	/* done within one latency of the issue (5000 -> 5500): the window
	 * [4400, 4500] lies before the issue and is moved to it: all 100 B
	 * in the bin 5 */
	memset(r.bins.dram_bytes, 0, ATTRIB_BINS * sizeof(double));
	fake_done = 5500;
	p->ops->read(p, 5000, 0, 0, 100, 1);
	ck_assert_double_eq_tol(b[4], 0, 1e-9);
	ck_assert_double_eq_tol(b[5], 100, 1e-9);
	ck_assert_double_eq_tol(b[6], 0, 1e-9);
	/* done before one latency has passed since time 0 (at 500): the end
	 * is clamped to 0, all 64 B in bin 0; a request of 0 bytes (no chunk:
	 * counted as one channel) adds nothing, and no NaN */
	memset(r.bins.dram_bytes, 0, ATTRIB_BINS * sizeof(double));
	fake_done = 500;
	p->ops->read(p, 0, 0, 0, 64, 1);
	p->ops->read(p, 0, 0, 0, 0, 1);
	ck_assert_double_eq_tol(b[0], 64, 1e-9);
	ck_assert_double_eq_tol(b[1], 0, 1e-9);
	attrib_destroy(&r);
	attrib_destroy(NULL);
}
END_TEST

START_TEST(test_reduction_kernel_is_launch_then_splitk_and_writeback_dram)
{
	struct gpu_recorder r;

	/* the GEMM kernel ends at 1000 ps, all of it tensor; the reduction
	 * kernel launches 300 ps later and runs 500 ps; the last write-back
	 * lands 200 ps after that: 1000 tensor + 300 fixed + 500 splitk +
	 * 200 dram = 2000 ps */
	attrib_init(&r, 0);
	r.t_end = 1000;
	r.v_end.ps[ATTRIB_TENSOR] = 1000;
	attrib_reduce(&r, 1000, 1300, 1800);
	ck_assert_uint_eq(r.t_end, 1800);
	attrib_finish(&r, 1800, 2000);
	ck_assert_uint_eq(r.elapsed, 2000);
	ck_assert_uint_eq(r.total.ps[ATTRIB_TENSOR], 1000);
	ck_assert_uint_eq(r.total.ps[ATTRIB_FIXED], 300);
	ck_assert_uint_eq(r.total.ps[ATTRIB_SPLITK], 500);
	ck_assert_uint_eq(r.total.ps[ATTRIB_DRAM], 200);

	/* launched the moment the GEMM ends and with nothing to do, nothing
	 * dirty left: the parts stay the GEMM's */
	attrib_init(&r, 0);
	r.t_end = 1000;
	r.v_end.ps[ATTRIB_TENSOR] = 1000;
	attrib_reduce(&r, 1000, 1000, 1000);
	ck_assert_uint_eq(r.t_end, 1000);
	attrib_finish(&r, 1000, 1000);
	ck_assert_uint_eq(r.total.ps[ATTRIB_TENSOR], 1000);
	ck_assert_uint_eq(r.total.ps[ATTRIB_FIXED] + r.total.ps[ATTRIB_SPLITK] +
			  r.total.ps[ATTRIB_DRAM], 0);
	attrib_destroy(&r);
}
END_TEST

START_TEST(test_end_vector_is_the_last_ctas_and_tail_the_first_idle)
{
	struct gpu_recorder r;

	attrib_init(&r, 0);
	r.t_tail = SIM_TIME_MAX;
	r.cur = calloc(2, sizeof *r.cur);
	ck_assert(r.cur);
	r.cur[0].ps[ATTRIB_TENSOR] = 5000;
	r.cur[1].ps[ATTRIB_DRAM] = 4000;
	/* slot 0 ends at 5000 with CTAs still to start: the end so far, no
	 * tail yet */
	attrib_cta_done(&r, 0, 5000, 1);
	ck_assert_uint_eq(r.t_end, 5000);
	ck_assert_uint_eq(r.v_end.ps[ATTRIB_TENSOR], 5000);
	ck_assert_uint_eq(r.t_tail, SIM_TIME_MAX);
	/* slot 1 ends earlier, at 4000 (events of one time come in any slot
	 * order), and finds none left: the machine stops being full there,
	 * but the end stays slot 0's */
	attrib_cta_done(&r, 1, 4000, 0);
	ck_assert_uint_eq(r.t_tail, 4000);
	ck_assert_uint_eq(r.t_end, 5000);
	ck_assert_uint_eq(r.v_end.ps[ATTRIB_DRAM], 0);
	/* slot 1's next CTA ends last, at 6000: the end and its vector move,
	 * the tail does not */
	r.cur[1].ps[ATTRIB_DRAM] = 6000;
	attrib_cta_done(&r, 1, 6000, 0);
	ck_assert_uint_eq(r.t_end, 6000);
	ck_assert_uint_eq(r.v_end.ps[ATTRIB_DRAM], 6000);
	ck_assert_uint_eq(r.v_end.ps[ATTRIB_TENSOR], 0);
	ck_assert_uint_eq(r.t_tail, 4000);
	attrib_destroy(&r);
}
END_TEST

START_TEST(test_doubling_past_a_fields_range_has_no_speedup)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	const struct gemm g = {256, 256, 256, RL_BF16};
	struct gpu_opts o;
	struct gpu_result r;
	double a[ATTRIB_NSENS], b[ATTRIB_NSENS];

	/* sm.count is at most 1024 (hw/spec.c's field table): 600 SMs
	 * doubled is out of range, so that resource has no answer (0); the
	 * other three are simulated */
	ck_assert_msg(hw_spec_set(hw, "sm.count", 600, err) == RL_OK, "%s", err);
	memset(&o, 0, sizeof o);
	ck_assert_msg(gpu_simulate_gemm(hw, &g, &o, &r, err) == RL_OK, "%s", err);
	ck_assert_int_eq(attrib_sensitivities(hw, &g, NULL, r.time_us, a, err),
			 RL_OK);
	ck_assert_double_eq(a[3], 0);
	for (int i = 0; i < 3; i++)
		ck_assert_msg(a[i] > 0, "%s: %g", attrib_sens_name[i], a[i]);
	/* no options are the default options */
	ck_assert_int_eq(attrib_sensitivities(hw, &g, &o, r.time_us, b, err),
			 RL_OK);
	for (int i = 0; i < ATTRIB_NSENS; i++)
		ck_assert_double_eq(a[i], b[i]);
	hw_spec_free(hw);
}
END_TEST

static Suite *attrib_suite(void)
{
	Suite *s = suite_create("attrib");
	TCase *tc = tcase_create("attribution");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_parts_sum_on_reference_grid);
	tcase_add_test(tc, test_parts_sum_on_random_shapes);
	tcase_add_test(tc, test_weight_streaming_is_dram);
	tcase_add_test(tc, test_large_square_is_tensor);
	tcase_add_test(tc, test_tail_of_a_ragged_wave);
	tcase_add_test(tc, test_tiny_gemm_is_fixed_cost);
	tcase_add_test(tc, test_timeline_spans);
	suite_add_tcase(s, tc);
	tc = tcase_create("hooks");
	tcase_add_test(tc, test_dram_bytes_are_binned_over_their_service_window);
	tcase_add_test(tc, test_reduction_kernel_is_launch_then_splitk_and_writeback_dram);
	tcase_add_test(tc, test_end_vector_is_the_last_ctas_and_tail_the_first_idle);
	tcase_add_test(tc, test_doubling_past_a_fields_range_has_no_speedup);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(attrib_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
