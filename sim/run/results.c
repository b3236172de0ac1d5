/* results.c — CSV form of result rows (see results.h). */
#include "sim/run/results.h"

void results_csv_header(FILE *f)
{
	fputs("hw,model,op,q,batch,m,n,k,dtype,flops,bytes_min,bytes_hbm,oi,"
	      "time_us,roofline_time_us,tflops,hbm_gbps,roofline_tflops,"
	      "frac_of_roofline,bound,l2_hit_rate,tensor_util,hbm_util,waves,"
	      "tile,split_k\n", f);
}

void results_csv_row(FILE *f, const struct result_row *r)
{
	const struct gpu_result *s = &r->sim;
	double frac = r->roof.time_us / s->time_us;

	fprintf(f, "%s,%s,%s,%d,%d,%llu,%llu,%llu,%s,%.0f,%.0f,%.0f,%.4f,"
		"%.4f,%.4f,%.4f,%.2f,%.4f,%.4f,%s,%.4f,%.4f,%.4f,%.3f,%s,%d\n",
		r->hw, r->model, r->op, r->q, r->batch,
		(unsigned long long)r->g.m, (unsigned long long)r->g.n,
		(unsigned long long)r->g.k, rl_dtype_name(r->g.dtype),
		r->roof.flops, r->roof.bytes_min, s->bytes_hbm, r->roof.oi,
		s->time_us, r->roof.time_us, s->tflops, s->hbm_gbps,
		r->roof.attainable / 1e12, frac, s->bound, s->l2_hit_rate,
		s->tensor_util, s->hbm_util, s->waves, s->tile, s->split_k);
}
