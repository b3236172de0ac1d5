/*
 * gemm.h — one GEMM C[m×n] = A[m×k] · B[k×n]: the unit of work that
 * ridgeline times. A holds activations (m = tokens), B holds weights.
 */
#ifndef RL_MODELS_GEMM_H
#define RL_MODELS_GEMM_H

#include <stdint.h>

#include "hw/common.h"

struct gemm {
	uint64_t m, n, k;    /* rows of A and C, columns of B and C, inner dim */
	enum rl_dtype dtype; /* element type of A, B and C */
};

/* 2·m·n·k */
double gemm_flops(const struct gemm *g);
/* Compulsory bytes: A, B read once, C written once: e·(mk + kn + mn). */
double gemm_bytes_min(const struct gemm *g);
/* Operational intensity flops / bytes_min, FLOP/byte. */
double gemm_oi(const struct gemm *g);

#endif
