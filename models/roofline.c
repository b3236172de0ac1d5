/*
 * roofline.c — the analytic roofline of one GEMM (see roofline.h).
 *
 * The ceilings are the datasheet ones (boost-clock tensor peak, datasheet
 * HBM bandwidth), not the sustained or effective rates: the roofline is the
 * bound the simulator must never beat, so it uses the most generous rates.
 */
#include "models/roofline.h"

#include <assert.h>
#include <math.h>

double roofline_attainable(double peak, double bandwidth, double oi)
{
	double mem = bandwidth * oi;

	return mem < peak ? mem : peak;
}

void roofline_gemm(const struct hw_spec *hw, const struct gemm *g,
		   struct roofline_point *out)
{
	out->flops = gemm_flops(g);
	out->bytes_min = gemm_bytes_min(g);
	out->oi = gemm_oi(g);
	out->peak_flops = hw_spec_peak_flops(hw, g->dtype);
	out->bandwidth = hw_spec_bandwidth(hw);
	out->ridge = out->bandwidth > 0 ? out->peak_flops / out->bandwidth : 0;
	out->attainable = roofline_attainable(out->peak_flops, out->bandwidth,
					      out->oi);
	/* A dtype without tensor rate (peak 0) has no finite time. */
	out->time_us = out->attainable > 0 ? out->flops / out->attainable * 1e6
					   : INFINITY;
	out->memory_bound = out->oi < out->ridge;
	/* Neither ceiling is exceeded, and the time is that of the slower
	 * of compute and compulsory traffic. */
	assert(out->attainable <= out->peak_flops);
	assert(out->attainable <= out->bandwidth * out->oi * (1 + 1e-12));
}
