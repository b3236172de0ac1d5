/*
 * refgrid.h — the reference grid for tests and benchmarks: the Llama 33B
 * MLP ops (up, gate, down) at m = q · batch, q and batch as in
 * experiments/medusa-llama33b-a100-pcie.json, fp16. Header-only (static
 * inline), included by tests/check_stability.c and tests/bench_grid.c.
 */
#ifndef RL_TESTS_REFGRID_H
#define RL_TESTS_REFGRID_H

#include <stddef.h>

#include "models/gemm.h"
#include "models/model.h"

static const unsigned grid_q[] = { 1, 16, 32, 48, 64, 80, 96, 112 };
static const unsigned grid_batch[] = { 1, 2, 4, 8, 16, 32, 64 };
#define NQ (sizeof grid_q / sizeof grid_q[0])
#define NB (sizeof grid_batch / sizeof grid_batch[0])
#define REFGRID_OPS 3 /* up, gate, down */

/* The distinct GEMMs of the grid in grid order (op, then q, then batch):
 * `gate` has the shape of `up`, and m = q · batch repeats, so `ridgeline
 * run` simulates each of these once. out (and ops, unless NULL: each
 * GEMM's first op) hold REFGRID_OPS · NQ · NB entries; returns how many. */
static inline size_t refgrid_distinct(const struct model_spec *llama,
				      struct gemm *out, const char **ops)
{
	static const char *const names[REFGRID_OPS] = { "up", "gate", "down" };
	size_t n = 0;

	for (int op = 0; op < REFGRID_OPS; op++)
		for (size_t qi = 0; qi < NQ; qi++)
			for (size_t bi = 0; bi < NB; bi++) {
				struct gemm g;
				size_t j;

				model_mlp_gemm(llama, op,
					       grid_q[qi] * grid_batch[bi], &g);
				g.dtype = RL_FP16;
				for (j = 0; j < n; j++)
					if (out[j].m == g.m && out[j].n == g.n &&
					    out[j].k == g.k)
						break;
				if (j < n)
					continue;
				if (ops)
					ops[n] = names[op];
				out[n++] = g;
			}
	return n;
}

#endif
