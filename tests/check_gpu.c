/*
 * check_gpu.c — the GPU model (sim/gpu) against what must hold whatever
 * its calibration (issue 3, "Must hold"):
 *
 *   conservation  FLOPs are exactly 2mnk; on a cold L2 HBM reads cover the
 *                 compulsory A and B; HBM writes are C plus the split-K
 *                 fp32 partials, derived here from the tile grid;
 *   physics       simulated FLOP/s never exceed min(peak, bandwidth · OI)
 *                 of the datasheet, on the reference grid and on random
 *                 shapes;
 *   limits        weight streaming reaches the effective HBM bandwidth, a
 *                 large square GEMM the sustained tensor rate, more HBM
 *                 bandwidth never slows anything, the same inputs give the
 *                 same bytes, launch overhead is additive;
 *   fidelity      MAPE against the measured A100 SXM4 data in shared/data,
 *                 through the code `ridgeline validate` runs.
 *
 * Every expected value is derived here from the spec's datasheet fields
 * or from arithmetic on the shape, never copied from the simulator.
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
#include "models/trace.h"
#include "models/model.h"
#include "models/roofline.h"
#include "sim/gpu/attrib.h"
#include "sim/gpu/gpu.h"
#include "sim/run/validate.h"

static char err[RL_ERR_LEN];

static struct hw_spec *load_hw(const char *name)
{
	struct hw_spec *hw = NULL;

	ck_assert_msg(hw_spec_load(name, &hw, err) == RL_OK, "%s", err);
	return hw;
}

static void simulate(const struct hw_spec *hw, uint64_t m, uint64_t n,
		     uint64_t k, enum rl_dtype d, struct gpu_result *r)
{
	struct gemm g = { m, n, k, d };
	struct gpu_opts o;

	memset(&o, 0, sizeof o); /* cold L2 */
	memset(r, 0, sizeof *r);
	ck_assert_msg(gpu_simulate_gemm(hw, &g, &o, r, err) == RL_OK,
		      "%lux%lux%lu: %s", (unsigned long)m, (unsigned long)n,
		      (unsigned long)k, err);
}

/* The datasheet roofline, from the spec's fields and the shape alone:
 * min(peak, bandwidth · OI) with OI = 2mnk / (e(mk + kn + mn)). */
static double roofline_ceiling(const struct hw_spec *hw, uint64_t m,
			       uint64_t n, uint64_t k, enum rl_dtype d)
{
	double e = rl_dtype_bytes(d);
	double oi = 2.0 * m * n * k / (e * ((double)m * k + (double)k * n +
					    (double)m * n));
	double peak = hw->sm.count * hw->tensor.fp16_flop_per_clk *
		      hw->clock.boost_mhz * 1e6;
	double bw = hw->hbm.bandwidth_gbps * 1e9;

	if (d == RL_BF16)
		peak = hw->sm.count * hw->tensor.bf16_flop_per_clk *
		       hw->clock.boost_mhz * 1e6;
	/* and the spec's own helpers agree with the fields */
	ck_assert_double_eq_tol(peak, hw_spec_peak_flops(hw, d), 1e-3 * peak);
	ck_assert_double_eq_tol(bw, hw_spec_bandwidth(hw), 1e-3 * bw);
	return fmin(peak, bw * oi);
}

static void assert_under_roofline(const struct hw_spec *hw, uint64_t m,
				  uint64_t n, uint64_t k, enum rl_dtype d,
				  const struct gpu_result *r)
{
	double ceil = roofline_ceiling(hw, m, n, k, d);

	ck_assert_msg(r->tflops * 1e12 <= ceil * (1 + 1e-12),
		      "%s %lux%lux%lu: %.3f TFLOP/s above the roofline %.3f",
		      hw->name, (unsigned long)m, (unsigned long)n,
		      (unsigned long)k, r->tflops, ceil / 1e12);
}

/* ---- conservation -------------------------------------------------------- */

struct shape {
	uint64_t m, n, k;
};

/* ragged m, n and k off the tile multiples, skinny shapes that split K */
static const struct shape conserve[] = {
	{ 1, 1000, 3000 },    { 17, 1000, 3000 },   { 1000, 1000, 3000 },
	{ 4353, 1000, 3000 }, { 1, 4097, 16385 },   { 17, 2050, 12289 },
	{ 1000, 777, 5003 },  { 4353, 6656, 17920 }, { 1, 17920, 6656 },
	{ 33, 1024, 16384 },  { 64, 1536, 8192 },   { 4353, 130, 9999 },
	{ 1, 64, 64 },        { 17, 65, 65 },
};
#define NCONSERVE (sizeof conserve / sizeof conserve[0])

/* Per-step SM cycles of a 64x64x32 bf16 tile on the H200 (4096 FLOP/clk,
 * 128 B/clk of shared memory): the MMA is 2·64·64·32/4096 = 64 cycles.
 * With ldmatrix (SM80 style) the 4 warps (2x2, 32x32 each) read
 * 4·(32+32)·32·2 = 16384 B = 128 cycles; with warpgroup MMA the one
 * warpgroup reads (64+64)·32·2 = 8192 B = 64 cycles. */
START_TEST(test_warpgroup_mma_reads_shared_memory_once)
{
	struct hw_spec *hw = load_hw("h200-sxm");
	struct gemm g = { 4096, 4096, 4096, RL_BF16 };
	struct kernel_config kc;

	ck_assert_double_eq(hw->tensor.warpgroup_mma, 1);
	ck_assert_int_eq(kernel_config_make(hw, &g, 64, 64, 32, 1, &kc), RL_OK);
	ck_assert_double_eq_tol(kc.step_cycles, 64.0, 1e-9);
	ck_assert_int_eq(hw_spec_set(hw, "tensor.warpgroup_mma", 0, err),
			 RL_OK);
	ck_assert_int_eq(kernel_config_make(hw, &g, 64, 64, 32, 1, &kc), RL_OK);
	ck_assert_double_eq_tol(kc.step_cycles, 128.0, 1e-9);
	hw_spec_free(hw);
}
END_TEST

/* TMA multicast: with 2-CTA clusters sharing each B tile, L2 slices carry
 * less traffic for the same kernel (128x256x32, played as given, not
 * chosen) and the same HBM bytes. */
START_TEST(test_cluster_multicast_halves_b_traffic_through_l2)
{
	struct hw_spec *hw = load_hw("h200-sxm");
	struct hw_spec *one = hw_spec_clone(hw);
	struct gemm g = { 2048, 8192, 8192, RL_BF16 };
	struct kernel_config kc;
	struct gpu_result a, b;

	ck_assert_double_eq(hw->sm.cluster_multicast, 2);
	ck_assert_int_eq(hw_spec_set(one, "sm.cluster_multicast", 1, err),
			 RL_OK);
	ck_assert_int_eq(kernel_config_make(hw, &g, 128, 256, 32, 1, &kc),
			 RL_OK);
	kc.est_us = kernel_estimate_us(hw, &g, &kc);
	ck_assert_int_eq(gpu_simulate_kernel(hw, &g, &kc, NULL, &a, err),
			 RL_OK);
	ck_assert_int_eq(gpu_simulate_kernel(one, &g, &kc, NULL, &b, err),
			 RL_OK);
	ck_assert_msg(a.l2_util < 0.85 * b.l2_util,
		      "L2 utilization %.3f with multicast vs %.3f without",
		      a.l2_util, b.l2_util);
	/* compulsory A + B = 2·(2048·8192 + 8192·8192) bytes either way */
	ck_assert_double_ge(a.bytes_hbm_read, 2.0 * (2048.0 * 8192 + 8192.0 * 8192));
	ck_assert_double_ge(b.bytes_hbm_read, 2.0 * (2048.0 * 8192 + 8192.0 * 8192));
	hw_spec_free(one);
	hw_spec_free(hw);
}
END_TEST

START_TEST(test_flops_are_exactly_2mnk)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	struct gpu_result r;

	for (size_t i = 0; i < NCONSERVE; i++) {
		const struct shape *s = &conserve[i];

		simulate(hw, s->m, s->n, s->k, RL_BF16, &r);
		ck_assert_msg(r.flops == 2.0 * s->m * s->n * s->k,
			      "%lux%lux%lu: %.17g FLOPs",
			      (unsigned long)s->m, (unsigned long)s->n,
			      (unsigned long)s->k, r.flops);
	}
	hw_spec_free(hw);
}
END_TEST

START_TEST(test_cold_l2_reads_at_least_a_and_b)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	struct gpu_result r;

	for (size_t i = 0; i < NCONSERVE; i++) {
		const struct shape *s = &conserve[i];
		double ab = 2.0 * ((double)s->m * s->k + (double)s->k * s->n);

		simulate(hw, s->m, s->n, s->k, RL_BF16, &r);
		ck_assert_msg(r.bytes_hbm_read >= ab,
			      "%lux%lux%lu: read %.0f B < A+B %.0f B",
			      (unsigned long)s->m, (unsigned long)s->n,
			      (unsigned long)s->k, r.bytes_hbm_read, ab);
	}
	hw_spec_free(hw);
}
END_TEST

/* Worked by hand (bf16 C: 2 B per element; split-K partials fp32: 4 B,
 * written by every slab of a tile but the last, which reduces in place):
 *   64x1024x16384, tile 64x128, split 4: 8 full tiles, 3 partial slabs
 *     each: 8 * 3 * 64*128*4 = 786,432 B + C 64*1024*2 = 131,072 B
 *     = 917,504 B;
 *   17x1000x3000, tile 64x64, split 2: one row of 16 tiles holding the
 *     17x1000 valid extent, 1 partial slab: 17*1000*4 = 68,000 B + C
 *     17*1000*2 = 34,000 B = 102,000 B;
 *   1000x777x5003, tile 128x128, no split: C alone, 1000*777*2 =
 *     1,554,000 B.
 * The configurations are given, not chosen (kernel_config_make), so the
 * expected bytes owe nothing to the chooser. */
START_TEST(test_writes_are_c_plus_splitk_partials)
{
	static const struct {
		uint64_t m, n, k;
		int bm, bn, split;
		double bytes;
	} cases[] = {
		{64, 1024, 16384, 64, 128, 4, 917504},
		{17, 1000, 3000, 64, 64, 2, 102000},
		{1000, 777, 5003, 128, 128, 1, 1554000},
	};
	struct hw_spec *hw = load_hw("a100-80gb-sxm");

	ck_assert_int_eq(hw_spec_set(hw, "launch.splitk_reduction_kernel", 0,
				     err), RL_OK);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct gemm g = {cases[i].m, cases[i].n, cases[i].k, RL_BF16};
		struct kernel_config kc;
		struct gpu_result r;

		ck_assert_int_eq(kernel_config_make(hw, &g, cases[i].bm,
						    cases[i].bn, 32,
						    cases[i].split, &kc),
				 RL_OK);
		kc.est_us = kernel_estimate_us(hw, &g, &kc);
		ck_assert_msg(gpu_simulate_kernel(hw, &g, &kc, NULL, &r, err) ==
			      RL_OK, "%s", err);
		ck_assert_int_eq(r.split_k, cases[i].split);
		ck_assert_msg(r.bytes_hbm_write == cases[i].bytes,
			      "%lux%lux%lu split %d: wrote %.0f B, by hand %.0f B",
			      (unsigned long)g.m, (unsigned long)g.n,
			      (unsigned long)g.k, cases[i].split,
			      r.bytes_hbm_write, cases[i].bytes);
	}
	hw_spec_free(hw);
}
END_TEST

/* ---- never faster than physics -------------------------------------------- */

static const unsigned grid_q[] = { 1, 16, 32, 48, 64, 80, 96, 112 };
static const unsigned grid_batch[] = { 1, 2, 4, 8, 16, 32, 64 };

START_TEST(test_reference_grid_never_beats_the_roofline)
{
	struct hw_spec *hw = load_hw("a100-80gb-pcie");
	struct model_spec *llama = NULL;
	struct gpu_result r;
	int points = 0;

	ck_assert_msg(model_spec_load("llama-33b", &llama, err) == RL_OK, "%s",
		      err);
	ck_assert_int_eq(model_mlp_nops(llama), 3);
	for (int op = 0; op < 3; op++)
		for (size_t qi = 0; qi < 8; qi++)
			for (size_t bi = 0; bi < 7; bi++) {
				struct gemm g;

				model_mlp_gemm(llama, op,
					       grid_q[qi] * grid_batch[bi], &g);
				simulate(hw, g.m, g.n, g.k, RL_FP16, &r);
				assert_under_roofline(hw, g.m, g.n, g.k,
						      RL_FP16, &r);
				points++;
			}
	ck_assert_int_eq(points, 168);
	model_spec_free(llama);
	hw_spec_free(hw);
}
END_TEST

/* Log-uniform in [lo, hi]: most draws small (cheap), some large. */
static uint64_t draw(gsl_rng *rng, double lo, double hi)
{
	double v = exp(log(lo) + gsl_rng_uniform(rng) * (log(hi) - log(lo)));
	uint64_t u = (uint64_t)v;

	return u < lo ? (uint64_t)lo : u > hi ? (uint64_t)hi : u;
}

START_TEST(test_random_shapes_never_beat_the_roofline)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	struct gpu_result r;

	gsl_rng_set(rng, 20240603);
	for (int i = 0; i < 320; i++) {
		uint64_t m = draw(rng, 1, 8192), n = draw(rng, 64, 16384);
		uint64_t k = draw(rng, 64, 16384);
		enum rl_dtype d = i % 2 ? RL_FP16 : RL_BF16;

		/* keep the run modest: at most a few 4k-cubed-sized GEMMs */
		if ((double)m * n * k > 1e11)
			m = (uint64_t)fmax(1, 1e11 / ((double)n * k));
		simulate(hw, m, n, k, d, &r);
		assert_under_roofline(hw, m, n, k, d, &r);
		ck_assert(r.flops == 2.0 * m * n * k);
	}
	gsl_rng_free(rng);
	hw_spec_free(hw);
}
END_TEST

/* Write-dominated shapes (k tiny: C is most of the bytes), split-K, and
 * the spec pushed to its extremes: the dirty C lines the L2 still holds at
 * the end must be written back before the kernel counts as done, or these
 * beat the DRAM roofline (8192x4096x32 on the A100 PCIe did, by 10 %). */
START_TEST(test_write_dominated_and_extreme_specs_never_beat_the_roofline)
{
	static const struct shape wd[] = {
		{ 8192, 4096, 32 }, { 8192, 4096, 1 }, { 4096, 16384, 8 },
		{ 16384, 1024, 64 }, { 1, 16384, 16384 }, { 17, 2050, 12289 },
	};
	static const char *const sets[][2] = {
		{ NULL, NULL }, { "hbm.bandwidth_gbps", "1" },
		{ "hbm.efficiency", "1" }, { "l2.size_mb", "0.0625" },
		{ "launch.overhead_us", "0" }, { "hbm.latency_ns", "0" },
	};
	struct hw_spec *base = load_hw("a100-80gb-pcie");
	struct gpu_result r;

	for (size_t j = 0; j < sizeof sets / sizeof sets[0]; j++) {
		struct hw_spec *hw = hw_spec_clone(base);

		ck_assert_ptr_nonnull(hw);
		if (sets[j][0])
			ck_assert_int_eq(hw_spec_set(hw, sets[j][0],
						     atof(sets[j][1]), err),
					 RL_OK);
		for (size_t i = 0; i < sizeof wd / sizeof wd[0]; i++) {
			simulate(hw, wd[i].m, wd[i].n, wd[i].k, RL_FP16, &r);
			assert_under_roofline(hw, wd[i].m, wd[i].n, wd[i].k,
					      RL_FP16, &r);
			/* and the DRAM carried no more than it could */
			ck_assert_msg(r.hbm_util <= 1 + 1e-9,
				      "%lux%lux%lu with %s: hbm_util %.3f",
				      (unsigned long)wd[i].m,
				      (unsigned long)wd[i].n,
				      (unsigned long)wd[i].k,
				      sets[j][0] ? sets[j][0] : "the spec",
				      r.hbm_util);
		}
		hw_spec_free(hw);
	}
	hw_spec_free(base);
}
END_TEST

/* Stream-K (SM90 kernel family): 513x4096x2048 with 128x128x64 tiles is
 * 5 x 32 = 160 tiles on 132 one-CTA slots of an H100: 132 tiles run whole,
 * the 160 mod 132 = 28 tiles of the ragged wave are split into
 * 4 pieces of ceil(32 / 4) = 8 k-steps (one round: 112 <= 132): 132 + 112 = 244
 * CTAs. Every k-step of every tile is played exactly once, and the spread
 * last wave (a quarter of a wave) beats the data-parallel kernel's. */
START_TEST(test_stream_k_spreads_the_ragged_wave)
{
	struct hw_spec *hw = load_hw("h100-sxm");
	struct gemm g = { 513, 4096, 2048, RL_BF16 };
	struct kernel_config dp, sk;
	struct gpu_result a, b;
	struct trace tr;
	static uint8_t seen[160][32];
	uint64_t played = 0;

	ck_assert_int_eq(kernel_config_make(hw, &g, 128, 128, 64, 1, &dp),
			 RL_OK);
	ck_assert_int_eq(dp.ctas_per_sm, 1);
	sk = dp;
	ck_assert_int_eq(kernel_config_stream_k(hw, &g, &sk, 4), RL_OK);
	ck_assert_uint_eq(sk.tail_tiles, 28);
	ck_assert_int_eq(sk.tail_split, 4);
	ck_assert_uint_eq(sk.ctas, 244);
	trace_init(&tr, &g, &sk, 1);
	memset(seen, 0, sizeof seen);
	for (uint64_t i = 0; i < sk.ctas; i++) {
		struct trace_cta c;

		trace_cta_at(&tr, i, &c);
		ck_assert_uint_eq(c.split, i < 132 ? 1 : 4);
		ck_assert_uint_eq(c.s1 - c.s0, i < 132 ? 32 : 8);
		for (uint64_t s = c.s0; s < c.s1; s++) {
			ck_assert(!seen[c.tm * 32 + c.tn][s]);
			seen[c.tm * 32 + c.tn][s] = 1;
			played++;
		}
	}
	ck_assert_uint_eq(played, 160 * 32);
	dp.est_us = kernel_estimate_us(hw, &g, &dp);
	sk.est_us = kernel_estimate_us(hw, &g, &sk);
	ck_assert_int_eq(gpu_simulate_kernel(hw, &g, &dp, NULL, &a, err), RL_OK);
	ck_assert_int_eq(gpu_simulate_kernel(hw, &g, &sk, NULL, &b, err), RL_OK);
	ck_assert(b.flops == 2.0 * 513 * 4096 * 2048);
	ck_assert_msg(b.time_us < a.time_us, "stream-K %.2f us vs %.2f us",
		      b.time_us, a.time_us);
	ck_assert(sk.est_us < dp.est_us);
	hw_spec_free(hw);
}
END_TEST

/* fp8 (e4m3 inputs, bf16 output, as cuBLASLt runs fp8 linear layers): the
 * compulsory bytes are m·k + k·n one-byte inputs plus 2·m·n of output —
 * 1·16384 + 16384² + 2·16384 = 268,484,608 for a 16384² GEMV — so weight
 * streaming takes about half the bf16 time; a large GEMM runs at up to
 * twice the bf16 rate (8192 vs 4096 FLOP/clk/SM on the H100) and never
 * above the fp8 roofline; a GPU without an fp8 rate refuses the GEMM. */
START_TEST(test_fp8_halves_input_bytes_and_doubles_the_tensor_rate)
{
	struct hw_spec *hw = load_hw("h100-sxm");
	struct hw_spec *a100 = load_hw("a100-80gb-sxm");
	struct gemm g8 = { 1, 16384, 16384, RL_FP8 };
	struct gpu_result b16, f8, big16, big8;
	double peak8 = hw->sm.count * 8192 * hw->clock.boost_mhz * 1e6;

	ck_assert_double_eq(gemm_bytes_min(&g8), 268484608.0);
	simulate(hw, 1, 16384, 16384, RL_BF16, &b16);
	simulate(hw, 1, 16384, 16384, RL_FP8, &f8);
	ck_assert_msg(f8.time_us > 0.45 * b16.time_us &&
			      f8.time_us < 0.6 * b16.time_us,
		      "fp8 GEMV %.2f us vs bf16 %.2f us", f8.time_us,
		      b16.time_us);
	simulate(hw, 8192, 8192, 8192, RL_BF16, &big16);
	simulate(hw, 8192, 8192, 8192, RL_FP8, &big8);
	ck_assert_msg(big8.tflops > 1.8 * big16.tflops,
		      "fp8 %.1f vs bf16 %.1f TFLOP/s", big8.tflops,
		      big16.tflops);
	ck_assert(big8.tflops * 1e12 <= peak8);
	ck_assert_int_eq(gpu_simulate_gemm(a100, &g8, NULL, &f8, err),
			 RL_EINPUT);
	ck_assert_msg(strstr(err, "no tensor rate for dtype fp8") != NULL,
		      "message: %s", err);
	hw_spec_free(a100);
	hw_spec_free(hw);
}
END_TEST

/* A separate split-K reduction kernel (launch.splitk_reduction_kernel)
 * starts a launch overhead after the GEMM kernel ends and then reads the
 * partials from L2: 1x1024x4096 with 64x64x64 tiles split 4 ways has
 * 16 tiles x 4 partials x 64·64·4 B = 1 MiB of partials, well under a
 * microsecond of L2 time, so the split-K GEMM costs one launch more
 * (within 1 µs) than with the in-place reduction of the last CTA; and
 * it writes one fp32 partial more per tile (the last slab's, 1 valid row
 * x 64 columns x 4 B = 256 B, 16 tiles: 4 KiB), flushed from L2 with the
 * others at the end. */
START_TEST(test_separate_reduction_kernel_costs_one_launch)
{
	struct hw_spec *hw = load_hw("h100-sxm");
	struct gemm g = { 1, 1024, 4096, RL_BF16 };
	struct kernel_config kc;
	struct gpu_result in, sep;
	double launch = hw->launch.overhead_us;

	ck_assert_double_gt(launch, 0.5);
	ck_assert_int_eq(kernel_config_make(hw, &g, 64, 64, 64, 4, &kc),
			 RL_OK);
	kc.est_us = kernel_estimate_us(hw, &g, &kc);
	ck_assert_int_eq(hw_spec_set(hw, "launch.splitk_reduction_kernel", 0,
				     err), RL_OK);
	ck_assert_int_eq(gpu_simulate_kernel(hw, &g, &kc, NULL, &in, err),
			 RL_OK);
	ck_assert_int_eq(hw_spec_set(hw, "launch.splitk_reduction_kernel", 1,
				     err), RL_OK);
	ck_assert_int_eq(gpu_simulate_kernel(hw, &g, &kc, NULL, &sep, err),
			 RL_OK);
	ck_assert_msg(sep.time_us - in.time_us > launch - 0.5 &&
			      sep.time_us - in.time_us < launch + 1,
		      "separate %.3f us, in place %.3f us, launch %.3f us",
		      sep.time_us, in.time_us, launch);
	ck_assert_double_eq(sep.bytes_hbm_write - in.bytes_hbm_write, 4096);
	hw_spec_free(hw);
}
END_TEST

/* A partly warm L2 (gpu_opts.l2_warm_fraction): half of the operand
 * blocks resident means about half of the cold run's DRAM reads (the
 * blocks are spread evenly; A and B blocks differ in size, so within
 * 0.4-0.6), and the time lies between the warm and the cold one. */
START_TEST(test_half_warm_l2_reads_half_the_operands)
{
	struct hw_spec *hw = load_hw("h100-sxm");
	struct gemm g = { 64, 2048, 1024, RL_BF16 };
	struct gpu_opts cold = { 0 }, warm = { .l2_warm = 1 },
			half = { .l2_warm_fraction = 0.5 };
	struct gpu_result c, w, h;
	double ratio;

	ck_assert_int_eq(gpu_simulate_gemm(hw, &g, &cold, &c, err), RL_OK);
	ck_assert_int_eq(gpu_simulate_gemm(hw, &g, &warm, &w, err), RL_OK);
	ck_assert_int_eq(gpu_simulate_gemm(hw, &g, &half, &h, err), RL_OK);
	ratio = h.bytes_hbm_read / c.bytes_hbm_read;
	ck_assert_msg(ratio > 0.4 && ratio < 0.6, "half-warm reads %.3f of cold",
		      ratio);
	ck_assert(w.bytes_hbm_read < 0.01 * c.bytes_hbm_read);
	ck_assert(h.time_us <= c.time_us && h.time_us >= w.time_us);
	hw_spec_free(hw);
}
END_TEST

/* ---- limits ----------------------------------------------------------------- */

START_TEST(test_weight_streaming_reaches_effective_hbm_bandwidth)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	struct gpu_result r;
	/* datasheet peak × sustained fraction, from the spec's fields */
	double eff = hw->hbm.bandwidth_gbps * 1e9 * hw->hbm.efficiency;
	/* compulsory bytes of 1×16384 · 16384×16384 -> 1×16384 in bf16 */
	double bytes = 2.0 * (16384.0 + 16384.0 * 16384.0 + 16384.0);
	double achieved;

	simulate(hw, 1, 16384, 16384, RL_BF16, &r);
	achieved = bytes / (r.time_us * 1e-6);
	ck_assert_msg(fabs(achieved / eff - 1) <= 0.05,
		      "m=1 n=k=16384: %.1f GB/s vs effective %.1f GB/s",
		      achieved / 1e9, eff / 1e9);
	ck_assert_double_eq_tol(eff, hw_spec_effective_bandwidth(hw),
				1e-6 * eff);
	hw_spec_free(hw);
}
END_TEST

START_TEST(test_large_square_gemm_reaches_sustained_tensor_rate)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	struct gpu_result r;
	double sustained = hw->sm.count * hw->tensor.bf16_flop_per_clk *
			   hw->clock.sustained_mhz * 1e6;

	simulate(hw, 8192, 8192, 8192, RL_BF16, &r);
	ck_assert_msg(fabs(r.tflops * 1e12 / sustained - 1) <= 0.05,
		      "8192^3: %.1f TFLOP/s vs sustained %.1f TFLOP/s",
		      r.tflops, sustained / 1e12);
	ck_assert_double_eq_tol(sustained,
				hw_spec_sustained_flops(hw, RL_BF16),
				1e-6 * sustained);
	hw_spec_free(hw);
}
END_TEST

START_TEST(test_doubling_hbm_bandwidth_never_slows_anything)
{
	struct hw_spec *hw = load_hw("a100-80gb-pcie");
	struct hw_spec *fast = hw_spec_clone(hw);
	struct model_spec *llama = NULL;
	struct gemm shapes[48];
	size_t n = 0;
	int slower = 0;

	ck_assert_ptr_nonnull(fast);
	/* as --set makes it: a what-if of the A100 (gpu.h) */
	ck_assert_int_eq(hw_spec_what_if(fast, 0), RL_OK);
	ck_assert_int_eq(hw_spec_set(fast, "hbm.bandwidth_gbps",
				     2 * hw->hbm.bandwidth_gbps, err),
			 RL_OK);
	ck_assert_msg(model_spec_load("llama-33b", &llama, err) == RL_OK, "%s",
		      err);
	/* the reference grid from its extremes (m = 1, 7168) through the
	 * middle; up (gate has the same shape) and down */
	static const uint64_t tokens[] = { 1,   2,    16,   48,   64,  112,
					   448, 1024, 1792, 3584, 7168 };
	for (int op = 0; op < 3; op += 2)
		for (size_t t = 0; t < sizeof tokens / sizeof tokens[0]; t++)
			model_mlp_gemm(llama, op, tokens[t], &shapes[n++]);
	/* a square compute-bound one, a weight-streaming one */
	shapes[n++] = (struct gemm){ 4096, 4096, 4096, RL_FP16 };
	shapes[n++] = (struct gemm){ 2, 16384, 16384, RL_FP16 };
	/* and ragged / split-K / small ones */
	for (size_t i = 0; i < NCONSERVE && n < 48; i++)
		shapes[n++] = (struct gemm){ conserve[i].m, conserve[i].n,
					     conserve[i].k, RL_FP16 };
	ck_assert_uint_ge(n, 36);
	for (size_t i = 0; i < n; i++) {
		struct gpu_result a, b;
		const struct gemm *g = &shapes[i];

		simulate(hw, g->m, g->n, g->k, RL_FP16, &a);
		simulate(fast, g->m, g->n, g->k, RL_FP16, &b);
		/* A switch of kernel must be to a faster one: strict (the
		 * what-if rule, test_what_if_switches_only_to_a_faster_kernel).
		 * With the same kernel a different interleaving of events may
		 * cost up to 0.5 % (KNOWN DEFECT: list scheduling is not
		 * monotone; 4353x6656x17920 here: +0.04 %). Strict violations
		 * are listed on stderr. */
		int same = !strcmp(a.tile, b.tile) && a.split_k == b.split_k;
		double allow = same ? 1.005 : 1.0;

		if (b.time_us > a.time_us)
			fprintf(stderr, "strictly slower at 2x HBM: %lux%lux%lu "
					"%.3f vs %.3f us (%s)\n",
				(unsigned long)g->m, (unsigned long)g->n,
				(unsigned long)g->k, b.time_us, a.time_us,
				same ? "same kernel" : "kernel switched");
		if (b.time_us > allow * a.time_us) {
			/* list every slower shape before failing */
			fprintf(stderr,
				"slower at 2x HBM: %lux%lux%lu %.3f us (%s "
				"split %d) vs %.3f us (%s split %d) at 1x\n",
				(unsigned long)g->m, (unsigned long)g->n,
				(unsigned long)g->k, b.time_us, b.tile,
				b.split_k, a.time_us, a.tile, a.split_k);
			slower++;
		}
	}
	ck_assert_msg(slower == 0,
		      "%d of %zu shapes slower at 2x HBM bandwidth (listed "
		      "on stderr)", slower, n);
	model_spec_free(llama);
	hw_spec_free(fast);
	hw_spec_free(hw);
}
END_TEST

/* h at the SM clock of the protocol's timed calls, as gpu_simulate_gemm()
 * chooses a kernel: the power-limited mean over their roofline busy time
 * (hw_spec_mean_clock_mhz). */
static void at_protocol_clock(const struct hw_spec *h, const struct gemm *g,
			      const struct gpu_opts *o, struct hw_spec *at)
{
	struct roofline_point rp;

	*at = *h;
	roofline_gemm(h, g, &rp);
	at->clock.sustained_mhz = hw_spec_mean_clock_mhz(
		h, o->calls_before * rp.time_us, o->calls_timed * rp.time_us);
}

/* The what-if rule (gpu.c what_if): on a GPU changed from another, the
 * heuristic's new pick replaces the kernel the original GPU runs only if it
 * plays faster. Each expected time is a separate simulation of the two
 * kernels (gpu_simulate_kernel). The shapes are ones where the estimate
 * ranks the B200's kernels otherwise than the simulation plays them at
 * twice its DRAM bandwidth (experiments/checks/double_bandwidth.sh before
 * the rule: up to +7.5 %), and ones where the switch wins; both kinds must
 * occur, or the rule is not exercised. */
START_TEST(test_what_if_switches_only_to_a_faster_kernel)
{
	static const struct gemm shapes[] = {
		{ 4096, 16384, 128, RL_BF16 }, { 128, 12288, 3000, RL_BF16 },
		{ 384, 2048, 3000, RL_BF16 },  { 1024, 256, 12288, RL_BF16 },
		{ 8192, 128, 3000, RL_BF16 },  { 64, 8192, 1024, RL_BF16 },
		{ 2, 16384, 16384, RL_BF16 },  { 8192, 8192, 2048, RL_BF16 },
	};
	struct hw_spec *hw = load_hw("b200");
	struct hw_spec *fast = hw_spec_clone(hw), *plain;
	int kept = 0, switched = 0;

	ck_assert_ptr_nonnull(fast);
	ck_assert_int_eq(hw_spec_what_if(fast, 0), RL_OK);
	ck_assert_ptr_nonnull(fast->origin);
	ck_assert_int_eq(hw_spec_set(fast, "hbm.bandwidth_gbps",
				     2 * hw->hbm.bandwidth_gbps, err),
			 RL_OK);
	/* the same GPU as a GPU in its own right: the heuristic alone */
	plain = hw_spec_clone(fast);
	ck_assert_ptr_nonnull(plain);
	hw_spec_forget_origin(plain);
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		const struct gemm *g = &shapes[i];
		struct gpu_opts o;
		struct kernel_config ko, kw;
		struct gpu_result base, heur, mine, rw, ro;
		struct hw_spec at, oat;

		validate_protocol_opts(PROTOCOL_GRAPH_REPLAY, hw, g, &o);
		ck_assert_int_eq(gpu_simulate_gemm(hw, g, &o, &base, err), RL_OK);
		ck_assert_int_eq(gpu_simulate_gemm(plain, g, &o, &heur, err),
				 RL_OK);
		ck_assert_int_eq(gpu_simulate_gemm(fast, g, &o, &mine, err),
				 RL_OK);
		if (!strcmp(base.tile, heur.tile) &&
		    base.split_k == heur.split_k) {
			/* no switch: the rule plays the one kernel */
			ck_assert_double_eq(mine.time_us, heur.time_us);
			continue;
		}
		/* the origin's kernel, rebuilt for the fast GPU; each
		 * chosen at the clock the chooser sees */
		at_protocol_clock(hw, g, &o, &oat);
		at_protocol_clock(fast, g, &o, &at);
		ck_assert_int_eq(kernel_choose(&oat, g, &ko), RL_OK);
		ck_assert_int_eq(kernel_config_remake(&at, g, &ko, &kw), RL_OK);
		ck_assert_int_eq(gpu_simulate_kernel(fast, g, &kw, &o, &ro, err),
				 RL_OK);
		ck_assert_int_eq(kernel_choose(&at, g, &ko), RL_OK);
		ck_assert_int_eq(gpu_simulate_kernel(fast, g, &ko, &o, &rw, err),
				 RL_OK);
		ck_assert_double_eq(rw.time_us, heur.time_us);
		if (ro.time_us < rw.time_us) {
			struct gpu_recorder rec;
			struct gpu_result recd;
			double sum = 0;

			kept++;
			ck_assert_double_eq(mine.time_us, ro.time_us);
			ck_assert_str_eq(mine.tile, base.tile);
			/* with a recorder: the same time, and the parts are
			 * those of the kernel kept (they add up to its time) */
			attrib_init(&rec, 0);
			o.rec = &rec;
			ck_assert_int_eq(gpu_simulate_gemm(fast, g, &o, &recd, err),
					 RL_OK);
			o.rec = NULL;
			/* the recorder itself holds that run (trace, timeline) */
			ck_assert_double_eq_tol((double)rec.elapsed * 1e-6,
						ro.time_us, 1e-6);
			attrib_destroy(&rec);
			ck_assert_double_eq(recd.time_us, ro.time_us);
			for (int p = 0; p < ATTRIB_NPARTS; p++)
				sum += recd.part_us[p];
			ck_assert_double_eq_tol(sum, recd.time_us,
						1e-6 * recd.time_us);
		} else {
			switched++;
			ck_assert_double_eq(mine.time_us, rw.time_us);
			ck_assert_str_eq(mine.tile, heur.tile);
		}
		/* the 2x property itself, where the kernel was kept */
		if (!strcmp(mine.tile, base.tile) &&
		    mine.split_k == base.split_k)
			ck_assert_double_le(mine.time_us, 1.005 * base.time_us);
	}
	ck_assert_int_gt(kept, 0);
	ck_assert_int_gt(switched, 0);
	hw_spec_free(plain);
	hw_spec_free(fast);
	hw_spec_free(hw);
}
END_TEST

START_TEST(test_same_inputs_give_identical_results)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	static const struct shape s[] = {
		{ 1, 17920, 6656 }, { 17, 2050, 12289 }, { 1000, 1000, 3000 },
		{ 4353, 6656, 17920 },
	};

	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
		struct gpu_result a, b;

		simulate(hw, s[i].m, s[i].n, s[i].k, RL_BF16, &a);
		simulate(hw, s[i].m, s[i].n, s[i].k, RL_BF16, &b);
		ck_assert_msg(memcmp(&a, &b, sizeof a) == 0,
			      "%lux%lux%lu: two runs differ",
			      (unsigned long)s[i].m, (unsigned long)s[i].n,
			      (unsigned long)s[i].k);
	}
	hw_spec_free(hw);
}
END_TEST

START_TEST(test_launch_overhead_adds_to_the_time)
{
	struct hw_spec *hw = load_hw("a100-80gb-sxm");
	struct hw_spec *ideal = hw_spec_clone(hw);
	double ov = hw->launch.overhead_us;
	static const struct shape s[] = {
		{ 1, 1024, 1024 }, { 16, 6656, 17920 }, { 2048, 2048, 2048 },
	};

	ck_assert_double_gt(ov, 0);
	ck_assert_int_eq(hw_spec_set(ideal, "launch.overhead_us", 0, err),
			 RL_OK);
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
		struct gpu_result a, b;

		simulate(hw, s[i].m, s[i].n, s[i].k, RL_BF16, &a);
		simulate(ideal, s[i].m, s[i].n, s[i].k, RL_BF16, &b);
		/* the kernel itself is unchanged: the overhead precedes it */
		ck_assert_msg(fabs((a.time_us - b.time_us) - ov) <= 0.01 * ov,
			      "%lux%lux%lu: %.4f - %.4f us, overhead %.4f us",
			      (unsigned long)s[i].m, (unsigned long)s[i].n,
			      (unsigned long)s[i].k, a.time_us, b.time_us, ov);
	}
	hw_spec_free(ideal);
	hw_spec_free(hw);
}
END_TEST

/* ---- fidelity against measurements ---------------------------------------- */

/* B (the k×n weight matrix) of at least 32 MiB */
static int large_b(const struct validate_row *row, void *arg)
{
	(void)arg;
	return (double)row->g.k * row->g.n * rl_dtype_bytes(row->g.dtype) >=
	       32.0 * 1024 * 1024;
}

START_TEST(test_measured_a100_sxm_within_mape_targets)
{
	const char *shared = getenv("RL_SHARED");
	const int sanitized = getenv("RL_SANITIZED") != NULL;
	char path[1024];
	struct validate_set *v = NULL;
	struct validate_summary all, big;
	struct hw_spec *hw;
	FILE *f;

	ck_assert_msg(shared != NULL,
		      "RL_SHARED is not set (make check exports it)");
	snprintf(path, sizeof path, "%s/data/a100-sxm4-80gb-bf16-gemm.csv",
		 shared);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "measured data missing: %s", path);
	fclose(f);
	ck_assert_msg(validate_load(path, &v, err) == RL_OK, "%s", err);
	ck_assert_uint_eq(v->n, 1850);
	if (sanitized) {
		/* the sanitizer build is ~10x slower: every 10th row */
		size_t j = 0;

		for (size_t i = 0; i < v->n; i += 10)
			v->rows[j++] = v->rows[i];
		v->n = j;
	}
	hw = load_hw("a100-80gb-sxm");
	ck_assert_msg(validate_run(v, hw, 2, err) == RL_OK, "%s", err);
	validate_summarize(v, NULL, NULL, &all);
	validate_summarize(v, large_b, NULL, &big);
	fprintf(stderr,
		"fidelity: %zu rows MAPE %.2f %% (median %.2f, max %.2f, "
		"bias %+.2f); B >= 32 MiB: %zu rows MAPE %.2f %%\n",
		all.n, all.mape, all.median_ape, all.max_ape, all.mean_error,
		big.n, big.mape);
	if (sanitized) {
		ck_assert_msg(all.mape <= 12.0, "MAPE %.2f %% > 12 %%",
			      all.mape);
	} else {
		/* issue 3: MAPE <= 10 % over all 1850 rows */
		ck_assert_msg(all.mape <= 10.0, "MAPE %.2f %% > 10 %%",
			      all.mape);
		/* issue 3: <= 7 % over the 1110 rows whose B is >= 32 MB
		 * (today's figures: the stderr line above, and README's
		 * fidelity section from `ridgeline validate`) */
		ck_assert_uint_gt(big.n, 0);
		ck_assert_msg(big.mape <= 7.0,
			      "MAPE %.2f %% over %zu rows with B >= 32 MiB "
			      "> 7 %%", big.mape, big.n);
	}
	hw_spec_free(hw);
	validate_free(v);
}
END_TEST

static Suite *gpu_suite(void)
{
	Suite *s = suite_create("gpu");
	TCase *tc = tcase_create("conservation");

	tcase_add_test(tc, test_flops_are_exactly_2mnk);
	tcase_add_test(tc, test_warpgroup_mma_reads_shared_memory_once);
	tcase_add_test(tc, test_cluster_multicast_halves_b_traffic_through_l2);
	tcase_add_test(tc, test_cold_l2_reads_at_least_a_and_b);
	tcase_add_test(tc, test_writes_are_c_plus_splitk_partials);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_weight_streaming_reaches_effective_hbm_bandwidth);
	tcase_add_test(tc, test_large_square_gemm_reaches_sustained_tensor_rate);
	tcase_add_test(tc, test_same_inputs_give_identical_results);
	tcase_add_test(tc, test_launch_overhead_adds_to_the_time);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);

	tc = tcase_create("slow");
	tcase_add_test(tc, test_reference_grid_never_beats_the_roofline);
	tcase_add_test(tc, test_random_shapes_never_beat_the_roofline);
	tcase_add_test(tc,
		       test_write_dominated_and_extreme_specs_never_beat_the_roofline);
	tcase_add_test(tc, test_stream_k_spreads_the_ragged_wave);
	tcase_add_test(tc, test_fp8_halves_input_bytes_and_doubles_the_tensor_rate);
	tcase_add_test(tc, test_separate_reduction_kernel_costs_one_launch);
	tcase_add_test(tc, test_half_warm_l2_reads_half_the_operands);
	tcase_add_test(tc, test_doubling_hbm_bandwidth_never_slows_anything);
	tcase_add_test(tc, test_what_if_switches_only_to_a_faster_kernel);
	tcase_set_timeout(tc, 900);
	suite_add_tcase(s, tc);
	return s;
}

/* The fidelity test alone: tests/check_fidelity is this file built with
 * CHECK_FIDELITY. It needs the measured data, which is not part of
 * ridgeline: without it, it skips (exit 77, Automake's convention) and
 * says where it looked. */
static Suite *fidelity_suite(void)
{
	Suite *s = suite_create("fidelity");
	TCase *tc = tcase_create("fidelity");

	tcase_add_test(tc, test_measured_a100_sxm_within_mape_targets);
	tcase_set_timeout(tc, 900);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
#ifdef CHECK_FIDELITY
	const char *shared = getenv("RL_SHARED");
	char path[1024];
	FILE *f;

	snprintf(path, sizeof path, "%s/data/a100-sxm4-80gb-bf16-gemm.csv",
		 shared ? shared : "$RL_SHARED");
	if (!shared || !shared[0] || !(f = fopen(path, "r"))) {
		printf("SKIP: no measured data at %s (configure "
		       "RL_SHARED_DIR=DIR for DIR/data/)\n", path);
		return 77;
	}
	fclose(f);
	SRunner *sr = srunner_create(fidelity_suite());
	(void)gpu_suite;
#else
	SRunner *sr = srunner_create(gpu_suite());
	(void)fidelity_suite;
#endif
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
