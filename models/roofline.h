/*
 * roofline.h — the analytic roofline of a GEMM on a hardware spec:
 * attainable = min(peak, bandwidth · OI), with the datasheet peak (boost
 * clock) and datasheet HBM bandwidth. The simulator must never beat it.
 */
#ifndef RL_MODELS_ROOFLINE_H
#define RL_MODELS_ROOFLINE_H

#include "hw/spec.h"
#include "models/gemm.h"

struct roofline_point {
	double flops;       /* 2·m·n·k */
	double bytes_min;   /* compulsory bytes */
	double oi;          /* FLOP/byte */
	double ridge;       /* FLOP/byte where the ceilings meet */
	double peak_flops;  /* FLOP/s */
	double bandwidth;   /* bytes/s */
	double attainable;  /* FLOP/s = min(peak, bandwidth·oi) */
	double time_us;     /* flops / attainable, µs (INFINITY if the hw has
			     * no tensor rate for the dtype: peak 0) */
	int memory_bound;   /* oi < ridge */
};

/* The datasheet roofline of g on hw (peak tensor rate, effective DRAM
 * bandwidth, compulsory bytes): fills every field of *out; never fails. */
void roofline_gemm(const struct hw_spec *hw, const struct gemm *g,
		   struct roofline_point *out);
/* min(peak, bandwidth · oi) */
double roofline_attainable(double peak, double bandwidth, double oi);

#endif
