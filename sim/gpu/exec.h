/*
 * exec.h — what sim/gpu's two executors share: the GEMM executor
 * (gpu.c) and the attention executor (layer.c) each play CTAs on SMs made
 * of the same two servers, tear the machine down the same way and name a
 * result's bound by the same rule. Private to sim/gpu.
 */
#ifndef RL_GPU_EXEC_H
#define RL_GPU_EXEC_H

#include <stddef.h>

#include "sim/engine/server.h"

struct sim_engine;
struct gpu_mem;
struct gpu_mem_stats;
struct gpu_result;
struct hw_machine;

/* One SM as both executors model it. */
struct gpu_sm {
	struct sim_server tensor; /* the SM's pipe (MMA, and for attention
				   * the softmax): work in SM cycles, the
				   * max of tensor-core and shared-memory
				   * time */
	struct sim_server port;   /* L2->SM load/store port, bytes per ps */
};

/* Free an executor's engine, its memory chain (gpu_mem_free()) and its n
 * SMs (sms may be NULL; so may e and mem). */
void gpu_exec_free(struct sim_engine *e, struct gpu_mem *mem,
		   struct gpu_sm *sms, unsigned n);

/* The bound of a result that took t seconds, given the time its SM pipes
 * (t_comp) and DRAM (t_mem) needed at their sustained rates: "compute" or
 * "memory" for the larger when it is at least half of t; else "latency"
 * when the launch and two DRAM latencies (m->launch + 2 m->dram_lat) are
 * more than a quarter of t, and "tail" otherwise. */
const char *gpu_bound_name(const struct hw_machine *m, double t,
			   double t_comp, double t_mem);

/* The result fields that come from the memory levels' statistics (ls:
 * the L2, hs: DRAM) over a run of `elapsed` ps: DRAM bytes read, written
 * and their sum, TFLOP/s and GB/s (of r->flops and r->time_us, set
 * before), the L2 hit rate and both levels' utilisation. */
void gpu_result_memory(struct gpu_result *r, const struct gpu_mem_stats *ls,
		       const struct gpu_mem_stats *hs, sim_time_t elapsed);

#endif
