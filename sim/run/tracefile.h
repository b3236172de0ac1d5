/*
 * tracefile.h — one simulated GEMM as Chrome trace-event JSON (the format
 * Perfetto, ui.perfetto.dev, and chrome://tracing open), from a recorder
 * run with a timeline (sim/gpu/attrib.h).
 *
 * Tracks: one process per SM ("SM i"), one thread per CTA slot on it
 * ("slot j"), a complete event ("ph":"X") per CTA from its start to the
 * end of its epilogue, with its launch index, output tile, k-range,
 * split-K slab and tensor-core busy time as arguments; a "GPU" process
 * with counter tracks ("ph":"C"): DRAM and L2 bandwidth (GB/s), L2 hit
 * rate of operand loads, tensor-core utilisation and CTAs resident, one
 * value per bin (ATTRIB_BINS bins at most over the run). Times are in
 * microseconds with picosecond digits. Size: beyond ATTRIB_MAX_SPANS CTAs
 * a span covers a run of consecutive CTAs of one slot ("ctas" says how
 * many), so the largest accepted GEMM writes about 30 MB.
 */
#ifndef RL_RUN_TRACEFILE_H
#define RL_RUN_TRACEFILE_H

#include "models/gemm.h"
#include "sim/gpu/attrib.h"
#include "sim/gpu/gpu.h"

/* Write the trace to path (atomically: a temporary renamed into place).
 * hw names the hardware; res is the simulation's result. 0, or RL_EIO
 * with err naming the file. */
int tracefile_write(const char *path, const struct gpu_recorder *rec,
		    const char *hw, const struct gemm *g,
		    const struct gpu_result *res, char *err);

#endif
