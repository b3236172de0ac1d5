/*
 * mem.c — the GPU memory hierarchy as a chain of gpu_mem levels (see
 * mem.h), built from a table: DRAM first, each level on top of the one
 * built before it. Adding a level (another cache, another memory type) is
 * a file with its operations and one line in `levels`.
 */
#include "sim/gpu/mem.h"

#include <stddef.h>

#include "hw/spec.h"

/* A level's constructor: on top of `next` (NULL for the first, DRAM),
 * with `nids` block ids for a cache, interleaved in 2^shift-byte chunks;
 * NULL if out of memory. */
typedef struct gpu_mem *(*level_new_fn)(const struct hw_spec *hw,
					 uint64_t nids, unsigned shift,
					 struct gpu_mem *next);

static struct gpu_mem *hbm_new(const struct hw_spec *hw, uint64_t nids,
			       unsigned shift, struct gpu_mem *next)
{
	(void)nids; /* DRAM holds everything: no block state */
	(void)next; /* nothing behind it */
	return gpu_hbm_new(hw, shift);
}

/* Back to front. */
static const level_new_fn levels[] = {
	hbm_new,    /* HBM channels (hbm.c) */
	gpu_l2_new, /* L2 slices and cache (l2.c) */
};

struct gpu_mem *gpu_mem_chain_new(const struct hw_spec *hw, uint64_t nids,
				  unsigned chunk_shift, struct gpu_mem *tap)
{
	struct gpu_mem *m = NULL;
	unsigned shift = chunk_shift ? chunk_shift : GPU_CHUNK_SHIFT;

	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		struct gpu_mem *up = levels[i](hw, nids, shift, m);

		if (!up) {
			gpu_mem_free(m);
			return NULL;
		}
		m = up;
		if (i == 0 && tap) { /* the observer in front of DRAM */
			tap->next = m;
			m = tap;
		}
	}
	return m;
}
