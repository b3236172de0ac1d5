/*
 * exec.c — the executors' shared pieces (see exec.h).
 */
#include "sim/gpu/exec.h"

#include <stdlib.h>

#include "hw/spec.h"
#include "sim/engine/engine.h"
#include "sim/gpu/gpu.h"
#include "sim/gpu/mem.h"

void gpu_exec_free(struct sim_engine *e, struct gpu_mem *mem,
		   struct gpu_sm *sms, unsigned n)
{
	sim_engine_free(e);
	gpu_mem_free(mem);
	for (unsigned i = 0; sms && i < n; i++) {
		sim_server_destroy(&sms[i].tensor);
		sim_server_destroy(&sms[i].port);
	}
	free(sms);
}

const char *gpu_bound_name(const struct hw_machine *m, double t,
			   double t_comp, double t_mem)
{
	double t_floor = t_comp > t_mem ? t_comp : t_mem;

	if (t_floor < 0.5 * t)
		/* neither pipe is half busy: fixed costs or a ragged tail */
		return m->launch + 2 * m->dram_lat > 0.25 * t ? "latency"
							      : "tail";
	return t_comp >= t_mem ? "compute" : "memory";
}

void gpu_result_memory(struct gpu_result *r, const struct gpu_mem_stats *ls,
		       const struct gpu_mem_stats *hs, sim_time_t elapsed)
{
	r->bytes_hbm_read = hs->read_bytes;
	r->bytes_hbm_write = hs->write_bytes;
	r->bytes_hbm = hs->read_bytes + hs->write_bytes;
	r->tflops = r->flops / (r->time_us * 1e-6) / 1e12;
	r->hbm_gbps = r->bytes_hbm / (r->time_us * 1e-6) / 1e9;
	r->l2_hit_rate = ls->read_bytes > 0 ? ls->hit_bytes / ls->read_bytes : 0;
	r->hbm_util = hs->busy_ps / (hs->servers * (double)elapsed);
	r->l2_util = ls->busy_ps / (ls->servers * (double)elapsed);
}
