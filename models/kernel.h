/*
 * kernel.h — the kernel configuration a tuned GEMM library (cuBLAS/CUTLASS
 * SM80-style) would run for a GEMM on a GPU, and the rule that picks it.
 *
 * Candidates: CTA tiles BM×BN from {256×128, 128×256, 128×128, 256×64,
 * 64×256, 128×64, 64×128, 64×64} × BK ∈ {32, 64} (and 128 for fp8) × split-K ∈ {1, 2, 3, 4,
 * 6, 8, 12, 16}. For each, the pipeline depth (stages) and the CTAs per SM
 * follow from shared memory, registers, threads and the per-SM limits of the
 * hardware spec. The rule: the candidate with the lowest *analytic* time
 * estimate (kernel_estimate_us(), a wave-quantized roofline with pipeline
 * latency and split-K reduction terms) wins, ties broken by candidate order.
 * This is what library heuristics approximate when they stand in for
 * autotuning; the estimate is only used to choose — the simulator then
 * plays the chosen kernel on the event-driven GPU.
 *
 * Pure: no engine, no allocation.
 */
#ifndef RL_MODELS_KERNEL_H
#define RL_MODELS_KERNEL_H

#include "hw/spec.h"
#include "models/gemm.h"

struct kernel_config {
	int bm, bn, bk;      /* CTA tile, elements */
	int stages;          /* cp.async pipeline depth (k-slices in flight) */
	int threads;         /* threads per CTA */
	int warps_m, warps_n;/* warp grid; each warp owns a BM/warps_m × BN/warps_n tile */
	double step_cycles;  /* SM cycles per BK-slice: max(MMA, shared-memory reads) */
	int regs;            /* registers per thread */
	int smem_bytes;      /* shared memory per CTA, bytes */
	int ctas_per_sm;     /* resident CTAs per SM */
	int split_k;         /* K split into this many slabs (1 = none) */
	int swizzle;         /* m-tiles per rasterization group */
	uint64_t tiles_m, tiles_n; /* output tiles along m and n */
	uint64_t ctas;       /* tiles_m · tiles_n · split_k */
	uint64_t ksteps;     /* BK-slices per CTA (of its K slab) */
	uint64_t tail_tiles; /* stream-K: the last tail_tiles tiles in launch order
			      * are split over tail_split CTAs each (0 = none) */
	int tail_split;      /* CTAs per tail tile (1 = none) */
	double est_us;       /* analytic estimate that chose it, µs */
};

/* Fill cfg for tile (bm, bn, bk) and split on hw; 0, or RL_EINPUT if it
 * does not fit on an SM (shared memory, registers, threads). */
int kernel_config_make(const struct hw_spec *hw, const struct gemm *g, int bm,
		       int bn, int bk, int split_k, struct kernel_config *cfg);

/* Turn cfg (split_k = 1) into the stream-K hybrid of CUTLASS 3.x SM90
 * kernels (persistent tile scheduler, StreamK decomposition): the tiles of
 * the full waves run whole; the tiles of the ragged last wave are split
 * along K into `pieces` pieces each, played in rounds over every CTA slot.
 * 0, or RL_EINPUT when there is no full wave or no ragged wave, a piece
 * would be empty or shorter than two BK-slices, or the rounds of pieces
 * would take no less than the ragged wave they replace. */
int kernel_config_stream_k(const struct hw_spec *hw, const struct gemm *g,
			   struct kernel_config *cfg, int pieces);

/* The clocks a configuration runs at, MHz: clock.sustained_mhz and
 * clock.burst_mhz, raised where the clock is power-limited (burst set) and
 * part of the MMA work is on zero padding (see kernel.c), never above
 * clock.boost_mhz. The estimate and the chooser do not use them: a
 * library's heuristic ranks kernels at the nominal clock. */
void kernel_clocks(const struct hw_spec *hw, const struct gemm *g,
		   const struct kernel_config *cfg, double *sustained_mhz,
		   double *burst_mhz);

/* Analytic time estimate of a configuration, µs (see the header comment). */
double kernel_estimate_us(const struct hw_spec *hw, const struct gemm *g,
			  const struct kernel_config *cfg);

/* Choose the kernel for g on hw (the best estimate). 0, or RL_EINPUT if
 * nothing fits. */
int kernel_choose(const struct hw_spec *hw, const struct gemm *g,
		  struct kernel_config *out);

/* The kernel `like` (chosen on another spec of the same GEMM) rebuilt for
 * hw: the same tile, BK and split-K or stream-K pieces, its stages and CTAs
 * per SM from hw, est_us estimated on hw. 0, or RL_EINPUT when it does not
 * fit hw. */
int kernel_config_remake(const struct hw_spec *hw, const struct gemm *g,
			 const struct kernel_config *like,
			 struct kernel_config *out);

/* Whether a and b are the same kernel (tile, BK, stages, split-K,
 * stream-K pieces). */
int kernel_config_same(const struct kernel_config *a,
		       const struct kernel_config *b);

/* "128x256x64/s3" (stream-K: "128x256x32/s8/sk4", 4 pieces per tail
 * tile) into buf (>= 32 bytes). */
void kernel_name(const struct kernel_config *cfg, char *buf, size_t len);

#endif
