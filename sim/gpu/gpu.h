/*
 * gpu.h — the GPU built from a hardware spec, playing one GEMM's tile trace
 * on event-driven resources (HBM channels, L2 slices + cache, SMs, tensor
 * cores) and returning what it measured.
 *
 * gpu_simulate_gemm() is reentrant: it allocates its own engine and state,
 * so several threads may simulate different points at once.
 */
#ifndef RL_GPU_H
#define RL_GPU_H

#include <stdint.h>

#include "hw/spec.h"
#include "models/gemm.h"
#include "sim/gpu/attrib.h"

/* How the call is run. All zero: a cold L2 on a GPU that has been busy
 * for long, i.e. at clock.sustained_mhz (`gemm`, `run`: a layer in a
 * serving loop). A measurement protocol (sim/run) sets the cache state
 * its previous calls leave and how many identical calls run back to back
 * around the timed ones, which sets the power-limited clock
 * (hw_spec_mean_clock_mhz over the timed window). */
struct gpu_opts {
	int l2_warm;        /* 1: operands resident in L2 at kernel start */
	double l2_warm_fraction; /* else this share (0..1) of the operand blocks,
				  * spread evenly over them, as a replacement
				  * policy that is not strict LRU leaves of a
				  * cyclic working set larger than the L2 */
	int calls_before;   /* identical calls run back to back before the timed ones */
	int calls_timed;    /* calls averaged in the timed window; 0 = steady state */
	struct gpu_recorder *rec; /* NULL (default): nothing recorded; else
				   * attribution (and timeline) observer,
				   * sim/gpu/attrib.h — predictions unchanged */
	/* The simulation's resolution, not the machine (0: the defaults; for
	 * the stability test and for measuring what they cost): */
	double step_budget; /* CTA k-steps before BK-slices merge into
			     * longer steps (gpu.c STEP_BUDGET, 40,000) */
	unsigned chunk_shift; /* log2 of the address-interleave chunk, bytes
			       * (mem.h GPU_CHUNK_SHIFT, 12 = 4 KiB) */
	int no_fold;        /* 1: play every CTA of a GEMM of more than
			     * GPU_FOLD_CTAS CTAs instead of folding its
			     * steady-state waves (gpu.c), with the steps the
			     * fold plays: the fold's error, measured */
};

struct gpu_result {
	double time_us;        /* predicted kernel time incl. launch, µs */
	double flops;          /* executed FLOPs (== 2mnk) */
	double bytes_min;      /* compulsory bytes */
	double bytes_hbm_read; /* bytes read from HBM */
	double bytes_hbm_write;/* bytes written to HBM */
	double bytes_hbm;      /* read + write */
	double tflops;         /* flops / time, TFLOP/s */
	double hbm_gbps;       /* bytes_hbm / time, GB/s */
	double l2_hit_rate;    /* fraction of L2 requests (bytes) that hit */
	double tensor_util;    /* tensor-core busy (MMA cycles) / (SMs · time) */
	double hbm_util;       /* HBM channel busy / (channels · time) */
	double l2_util;        /* L2 slice busy / (slices · time) */
	double waves;          /* CTAs / concurrently resident CTAs */
	char tile[32];         /* kernel chosen, "BMxBNxBK/sS" */
	int split_k;           /* split-K factor (1 = none) */
	int ctas;              /* CTAs launched (incl. split-K) */
	char bound[16];        /* memory | compute | latency | tail */
	uint64_t events;       /* engine events run (with a fold, those of
				* the CTAs played) */
	double clock_mhz;      /* SM clock the kernel ran at (power-limited mean) */
	double part_us[ATTRIB_NPARTS]; /* time_us by critical-path part, µs,
					* in attrib_part order (attrib.h);
					* all 0 unless gpu_opts.rec was set */
};

/* Simulate g on hw with the kernel the chooser picks (models/kernel.h) and
 * fill *out. On a what-if hw (hw->origin set, hw_spec_what_if) the kernel
 * the origin's chooser picks stays a candidate: the pick for hw replaces it
 * only if it simulates faster (gpu.c what_if), so a changed spec switches
 * kernel only to a faster one. opts may be NULL: cold L2, steady-state (sustained) clock, no
 * recorder. Returns RL_OK; RL_EINPUT when gpu_check_gemm() refuses g (the
 * reason in err); RL_EIO when out of memory or when the result would beat
 * the roofline (a model bug). err: RL_ERR_LEN bytes, one line. Reentrant:
 * hw and g are only read. */
int gpu_simulate_gemm(const struct hw_spec *hw, const struct gemm *g,
		      const struct gpu_opts *opts, struct gpu_result *out,
		      char *err);

struct kernel_config;
/* Play a given kernel configuration (kernel_config_make() on the same hw
 * and g, est_us set) instead of the chooser's: for tests and for
 * comparing candidates. Same results and errors as gpu_simulate_gemm(). */
int gpu_simulate_kernel(const struct hw_spec *hw, const struct gemm *g,
			const struct kernel_config *kc,
			const struct gpu_opts *opts, struct gpu_result *out,
			char *err);

/* Whether gpu_simulate_gemm() would take g on hw: positive sizes, a tensor
 * rate for the dtype, a kernel that fits an SM, at most GPU_MAX_CTAS CTAs.
 * 0, or RL_EINPUT with one line in err. Cheap (no simulation): for
 * validating a whole experiment before anything runs. */
int gpu_check_gemm(const struct hw_spec *hw, const struct gemm *g,
		   char *err);

struct attn_shape;
struct attn_kernel;
struct layer_op;
/* FlashAttention over a KV cache (models/attention.h), its tile trace
 * played on the same SMs, L2 and HBM as a GEMM's (sim/gpu/layer.c).
 * flops are the useful (masked) FLOPs, tile the kernel ("fa2 64x128/s2",
 * "/xS" for S KV splits), split_k the KV split. Same errors as
 * gpu_simulate_gemm(). */
int gpu_simulate_attention(const struct hw_spec *hw,
			   const struct attn_shape *a,
			   const struct gpu_opts *opts, struct gpu_result *out,
			   char *err);
/* Cheap checks of gpu_simulate_attention() (shape, kernel, CTA count). */
int gpu_check_attention(const struct hw_spec *hw, const struct attn_shape *a,
			char *err);
/* The KV-cache append before attention (SGLang's set_kv_buffer, vLLM's
 * reshape_and_cache): one launch, a DRAM round trip and 4·q·batch·kv_heads
 * ·head_dim elements moved (K and V read and written), µs; part of the
 * attn op's time. */
double gpu_kv_append_us(const struct hw_spec *hw, const struct attn_shape *a);
/* Analytic estimate of one attention call, µs (for the protocol's clock). */
double gpu_attention_estimate_us(const struct hw_spec *hw,
				 const struct attn_shape *a,
				 const struct attn_kernel *k);
/* Tensor parallelism's ring all-reduce of `bytes` per GPU over tp GPUs:
 * launch.overhead_us + 2(tp - 1)·link.latency_us + 2(tp - 1)/tp · bytes /
 * link.bandwidth_gbps; RL_EINPUT if the spec has no link bandwidth. */
int gpu_simulate_allreduce(const struct hw_spec *hw, double bytes, int tp,
			   struct gpu_result *out, char *err);
/* Any op of a decoder layer (models/layer.h): GEMM, attention or
 * all-reduce; and its cheap check. */
int gpu_simulate_layer_op(const struct hw_spec *hw, const struct layer_op *op,
			  const struct gpu_opts *opts, struct gpu_result *out,
			  char *err);
int gpu_check_layer_op(const struct hw_spec *hw, const struct layer_op *op,
		       char *err);

/* Largest kernel simulated: 2^20 CTAs (e.g. m = n = 262144 with 256x128
 * tiles) plays in seconds; beyond that time and memory grow without
 * telling anything a smaller shape does not. */
#define GPU_MAX_CTAS (1 << 20)

/* Past this many CTAs (4x the largest GEMM of the measured tables, 32,768
 * CTAs) a kernel's steady-state waves are folded: the first CTAs are
 * played, whole waves after them are accounted at the rate the played
 * ones ran at (gpu.c, fold_plan), so that the largest accepted GEMM costs
 * a fraction of a second; gpu_opts.no_fold plays them all. */
#define GPU_FOLD_CTAS (1 << 17)

#endif
