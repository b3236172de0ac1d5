/*
 * gemm.c — FLOPs, compulsory bytes and operational intensity of a GEMM
 * (see gemm.h). Bytes count A and B read once and C written once: the
 * least traffic any kernel can have, which is what the roofline uses.
 */
#include "models/gemm.h"

double gemm_flops(const struct gemm *g)
{
	return 2.0 * (double)g->m * (double)g->n * (double)g->k;
}

double gemm_bytes_min(const struct gemm *g)
{
	double m = (double)g->m, n = (double)g->n, k = (double)g->k;

	return rl_dtype_bytes(g->dtype) * (m * k + k * n) +
	       rl_dtype_out_bytes(g->dtype) * m * n;
}

double gemm_oi(const struct gemm *g)
{
	double b = gemm_bytes_min(g);

	return b > 0 ? gemm_flops(g) / b : 0;
}
