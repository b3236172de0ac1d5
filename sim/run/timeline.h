/*
 * timeline.h — a gnuplot figure of one simulated GEMM's run, from a
 * recorder run with a timeline (sim/gpu/attrib.h): on top a heat strip of
 * the CTAs resident on each SM over time (a ragged last wave shows as the
 * SMs going dark one after another), below the DRAM and L2 utilisation and
 * the L2 hit rate, at the bottom the tensor-core utilisation — so a tail
 * wave or a latency-bound prologue is visible at a glance.
 *
 * Like the experiment figures (plot.h) the script NAME.gp and its data
 * NAME.dat stay beside NAME.svg and NAME.png, for restyling and
 * re-rendering with `gnuplot NAME.gp` in that directory.
 */
#ifndef RL_RUN_TIMELINE_H
#define RL_RUN_TIMELINE_H

#include "models/gemm.h"
#include "sim/gpu/attrib.h"
#include "sim/gpu/gpu.h"

/* Bins of the figure's time axis: the recorder's bins, merged down to at
 * most this many. */
#define TIMELINE_COLUMNS 256

/* Write DIR/NAME.gp, DIR/NAME.dat and render DIR/NAME.svg and DIR/NAME.png,
 * where path is DIR/NAME.svg or DIR/NAME.png. 0; RL_EINPUT when path does
 * not end in .svg or .png; RL_EIO with err naming the file. */
int timeline_write(const char *path, const struct gpu_recorder *rec,
		   const char *hw, const struct gemm *g,
		   const struct gpu_result *res, char *err);

#endif
